package ocop

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// Office is the level of government that recognises stars.
type Office string

// Offices that recognise stars.
const (
	OfficeDistrict Office = "district"
	OfficeProvince Office = "province"
	OfficeCentral  Office = "central"
)

// OfficeOf is the office an official speaks for; a commune has none (it
// pre-checks, it does not recognise). The administrator records on behalf of
// the central level.
func OfficeOf(r Role) (Office, bool) {
	switch r {
	case RoleDistrict:
		return OfficeDistrict, true
	case RoleProvince:
		return OfficeProvince, true
	case RoleAdmin:
		return OfficeCentral, true
	}
	return "", false
}

// Authority is one row of the recognition table: under Regime (in force
// From … To, inclusive; To zero while in force) the Office recognises
// MinStars … MaxStars.
type Authority struct {
	Regime             string
	From, To           time.Time
	Office             Office
	MinStars, MaxStars int
}

// Authorities is the whole table.
type Authorities []Authority

// inForce reports whether the row's regime applies on day.
func (a Authority) inForce(day time.Time) bool {
	return !day.Before(a.From) && (a.To.IsZero() || !day.After(a.To))
}

// Regime names the regime in force on day ("" before the first).
func (as Authorities) Regime(day time.Time) string {
	for _, a := range as {
		if a.inForce(day) {
			return a.Regime
		}
	}
	return ""
}

// Decide reports whether office may record a result of stars decided on
// day, and otherwise which office recognises those stars then ("" when
// none does). A result below 3★ earns no certificate: any office that
// recognises stars under the regime may record it.
func (as Authorities) Decide(day time.Time, office Office, stars int) (ok bool, by Office) {
	for _, a := range as {
		if !a.inForce(day) {
			continue
		}
		if a.Office == office && (stars < 3 || stars >= a.MinStars && stars <= a.MaxStars) {
			return true, office
		}
		if stars >= a.MinStars && stars <= a.MaxStars {
			by = a.Office
		}
	}
	return false, by
}

// Stars an office recognises on day, as (min, max); ok false when none.
func (as Authorities) Range(day time.Time, office Office) (lo, hi int, ok bool) {
	for _, a := range as {
		if a.inForce(day) && a.Office == office {
			return a.MinStars, a.MaxStars, true
		}
	}
	return 0, 0, false
}

// Result is a council's result for a registered product.
type Result struct {
	RegistrationID int64
	ProductID      int64
	Code           string // the registration's code
	Score          float64
	Stars          int
	DecisionNo     string
	DecisionDate   time.Time
	IssuerUnitID   int64 // 0: central
	RecordedBy     int64 // Telegram user; 0: the command line
}

// Certified reports whether the result earns a certificate.
func (r Result) Certified() bool { return IsOCOP(r.Stars) }

// ValidUntil is the first day the result's certificate no longer counts
// (zero without a certificate).
func (r Result) ValidUntil() time.Time {
	if !r.Certified() {
		return time.Time{}
	}
	return CertificateExpiry(r.DecisionDate)
}

// Recorded says what RecordResults did.
type Recorded struct {
	New, Unchanged int // results written; results already there, identical
	Certificates   int
	Notifications  int
}

// Errors of recording results.
var (
	// ErrResultConflict: the product already has a different result under
	// the same decision number.
	ErrResultConflict = errors.New("a different result is recorded under this decision number")
	// ErrResultOutdated: the product has a result decided later.
	ErrResultOutdated = errors.New("a later result is recorded for this product")
)

// RowError ties an error to the result it concerns.
type RowError struct {
	Code string
	Err  error
}

func (e *RowError) Error() string { return e.Code + ": " + e.Err.Error() }
func (e *RowError) Unwrap() error { return e.Err }

// Applicant is a registration as a results office sees it.
type Applicant struct {
	RegistrationID int64
	Code           string
	ProductID      int64
	ProductName    string
	ProducerName   string
	CommuneID      int64
	Status         RegistrationStatus
	TargetStars    int
	// The product's latest result, if any.
	LastDecisionNo   string
	LastDecisionDate time.Time
	LastScore        float64
	LastStars        int
}

// ParseScore reads a score out of 100 as people write it: "72", "72,5",
// "72.5", "72.50". At most two decimals.
func ParseScore(s string) (float64, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	if s == "" || strings.ContainsAny(s, "eE+-") {
		return 0, false
	}
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > 2 {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < 0 || v > 100 {
		return 0, false
	}
	return v, true
}

// CleanDecisionNo tidies a decision number ("2388/QĐ-UBND") and reports
// whether it looks like one: 1–60 characters holding a digit.
func CleanDecisionNo(s string) (string, bool) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" || len([]rune(s)) > 60 || !strings.ContainsAny(s, "0123456789") {
		return "", false
	}
	return s, true
}

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
