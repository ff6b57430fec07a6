package flows

import (
	"slices"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/flows/vntext"
	"github.com/ocopbot/ocopbot/locales"
)

// The area of a former district. Since 1/7/2025 districts no longer exist,
// but officials and the press still think in them: for a day of a tree
// without districts, "/status Củ Chi" answers for the communes of that
// tree that absorbed the district's communes (units.Atlas.Area), titled
// "Khu vực huyện Củ Chi cũ". In status buttons an area is the district's ID
// negated, so callback data stays short. Its targets are the quota rows set
// on the district's code at level 2 for a period after the reform (self:
// the area; below: its communes), beside the province's rules.

// communeKinds are the kind words that name a commune, not a district.
var communeKinds = []string{units.KindWard, units.KindCommune, units.KindTownship, units.KindSpecialZone}

// findAreas returns the former districts whose area a status by name
// means (nil: none, search today's units): the district named exactly,
// unless the name has a commune's kind word or is a province's name; or,
// when no unit of tree in scope matches at all, the districts it matches.
func (e *Engine) findAreas(off ocop.Official, tree *units.Tree, name string) []units.Unit {
	trees := e.atlas.Trees()
	if len(trees) < 2 || tree.From.Equal(trees[0].From) {
		return nil
	}
	kind, bare := units.SplitUnitName(name)
	if slices.Contains(communeKinds, kind) {
		return nil
	}
	q := vntext.Fold(bare)
	var exact, partial []units.Unit
	for _, t := range trees {
		if !t.From.Before(tree.From) {
			continue
		}
		for _, u := range t.Units.SearchAll(name, 50) {
			if u.Level != 2 || !e.areaInScope(off, tree, u.ID) {
				continue
			}
			if _, b := units.SplitUnitName(u.Name); vntext.Fold(b) == q {
				exact = append(exact, u)
			} else {
				partial = append(partial, u)
			}
		}
	}
	var today []units.Unit
	for _, u := range tree.Units.SearchAll(name, 50) {
		if ocop.InScope(e.atlas, off, u.ID) {
			today = append(today, u)
		}
	}
	switch {
	case len(exact) > 0:
		for _, u := range today {
			if _, b := units.SplitUnitName(u.Name); u.Level == 1 && vntext.Fold(b) == q && kind == "" {
				return nil // "/status Hà Nội" is the city, not a district of the same name
			}
		}
		return exact[:min(len(exact), statusDrillDown)]
	case len(today) == 0:
		return partial[:min(len(partial), statusDrillDown)]
	}
	return nil
}

// areaInScope reports whether off may see the area of former district d on
// tree: an administrator, an official of the district itself, or one whose
// scope holds every commune of the area.
func (e *Engine) areaInScope(off ocop.Official, tree *units.Tree, d int64) bool {
	if off.Role == ocop.RoleAdmin || off.UnitID == d {
		return true
	}
	area := e.atlas.Area(tree, d)
	if len(area) == 0 {
		return false
	}
	for _, c := range area {
		if !ocop.InScope(e.atlas, off, c.ID) {
			return false
		}
	}
	return true
}

// areaName is "Khu vực huyện Củ Chi cũ".
func areaName(p locales.Printer, d units.Unit) string {
	return p.T("status.area", "District", lowerFirst(d.Name))
}

// areaIndex is a small tree holding the area of former district d on tree:
// the province of its communes, the area as a unit of ID −d.ID with d's
// code, level and kind (so quota rows on d apply to it), and its communes.
func (e *Engine) areaIndex(p locales.Printer, tree *units.Tree, d units.Unit) (*units.UnitIndex, []units.Unit) {
	communes := e.atlas.Area(tree, d.ID)
	area := units.Unit{ID: -d.ID, Level: d.Level, Code: d.Code, Name: areaName(p, d), Kind: d.Kind}
	list := []units.Unit{}
	if len(communes) > 0 {
		if prov, ok := tree.Units.Get(communes[0].ParentID); ok {
			list = append(list, prov)
			area.ParentID = prov.ID
		}
	}
	list = append(list, area)
	for _, c := range communes {
		c.ParentID = area.ID
		list = append(list, c)
	}
	return units.NewUnitIndex(list), communes
}

// chooseAreas asks which former district's area the official means.
func (e *Engine) chooseAreas(t *turn, districts []units.Unit, day time.Time) error {
	rows := make([][]Choice, 0, len(districts))
	for _, d := range districts {
		label := areaName(t.p, d)
		if p, ok := e.atlas.Unit(d.ParentID); ok {
			label += ", " + p.Name
		}
		rows = append(rows, []Choice{{Label: label, ID: globalData("st", idArg(-d.ID), dates.Compact(day))}})
	}
	t.say(Reply{Text: t.p.T("status.choose"), Choices: rows})
	return nil
}
