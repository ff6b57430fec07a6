package ocop

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

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
	// Proposed is the stars the score earns beyond the recording office's
	// ceiling, proposed to ProposedTo (Authorities.Apply); 0 for none.
	// Stars is then the ceiling, what the office recognises.
	Proposed   int
	ProposedTo Office
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
	Proposals      int // results recorded with a proposal to a higher office
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
	SubmittedOn    time.Time // the day the dossier was submitted, in Vietnam, as a UTC date
	// The product's latest result, if any.
	LastDecisionNo   string
	LastDecisionDate time.Time
	LastScore        float64
	LastStars        int
}

// Proposal is an open proposal for more stars, as the office it is
// addressed to sees it: the registration, whose latest result (Last…) is
// the proposing office's, and the stars proposed.
type Proposal struct {
	Applicant
	Stars    int    // proposed
	Proposer string // the proposing office's unit ("" when unknown)
}

// Predates reports whether a decision dated day comes before the dossier
// it decides on was submitted: a council cannot score a product it has not
// been given. A re-evaluation is decided on the registration it renews,
// so its decision comes later too.
func (a Applicant) Predates(day time.Time) bool {
	return !a.SubmittedOn.IsZero() && day.Before(a.SubmittedOn)
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
