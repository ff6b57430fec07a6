package ocop

import (
	"time"
)

// A producer imported from a province's registry has no Telegram user until
// it claims its record: by sharing its own phone number, or through a
// single-use link an official printed for it (issue 15).

// ClaimCandidate is an unclaimed producer offered to a user, with what it
// holds, so that the user can tell it is theirs.
type ClaimCandidate struct {
	ProducerID int64
	Name       string
	UnitID     int64 // its commune, in the tree it was recorded in
	Products   []ClaimProduct
}

// ClaimProduct is one product of a claim candidate with its newest
// certificate not revoked (zero Stars when none).
type ClaimProduct struct {
	Name       string
	Stars      int
	ValidUntil time.Time
}

// ClaimLink is a single-use link made for an unclaimed producer: Code is
// given once (only its hash is kept).
type ClaimLink struct {
	ProducerID int64
	Name       string
	UnitID     int64
	Phone      string
	Code       string
}

// UnlinkedProducer is a producer of a unit that has not linked its chat.
type UnlinkedProducer struct {
	ProducerID     int64
	Name           string
	UnitID         int64
	AddressLine    string // thôn/ấp, số nhà within the commune; "" when not given
	Representative string
	Phone          string
}

// LinkTally counts the producers of some communes linked to the bot and not.
type LinkTally struct {
	Linked, Unlinked int
}

// ClaimRefusal is why a claim was refused: an expected outcome, checked
// with errors.Is against the constants below.
type ClaimRefusal string

func (r ClaimRefusal) Error() string { return string(r) }

// The refusals of a claim.
const (
	ErrClaimTaken   ClaimRefusal = "producer already claimed"
	ErrClaimOwner   ClaimRefusal = "user already manages a producer"
	ErrClaimUsed    ClaimRefusal = "claim link already used"
	ErrClaimExpired ClaimRefusal = "claim link expired"
	ErrClaimUnknown ClaimRefusal = "claim link unknown"
)
