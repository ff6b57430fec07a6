package units

import (
	"cmp"
	"slices"
	"time"
)

// Tree is one administrative-unit tree and the day it came into force: the
// three-level tree until 30/6/2025, the two-level one from 1/7/2025.
type Tree struct {
	From  time.Time
	Units *UnitIndex
}

// UnitLink says that commune Old (of an older tree) was merged, wholly or in
// part, into commune New.
type UnitLink struct {
	New, Old int64
	Full     bool
}

// Atlas holds every unit tree and links each commune to its counterpart in
// the other trees, so that a producer registered in one tree counts in
// another: a commune merged into a new one counts there, and a new commune
// counts, back in time, at the old commune it mostly came from (the one
// merged whole, else the first).
type Atlas struct {
	trees       []Tree            // oldest first
	treeOf      map[int64]int     // unit ID → index in trees
	counterpart map[int64][]int64 // commune → its counterparts, at most one per other tree
	incoming    map[int64][]int64 // commune → communes of other trees whose counterpart it is
	absorbed    map[int64][]int64 // old commune → every newer commune it was merged into, wholly or in part
	took        map[int64][]int64 // newer commune → every old commune merged into it: absorbed turned round
	unplaced    [][]int64         // by tree: the communes of the other trees with no counterpart in it
}

