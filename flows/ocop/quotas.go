package ocop

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/ocopbot/ocopbot/flows/units"
)

// Metric is what a quota counts.
type Metric string

// The metrics a quota can set a target on.
const (
	MetricRecognised      Metric = "recognised"            // products holding a valid certificate (3★ or more)
	MetricFourStar        Metric = "four_star"             // of those, products of 4★ or more
	MetricAvgPerCommune   Metric = "avg_per_commune"       // recognised products per commune below the unit
	MetricCommunesWithAny Metric = "communes_with_product" // communes below the unit with at least one
)

// Metrics lists the metrics in the order targets are shown.
var Metrics = []Metric{MetricRecognised, MetricFourStar, MetricAvgPerCommune, MetricCommunesWithAny}

// Valid reports whether m is a known metric.
func (m Metric) Valid() bool { return slices.Contains(Metrics, m) }

// Quota is a target an office sets: on the unit with UnitCode at UnitLevel
// itself, or (Below) on every unit under it whose kind is one of Kinds (any
// kind when empty), from From until To (open when zero).
type Quota struct {
	ID         int64
	UnitCode   string
	UnitLevel  int
	Below      bool
	Kinds      []string // folded kind words: units.KindUrbanDistrict, units.KindWard…
	Metric     Metric
	Minimum    float64
	Encouraged float64 // 0: no encouraged level
	From, To   time.Time
	Source     string
}

// Covers reports whether the quota is in force on day.
func (q Quota) Covers(day time.Time) bool {
	return !day.Before(q.From) && (q.To.IsZero() || !day.After(q.To))
}

// AppliesTo reports whether the quota sets a target for u, whose ancestors
// (parent first) are given.
func (q Quota) AppliesTo(u units.Unit, ancestors []units.Unit) bool {
	if !q.Below {
		return u.Code == q.UnitCode && u.Level == q.UnitLevel
	}
	if len(q.Kinds) > 0 && !slices.Contains(q.Kinds, u.Kind) {
		return false
	}
	for _, a := range ancestors {
		if a.Code == q.UnitCode && a.Level == q.UnitLevel {
			return true
		}
	}
	return false
}

// Tally counts the recognised products of a unit by stars.
type Tally struct {
	Stars    [6]int // index 3, 4 and 5 are used
	Expiring int    // of those, products whose certificates all end within the window asked
}

// Recognised is the number of OCOP products (3★ or more).
func (t Tally) Recognised() int { return t.Stars[3] + t.Stars[4] + t.Stars[5] }

// FourStar is the number of products of 4★ or more.
func (t Tally) FourStar() int { return t.Stars[4] + t.Stars[5] }

func (t *Tally) add(o Tally) {
	for i := range t.Stars {
		t.Stars[i] += o.Stars[i]
	}
	t.Expiring += o.Expiring
}

// Target is one quota measured on one unit. Gaps are what is missing, in
// products (or communes, for MetricCommunesWithAny), rounded up; 0 when met:
// max(0, what the level asks − what the rule counts). A rule with no
// minimum (encouraged only) has Gap 0 and Met true: it is never a miss.
type Target struct {
	Quota         Quota
	Value         float64 // the measure: products, an average, communes
	Required      int     // products the minimum asks for (0: no minimum)
	Met           bool
	Gap           int
	EncouragedMet bool // always true when the quota has no encouraged level
	EncouragedGap int
	// EncouragedRequired is the products the encouraged level asks for
	// (0: no encouraged level).
	EncouragedRequired int
}

// EncouragedOnly reports whether the rule sets an encouraged level and no
// minimum: shown as encouraged, never as a shortfall.
func (t Target) EncouragedOnly() bool { return t.Quota.Minimum == 0 && t.Quota.Encouraged > 0 }

// measure evaluates q on a unit with tally t, communes communes, of which
// withAny have a product.
func measure(q Quota, t Tally, communes, withAny int) Target {
	tg := Target{Quota: q}
	// need is the count a level asks for: products, of them products of
	// 4★ or more, or communes with a product (each needs one product).
	need := func(level float64) int {
		if q.Metric == MetricAvgPerCommune {
			// An average of level per commune needs level × communes
			// products; a unit with no commune has no average to reach.
			return int(math.Ceil(level*float64(communes) - 1e-9))
		}
		return int(math.Ceil(level))
	}
	gap := func(level float64) int {
		switch q.Metric {
		case MetricRecognised, MetricAvgPerCommune:
			return max(0, need(level)-t.Recognised())
		case MetricFourStar:
			return max(0, need(level)-t.FourStar())
		case MetricCommunesWithAny:
			return max(0, need(level)-withAny)
		}
		return 0
	}
	switch q.Metric {
	case MetricRecognised:
		tg.Value = float64(t.Recognised())
	case MetricFourStar:
		tg.Value = float64(t.FourStar())
	case MetricAvgPerCommune:
		if communes > 0 {
			tg.Value = float64(t.Recognised()) / float64(communes)
		}
	case MetricCommunesWithAny:
		tg.Value = float64(withAny)
	}
	tg.Required, tg.Gap = need(q.Minimum), gap(q.Minimum)
	tg.Met = tg.Gap == 0
	tg.EncouragedMet = true
	if q.Encouraged > 0 {
		tg.EncouragedRequired, tg.EncouragedGap = need(q.Encouraged), gap(q.Encouraged)
		tg.EncouragedMet = tg.EncouragedGap == 0
	}
	return tg
}

// String describes the quota for logs and the command line.
func (q Quota) String() string {
	scope := "itself"
	if q.Below {
		scope = fmt.Sprintf("units below of kinds %v", q.Kinds)
	}
	s := fmt.Sprintf("unit %s (level %d), %s: %s ≥ %g", q.UnitCode, q.UnitLevel, scope, q.Metric, q.Minimum)
	if q.Encouraged > 0 {
		s += fmt.Sprintf(" (encouraged %g)", q.Encouraged)
	}
	return s
}
