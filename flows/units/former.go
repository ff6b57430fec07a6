package units

import (
	"cmp"
	"slices"
	"strings"

	"github.com/ocopbot/ocopbot/flows/vntext"
)

// Former names. Since 1/7/2025 people live in the two-level tree, but most
// still give the province, district and commune they knew: a search of
// today's tree also searches the older trees and offers, through the
// merges, what each unit it finds there became.

// Match is one answer of Atlas.Search: a unit of the tree searched and,
// when the query named a unit of an older tree, that unit.
type Match struct {
	Unit        // what to record: always a unit of the tree searched
	Former Unit // zero, or the unit of an older tree the query named
	// Area is set when Former is a former district and Unit one of the
	// communes of its area; otherwise Former became Unit, wholly or in part.
	Area bool
	// Homonym is set when another former unit of the same name matched:
	// communes were named uniquely only within their district ("Phường 1"
	// of a dozen districts of Ho Chi Minh City), so the district tells
	// them apart.
	Homonym bool
}

// rankedMatch is a match with how well the query named it (see pattern.match).
type rankedMatch struct {
	Match
	rank int
}

// Search is UnitIndex.Search over tree t that also knows the names of the
// older trees. Beside the units of t under parent of level that the query
// names, it finds:
//   - at the province step (parent 0, level 1), the older tree's provinces
//     the query names, each as the province of t it went into ("binh
//     duong" offers Thành phố Hồ Chí Minh);
//   - at a commune step (level 3), the older tree's communes the query names
//     that went, wholly or in part, into a commune under parent, one match
//     for each such commune (a commune split among several offers each);
//     and the former districts it names exactly ("cu chi", "huyen cu chi"),
//     each as the communes of its area under parent (Atlas.Area).
//
// A former unit is not offered as a unit of the same name (Thành phố Hà Nội
// went into Thành phố Hà Nội): that one is found by its own name already.
// A commune is offered once where an area holds it (see below). Matches go
// by how well the query names them, the units of t first among equals;
// the number of all matches is returned with the page asked for. An empty
// query finds no former unit.
func (a *Atlas) Search(t *Tree, query string, parent int64, level, limit, offset int) ([]Match, int) {
	formers := a.formers(t, query, parent, level)
	if len(formers) == 0 {
		units, total := t.Units.Search(query, parent, level, limit, offset)
		out := make([]Match, len(units))
		for i, u := range units {
			out[i] = Match{Unit: u}
		}
		return out, total
	}
	today := t.Units.ranked(query, t.Units.children[parent], level)
	all := make([]rankedMatch, 0, len(today)+len(formers))
	for _, u := range today {
		all = append(all, rankedMatch{Match{Unit: u.Unit}, u.rank})
	}
	named := map[string]int64{} // a former unit's folded name → the ID of one so named, or −1 for several
	for _, f := range formers {
		if f.Area {
			continue
		}
		switch id, ok := named[vntext.Fold(f.Former.Name)]; {
		case !ok:
			named[vntext.Fold(f.Former.Name)] = f.Former.ID
		case id != f.Former.ID:
			named[vntext.Fold(f.Former.Name)] = -1
		}
	}
	for _, f := range formers {
		if !f.Area {
			f.Homonym = named[vntext.Fold(f.Former.Name)] == -1
		}
		all = append(all, f)
	}
	slices.SortStableFunc(all, func(x, y rankedMatch) int { return cmp.Compare(x.rank, y.rank) })
	// A unit is offered once as a commune of an area: the area's entry goes
	// when the unit came before it (by its own name, or a former
	// commune's, matched as well), and takes the place of those that come
	// after it ("huyen cu chi" means the district, not Xã Củ Chi).
	seen, inArea := map[int64]bool{}, map[int64]bool{}
	all = slices.DeleteFunc(all, func(m rankedMatch) bool {
		drop := m.Area && seen[m.ID] || !m.Area && inArea[m.ID]
		seen[m.ID] = true
		inArea[m.ID] = inArea[m.ID] || m.Area
		return drop
	})
	total := len(all)
	offset = max(offset, 0)
	if offset >= total || limit <= 0 {
		return nil, total
	}
	out := make([]Match, 0, min(total-offset, limit)) // offset+limit may overflow
	for _, m := range all[offset:] {
		if len(out) == cap(out) {
			break
		}
		out = append(out, m.Match)
	}
	return out, total
}

