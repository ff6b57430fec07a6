package flows

import (
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/flows/vntext"
)

// An official's scope: the units they may see (their own and those below
// it), found by name and offered as buttons.

// scoped is a unit an official may see on a day: the only form in which a
// unit id that came from outside — a command, a button, a file — reaches a
// report, and only resolveScope makes one. id is 0 for the country, the
// negated ID of a former district for its area on day's tree, else a unit of
// day's tree.
type scoped struct {
	id   int64
	day  time.Time
	tree *units.Tree
}

// resolveScope checks unit id against off's scope in the tree in force on
// day, before anything is read: the country only for an administrator; an
// area only of a district of an older tree whose communes off may all see;
// any other id only when day's tree holds it and it lies within off's unit
// (through the merges, when off's unit is of another tree). An id of the
// other tree, of no tree, or outside scope is refused alike.
func (e *Engine) resolveScope(off ocop.Official, id int64, day time.Time) (scoped, bool) {
	tree := e.atlas.At(day)
	s := scoped{id: id, day: day, tree: tree}
	switch {
	case id == 0:
		return s, off.Role == ocop.RoleAdmin
	case id < 0:
		d, ok := e.atlas.Unit(-id)
		if !ok || d.Level != 2 || e.atlas.Holds(tree, -id) {
			return scoped{}, false
		}
		return s, e.areaInScope(off, tree, -id)
	case !e.atlas.Holds(tree, id):
		return scoped{}, false
	}
	return s, ocop.InScope(e.atlas, off, id)
}

// inScope resolves id for off on day, or answers that it is outside their
// scope — the same answer whatever the reason — and audits the refusal.
func (e *Engine) inScope(t *turn, off ocop.Official, action string, id int64, day time.Time) (scoped, bool, error) {
	if s, ok := e.resolveScope(off, id, day); ok {
		return s, true, nil
	}
	return scoped{}, false, e.refuseScope(t, action, id, day)
}

// refuseScope answers a unit asked for outside the asker's scope and
// records the refusal.
func (e *Engine) refuseScope(t *turn, action string, id int64, day time.Time) error {
	t.say(Reply{Text: t.p.T("status.out_of_scope")})
	return e.records.RecordRefusal(t.ctx, ocop.Refusal{Actor: t.chat.UserID, Action: action, UnitID: id, Day: day})
}

// ownScope is an official's own unit (the country for an administrator),
// for what reads their whole scope.
func ownScope(off ocop.Official) scoped {
	if off.Role == ocop.RoleAdmin {
		return scoped{}
	}
	return scoped{id: off.UnitID}
}

// exported is the unit an export of s is recorded against: the unit, the
// former district of an area, 0 for the country.
func (s scoped) exported() (unitID int64, area bool) {
	if s.id < 0 {
		return -s.id, true
	}
	return s.id, false
}

// ScopeCommunes is the communes an official answers for (nil: all).
func (e *Engine) ScopeCommunes(off ocop.Official) []int64 {
	if off.Role == ocop.RoleAdmin {
		return nil
	}
	// In the tree of their own unit: an official of a unit that no longer
	// exists still answers for its communes and those they became.
	return e.atlas.Sources(e.atlas.TreeOf(off.UnitID), off.UnitID)
}

// findInScope finds the units of tree named name that off may see, and
// says so when there is none. A name that is some unit's whole name, or its
// name without the kind word, picks that unit when it is the highest such
// ("cu chi" is Huyện Củ Chi, not Thị trấn Củ Chi); otherwise every match is
// returned, best first.
//
// A name that matches only units outside off's scope is answered as such,
// naming the unit and off's own: "not found, check the name" sent an
// official looking for a typo in a name that was right. It is a refusal
// like a forged button's, audited for action on day; the units' names are
// public, what they hold is never shown.
func (e *Engine) findInScope(t *turn, off ocop.Official, tree *units.Tree, name, action string, day time.Time) ([]units.Unit, error) {
	all := tree.Units.SearchAll(name, 50)
	var found []units.Unit
	for _, u := range all {
		if ocop.InScope(e.atlas, off, u.ID) {
			found = append(found, u)
		}
	}
	if exact := exactUnits(found, name); len(exact) == 1 || len(exact) > 1 && exact[0].Level < exact[1].Level {
		return exact[:1], nil // SearchAll puts higher levels first among equals
	}
	if len(found) > 0 {
		return found[:min(len(found), statusDrillDown)], nil
	}
	if len(all) == 0 {
		t.say(Reply{Text: t.p.T("status.not_found", "Name", name)})
		return nil, nil
	}
	// The unit meant is the nearest of that name: of the official's own
	// province before another province's (there are several Xã An Nhơn
	// Tây), its whole name before a part of it.
	candidates := exactUnits(all, name)
	if len(candidates) == 0 {
		candidates = all
	}
	outside := candidates[0]
	for _, u := range candidates {
		if e.rootOf(u.ID) == e.rootOf(off.UnitID) {
			outside = u
			break
		}
	}
	own, ok := e.atlas.Unit(off.UnitID)
	if !ok {
		own.Name = t.p.T("status.country")
	}
	t.say(Reply{Text: t.p.T("status.outside_scope", "Unit", e.unitLabel(outside), "Own", own.Name)})
	return nil, e.records.RecordRefusal(t.ctx, ocop.Refusal{Actor: t.chat.UserID, Action: action, UnitID: outside.ID, Day: day})
}

// exactUnits are the units of us whose whole name, or name without the
// kind word, is name (accents and case aside), in us's order.
func exactUnits(us []units.Unit, name string) []units.Unit {
	q := vntext.Fold(name)
	var exact []units.Unit
	for _, u := range us {
		_, bare := units.SplitUnitName(u.Name)
		if vntext.Fold(u.Name) == q || vntext.Fold(bare) == q {
			exact = append(exact, u)
		}
	}
	return exact
}

// chooseUnit asks which of several units the official means.
func (e *Engine) chooseUnit(t *turn, units []units.Unit, action string, day time.Time) error {
	rows := make([][]Choice, 0, len(units))
	for _, u := range units {
		rows = append(rows, []Choice{{Label: e.unitLabel(u), ID: globalData(action, idArg(u.ID), dates.Compact(day))}})
	}
	t.say(Reply{Text: t.p.T("status.choose"), Choices: rows})
	return nil
}

// unitLabel names a unit with its parent, so two communes of one name are
// told apart.
func (e *Engine) unitLabel(u units.Unit) string {
	if p, ok := e.atlas.Unit(u.ParentID); ok {
		return u.Name + ", " + p.Name
	}
	return u.Name
}

// rootOf is the province a unit is in (its own id for a province, 0 for
// none).
func (e *Engine) rootOf(id int64) int64 {
	for id != 0 {
		u, ok := e.atlas.Unit(id)
		if !ok || u.ParentID == 0 {
			return id
		}
		id = u.ParentID
	}
	return 0
}
