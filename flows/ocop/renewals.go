package ocop

import (
	"errors"
	"slices"
	"time"
)

// Renewal: a certificate is valid 36 months and the issuing office must
// tell the producer at least 30 days before it ends. The bot reminds the
// producer at stages before expiry, takes their answer, and tells them when
// it has expired.

// DefaultReminderStages are the days before expiry a producer is reminded.
var DefaultReminderStages = []int{90, 60, 30, 7}

// ExpiredNoticeWindow is how long after expiry a producer not yet told is
// still told (after an outage); older expiries are history, not news.
const ExpiredNoticeWindow = 30

// ReminderStages sorts stages most distant first, without repeats or
// non-positive days; nil when none is left.
func ReminderStages(days []int) []int {
	var out []int
	for _, d := range days {
		if d > 0 && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

// RenewalAnswer is what a producer answers a reminder.
type RenewalAnswer string

// The three answers.
const (
	AnswerReevaluate RenewalAnswer = "reevaluate" // đăng ký đánh giá lại
	AnswerUpgrade    RenewalAnswer = "upgrade"    // đăng ký nâng hạng sao
	AnswerLapse      RenewalAnswer = "lapse"      // không gia hạn
)

// Valid reports whether a is one of the three answers.
func (a RenewalAnswer) Valid() bool {
	return a == AnswerReevaluate || a == AnswerUpgrade || a == AnswerLapse
}

// Renewal request statuses: open until a council result settles it.
const (
	RenewalOpen = "open"
	RenewalDone = "done"
)

var (
	// ErrRenewalSettled: the certificate was replaced or revoked, or a
	// council has already re-evaluated the product: nothing to answer.
	ErrRenewalSettled = errors.New("renewal already settled")
	// ErrNoUpgrade: a 5★ product has no higher rank.
	ErrNoUpgrade = errors.New("no higher rank than 5 stars")
)

// CanUpgrade says whether a product of stars may ask for a higher rank.
func CanUpgrade(stars int) bool { return stars < 5 }

// RenewalRequest is a producer's answer recorded against a certificate.
type RenewalRequest struct {
	ID            int64
	CertificateID int64
	CertificateItem
	UnitID      int64 // the producer's commune
	Answer      RenewalAnswer
	TargetStars int // for an upgrade
	Status      string
	AnsweredAt  time.Time
}

// RenewalOutcome is what answering did: Previous is the answer it replaced
// ("" when first), Unchanged says the same answer was already recorded.
type RenewalOutcome struct {
	Request   RenewalRequest
	Previous  RenewalAnswer
	Unchanged bool
}

// Swept counts what one sweep queued.
type Swept struct {
	Reminders int // reminders before expiry
	Expired   int // expiry notices
	Held      int // of both, those held for producers that have not claimed their record
	// Officials' notices of producers not linked to the bot and of events
	// held since the last sweep: Told one by one (at most
	// UnlinkedThreshold for that official), Joined a digest instead, and
	// the Digests sent.
	Told, Joined, Digests int
}

// RenewalTally is where the renewals of some communes stand on a day.
type RenewalTally struct {
	Reevaluate  int // open requests to re-evaluate
	Upgrade     int // open requests to upgrade
	Lapse       int // producers letting a certificate still in force lapse
	Unanswered  int // reminded, certificate still in force, no answer yet
	Unreachable int // reminders that could not be delivered: call them
}
