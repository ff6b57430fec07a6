package flows

import (
	"strconv"
	"strings"

	"github.com/ocopbot/ocopbot/flows/units"
)

// unitPageSize is how many units a page of the picker shows.
const unitPageSize = 8

// maxUnitQuery bounds what a user may type to search units, in characters.
const maxUnitQuery = 60

// unitPicker lets a user choose an administrative unit among the children
// of a parent: typed words, accents optional ("cu chi", "CỦ CHI"), narrow
// the list; buttons page through it. The search text and page live in the
// conversation state (Query, Page), so any flow can use it.
type unitPicker struct {
	units *units.UnitIndex
}

func newUnitPicker(units *units.UnitIndex) unitPicker { return unitPicker{units: units} }

// known reports whether the tree has unit id.
func (u unitPicker) known(id int64) bool {
	_, ok := u.units.Get(id)
	return ok
}

// hasDistricts reports whether a province of the tree has districts; with
// no province chosen yet, whether any has.
func (u unitPicker) hasDistricts(province int64) bool { return u.units.HasDistricts(province) }

// valid reports whether id is a unit of level under parent: what a button
// may pick.
func (u unitPicker) valid(id, parent int64, level int) bool {
	unit, ok := u.units.Get(id)
	return ok && unit.ParentID == parent && unit.Level == level
}

// prompt is the question of a unit step (its message id is "reg.ask.<step>"
// or, once the parent is known, "reg.ask.<step>_in") with a page of units.
func (u unitPicker) prompt(t *turn, header string, parent int64, level int) Reply {
	st := t.st
	units, total := u.units.Search(st.Query, parent, level, unitPageSize, st.Page*unitPageSize)
	if total > 0 && len(units) == 0 { // the page no longer exists
		st.Page = 0
		units, total = u.units.Search(st.Query, parent, level, unitPageSize, 0)
	}
	var r Reply
	r.Text = header + t.p.T("reg.ask."+st.Step)
	if p, ok := u.units.Get(parent); ok && parent != 0 {
		r.Text = header + t.p.T("reg.ask."+st.Step+"_in", "Parent", p.Name)
	}
	if st.Query != "" {
		r.Text += "\n" + t.p.N("reg.unit_results", total, "Query", st.Query)
	}
	for i := 0; i < len(units); i += 2 {
		row := []Button{{Label: units[i].Name, Data: stepData(st, "pick", idArg(units[i].ID))}}
		if i+1 < len(units) {
			row = append(row, Button{Label: units[i+1].Name, Data: stepData(st, "pick", idArg(units[i+1].ID))})
		}
		r.Buttons = append(r.Buttons, row)
	}
	if nav := pageRow(t, st.Page, total, unitPageSize); nav != nil {
		r.Buttons = append(r.Buttons, nav)
	}
	if st.Query != "" {
		r.Buttons = append(r.Buttons, []Button{{Label: t.p.T("button.show_all"), Data: stepData(st, "all", "")}})
	}
	return r
}

// search narrows the list to what the user typed. When nothing matches it
// returns the explanation and false, and the list stays as it was.
func (u unitPicker) search(t *turn, text string, parent int64, level int) (string, bool) {
	q := strings.TrimSpace(text)
	if n := len([]rune(q)); n > maxUnitQuery {
		return t.p.T("error.too_long", "Max", maxUnitQuery, "Len", n), false
	}
	if _, total := u.units.Search(q, parent, level, 1, 0); total == 0 {
		t.st.Query, t.st.Page = "", 0
		return t.p.T("error.unit_not_found", "Query", q), false
	}
	t.st.Query, t.st.Page = q, 0
	return "", true
}

// turnPage handles the picker's buttons: "page" (to page arg) and "all"
// (forget the search). It reports false for a page that cannot exist.
func (u unitPicker) turnPage(t *turn, action, arg string) bool {
	if action == "all" {
		t.st.Query, t.st.Page = "", 0
		return true
	}
	n, err := strconv.Atoi(arg)
	if err != nil || n < 0 {
		return false
	}
	t.st.Page = n
	return true
}
