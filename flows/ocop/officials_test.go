package ocop_test

import (
	"testing"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// TestScopeMatrix: an official sees their own unit and those below it,
// nothing else — for each role, against own unit, a child, a sibling, the
// parent and a unit of another province, on the real unit tree.
func TestScopeMatrix(t *testing.T) {
	t.Parallel()
	ix := ocop.NewUnitIndex(loadUnits(t, "vn-units-2025-03.csv"))
	find := func(query string, parent int64, level int) ocop.Unit {
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
		target ocop.Unit
		want   bool
	}
	cases := []struct {
		role  ocop.Role
		own   ocop.Unit
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
			if got := ix.InScope(c.own.ID, cl.target.ID); got != cl.want {
				t.Errorf("%s of %s sees %s (%s): %v, want %v", c.role, c.own.Name, cl.target.Name, name, got, cl.want)
			}
		}
	}
	if ix.InScope(cuchi.ID, 0) || ix.InScope(cuchi.ID, -5) {
		t.Error("an unknown unit is in scope")
	}
}
