package units_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/flows/units/unitstest"
	"github.com/ocopbot/ocopbot/storage/unitdata"
)

// today is a day of the two-level tree.
var today = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// formerFixture is the atlas of both trees and the merges, with lookups of
// units by code in each tree.
type formerFixture struct {
	atlas    *units.Atlas
	tree     *units.Tree // today's
	old, now func(level int, code string) units.Unit
}

func newFormerFixture(t *testing.T) formerFixture {
	t.Helper()
	a := unitstest.Atlas(t)
	oldList, nowList := unitstest.Load(t, unitdata.ThreeLevel), unitstest.Load(t, unitdata.TwoLevel)
	return formerFixture{
		atlas: a,
		tree:  a.At(today),
		old:   func(level int, code string) units.Unit { return unitstest.ByCode(t, oldList, level, code) },
		now: func(level int, code string) units.Unit {
			u, ok := a.Unit(unitstest.ByCode(t, nowList, level, code).ID + unitstest.TwoLevelOffset)
			if !ok {
				t.Fatalf("no unit %s of level %d in today's tree", code, level)
			}
			return u
		},
	}
}

// label writes a match as the picker shows it, for comparing.
func label(m units.Match) string {
	switch {
	case m.Area:
		return m.Name + " (area " + m.Former.Name + ")"
	case m.Former.ID != 0 && m.Homonym:
		return m.Former.Name + " ~ → " + m.Name
	case m.Former.ID != 0:
		return m.Former.Name + " → " + m.Name
	}
	return m.Name
}

func labels(ms []units.Match) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = label(m)
	}
	return out
}