// formers finds the units of trees older than t that query names, as the
// units of t under parent of level they became: see Search.
func (a *Atlas) formers(t *Tree, query string, parent int64, level int) []rankedMatch {
	if strings.TrimSpace(vntext.Fold(query)) == "" {
		return nil
	}
	under := func(id int64) bool { return parent == 0 || t.Units.Within(parent, id) }
	var out []rankedMatch
	for i := range a.trees {
		o := &a.trees[i]
		if !o.From.Before(t.From) {
			continue
		}
		switch {
		case level == 1 && parent == 0:
			for _, p := range o.Units.ranked(query, o.Units.children[0], 1) {
				for _, s := range a.successors(t, p.ID) {
					if !sameName(p.Unit, s) {
						out = append(out, rankedMatch{Match{Unit: s, Former: p.Unit}, p.rank})
					}
				}
			}
		case level == 3:
			communes, districts := a.formerUnder(o, t, parent)
			for _, c := range o.Units.ranked(query, communes, 3) {
				for _, n := range a.absorbed[c.ID] {
					if u, ok := t.Units.Get(n); ok && under(n) && !sameName(c.Unit, u) {
						out = append(out, rankedMatch{Match{Unit: u, Former: c.Unit}, c.rank})
					}
				}
			}
			// Only a district named exactly: "cu" would open the areas of
			// every district whose name has a word starting so.
			for _, d := range o.Units.ranked(query, districts, 2) {
				if d.rank != 0 {
					break
				}
				for _, u := range a.Area(t, d.ID) {
					if under(u.ID) {
						out = append(out, rankedMatch{Match{Unit: u, Former: d.Unit, Area: true}, 0})
					}
				}
			}
		}
	}
	return out
}

// formerUnder returns the communes of older tree o merged, wholly or in
// part, into a commune of t under parent (0: any), and the districts they
// lay in, as indexes in o's entries in name order: what a search at a
// commune step of t looks through.
func (a *Atlas) formerUnder(o, t *Tree, parent int64) (communes, districts []int) {
	seen := map[int]bool{}
	for _, c := range Communes(t.Units, parent) {
		for _, old := range a.took[c.ID] {
			i, ok := o.Units.byID[old]
			if !ok || seen[i] {
				continue
			}
			seen[i] = true
			communes = append(communes, i)
			if d, ok := o.Units.byID[o.Units.entries[i].ParentID]; ok && o.Units.entries[d].Level == 2 && !seen[d] {
				seen[d] = true
				districts = append(districts, d)
			}
		}
	}
	// Entries are in level then name order: sorted indexes are in name
	// order, which ranked keeps among matches of one rank.
	slices.Sort(communes)
	slices.Sort(districts)
	return communes, districts
}

// successors returns the provinces of t that province old, of an older
// tree, went into: those that took in the most of its communes. Provinces
// were merged whole; a commune moved across a border with the merges (one
// of An Giang's went to Đồng Tháp) does not make its old province one of
// the neighbour's.
func (a *Atlas) successors(t *Tree, old int64) []Unit {
	counts := map[int64]int{}
	best := 0
	for _, c := range Communes(a.TreeOf(old).Units, old) {
		for _, n := range a.absorbed[c.ID] {
			if p, ok := provinceOf(t.Units, n); ok {
				counts[p.ID]++
				best = max(best, counts[p.ID])
			}
		}
	}
	var out []Unit
	for id, n := range counts {
		if n == best {
			u, _ := t.Units.Get(id)
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(x, y Unit) int { return cmp.Or(strings.Compare(x.Name, y.Name), cmp.Compare(x.ID, y.ID)) })
	return out
}

// provinceOf returns the province (level 1) at or above unit id of ix.
func provinceOf(ix *UnitIndex, id int64) (Unit, bool) {
	for n := 0; n < 8; n++ {
		u, ok := ix.Get(id)
		if !ok {
			return Unit{}, false
		}
		if u.Level == 1 {
			return u, true
		}
		id = u.ParentID
	}
	return Unit{}, false
}

// Became reports whether unit now of tree t is what unit old, a province
// or commune of an older tree, became, as Search offers it: the province
// it went into, or a commune it was merged into, wholly or in part. A
// button carrying both is checked with it: callback data can be forged.
func (a *Atlas) Became(t *Tree, old, now int64) bool {
	u, ok := a.Unit(old)
	if !ok || !a.TreeOf(old).From.Before(t.From) || !a.Holds(t, now) {
		return false
	}
	switch u.Level {
	case 1:
		return slices.ContainsFunc(a.successors(t, old), func(s Unit) bool { return s.ID == now })
	case 3:
		return slices.Contains(a.absorbed[old], now)
	}
	return false
}

// sameName reports whether two units have the same name, accents and case
// aside: the data spell "Hoà" and "Hòa" both ways.
func sameName(x, y Unit) bool { return vntext.Fold(x.Name) == vntext.Fold(y.Name) }

// Linked reports whether the merges link any commune to one of a newer
// tree: without them no former name leads to a unit of today.
func (a *Atlas) Linked() bool { return len(a.absorbed) > 0 }
