package ocop

import "github.com/ocopbot/ocopbot/flows/units"

// InScope reports whether official o may see unit target (of any tree in
// a): it is their unit or lies below it; an administrator sees every unit.
// A unit of another tree than the official's is in scope when every one of
// its communes counts, in the official's tree, at or under the official's
// unit.
func InScope(a *units.Atlas, o Official, target int64) bool {
	if o.Role == RoleAdmin {
		_, ok := a.Unit(target)
		return ok
	}
	return a.Within(o.UnitID, target)
}

// Roots returns the highest units of tree t that official o may see: their
// own unit when t holds it, else the units of t wholly inside their scope
// (several, when the official's unit was formed by a merge). An
// administrator's root is the whole country: nil.
func Roots(a *units.Atlas, o Official, t *units.Tree) []units.Unit {
	if o.Role == RoleAdmin {
		return nil
	}
	return a.RootsWithin(t, o.UnitID)
}