// TestSearchFormerNames searches today's tree by names of before 1/7/2025:
// at the province step an old province finds the province it went into;
// at the commune step of Ho Chi Minh City an old commune finds each
// commune it was merged into, and an old district named exactly the
// communes of its area.
func TestSearchFormerNames(t *testing.T) {
	t.Parallel()
	f := newFormerFixture(t)
	hcm, hanoi := f.now(1, "79").ID, f.now(1, "01").ID
	tests := []struct {
		name   string
		query  string
		parent int64
		level  int
		want   []string // every match, in order
	}{
		{name: "old province", query: "binh duong", level: 1, want: []string{"Tỉnh Bình Dương → Thành phố Hồ Chí Minh"}},
		{name: "old province, accents", query: "Bình Dương", level: 1, want: []string{"Tỉnh Bình Dương → Thành phố Hồ Chí Minh"}},
		{name: "old province, with kind", query: "tinh bac giang", level: 1, want: []string{"Tỉnh Bắc Giang → Tỉnh Bắc Ninh"}},
		{name: "old province, no space", query: "binhduong", level: 1, want: []string{"Tỉnh Bình Dương → Thành phố Hồ Chí Minh"}},
		// Thành phố Hà Nội went into Thành phố Hà Nội: found by its name.
		{name: "province of the same name", query: "ha noi", level: 1, want: []string{"Thành phố Hà Nội"}},
		// One commune of An Giang went to Đồng Tháp: An Giang did not.
		{name: "a border commune moved", query: "an giang", level: 1, want: []string{"Tỉnh An Giang"}},

		{name: "old commune", query: "tan thong hoi", parent: hcm, level: 3, want: []string{"Xã Tân Thông Hội → Xã Củ Chi"}},
		{name: "old commune, with kind", query: "xa tan thong hoi", parent: hcm, level: 3, want: []string{"Xã Tân Thông Hội → Xã Củ Chi"}},
		{name: "old commune, no space", query: "tanthonghoi", parent: hcm, level: 3, want: []string{"Xã Tân Thông Hội → Xã Củ Chi"}},
		{name: "old commune elsewhere", query: "tan thong hoi", parent: hanoi, level: 3, want: []string{}},
		{name: "split commune", query: "son ky", parent: hcm, level: 3, want: []string{
			"Phường Sơn Kỳ → Phường Tây Thạnh", "Phường Sơn Kỳ → Phường Tân Sơn Nhì", "Phường Sơn Kỳ → Phường Bình Hưng Hòa"}},
		{name: "old commune of the same name", query: "phu hoa dong", parent: hcm, level: 3, want: []string{"Xã Phú Hòa Đông"}},
		{name: "district and commune", query: "cu chi", parent: hcm, level: 3, want: []string{
			"Xã Củ Chi",
			"Thị trấn Củ Chi → Xã Tân An Hội",
			"Xã An Nhơn Tây (area Huyện Củ Chi)", "Xã Bình Mỹ (area Huyện Củ Chi)", "Xã Nhuận Đức (area Huyện Củ Chi)",
			"Xã Phú Hòa Đông (area Huyện Củ Chi)", "Xã Thái Mỹ (area Huyện Củ Chi)",
		}},
		{name: "district and commune, no space", query: "cuchi", parent: hcm, level: 3, want: []string{
			"Xã Củ Chi",
			"Thị trấn Củ Chi → Xã Tân An Hội",
			"Xã An Nhơn Tây (area Huyện Củ Chi)", "Xã Bình Mỹ (area Huyện Củ Chi)", "Xã Nhuận Đức (area Huyện Củ Chi)",
			"Xã Phú Hòa Đông (area Huyện Củ Chi)", "Xã Thái Mỹ (area Huyện Củ Chi)",
		}},
		// Named as a district, the area first, whole.
		{name: "district by kind", query: "huyen cu chi", parent: hcm, level: 3, want: []string{
			"Xã An Nhơn Tây (area Huyện Củ Chi)", "Xã Bình Mỹ (area Huyện Củ Chi)", "Xã Củ Chi (area Huyện Củ Chi)",
			"Xã Nhuận Đức (area Huyện Củ Chi)", "Xã Phú Hòa Đông (area Huyện Củ Chi)", "Xã Thái Mỹ (area Huyện Củ Chi)",
			"Xã Tân An Hội (area Huyện Củ Chi)",
		}},
		// Named as a commune, no district's area.
		{name: "commune by kind", query: "xa cu chi", parent: hcm, level: 3, want: []string{"Xã Củ Chi", "Thị trấn Củ Chi → Xã Tân An Hội"}},
		{name: "township by kind", query: "tt cu chi", parent: hcm, level: 3, want: []string{"Thị trấn Củ Chi → Xã Tân An Hội", "Xã Củ Chi"}},
		{name: "township glued", query: "ttcuchi", parent: hcm, level: 3, want: []string{"Thị trấn Củ Chi → Xã Tân An Hội", "Xã Củ Chi"}},
		{name: "city of a province", query: "vung tau", parent: hcm, level: 3, want: []string{
			"Phường Vũng Tàu", "Phường Phước Thắng (area Thành phố Vũng Tàu)", "Phường Rạch Dừa (area Thành phố Vũng Tàu)",
			"Phường Tam Thắng (area Thành phố Vũng Tàu)", "Xã Long Sơn (area Thành phố Vũng Tàu)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, total := f.atlas.Search(f.tree, tt.query, tt.parent, tt.level, 100, 0)
			if total != len(got) || !slices.Equal(labels(got), tt.want) {
				t.Fatalf("Search(%q) = %q (total %d);\nwant %q", tt.query, labels(got), total, tt.want)
			}
			for _, m := range got {
				if u, ok := f.tree.Units.Get(m.ID); !ok || u.ParentID != tt.parent || u.Level != tt.level {
					t.Errorf("Search(%q) offers %s (%d), not a unit of today's tree under %d at level %d", tt.query, m.Name, m.ID, tt.parent, tt.level)
				}
			}
		})
	}
}

// TestSearchFormerHomonyms: communes were named uniquely only within their
// district; several old communes of one name are marked, so the picker
// names their districts.
func TestSearchFormerHomonyms(t *testing.T) {
	t.Parallel()
	f := newFormerFixture(t)
	got, total := f.atlas.Search(f.tree, "phuong 16", f.now(1, "79").ID, 3, 100, 0)
	districts := map[string]bool{}
	for _, m := range got {
		if m.Former.Name != "Phường 16" || !m.Homonym {
			t.Errorf("Search(\"phuong 16\") offers %s: want old Phường 16, marked a homonym", label(m))
		}
		d, _ := f.atlas.Unit(m.Former.ParentID)
		districts[d.Name] = true
	}
	if want := 4; len(districts) != want || total != len(got) {
		t.Errorf("Search(\"phuong 16\") = %q, from %d districts; want the Phường 16 of %d", labels(got), len(districts), want)
	}
	// One old commune, however many communes it went into, is no homonym.
	split, _ := f.atlas.Search(f.tree, "son ky", f.now(1, "79").ID, 3, 100, 0)
	for _, m := range split {
		if m.Homonym {
			t.Errorf("Search(\"son ky\") marks %s a homonym", label(m))
		}
	}
}

