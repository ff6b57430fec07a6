package ocop_test

import (
	"testing"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/flows/units/unitstest"
)

// TestScopeMatrix: an official sees their own unit and those below it,
// nothing else — for each role, against own unit, a child, a sibling, the
// parent and a unit of another province, on the real unit tree.
func TestScopeMatrix(t *testing.T) {
	t.Parallel()
	ix := units.NewUnitIndex(unitstest.Load(t, "vn-units-2025-03.csv"))
	atlas := units.NewAtlas([]units.Tree{{Units: ix}}, nil)
	find := func(query string, parent int64, level int) units.Unit {
		t.Helper()
		got, _ := ix.Search(query, parent, level, 1, 0)
		if len(got) == 0 {
			t.Fatalf("no unit %q under %d", query, parent)
		}
		return got[0]
	}
	hcm := find("ho chi minh", 0, 1)
	hanoi := find("ha noi", 0, 1)
	cuchi := find("cu chi", hcm.ID, 2)
	hocmon := find("hoc mon", hcm.ID, 2)
	phumyhung := find("phu my hung", cuchi.ID, 3)
	anphu := find("an phu", cuchi.ID, 3)
	badinh := find("ba dinh", hanoi.ID, 2)
	phucxa := find("phuc xa", badinh.ID, 3)

	type cell struct {
		target units.Unit
		want   bool
	}
	cases := []struct {
		role  ocop.Role
		own   units.Unit
		cells map[string]cell
	}{
		{ocop.RoleProvince, hcm, map[string]cell{
			"own": {hcm, true}, "child": {cuchi, true}, "grandchild": {phumyhung, true},
			"sibling": {hanoi, false}, "other province's commune": {phucxa, false}}},
		{ocop.RoleDistrict, cuchi, map[string]cell{
			"own": {cuchi, true}, "child": {phumyhung, true}, "sibling": {hocmon, false},
			"parent": {hcm, false}, "other province": {badinh, false}}},
		{ocop.RoleCommune, phumyhung, map[string]cell{
			"own": {phumyhung, true}, "sibling": {anphu, false}, "parent": {cuchi, false},
			"grandparent": {hcm, false}, "other province": {phucxa, false}}},
	}
	for _, c := range cases {
		if c.own.Level != c.role.Level() {
			t.Fatalf("%s official's unit %s has level %d", c.role, c.own.Name, c.own.Level)
		}
		for name, cl := range c.cells {
			o := ocop.Official{UnitID: c.own.ID, Role: c.role}
			if got := ocop.InScope(atlas, o, cl.target.ID); got != cl.want {
				t.Errorf("%s of %s sees %s (%s): %v, want %v", c.role, c.own.Name, cl.target.Name, name, got, cl.want)
			}
		}
	}
	district := ocop.Official{UnitID: cuchi.ID, Role: ocop.RoleDistrict}
	if ocop.InScope(atlas, district, 0) || ocop.InScope(atlas, district, -5) {
		t.Error("an unknown unit is in scope")
	}
	admin := ocop.Official{Role: ocop.RoleAdmin}
	if !ocop.InScope(atlas, admin, phucxa.ID) || ocop.InScope(atlas, admin, -5) {
		t.Error("an administrator does not see every known unit, and only those")
	}
}
