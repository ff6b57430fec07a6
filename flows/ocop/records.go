package ocop

import (
	"errors"
	"time"
)

// ProducerKind is the legal form of an OCOP subject (chủ thể OCOP).
type ProducerKind string

// The five kinds of producer that may take part in OCOP (148/QĐ-TTg).
const (
	KindEnterprise  ProducerKind = "enterprise"  // doanh nghiệp
	KindCooperative ProducerKind = "cooperative" // hợp tác xã
	KindCoopGroup   ProducerKind = "coop_group"  // tổ hợp tác
	KindFarm        ProducerKind = "farm"        // trang trại
	KindHousehold   ProducerKind = "household"   // hộ sản xuất có đăng ký kinh doanh
)

// ProducerKinds lists the kinds in the order they are offered.
var ProducerKinds = []ProducerKind{KindEnterprise, KindCooperative, KindCoopGroup, KindFarm, KindHousehold}

// Valid reports whether k is one of the five kinds.
func (k ProducerKind) Valid() bool {
	for _, v := range ProducerKinds {
		if k == v {
			return true
		}
	}
	return false
}

// Producer is a registered OCOP subject, managed by one Telegram user.
type Producer struct {
	ID             int64
	OwnerUserID    int64
	ChatID         int64
	Kind           ProducerKind
	Name           string
	Representative string
	Phone          string // canonical 0xxxxxxxxx; never logged
	TaxCode        string // never logged
	CitizenID      string // owner's CCCD for households; never logged
	UnitID         int64  // the commune
	AddressLine    string // within the commune: thôn/ấp/tổ dân phố, số nhà; "" when not given
	CreatedAt      time.Time
}

// Product is one product a producer submits for evaluation.
type Product struct {
	ID           int64
	ProducerID   int64
	Name         string
	SubgroupCode string
	Description  string
	PhotoFileID  string
	TargetStars  int
}

// RegistrationStatus is where a registration stands in the OCOP cycle.
type RegistrationStatus string

// Statuses of a registration, in cycle order.
const (
	StatusSubmitted RegistrationStatus = "submitted" // sent, waiting for the commune
	StatusInReview  RegistrationStatus = "in_review" // the commune or council is reviewing
	StatusEvaluated RegistrationStatus = "evaluated" // the council has scored it
	StatusRejected  RegistrationStatus = "rejected"
	StatusWithdrawn RegistrationStatus = "withdrawn"
)

// Registration is a product submitted for evaluation.
type Registration struct {
	ID          int64
	Code        string
	ProducerID  int64
	ProductID   int64
	ProductName string
	TargetStars int
	Status      RegistrationStatus
	SubmittedAt time.Time
	UnitID      int64 // the producer's commune, in the tree it registered in
	// The product's newest certificate not revoked, if any: zero Stars
	// when none.
	CertStars      int
	CertValidUntil time.Time
}

// ProductGroup is one of the six OCOP product groups with its sub-groups.
type ProductGroup struct {
	Code      string
	NameVI    string
	NameEN    string
	Subgroups []ProductSubgroup
}

// ProductSubgroup is a sub-group within a product group.
type ProductSubgroup struct {
	Code      string
	GroupCode string
	NameVI    string
	NameEN    string
}

// Name returns the group's name in lang ("vi" or "en").
func (g ProductGroup) Name(lang string) string {
	if lang == "en" {
		return g.NameEN
	}
	return g.NameVI
}

// Name returns the sub-group's name in lang ("vi" or "en").
func (g ProductSubgroup) Name(lang string) string {
	if lang == "en" {
		return g.NameEN
	}
	return g.NameVI
}

// ErrNotFound is returned by record stores when a record asked for does not
// exist; storage returns it for pgx.ErrNoRows.
var ErrNotFound = errors.New("not found")

// Submission is what a finished registration conversation hands over: the
// producer (new when its ID is 0) and the product to register.
type Submission struct {
	Producer     Producer
	Product      Product
	ActorID      int64  // the Telegram user submitting
	SubmissionID string // random per conversation: submitting twice registers once
}

// Certificate is a council's decision recognising a product with 3–5 stars.
// It counts from DecisionDate until the day before ValidUntil (36 months
// later), or until the day before RevokedOn when it was revoked.
type Certificate struct {
	ID           int64
	ProductID    int64
	Stars        int
	Score        float64 // 0 when not recorded
	DecisionNo   string  // "2388/QĐ-UBND"
	DecisionDate time.Time
	IssuerUnitID int64 // 0 when not recorded
	ValidUntil   time.Time
	RevokedOn    time.Time // zero unless revoked
}

// ValidOn reports whether the certificate counts on day.
func (c Certificate) ValidOn(day time.Time) bool {
	return !day.Before(c.DecisionDate) && day.Before(c.ValidUntil) && (c.RevokedOn.IsZero() || day.Before(c.RevokedOn))
}

// CommuneTally is the count of recognised products of the producers of one
// commune (as stored: of whichever unit tree the producer registered in).
type CommuneTally struct {
	UnitID int64
	Tally  Tally
}

// CertifiedProduct is a product with the certificate that speaks for it on
// a day: its best valid one, else its latest.
type CertifiedProduct struct {
	ProductID    int64
	Product      string
	Producer     string
	ProducerKind ProducerKind
	UnitID       int64  // the producer's commune, as stored
	AddressLine  string // the producer's thôn/ấp, số nhà within it; "" when not given
	SubgroupCode string // "" for a product imported from a registry, which names only its group
	GroupCode    string
	Certificate  Certificate
	Valid        bool // the certificate counts on the day asked
}