// TestSearchFormerPaging pages through searches with former names: pages
// put together are the whole list, the total the same on every page; an
// empty query is UnitIndex.Search's.
func TestSearchFormerPaging(t *testing.T) {
	t.Parallel()
	f := newFormerFixture(t)
	hcm := f.now(1, "79").ID
	for _, q := range []string{"cu chi", "phuong 1", "b", ""} {
		all, total := f.atlas.Search(f.tree, q, hcm, 3, 1000, 0)
		if len(all) != total {
			t.Fatalf("Search(%q, limit 1000) gave %d, total %d", q, len(all), total)
		}
		for _, limit := range []int{1, 3, 8} {
			var got []units.Match
			for off := 0; off < total+limit; off += limit {
				page, n := f.atlas.Search(f.tree, q, hcm, 3, limit, off)
				if n != total || len(page) > limit {
					t.Fatalf("Search(%q, %d, %d) = %d matches, total %d; want at most %d, total %d", q, limit, off, len(page), n, limit, total)
				}
				got = append(got, page...)
			}
			if !slices.Equal(got, all) {
				t.Errorf("Search(%q) by %d: pages put together differ from the whole", q, limit)
			}
		}
		if q == "" {
			want, n := f.tree.Units.Search("", hcm, 3, 1000, 0)
			if n != total || !slices.Equal(labels(all), names(want)) {
				t.Errorf("Search(\"\") = %d units, want today's %d", total, n)
			}
		}
		if page, n := f.atlas.Search(f.tree, q, hcm, 3, 0, 0); len(page) != 0 || n != total {
			t.Errorf("Search(%q, limit 0) = %d matches, total %d", q, len(page), n)
		}
	}
	// "phuong 1" finds old wards only: more than a page of them.
	if _, n := f.atlas.Search(f.tree, "phuong 1", hcm, 3, 8, 0); n <= 8 {
		t.Errorf("Search(\"phuong 1\") = %d matches; want the old Phường 1… of many districts", n)
	}
}

// TestBecame checks what a former unit's button may claim: only a pair
// Search offers.
func TestBecame(t *testing.T) {
	t.Parallel()
	f := newFormerFixture(t)
	binhDuong, anGiang, oldHCM := f.old(1, "74"), f.old(1, "89"), f.old(1, "79")
	tanThongHoi, sonKy, cuChiDistrict := f.old(3, "27556"), f.old(3, "27016"), f.old(2, "783")
	hcm, hanoi, dongThap := f.now(1, "79"), f.now(1, "01"), f.now(1, "82")
	cuChi, anNhonTay, tayThanh := f.now(3, "27553"), f.now(3, "27508"), f.now(3, "27013")
	tests := []struct {
		name     string
		old, now int64
		want     bool
	}{
		{"province into its successor", binhDuong.ID, hcm.ID, true},
		{"province into another", binhDuong.ID, hanoi.ID, false},
		{"province into a neighbour that took one commune", anGiang.ID, dongThap.ID, false},
		{"province into one of the same name", oldHCM.ID, hcm.ID, true},
		{"commune into its successor", tanThongHoi.ID, cuChi.ID, true},
		{"commune into another", tanThongHoi.ID, anNhonTay.ID, false},
		{"split commune into one of its parts", sonKy.ID, tayThanh.ID, true},
		{"commune into a province", tanThongHoi.ID, hcm.ID, false},
		{"district", cuChiDistrict.ID, cuChi.ID, false},
		{"today's unit as the old", cuChi.ID, cuChi.ID, false},
		{"backwards", cuChi.ID, tanThongHoi.ID, false},
		{"unknown old", 1 << 40, cuChi.ID, false},
		{"unknown new", tanThongHoi.ID, 1 << 40, false},
		{"zero", 0, 0, false},
	}
	for _, tt := range tests {
		if got := f.atlas.Became(f.tree, tt.old, tt.now); got != tt.want {
			t.Errorf("%s: Became(%d, %d) = %v, want %v", tt.name, tt.old, tt.now, got, tt.want)
		}
	}
	// Nothing is older than the oldest tree.
	if f.atlas.Became(f.atlas.At(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)), tanThongHoi.ID, tanThongHoi.ID) {
		t.Error("Became in the three-level tree = true, want false")
	}
}

