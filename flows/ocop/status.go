package ocop

import (
	"cmp"
	"slices"
	"time"

	"github.com/ocopbot/ocopbot/flows/units"
)

// Status is how a unit (or the whole country) stands against its targets on
// a day.
type Status struct {
	Unit     units.Unit // zero for the whole country
	Day      time.Time
	Tally    Tally
	Communes int // communes at or under the unit
	Standing     // the unit's own targets
	// Rules sums up the quotas set for units below this one: how many of
	// the units they apply to meet them.
	Rules []RuleResult
	// Children are the units directly below, the furthest from their
	// targets first.
	Children []UnitResult
	// Empty are the communes at or under the unit with no recognised product.
	Empty []units.Unit
}

// UnitResult is one unit's count and targets.
type UnitResult struct {
	Unit     units.Unit
	Tally    Tally
	Communes int
	Standing
}

// Standing is where a unit stands against its targets: computed once here
// (standing), so that the message, the child list, the workbook and the
// chart all show the same numbers and none recomputes them.
//
// A product counts for every rule it meets at once (a 4★ product in a
// commune with none counts for the products, the 4★ and the communes
// rules), so what a unit lacks is the largest of its rules' shortfalls,
// never their sum: Bình Chánh's 16 communes at an average of 2 need 32
// products, and the 2 of 4★ it must have are 2 of those 32.
type Standing struct {
	Targets []Target
	// Required is the products its minimums ask for: the most any one
	// asks (0: no minimum).
	Required int
	// Gap is the products it lacks to meet every minimum: the largest of
	// its targets' gaps. Encouraged levels never add to it.
	Gap int
	// Encouraged and EncouragedGap are the same at the encouraged levels
	// (a rule with none at its minimum): shown as encouragement only.
	Encouraged    int
	EncouragedGap int
}

// HasMinimum reports whether a target sets a minimum.
func (s Standing) HasMinimum() bool {
	return slices.ContainsFunc(s.Targets, func(t Target) bool { return t.Quota.Minimum > 0 })
}

// HasEncouraged reports whether a target sets an encouraged level.
func (s Standing) HasEncouraged() bool {
	return slices.ContainsFunc(s.Targets, func(t Target) bool { return t.Quota.Encouraged > 0 })
}

// standing sums up a unit's targets.
func standing(targets []Target) Standing {
	s := Standing{Targets: targets}
	for _, t := range targets {
		s.Required, s.Gap = max(s.Required, t.Required), max(s.Gap, t.Gap)
		if t.Quota.Encouraged > 0 {
			s.Encouraged, s.EncouragedGap = max(s.Encouraged, t.EncouragedRequired), max(s.EncouragedGap, t.EncouragedGap)
		} else {
			s.Encouraged, s.EncouragedGap = max(s.Encouraged, t.Required), max(s.EncouragedGap, t.Gap)
		}
	}
	return s
}

// RuleResult is one quota over the units below: Met of Units meet it, at
// its minimum, or at its encouraged level when it sets no minimum.
type RuleResult struct {
	Quota      Quota
	Encouraged bool
	Units      int
	Met        int
}

// Level is the level Met is counted at.
func (r RuleResult) Level() float64 {
	if r.Encouraged {
		return r.Quota.Encouraged
	}
	return r.Quota.Minimum
}

// node is a unit's sums within a status computation.
type node struct {
	tally    Tally
	communes int
	withAny  int
}

// BuildStatus measures unit root of ix (0: the whole country) on day from
// counts, the tallies of ix's communes, against quotas.
func BuildStatus(ix *units.UnitIndex, root int64, counts map[int64]Tally, quotas []Quota, day time.Time) Status {
	st := Status{Day: day}
	var ancestors []units.Unit // of root, parent first
	if u, ok := ix.Get(root); ok {
		st.Unit = u
		for p, ok := ix.Get(u.ParentID); ok; p, ok = ix.Get(p.ParentID) {
			ancestors = append(ancestors, p)
		}
	}
	var inForce []Quota
	for _, q := range quotas {
		if q.Covers(day) {
			inForce = append(inForce, q)
		}
	}
	targetsOf := func(u units.Unit, anc []units.Unit, n node) []Target {
		var out []Target
		for _, q := range inForce {
			if q.AppliesTo(u, anc) {
				out = append(out, measure(q, n.tally, n.communes, n.withAny))
			}
		}
		return out
	}
	rules := map[int]*RuleResult{} // by index in inForce
	children := map[int64]node{}

	// walk sums the subtree of u (whose ancestors are anc, parent first)
	// and measures every unit below root against its targets.
	var walk func(u units.Unit, anc []units.Unit, depth int) node
	walk = func(u units.Unit, anc []units.Unit, depth int) node {
		var n node
		if u.Level == 3 {
			n = node{tally: counts[u.ID], communes: 1}
			if n.tally.Recognised() > 0 {
				n.withAny = 1
			} else {
				st.Empty = append(st.Empty, u)
			}
		}
		below := append([]units.Unit{u}, anc...)
		for _, c := range ix.Children(u.ID) {
			cn := walk(c, below, depth+1)
			n.tally.add(cn.tally)
			n.communes += cn.communes
			n.withAny += cn.withAny
		}
		if depth > 0 {
			for i, q := range inForce {
				if q.AppliesTo(u, anc) {
					r := rules[i]
					if r == nil {
						r = &RuleResult{Quota: q, Encouraged: q.Minimum == 0 && q.Encouraged > 0}
						rules[i] = r
					}
					r.Units++
					if m := measure(q, n.tally, n.communes, n.withAny); m.Met && (!r.Encouraged || m.EncouragedMet) {
						r.Met++
					}
				}
			}
		}
		if depth == 1 {
			children[u.ID] = n
		}
		return n
	}

	var top node
	if root == 0 {
		for _, p := range ix.Children(0) {
			pn := walk(p, nil, 1)
			top.tally.add(pn.tally)
			top.communes += pn.communes
			top.withAny += pn.withAny
		}
	} else {
		top = walk(st.Unit, ancestors, 0)
		st.Standing = standing(targetsOf(st.Unit, ancestors, top))
	}
	st.Tally, st.Communes = top.tally, top.communes

	var childAnc []units.Unit
	if root != 0 {
		childAnc = append([]units.Unit{st.Unit}, ancestors...)
	}
	for _, c := range ix.Children(root) {
		n := children[c.ID]
		r := UnitResult{Unit: c, Tally: n.tally, Communes: n.communes, Standing: standing(targetsOf(c, childAnc, n))}
		st.Children = append(st.Children, r)
	}
	slices.SortStableFunc(st.Children, func(a, b UnitResult) int {
		return cmp.Or(cmp.Compare(b.Gap, a.Gap), cmp.Compare(a.Tally.Recognised(), b.Tally.Recognised()))
	})
	for i := range inForce {
		if r := rules[i]; r != nil {
			st.Rules = append(st.Rules, *r)
		}
	}
	return st
}
