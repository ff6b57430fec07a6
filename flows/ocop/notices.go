package ocop

import (
	"encoding/json"
	"time"
)

// Notices are the messages the bot sends on its own (results, revocations,
// renewal reminders, officials' summaries and digests): their kinds,
// statuses, the stored Notification and the JSON payload of each kind.

// Notification kinds.
const (
	NoticeResult        = "result"         // to the producer: their product's result
	NoticeResultSummary = "result_summary" // to commune/district officials: results in their unit
	NoticeRevoked       = "revoked"        // to the producer: a certificate was revoked
)

// Notification statuses.
const (
	NoticeQueued  = "queued"
	NoticeSent    = "sent"
	NoticeBlocked = "blocked" // the chat blocked the bot or no longer exists
	NoticeFailed  = "failed"  // every attempt failed
	NoticeHeld    = "held"    // the producer has not linked a chat yet: sent when it claims its record
)

// Notification kinds of renewal.
const (
	NoticeReminder       = "reminder"        // to the producer: the certificate ends soon
	NoticeExpired        = "expired"         // to the producer: it has ended
	NoticeRenewalAnswer  = "renewal_answer"  // to officials: a producer answered
	NoticeUnreachable    = "unreachable"     // to officials: a reminder could not be delivered
	NoticeDigest         = "digest"          // to officials who asked: the weekly digest
	NoticeUnlinkedDigest = "unlinked_digest" // to officials: the day's producers not linked to the bot, with a workbook
)

// Notification is one message the bot sends on its own.
type Notification struct {
	ID        int64
	Kind      string
	ChatID    int64
	Locale    string // the recipient's language ("" when unknown)
	Payload   json.RawMessage
	Status    string
	Attempts  int
	MessageID int64
	LastError string
	CreatedAt time.Time
	SentAt    time.Time
	Recipient string // the producer's name, or the official's role and unit
}

// ResultNotice is the payload of a result notification, and one line of a
// summary.
type ResultNotice struct {
	Code          string    `json:"code"`
	Product       string    `json:"product"`
	Producer      string    `json:"producer,omitempty"`
	Score         float64   `json:"score"`
	Stars         int       `json:"stars"`
	DecisionNo    string    `json:"decision_no"`
	DecisionDate  time.Time `json:"decision_date"`
	ValidUntil    time.Time `json:"valid_until,omitzero"`
	PreviousStars int       `json:"previous_stars,omitempty"` // the certificate it replaces
	// Proposed: the score earns these stars, which ProposedTo recognises;
	// the recording office recognised Stars and proposed the product.
	Proposed   int    `json:"proposed,omitempty"`
	ProposedTo Office `json:"proposed_to,omitempty"`
}

// SummaryNotice is the payload of an officials' summary.
type SummaryNotice struct {
	Results []ResultNotice `json:"results"`
}

// RevokedNotice is the payload of a revocation notification.
type RevokedNotice struct {
	Product    string    `json:"product"`
	Stars      int       `json:"stars"`
	DecisionNo string    `json:"decision_no"`
	RevokedOn  time.Time `json:"revoked_on"`
	Reason     string    `json:"reason"`
}

// ReminderNotice is the payload of a reminder or an expiry notice.
type ReminderNotice struct {
	CertificateID int64     `json:"certificate_id"`
	Stage         int       `json:"stage"` // days before expiry; 0 for the expiry notice
	Code          string    `json:"code"`
	Product       string    `json:"product"`
	Stars         int       `json:"stars"`
	DecisionNo    string    `json:"decision_no"`
	ValidUntil    time.Time `json:"valid_until"`
}

// CertificateItem names a certificate in officials' notices.
type CertificateItem struct {
	Code       string    `json:"code"`
	Product    string    `json:"product"`
	Producer   string    `json:"producer"`
	Stars      int       `json:"stars"`
	ValidUntil time.Time `json:"valid_until"`
}

// AnswerNotice is the payload of an officials' notice of a producer's
// answer, and a line of the digest.
type AnswerNotice struct {
	CertificateItem
	Answer      RenewalAnswer `json:"answer"`
	TargetStars int           `json:"target_stars,omitempty"`
	Previous    RenewalAnswer `json:"previous,omitempty"`
}