// TestSearchWithoutSpaces: a query typed without spaces finds names with
// them, from the start of any word; a kind word may be glued to the name.
func TestSearchWithoutSpaces(t *testing.T) {
	t.Parallel()
	oldList := unitstest.Load(t, unitdata.ThreeLevel)
	old, now := unitstest.Index(t, unitdata.ThreeLevel), unitstest.Index(t, unitdata.TwoLevel)
	oldHCM := unitstest.ByCode(t, oldList, 1, "79").ID
	hcm := now.SearchAll("ho chi minh", 1)[0].ID
	tests := []struct {
		ix     *units.UnitIndex
		query  string
		parent int64
		level  int
		want   string // first match; "" none
	}{
		{now, "cuchi", hcm, 3, "Xã Củ Chi"},
		{now, "CUCHI", hcm, 3, "Xã Củ Chi"},
		{now, "thudaumot", hcm, 3, "Phường Thủ Dầu Một"},
		{now, "thu daumot", hcm, 3, "Phường Thủ Dầu Một"},
		{now, "nhontay", hcm, 3, "Xã An Nhơn Tây"},
		{now, "xacuchi", hcm, 3, "Xã Củ Chi"},
		{now, "condao", hcm, 3, "Đặc khu Côn Đảo"},
		{now, "hochiminh", 0, 1, "Thành phố Hồ Chí Minh"},
		{now, "saigon", 0, 1, "Thành phố Hồ Chí Minh"},
		{now, "daklak", 0, 1, "Tỉnh Đắk Lắk"},
		{old, "cuchi", oldHCM, 2, "Huyện Củ Chi"},
		{old, "huyencuchi", oldHCM, 2, "Huyện Củ Chi"},
		{old, "tpthuduc", oldHCM, 2, "Thành phố Thủ Đức"},
		{old, "govap", oldHCM, 2, "Quận Gò Vấp"},
		{old, "vungtau", 0, 1, "Tỉnh Bà Rịa - Vũng Tàu"},

		{now, "uchi", hcm, 3, ""}, // the middle of a word
		{now, "cuchix", hcm, 3, ""},
		{now, "chicu", hcm, 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, total := tt.ix.Search(tt.query, tt.parent, tt.level, 5, 0)
			switch {
			case tt.want == "" && total != 0:
				t.Errorf("Search(%q) = %q, want nothing", tt.query, names(got))
			case tt.want != "" && (len(got) == 0 || got[0].Name != tt.want):
				t.Errorf("Search(%q) = %q, want %q first", tt.query, names(got), tt.want)
			}
		})
	}
}

// BenchmarkAtlasSearch times a search of a unit step of today's tree with
// the older tree and the merges, each keystroke of a registration's
// province and commune steps, and a query read again without its spaces
// over the whole country.
func BenchmarkAtlasSearch(b *testing.B) {
	a := unitstest.Atlas(b)
	tree := a.At(today)
	hcm := tree.Units.SearchAll("ho chi minh", 1)[0].ID
	var sink []units.Match
	for _, c := range []struct {
		query  string
		parent int64
		level  int
	}{{"b", 0, 1}, {"binh duong", 0, 1}, {"cu chi", hcm, 3}, {"tan thong hoi", hcm, 3}, {"phuong 1", hcm, 3}, {"cuchi", hcm, 3}, {"", hcm, 3}} {
		b.Run(fmt.Sprintf("%q at level %d", c.query, c.level), func(b *testing.B) {
			timeCalls(b, func() { sink, _ = a.Search(tree, c.query, c.parent, c.level, 8, 0) })
		})
	}
	old := a.Trees()[0].Units
	b.Run("all without spaces", func(b *testing.B) {
		timeCalls(b, func() { _ = old.SearchAll("phumyhung", 10) })
	})
	b.Run("all nothing", func(b *testing.B) {
		timeCalls(b, func() { _ = old.SearchAll("xyzzy", 10) })
	})
	_ = sink
}
