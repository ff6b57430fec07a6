package flows

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/flows/vntext"
)

// unitPageSize is how many units a page of the picker shows.
const unitPageSize = 8

// maxUnitQuery bounds what a user may type to search units, in characters.
const maxUnitQuery = 60

// unitPicker lets a user choose an administrative unit among the children
// of a parent: typed words, accents and spaces optional ("cu chi", "CỦ
// CHI", "cuchi"), narrow the list; buttons page through it. The search
// also knows the names of older trees (units.Atlas.Search): "binh duong"
// offers Thành phố Hồ Chí Minh, which Tỉnh Bình Dương went into, and
// picking it records today's unit. The search text and page live in the
// conversation state (Query, Page), so any flow can use it, and a
// conversation saved before former names were searched resumes as it was.
type unitPicker struct {
	atlas *units.Atlas
	tree  *units.Tree
	units *units.UnitIndex // tree.Units
}

func newUnitPicker(atlas *units.Atlas, tree *units.Tree) unitPicker {
	return unitPicker{atlas: atlas, tree: tree, units: tree.Units}
}

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

// became checks a former unit's button (formerArg): now must be a valid
// pick and what old, of an older tree, became. It returns both units.
func (u unitPicker) became(arg string, parent int64, level int) (old, now units.Unit, ok bool) {
	oldID, nowID, ok := parseFormerArg(arg)
	if !ok || !u.valid(nowID, parent, level) || !u.atlas.Became(u.tree, oldID, nowID) {
		return units.Unit{}, units.Unit{}, false
	}
	old, _ = u.atlas.Unit(oldID)
	now, _ = u.units.Get(nowID)
	return old, now, true
}

// formerArg is the argument of a former unit's button ("was"): both IDs,
// base 36, so that with any IDs and prompt number the data stays within
// Button.Data's 52 bytes (19 digits of prompt number, "|was|", and two
// 13-character IDs make 51).
func formerArg(old, now int64) string {
	return strconv.FormatInt(old, 36) + "." + strconv.FormatInt(now, 36)
}

// parseFormerArg reads formerArg; the data may be forged.
func parseFormerArg(arg string) (old, now int64, ok bool) {
	a, b, ok := strings.Cut(arg, ".")
	if !ok {
		return 0, 0, false
	}
	old, err1 := strconv.ParseInt(a, 36, 64)
	now, err2 := strconv.ParseInt(b, 36, 64)
	return old, now, err1 == nil && err2 == nil
}

// threeLevelWords ends the id of a message that names the commune step's
// units in the three-level tree of before 1/7/2025 (xã, phường, thị trấn)
// where today's two-level tree has its own (xã, phường, đặc khu).
const threeLevelWords = "_three_level"

// threeLevel reports whether the picker's tree is the three-level one (it
// has districts): a registration on a day before 1/7/2025 keeps its words.
func (u unitPicker) threeLevel() bool { return u.units.HasDistricts(0) }

// words is the suffix of the messages that name the units of a step of
// level in the picker's tree: threeLevelWords at the commune step of the
// three-level tree, else none.
func (u unitPicker) words(level int) string {
	if level == 3 && u.threeLevel() {
		return threeLevelWords
	}
	return ""
}

