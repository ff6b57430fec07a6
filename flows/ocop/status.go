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
	Targets  []Target
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
	Targets  []Target
	Gap      int // the sum of its targets' gaps (minimum levels)
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
		st.Targets = targetsOf(st.Unit, ancestors, top)
	}
	st.Tally, st.Communes = top.tally, top.communes

	var childAnc []units.Unit
	if root != 0 {
		childAnc = append([]units.Unit{st.Unit}, ancestors...)
	}
	for _, c := range ix.Children(root) {
		n := children[c.ID]
		r := UnitResult{Unit: c, Tally: n.tally, Communes: n.communes, Targets: targetsOf(c, childAnc, n)}
		for _, t := range r.Targets {
			r.Gap += t.Gap
		}
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
