package units_test

import (
	"slices"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/units"
)

// TestUnplaced: a commune of one tree that no commune of another took in
// counts nowhere there — Đặc khu Côn Đảo, made of Huyện Côn Đảo, which had
// no commune, on the three-level tree's days; an old commune the merges
// leave out on the two-level tree's days — and every other commune has its
// counterpart.
func TestUnplaced(t *testing.T) {
	t.Parallel()
	old := units.NewUnitIndex([]units.Unit{
		{ID: 1, Level: 1, Code: "77", Name: "Tỉnh Bà Rịa - Vũng Tàu", Kind: units.KindProvince},
		{ID: 2, ParentID: 1, Level: 2, Code: "747", Name: "Thành phố Vũng Tàu", Kind: units.KindCity},
		{ID: 3, ParentID: 2, Level: 3, Code: "26506", Name: "Phường 1", Kind: units.KindWard},
		{ID: 4, ParentID: 2, Level: 3, Code: "26508", Name: "Phường 2", Kind: units.KindWard},
		{ID: 5, ParentID: 1, Level: 2, Code: "755", Name: "Huyện Côn Đảo", Kind: units.KindRuralDistrict},
	})
	now := units.NewUnitIndex([]units.Unit{
		{ID: 11, Level: 1, Code: "79", Name: "Thành phố Hồ Chí Minh", Kind: units.KindCity},
		{ID: 12, ParentID: 11, Level: 3, Code: "26506", Name: "Phường Vũng Tàu", Kind: units.KindWard},
		{ID: 13, ParentID: 11, Level: 3, Code: "26732", Name: "Đặc khu Côn Đảo", Kind: units.KindSpecialZone},
	})
	a := units.NewAtlas([]units.Tree{
		{From: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), Units: now},
		{From: time.Date(2008, 8, 1, 0, 0, 0, 0, time.UTC), Units: old},
	}, []units.UnitLink{{New: 12, Old: 3, Full: true}})
	before, after := a.At(time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)), a.At(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC))
	if got := a.Unplaced(before); !slices.Equal(got, []int64{13}) {
		t.Errorf("unplaced on 30/6/2025: %v, want Đặc khu Côn Đảo (13)", got)
	}
	if got := a.Unplaced(after); !slices.Equal(got, []int64{4}) {
		t.Errorf("unplaced on 1/7/2025: %v, want the old commune no merge took in (4)", got)
	}
}