// NewAtlas links the trees through the merges between their communes.
func NewAtlas(trees []Tree, links []UnitLink) *Atlas {
	a := &Atlas{
		trees:       slices.SortedFunc(slices.Values(trees), func(x, y Tree) int { return x.From.Compare(y.From) }),
		treeOf:      map[int64]int{},
		counterpart: map[int64][]int64{},
		incoming:    map[int64][]int64{},
		absorbed:    map[int64][]int64{},
		took:        map[int64][]int64{},
	}
	for i, t := range a.trees {
		for _, id := range t.Units.ids() {
			a.treeOf[id] = i
		}
	}
	// Best link first: a whole merge before a partial one, then by ID, so the
	// choice does not depend on the order links were stored in.
	links = slices.Clone(links)
	slices.SortFunc(links, func(x, y UnitLink) int {
		if x.Full != y.Full {
			if x.Full {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(x.New, y.New), cmp.Compare(x.Old, y.Old))
	})
	pick := func(from, to int64) {
		tt, ok := a.treeOf[to]
		if !ok {
			return
		}
		for _, c := range a.counterpart[from] {
			if a.treeOf[c] == tt {
				return // already linked into that tree by a better link
			}
		}
		a.counterpart[from] = append(a.counterpart[from], to)
		a.incoming[to] = append(a.incoming[to], from)
	}
	for _, l := range links {
		if _, ok := a.treeOf[l.Old]; !ok {
			continue
		}
		pick(l.Old, l.New)
		pick(l.New, l.Old)
		if _, ok := a.treeOf[l.New]; ok && !slices.Contains(a.absorbed[l.Old], l.New) {
			a.absorbed[l.Old] = append(a.absorbed[l.Old], l.New)
			a.took[l.New] = append(a.took[l.New], l.Old)
		}
	}
	a.unplaced = make([][]int64, len(a.trees))
	for i := range a.trees {
		for j, o := range a.trees {
			if j == i {
				continue
			}
			for _, id := range o.Units.ids() {
				if u, _ := o.Units.Get(id); u.Level == 3 {
					if _, ok := a.CommuneIn(&a.trees[i], id); !ok {
						a.unplaced[i] = append(a.unplaced[i], id)
					}
				}
			}
		}
		slices.Sort(a.unplaced[i])
	}
	return a
}

// Unplaced returns the communes of the other trees that count nowhere in
// tree t: no commune of t is their counterpart. With the national lists
// these are, for the three-level tree, the island special zones of
// 1/7/2025 (Côn Đảo, Lý Sơn, Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa), made of
// districts that had no commune: on its days their records are in no
// unit (and none for the two-level tree, where every old commune has its
// counterpart; a partial load leaves out the rest of the country). A
// report that reads every record rather than its units' (the country's)
// leaves these out, so that it counts what its units count.
func (a *Atlas) Unplaced(t *Tree) []int64 {
	for i := range a.trees {
		if a.trees[i].From.Equal(t.From) {
			return a.unplaced[i]
		}
	}
	return nil
}

// Trees returns the trees, oldest first.
func (a *Atlas) Trees() []Tree { return a.trees }

// At returns the tree in force on day: the newest that had started, or the
// oldest when day precedes them all.
func (a *Atlas) At(day time.Time) *Tree {
	if len(a.trees) == 0 {
		return &Tree{Units: NewUnitIndex(nil)}
	}
	i := 0
	for j, t := range a.trees {
		if !t.From.After(day) {
			i = j
		}
	}
	return &a.trees[i]
}

// Unit returns the unit with id, in whichever tree holds it.
func (a *Atlas) Unit(id int64) (Unit, bool) {
	i, ok := a.treeOf[id]
	if !ok {
		return Unit{}, false
	}
	return a.trees[i].Units.Get(id)
}

// TreeOf returns the tree that holds unit id; an empty tree when none does.
func (a *Atlas) TreeOf(id int64) *Tree {
	i, ok := a.treeOf[id]
	if !ok {
		return &Tree{Units: NewUnitIndex(nil)}
	}
	return &a.trees[i]
}

// Holds reports whether unit id belongs to tree t.
func (a *Atlas) Holds(t *Tree, id int64) bool {
	_, ok := t.Units.Get(id)
	return ok
}

// CommuneIn returns the commune of tree t that commune id counts at: itself
// when t holds it, else its counterpart there.
func (a *Atlas) CommuneIn(t *Tree, id int64) (int64, bool) {
	if a.Holds(t, id) {
		return id, true
	}
	for _, c := range a.counterpart[id] {
		if a.Holds(t, c) {
			return c, true
		}
	}
	return 0, false
}

// MergedInto returns the commune of tree t that commune id, of an older
// tree, was merged into; false when id is of t or of a newer tree, or went
// into none of t. Such a commune is named with its successor ("Xã Tân Thông
// Hội (cũ), nay thuộc Xã Củ Chi"): its name alone is no longer in use, its
// successor's alone would hide where the producer registered. A commune of
// a newer tree keeps its own name on t's days: of the old communes it took
// in, the one it counts at need not be the producer's.
func (a *Atlas) MergedInto(t *Tree, id int64) (Unit, bool) {
	if a.Holds(t, id) || !a.TreeOf(id).From.Before(t.From) {
		return Unit{}, false
	}
	c, ok := a.CommuneIn(t, id)
	if !ok {
		return Unit{}, false
	}
	return t.Units.Get(c)
}

// Sources returns every commune, of any tree, whose records count under
// unit root of tree t: its own communes and those linked to them. A nil
// result for root 0 means every commune; any other root gives a non-nil
// list, empty when t does not hold root — never "every commune".
func (a *Atlas) Sources(t *Tree, root int64) []int64 {
	if root == 0 {
		return nil
	}
	out := []int64{}
	for _, c := range Communes(t.Units, root) {
		out = append(out, c.ID)
		out = append(out, a.incoming[c.ID]...)
	}
	return out
}

// Communes returns the communes (level 3) at or under root, in tree order.
func Communes(ix *UnitIndex, root int64) []Unit {
	var out []Unit
	var walk func(id int64)
	walk = func(id int64) {
		for _, c := range ix.Children(id) {
			if c.Level == 3 {
				out = append(out, c)
				continue
			}
			walk(c.ID)
		}
	}
	if u, ok := ix.Get(root); ok && u.Level == 3 {
		return []Unit{u}
	}
	walk(root)
	return out
}

// Within reports whether unit target (of any tree) counts at or under unit
// own: target is own or lies below it, or, when target belongs to another
// tree than own, every one of its communes counts, in own's tree, at or
// under own. Who may see what (an administrator sees every unit) is
// ocop.InScope's to say.
func (a *Atlas) Within(own, target int64) bool {
	ti, ok := a.treeOf[target]
	oi, ok2 := a.treeOf[own]
	if !ok || !ok2 {
		return false
	}
	tree := a.trees[oi].Units
	if ti == oi {
		return tree.Within(own, target)
	}
	communes := Communes(a.trees[ti].Units, target)
	if len(communes) == 0 {
		return false
	}
	for _, c := range communes {
		there, ok := a.CommuneIn(&a.trees[oi], c.ID)
		if !ok || !tree.Within(own, there) {
			return false
		}
	}
	return true
}

// RootsWithin returns the highest units of tree t within unit own: own
// itself when t holds it, else the units of t wholly within own (several,
// when own was formed by a merge).
func (a *Atlas) RootsWithin(t *Tree, own int64) []Unit {
	if u, ok := t.Units.Get(own); ok {
		return []Unit{u}
	}
	var out []Unit
	var walk func(parent int64)
	walk = func(parent int64) {
		for _, u := range t.Units.Children(parent) {
			switch {
			case a.Within(own, u.ID):
				out = append(out, u)
			case u.Level < 3 && a.touches(t, u.ID, own):
				walk(u.ID)
			}
		}
	}
	walk(0)
	return out
}

// touches reports whether any commune under unit id of t counts within own.
func (a *Atlas) touches(t *Tree, id, own int64) bool {
	oi, ok := a.treeOf[own]
	if !ok {
		return false
	}
	for _, c := range Communes(t.Units, id) {
		if there, ok := a.CommuneIn(&a.trees[oi], c.ID); ok && a.trees[oi].Units.Within(own, there) {
			return true
		}
	}
	return false
}