// prompt is the question of a unit step (its message id is "reg.ask.<step>"
// or, once the parent is known, "reg.ask.<step>_in", each ending in the
// tree's words) with a page of units. Today's units go two to a row; a
// former unit's longer label has a row of its own.
func (u unitPicker) prompt(t *turn, header string, parent int64, level int) Reply {
	st := t.st
	matches, total := u.atlas.Search(u.tree, st.Query, parent, level, unitPageSize, st.Page*unitPageSize)
	if total > 0 && len(matches) == 0 { // the page no longer exists
		st.Page = 0
		matches, total = u.atlas.Search(u.tree, st.Query, parent, level, unitPageSize, 0)
	}
	var r Reply
	example := u.example(parent, level)
	r.Text = header + t.p.T("reg.ask."+st.Step+u.words(level), "Example", example)
	if p, ok := u.units.Get(parent); ok && parent != 0 {
		r.Text = header + t.p.T("reg.ask."+st.Step+"_in"+u.words(level), "Parent", p.Name, "Example", example)
	}
	if u.searchesFormer(level) {
		r.Text += "\n" + t.p.T(map[int]string{1: "reg.former_hint_province", 3: "reg.former_hint_commune"}[level])
	}
	if st.Query != "" {
		r.Text += "\n" + t.p.N("reg.unit_results", total, "Query", st.Query)
	}
	var pair []Choice
	for _, m := range matches {
		if m.Former.ID != 0 && !m.Area {
			if pair != nil {
				r.Choices, pair = append(r.Choices, pair), nil
			}
			r.Choices = append(r.Choices, []Choice{{Label: u.formerLabel(t, m), ID: stepData(st, "was", formerArg(m.Former.ID, m.ID))}})
			continue
		}
		b := Choice{Label: m.Name, ID: stepData(st, "pick", idArg(m.ID))}
		if m.Area {
			// A commune of a former district's area is today's: an ordinary
			// pick, its label says where it lies.
			b.Label = t.p.T("reg.unit_area", "Now", m.Name, "District", lowerFirst(m.Former.Name), "Former", m.Former.Name)
			if pair != nil {
				r.Choices, pair = append(r.Choices, pair), nil
			}
			r.Choices = append(r.Choices, []Choice{b})
			continue
		}
		if pair = append(pair, b); len(pair) == 2 {
			r.Choices, pair = append(r.Choices, pair), nil
		}
	}
	if pair != nil {
		r.Choices = append(r.Choices, pair)
	}
	if nav := pageRow(t, st.Page, total, unitPageSize); nav != nil {
		r.Choices = append(r.Choices, nav)
	}
	if st.Query != "" {
		r.Choices = append(r.Choices, []Choice{{Label: t.p.T("button.show_all"), ID: stepData(st, "all", "")}})
	}
	return r
}

// formerLabel is a former unit's button: "Xã Tân Thông Hội (cũ) → nay
// thuộc Xã Củ Chi", with its district when another former commune of the
// same name matched ("Phường 1, Quận 3 (cũ) → …").
func (u unitPicker) formerLabel(t *turn, m units.Match) string {
	if d, ok := u.atlas.Unit(m.Former.ParentID); ok && m.Homonym && d.Level == 2 {
		return t.p.T("reg.unit_former_in", "Old", m.Former.Name, "District", d.Name, "Now", m.Name)
	}
	return t.p.T("reg.unit_former", "Old", m.Former.Name, "Now", m.Name)
}

// searchesFormer reports whether a search at a step of level also finds
// the units of an older tree: at the province and commune steps of a tree
// that has one, linked to it by the merges.
func (u unitPicker) searchesFormer(level int) bool {
	trees := u.atlas.Trees()
	return (level == 1 || level == 3) && len(trees) > 0 && u.tree.From.After(trees[0].From) && u.atlas.Linked()
}

// example is a name to show how to search at a step: one of the step's own
// units (a province at the province step, a commune of the province at the
// commune step), as people type it, without accents. The first by name
// whose name has two words and no digit ("ha noi", not "1"), else the
// first.
func (u unitPicker) example(parent int64, level int) string {
	choices, _ := u.units.Search("", parent, level, 200, 0)
	for _, c := range choices {
		_, bare := units.SplitUnitName(c.Name)
		if f := vntext.Fold(bare); len(strings.Fields(f)) == 2 && !strings.ContainsAny(f, "0123456789") {
			return f
		}
	}
	if len(choices) > 0 {
		_, bare := units.SplitUnitName(choices[0].Name)
		return vntext.Fold(bare)
	}
	return ""
}

// lowerFirst lower-cases a unit name's first letter, for its use within a
// sentence: "huyện Củ Chi".
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// search narrows the list to what the user typed. When nothing matches it
// returns the explanation and false, and the list stays as it was.
func (u unitPicker) search(t *turn, text string, parent int64, level int) (string, bool) {
	q := strings.TrimSpace(text)
	if n := len([]rune(q)); n > maxUnitQuery {
		return t.p.T("error.too_long", "Max", maxUnitQuery, "Len", n), false
	}
	if _, total := u.atlas.Search(u.tree, q, parent, level, 1, 0); total == 0 {
		t.st.Query, t.st.Page = "", 0
		return t.p.T("error.unit_not_found", "Query", q, "Example", u.example(parent, level)), false
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
