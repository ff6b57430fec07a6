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

// ScopeCommunes is the communes an official answers for (nil: all).
func (e *Engine) ScopeCommunes(off ocop.Official) []int64 {
	if off.Role == ocop.RoleAdmin {
		return nil
	}
	return e.atlas.Sources(e.atlas.At(e.today()), off.UnitID)
}

// findInScope finds the units of tree named name that off may see, and
// says so when there is none. A name that is some unit's whole name, or its
// name without the kind word, picks that unit when it is the highest such
// ("cu chi" is Huyện Củ Chi, not Thị trấn Củ Chi); otherwise every match is
// returned, best first.
func (e *Engine) findInScope(t *turn, off ocop.Official, tree *units.Tree, name string) []units.Unit {
	var found []units.Unit
	for _, u := range tree.Units.SearchAll(name, 50) {
		if ocop.InScope(e.atlas, off, u.ID) {
			found = append(found, u)
		}
	}
	q := vntext.Fold(name)
	var exact []units.Unit
	for _, u := range found {
		_, bare := units.SplitUnitName(u.Name)
		if vntext.Fold(u.Name) == q || vntext.Fold(bare) == q {
			exact = append(exact, u)
		}
	}
	if len(exact) == 1 || len(exact) > 1 && exact[0].Level < exact[1].Level {
		return exact[:1] // SearchAll puts higher levels first among equals
	}
	if len(found) == 0 {
		t.say(Reply{Text: t.p.T("status.not_found", "Name", name)})
	}
	return found[:min(len(found), statusDrillDown)]
}

// chooseUnit asks which of several units the official means.
func (e *Engine) chooseUnit(t *turn, units []units.Unit, action string, day time.Time) error {
	rows := make([][]Button, 0, len(units))
	for _, u := range units {
		rows = append(rows, []Button{{Label: e.unitLabel(u), Data: globalData(action, idArg(u.ID), dates.Compact(day))}})
	}
	t.say(Reply{Text: t.p.T("status.choose"), Buttons: rows})
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