// UnreachableNotice names, to officials, a producer whom a reminder could
// not reach, with how to reach them otherwise.
type UnreachableNotice struct {
	CertificateItem
	Representative string `json:"representative"`
	Phone          string `json:"phone"`
	Stage          int    `json:"stage"`
	Reason         string `json:"reason,omitempty"` // "" (blocked) or UnreachableUnlinked
	ProducerID     int64  `json:"producer_id,omitempty"`
	// More are the producer's other certificates whose reminder of the
	// same stage was held in the same sweep: one notice per producer, not
	// one per product (a registry's producer often has several products
	// recognised by one decision).
	More []CertificateItem `json:"more,omitempty"`
}

// UnreachableUnlinked is the reason of an UnreachableNotice whose producer,
// imported from a province's registry, has not linked the bot yet: its
// reminder is held until it claims its record.
const UnreachableUnlinked = "unlinked"

// DigestNotice is the weekly digest of an official's units.
type DigestNotice struct {
	Unit     string            `json:"unit"`
	From     time.Time         `json:"from"`  // answers received since
	Until    time.Time         `json:"until"` // expiring before
	Expiring int               `json:"expiring"`
	Soonest  []CertificateItem `json:"soonest"` // the first to expire
	Received int               `json:"received"`
	Answers  []AnswerNotice    `json:"answers"` // received in the week, newest first
}

// UnlinkedThreshold is how many producers not linked to the bot an
// official may be told of one by one on a day: above it, the day's
// single notices join one digest (UnlinkedDigestNotice). It is also the
// day's allowance of single notices of events (an answer to a reminder,
// a producer newly unreachable): past it, they wait for the next
// morning's digest, so that a season of answers or a large sweep's
// blocked chats do not become hundreds of messages to one official.
const UnlinkedThreshold = 3

// UnlinkedRepeatDays is how often an official still above the threshold
// with nothing new is sent the digest again: its list of producers not
// linked, as a reminder to call them.
const UnlinkedRepeatDays = 7

// UnlinkedSoonDays is the window of the digest's "ending soon" count.
const UnlinkedSoonDays = 30

// UnlinkedDigestNotice is the payload of an official's daily digest of
// the producers of their scope whose reminders are held because they have
// not linked the bot: one message with a workbook instead of one notice
// per producer and stage.
type UnlinkedDigestNotice struct {
	Day      time.Time       `json:"day"`
	UnitID   int64           `json:"unit_id"`         // the official's unit: the claim-links button's
	Links    bool            `json:"links,omitempty"` // the official may print claim links (a province's)
	Brief    bool            `json:"brief,omitempty"` // the official asked for the counts alone (DigestBrief)
	Total    int             `json:"total"`
	Soon     int             `json:"soon"` // of them, a certificate ending within UnlinkedSoonDays
	Communes []CommuneCount  `json:"communes"`
	Items    []UnlinkedEntry `json:"items"` // most urgent first: the Total not linked and the Blocked
	// Events past the day's allowance of single notices, since the last
	// digest: producers a reminder could not reach (they blocked the bot;
	// also in Items, marked) and answers to reminders.
	Blocked int            `json:"blocked,omitempty"`
	Answers []AnswerNotice `json:"answers,omitempty"`
}

// DigestDetail is how much an official's daily digest of producers not
// linked to the bot says (/bantin).
type DigestDetail string

// The details of a daily digest.
const (
	// DigestFull: the counts, the most urgent producers with their phones
	// and the workbook of every one of them.
	DigestFull DigestDetail = "full"
	// DigestBrief: the counts alone, with a button that sends the workbook
	// when the official asks for it.
	DigestBrief DigestDetail = "brief"
)

// Valid reports whether d is a known detail.
func (d DigestDetail) Valid() bool { return d == DigestFull || d == DigestBrief }

// CommuneCount is a commune's count in a digest.
type CommuneCount struct {
	Commune string `json:"commune"`
	N       int    `json:"n"`
}

// UnlinkedEntry is a producer of an UnlinkedDigestNotice.
type UnlinkedEntry struct {
	Producer       string    `json:"producer"`
	Representative string    `json:"representative"`
	Phone          string    `json:"phone"`
	Commune        string    `json:"commune"`
	Products       int       `json:"products"`
	ValidUntil     time.Time `json:"valid_until"`       // the earliest end of its held certificates
	Blocked        bool      `json:"blocked,omitempty"` // linked, but the chat blocked the bot
}
