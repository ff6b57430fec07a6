package units_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/flows/units/unitstest"
	"github.com/ocopbot/ocopbot/flows/vntext"
)

func TestLoadUnits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file                           string
		provinces, districts, communes int
	}{
		{file: "vn-units-2025-03.csv", provinces: 63, districts: 696, communes: 10035},
		{file: "vn-units-2025-07.csv", provinces: 34, districts: 0, communes: 3321},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			var got [4]int
			for _, u := range unitstest.Load(t, tt.file) {
				got[u.Level]++
				if u.Kind == "" {
					t.Errorf("%s (level %d): no kind", u.Name, u.Level)
				}
			}
			if want := [4]int{0, tt.provinces, tt.districts, tt.communes}; got != want {
				t.Errorf("units by level = %v, want %v", got[1:], want[1:])
			}
		})
	}
}

func TestSplitUnitName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, kind, bare string
	}{
		{name: "Tỉnh Đắk Lắk", kind: units.KindProvince, bare: "Đắk Lắk"},
		{name: "Thành phố Hồ Chí Minh", kind: units.KindCity, bare: "Hồ Chí Minh"},
		{name: "Quận 1", kind: units.KindUrbanDistrict, bare: "1"},
		{name: "Huyện Củ Chi", kind: units.KindRuralDistrict, bare: "Củ Chi"},
		{name: "Thị xã Trảng Bàng", kind: units.KindTown, bare: "Trảng Bàng"},
		{name: "Thành phố Thủ Đức", kind: units.KindCity, bare: "Thủ Đức"},
		{name: "Phường Phúc Xá", kind: units.KindWard, bare: "Phúc Xá"},
		{name: "Xã An Phú", kind: units.KindCommune, bare: "An Phú"},
		{name: "Thị trấn Củ Chi", kind: units.KindTownship, bare: "Củ Chi"},
		{name: "Đặc khu Phú Quốc", kind: units.KindSpecialZone, bare: "Phú Quốc"},
		{name: "Tỉnh Bà Rịa - Vũng Tàu", kind: units.KindProvince, bare: "Bà Rịa - Vũng Tàu"},
		{name: "Thành phố Phan Rang-Tháp Chàm", kind: units.KindCity, bare: "Phan Rang-Tháp Chàm"},
		{name: "Xã Xà Phiên", kind: units.KindCommune, bare: "Xà Phiên"},
		{name: "Xã Thị Trấn", kind: units.KindCommune, bare: "Thị Trấn"},
		{name: "Huyện Quan Hóa", kind: units.KindRuralDistrict, bare: "Quan Hóa"},
		{name: "Thị xã Kỳ Anh", kind: units.KindTown, bare: "Kỳ Anh"},
		{name: "HUYỆN CỦ CHI", kind: units.KindRuralDistrict, bare: "CỦ CHI"},
		{name: "Huyện  Củ  Chi", kind: units.KindRuralDistrict, bare: "Củ Chi"},

		{name: "Huyện", kind: "", bare: "Huyện"},
		{name: "Thành phố", kind: "", bare: "Thành phố"},
		{name: "Hà Nội", kind: "", bare: "Hà Nội"},
		{name: "Q1", kind: "", bare: "Q1"},
		{name: "TP Thủ Đức", kind: "", bare: "TP Thủ Đức"},
		{name: "Thành-phố Huế", kind: "", bare: "Thành-phố Huế"},
		{name: "", kind: "", bare: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kind, bare := units.SplitUnitName(tt.name)
			if kind != tt.kind || bare != tt.bare {
				t.Errorf("SplitUnitName(%q) = %q, %q; want %q, %q", tt.name, kind, bare, tt.kind, tt.bare)
			}
		})
	}
}

func FuzzSplitUnitName(f *testing.F) {
	for _, s := range []string{
		"Huyện Củ Chi", "Thành phố Thủ Đức", "Thị xã Trảng Bàng", "Quận 1", "Thành-phố A B", "Thị-xã Củ Chi Mới",
		"Huyện", "", "Xã\u00a0An Phú", "Tỉnh !!", "Thị xã xã",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		kind, bare := units.SplitUnitName(name)
		if kind == "" {
			if bare != name {
				t.Errorf("SplitUnitName(%q) = %q, %q; want the name back with no kind", name, kind, bare)
			}
			return
		}
		// The kind words and the bare name fold back to the name.
		if got, want := strings.TrimSpace(kind+" "+vntext.Fold(bare)), vntext.Fold(name); got != want || bare == "" {
			t.Errorf("SplitUnitName(%q) = %q, %q; folded back %q, want %q", name, kind, bare, got, want)
		}
	})
}

func names(units []units.Unit) []string {
	out := make([]string, len(units))
	for i, u := range units {
		out[i] = u.Name
	}
	return out
}

func TestUnitSearch(t *testing.T) {
	t.Parallel()
	units := unitstest.Load(t, "vn-units-2025-03.csv")
	ix := unitstest.Index(t, "vn-units-2025-03.csv")
	hcm := unitstest.ByCode(t, units, 1, "79")
	cuChi := unitstest.ByCode(t, units, 2, "783")
	quan3 := unitstest.ByCode(t, units, 2, "770")
	thanhHoa := unitstest.ByCode(t, units, 1, "38")
	anGiang := unitstest.ByCode(t, units, 1, "89")
	tests := []struct {
		name   string
		query  string
		parent int64
		level  int
		want   string // first result
	}{
		{name: "district folded", query: "cu chi", parent: hcm.ID, level: 2, want: "Huyện Củ Chi"},
		{name: "district upper case", query: "CỦ CHI", parent: hcm.ID, level: 2, want: "Huyện Củ Chi"},
		{name: "district decomposed", query: norm.NFD.String("Củ Chi"), parent: hcm.ID, level: 2, want: "Huyện Củ Chi"},
		{name: "district with kind", query: "huyen cu chi", parent: hcm.ID, level: 2, want: "Huyện Củ Chi"},
		{name: "district full name", query: "Huyện Củ Chi", parent: hcm.ID, level: 2, want: "Huyện Củ Chi"},
		{name: "district prefix", query: "cu", parent: hcm.ID, level: 2, want: "Huyện Củ Chi"},
		{name: "district abbreviated kind", query: "h. cu chi", parent: hcm.ID, level: 2, want: "Huyện Củ Chi"},
		{name: "city in a city", query: "thu duc", parent: hcm.ID, level: 2, want: "Thành phố Thủ Đức"},
		{name: "city with tp", query: "tp thu duc", parent: hcm.ID, level: 2, want: "Thành phố Thủ Đức"},
		{name: "city with TP.", query: "TP. Thủ Đức", parent: hcm.ID, level: 2, want: "Thành phố Thủ Đức"},
		{name: "numbered district", query: "quan 1", parent: hcm.ID, level: 2, want: "Quận 1"},
		{name: "q1", query: "q1", parent: hcm.ID, level: 2, want: "Quận 1"},
		{name: "Q.1", query: "Q.1", parent: hcm.ID, level: 2, want: "Quận 1"},
		{name: "Q 10", query: "Q 10", parent: hcm.ID, level: 2, want: "Quận 10"},
		{name: "quan10", query: "quan10", parent: hcm.ID, level: 2, want: "Quận 10"},
		{name: "bare number", query: "1", parent: hcm.ID, level: 2, want: "Quận 1"},
		{name: "quận by name", query: "go vap", parent: hcm.ID, level: 2, want: "Quận Gò Vấp"},
		{name: "second word", query: "vap", parent: hcm.ID, level: 2, want: "Quận Gò Vấp"},
		{name: "word prefixes", query: "b ta", parent: hcm.ID, level: 2, want: "Quận Bình Tân"},
		// "Quan" and "Tịnh" are names as well as kind words.
		{name: "kind word that is a name", query: "quan hoa", parent: thanhHoa.ID, level: 2, want: "Huyện Quan Hóa"},
		{name: "kind word that is a name, accented", query: "Quan Sơn", parent: thanhHoa.ID, level: 2, want: "Huyện Quan Sơn"},
		{name: "tinh that is a name", query: "tinh bien", parent: anGiang.ID, level: 2, want: "Thị xã Tịnh Biên"},

		{name: "province", query: "ha noi", level: 1, want: "Thành phố Hà Nội"},
		{name: "province alias hn", query: "hn", level: 1, want: "Thành phố Hà Nội"},
		{name: "province HCMC", query: "ho chi minh", level: 1, want: "Thành phố Hồ Chí Minh"},
		{name: "province alias hcm", query: "hcm", level: 1, want: "Thành phố Hồ Chí Minh"},
		{name: "province alias TP.HCM", query: "TP.HCM", level: 1, want: "Thành phố Hồ Chí Minh"},
		{name: "province alias tp hcm", query: "tp hcm", level: 1, want: "Thành phố Hồ Chí Minh"},
		{name: "province alias tphcm", query: "tphcm", level: 1, want: "Thành phố Hồ Chí Minh"},
		{name: "province alias sai gon", query: "Sài Gòn", level: 1, want: "Thành phố Hồ Chí Minh"},
		{name: "province folded", query: "dak lak", level: 1, want: "Tỉnh Đắk Lắk"},
		{name: "province accented", query: "Đắk Lắk", level: 1, want: "Tỉnh Đắk Lắk"},
		{name: "province with eth", query: "Ðắk Lắk", level: 1, want: "Tỉnh Đắk Lắk"},
		{name: "province Đắk Nông", query: "dak n", level: 1, want: "Tỉnh Đắk Nông"},
		{name: "province with kind", query: "tinh dak lak", level: 1, want: "Tỉnh Đắk Lắk"},
		{name: "province Huế", query: "hue", level: 1, want: "Thành phố Huế"},
		{name: "province by its name before 2025", query: "Thừa Thiên Huế", level: 1, want: "Thành phố Huế"},
		{name: "province with oa", query: "hoa binh", level: 1, want: "Tỉnh Hoà Bình"},
		{name: "province hyphenated", query: "vung tau", level: 1, want: "Tỉnh Bà Rịa - Vũng Tàu"},
		{name: "province Hà Tĩnh", query: "ha tinh", level: 1, want: "Tỉnh Hà Tĩnh"},

		{name: "commune", query: "phu my hung", parent: cuChi.ID, level: 3, want: "Xã Phú Mỹ Hưng"},
		{name: "township", query: "tt cu chi", parent: cuChi.ID, level: 3, want: "Thị trấn Củ Chi"},
		{name: "ward number", query: "p1", parent: quan3.ID, level: 3, want: "Phường 1"},
		{name: "ward number spelt", query: "phuong 12", parent: quan3.ID, level: 3, want: "Phường 12"},
		{name: "ward number glued", query: "phuong12", parent: quan3.ID, level: 3, want: "Phường 12"},
		{name: "ward P.12", query: "P.12", parent: quan3.ID, level: 3, want: "Phường 12"},
		{name: "lone p begins a name", query: "p", parent: cuChi.ID, level: 3, want: "Xã Phạm Văn Cội"},
		{name: "ward by name", query: "vo thi sau", parent: quan3.ID, level: 3, want: "Phường Võ Thị Sáu"},
		{name: "any level", query: "cu chi", parent: cuChi.ID, level: 0, want: "Thị trấn Củ Chi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, total := ix.Search(tt.query, tt.parent, tt.level, 5, 0)
			if total == 0 || len(got) == 0 || got[0].Name != tt.want {
				t.Fatalf("Search(%q) = %q (total %d), want %q first", tt.query, names(got), total, tt.want)
			}
			for _, u := range got {
				if u.ParentID != tt.parent || tt.level != 0 && u.Level != tt.level {
					t.Errorf("Search(%q) gave %s (parent %d, level %d), want parent %d, level %d", tt.query, u.Name, u.ParentID, u.Level, tt.parent, tt.level)
				}
			}
		})
	}
}

func TestUnitSearchNoMatch(t *testing.T) {
	t.Parallel()
	units := unitstest.Load(t, "vn-units-2025-03.csv")
	ix := unitstest.Index(t, "vn-units-2025-03.csv")
	hcm := unitstest.ByCode(t, units, 1, "79")
	tests := []struct {
		name   string
		query  string
		parent int64
		level  int
	}{
		{name: "nonsense", query: "xyzzy", parent: hcm.ID, level: 2},
		{name: "a district elsewhere", query: "ba dinh", parent: hcm.ID, level: 2},
		{name: "a commune at district level", query: "phu my hung", parent: hcm.ID, level: 2},
		{name: "middle of a word", query: "inh", parent: 0, level: 1},
		{name: "kind only, none of that kind", query: "thi xa", parent: hcm.ID, level: 2},
		{name: "unknown parent", query: "", parent: -1, level: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got, total := ix.Search(tt.query, tt.parent, tt.level, 5, 0); total != 0 || len(got) != 0 {
				t.Errorf("Search(%q) = %q, total %d; want nothing", tt.query, names(got), total)
			}
		})
	}
}

// TestUnitSearchEmptyQuery lists HCMC's districts: numbered quận first, in
// numeric order, then the others by folded name.
func TestUnitSearchEmptyQuery(t *testing.T) {
	t.Parallel()
	units := unitstest.Load(t, "vn-units-2025-03.csv")
	ix := unitstest.Index(t, "vn-units-2025-03.csv")
	hcm := unitstest.ByCode(t, units, 1, "79")
	got, total := ix.Search("", hcm.ID, 2, 100, 0)
	want := []string{
		"Quận 1", "Quận 3", "Quận 4", "Quận 5", "Quận 6", "Quận 7", "Quận 8", "Quận 10", "Quận 11", "Quận 12",
		"Huyện Bình Chánh", "Quận Bình Tân", "Quận Bình Thạnh", "Huyện Cần Giờ", "Huyện Củ Chi", "Quận Gò Vấp",
		"Huyện Hóc Môn", "Huyện Nhà Bè", "Quận Phú Nhuận", "Quận Tân Bình", "Quận Tân Phú", "Thành phố Thủ Đức",
	}
	if total != len(want) || !slices.Equal(names(got), want) {
		t.Fatalf("Search(\"\") = %q, total %d;\nwant %q, total %d", names(got), total, want, len(want))
	}
	if children := ix.Children(hcm.ID); !slices.Equal(names(children), want) {
		t.Errorf("Children(HCMC) = %q, want %q", names(children), want)
	}
	// A lone kind word lists the units of that kind.
	quan, total := ix.Search("quận", hcm.ID, 2, 100, 0)
	var wantQuan []string
	for _, n := range want {
		if strings.HasPrefix(n, "Quận ") {
			wantQuan = append(wantQuan, n)
		}
	}
	if total != len(wantQuan) || !slices.Equal(names(quan), wantQuan) {
		t.Errorf("Search(\"quận\") = %q, total %d;\nwant %q, total %d", names(quan), total, wantQuan, len(wantQuan))
	}
}

// TestUnitSearchPaging pages through a search with every page size: the
// pages put together are the whole list, and the total never changes.
func TestUnitSearchPaging(t *testing.T) {
	t.Parallel()
	unitList := unitstest.Load(t, "vn-units-2025-03.csv")
	ix := unitstest.Index(t, "vn-units-2025-03.csv")
	hcm := unitstest.ByCode(t, unitList, 1, "79")
	for _, query := range []string{"", "quan", "b", "xyzzy"} {
		all, total := ix.Search(query, hcm.ID, 2, 1000, 0)
		if len(all) != total {
			t.Fatalf("Search(%q, limit 1000) gave %d units, total %d", query, len(all), total)
		}
		for limit := 1; limit <= total+1; limit++ {
			t.Run(fmt.Sprintf("%q by %d", query, limit), func(t *testing.T) {
				t.Parallel()
				var got []units.Unit
				for offset := 0; offset <= total; offset += limit {
					page, n := ix.Search(query, hcm.ID, 2, limit, offset)
					if n != total || len(page) > limit {
						t.Fatalf("Search(%q, limit %d, offset %d) = %d units, total %d; want at most %d, total %d", query, limit, offset, len(page), n, limit, total)
					}
					got = append(got, page...)
				}
				if !slices.Equal(got, all) {
					t.Errorf("pages put together = %q, want %q", names(got), names(all))
				}
			})
		}
		t.Run(fmt.Sprintf("%q out of range", query), func(t *testing.T) {
			t.Parallel()
			for _, p := range []struct{ limit, offset int }{{10, total}, {10, total + 5}, {0, 0}, {-1, 0}, {10, -3}, {math.MaxInt, 1}, {math.MaxInt, math.MaxInt}} {
				page, n := ix.Search(query, hcm.ID, 2, p.limit, p.offset)
				if n != total || len(page) > max(p.limit, 0) {
					t.Errorf("Search(%q, limit %d, offset %d) = %d units, total %d; want total %d", query, p.limit, p.offset, len(page), n, total)
				}
			}
		})
	}
}

func TestUnitSearchAll(t *testing.T) {
	t.Parallel()
	ix := unitstest.Index(t, "vn-units-2025-03.csv")
	tests := []struct {
		query string
		want  string
		level int
	}{
		{query: "phu my hung", want: "Xã Phú Mỹ Hưng", level: 3},
		{query: "ho chi minh", want: "Thành phố Hồ Chí Minh", level: 1},
		{query: "hcm", want: "Thành phố Hồ Chí Minh", level: 1},
		{query: "cu chi", want: "Huyện Củ Chi", level: 2}, // before Thị trấn Củ Chi: districts rank before communes
		{query: "phu quoc", want: "Thành phố Phú Quốc", level: 2},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			got := ix.SearchAll(tt.query, 5)
			if len(got) == 0 || got[0].Name != tt.want || got[0].Level != tt.level {
				t.Errorf("SearchAll(%q) = %q, want %q (level %d) first", tt.query, names(got), tt.want, tt.level)
			}
		})
	}
	if got := ix.SearchAll("phu my", 1000); len(got) < 20 {
		t.Errorf("SearchAll(\"phu my\") = %d units, want the many Phú Mỹ", len(got))
	}
	if got := ix.SearchAll("xyzzy", 10); len(got) != 0 {
		t.Errorf("SearchAll(\"xyzzy\") = %q, want nothing", names(got))
	}
}

// TestUnitSearchTwoLevels searches the tree in force since 1/7/2025, where
// communes hang directly under their province.
func TestUnitSearchTwoLevels(t *testing.T) {
	t.Parallel()
	units := unitstest.Load(t, "vn-units-2025-07.csv")
	ix := unitstest.Index(t, "vn-units-2025-07.csv")
	hcm := ix.SearchAll("ho chi minh", 1)
	if len(hcm) != 1 || hcm[0].Level != 1 || hcm[0].Code != "79" {
		t.Fatalf("SearchAll(\"ho chi minh\") = %+v, want the province", hcm)
	}
	if want := unitstest.ByCode(t, units, 1, "79"); hcm[0] != want {
		t.Errorf("SearchAll(\"ho chi minh\") = %+v, want %+v", hcm[0], want)
	}
	tests := []struct {
		name, query, want string
	}{
		{name: "ward of the old Bình Dương", query: "thu dau mot", want: "Phường Thủ Dầu Một"},
		{name: "accented", query: "Thủ Dầu Một", want: "Phường Thủ Dầu Một"},
		{name: "commune", query: "xa cu chi", want: "Xã Củ Chi"},
		{name: "special zone", query: "con dao", want: "Đặc khu Côn Đảo"},
		// "Sài Gòn" is an alias of the city and, since 1/7/2025, a ward's name.
		{name: "ward named like an alias", query: "Sài Gòn", want: "Phường Sài Gòn"},
		{name: "ward named like an alias, with kind", query: "phuong sai gon", want: "Phường Sài Gòn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, total := ix.Search(tt.query, hcm[0].ID, 3, 5, 0)
			if total == 0 || got[0].Name != tt.want {
				t.Errorf("Search(%q) under HCMC = %q (total %d), want %q first", tt.query, names(got), total, tt.want)
			}
		})
	}
	if got := names(ix.SearchAll("sai gon", 3)); !slices.Equal(got, []string{"Thành phố Hồ Chí Minh", "Phường Sài Gòn"}) {
		t.Errorf("SearchAll(\"sai gon\") = %q, want the city, then the ward", got)
	}
	if n := len(ix.Children(hcm[0].ID)); n != 168 {
		t.Errorf("Children(HCMC) = %d units, want 168", n)
	}
	if ix.HasDistricts(0) || ix.HasDistricts(hcm[0].ID) {
		t.Error("the two-level tree has districts, want none")
	}
	old := unitstest.Index(t, "vn-units-2025-03.csv")
	oldHCM := old.SearchAll("ho chi minh", 1)[0]
	if !old.HasDistricts(0) || !old.HasDistricts(oldHCM.ID) {
		t.Error("the three-level tree has no districts under HCMC, want them")
	}
	if old.HasDistricts(old.Children(oldHCM.ID)[0].ID) {
		t.Error("a district has districts under it, want only provinces to")
	}
	if got, total := ix.Search("phu quoc", 0, 1, 5, 0); total != 0 {
		t.Errorf("Search(\"phu quoc\") among provinces = %q, want nothing", names(got))
	}
}

func TestUnitIndexGetAndChildren(t *testing.T) {
	t.Parallel()
	unitList := unitstest.Load(t, "vn-units-2025-03.csv")
	ix := unitstest.Index(t, "vn-units-2025-03.csv")
	for _, u := range unitList {
		if got, ok := ix.Get(u.ID); !ok || got != u {
			t.Fatalf("Get(%d) = %+v, %v; want %+v, true", u.ID, got, ok, u)
		}
	}
	for _, id := range []int64{0, -1, int64(len(unitList) + 1)} {
		if got, ok := ix.Get(id); ok || got != (units.Unit{}) {
			t.Errorf("Get(%d) = %+v, %v; want the zero Unit, false", id, got, ok)
		}
	}
	provinces := ix.Children(0)
	if len(provinces) != 63 {
		t.Errorf("Children(0) = %d units, want 63 provinces", len(provinces))
	}
	count := len(provinces)
	for _, p := range provinces {
		if p.Level != 1 || p.ParentID != 0 {
			t.Errorf("Children(0) holds %+v", p)
		}
		for _, d := range ix.Children(p.ID) {
			count++
			if d.Level != 2 || d.ParentID != p.ID {
				t.Errorf("Children(%s) holds %+v", p.Name, d)
			}
			count += len(ix.Children(d.ID))
		}
	}
	if count != len(unitList) {
		t.Errorf("the tree from Children holds %d units, want %d", count, len(unitList))
	}
	island := unitstest.ByCode(t, unitList, 2, "471") // Huyện Cồn Cỏ
	if got := ix.Children(island.ID); len(got) != 0 {
		t.Errorf("Children(%s) = %q, want none", island.Name, names(got))
	}
	if got := ix.Children(-1); len(got) != 0 {
		t.Errorf("Children(-1) = %q, want none", names(got))
	}
	// Children are copies: changing one leaves the index alone.
	hcm := unitstest.ByCode(t, unitList, 1, "79")
	c := ix.Children(hcm.ID)
	c[0].Name = "changed"
	if again := ix.Children(hcm.ID); again[0].Name != "Quận 1" {
		t.Errorf("Children(HCMC)[0] = %q after changing a copy, want Quận 1", again[0].Name)
	}
}

// smallUnits is a tree for fuzzing: two provinces, a few districts and
// communes, with the awkward names of the real ones.
func smallUnits() []units.Unit {
	unitList := []units.Unit{
		{ID: 1, Level: 1, Code: "79", Name: "Thành phố Hồ Chí Minh"},
		{ID: 2, Level: 1, Code: "38", Name: "Tỉnh Thanh Hóa"},
		{ID: 3, ParentID: 1, Level: 2, Code: "760", Name: "Quận 1"},
		{ID: 4, ParentID: 1, Level: 2, Code: "769", Name: "Quận 2"},
		{ID: 5, ParentID: 1, Level: 2, Code: "771", Name: "Quận 10"},
		{ID: 6, ParentID: 1, Level: 2, Code: "783", Name: "Huyện Củ Chi"},
		{ID: 7, ParentID: 1, Level: 2, Code: "769", Name: "Thành phố Thủ Đức"},
		{ID: 8, ParentID: 1, Level: 2, Code: "765", Name: "Quận Bình Thạnh"},
		{ID: 9, ParentID: 2, Level: 2, Code: "384", Name: "Huyện Quan Hóa"},
		{ID: 10, ParentID: 2, Level: 2, Code: "396", Name: "Huyện Hoằng Hóa"},
		{ID: 11, ParentID: 6, Level: 3, Code: "27496", Name: "Thị trấn Củ Chi"},
		{ID: 12, ParentID: 6, Level: 3, Code: "27499", Name: "Xã Phú Mỹ Hưng"},
		{ID: 13, ParentID: 6, Level: 3, Code: "27502", Name: "Xã An Phú"},
		{ID: 14, ParentID: 3, Level: 3, Code: "26734", Name: "Phường Bến Nghé"},
		{ID: 15, ParentID: 3, Level: 3, Code: "26737", Name: "Phường 1"},
		{ID: 16, ParentID: 1, Level: 3, Code: "26740", Name: "Phường Sài Gòn"}, // named like an alias
	}
	for i := range unitList {
		unitList[i].Kind, _ = units.SplitUnitName(unitList[i].Name)
	}
	return unitList
}

func FuzzUnitSearch(f *testing.F) {
	ix := units.NewUnitIndex(smallUnits())
	parents := []int64{0, 1, 2, 3, 6, -1, 99}
	for _, s := range []string{
		"", "cu chi", "CỦ CHI", "huyen cu chi", "q1", "Q.1", "quan", "quan hoa", "tp hcm", "hcm", "h", "p", "p1",
		"thi xa", "tt cu chi", "x", "phu my", "1", "10", "q", "tp", "\xff", "Hòa", "sai gon", "phuong sai gon",
		"thua thien hue", "tp sai",
	} {
		f.Add(s, uint8(1), 2, 5, 0)
	}
	f.Add("", uint8(0), 0, -1, -1)
	f.Add("quan", uint8(1), 0, math.MaxInt, 1)
	f.Add("cu", uint8(4), 3, 1, math.MaxInt)
	f.Add("q", uint8(2), 0, math.MinInt, math.MinInt)
	f.Fuzz(func(t *testing.T, query string, p uint8, level, limit, offset int) {
		parent := parents[int(p)%len(parents)]
		page, total := ix.Search(query, parent, level, limit, offset)
		if total < len(page) || len(page) > max(limit, 0) {
			t.Fatalf("Search(%q, %d, %d, %d, %d) = %d units, total %d", query, parent, level, limit, offset, len(page), total)
		}
		for _, u := range page {
			if u.ParentID != parent || level != 0 && u.Level != level {
				t.Errorf("Search(%q, %d, %d, …) gave %+v", query, parent, level, u)
			}
		}
		// The page is a window on the whole list.
		all, n := ix.Search(query, parent, level, total, 0)
		if n != total || len(all) != total {
			t.Fatalf("Search(%q, limit %d) = %d units, total %d; want %d", query, total, len(all), n, total)
		}
		if start := max(offset, 0); start < total && limit > 0 {
			if want := all[start:][:min(total-start, limit)]; !slices.Equal(page, want) {
				t.Errorf("Search(%q, limit %d, offset %d) = %q, want %q", query, limit, offset, names(page), names(want))
			}
		} else if len(page) != 0 {
			t.Errorf("Search(%q, limit %d, offset %d) = %q, want nothing", query, limit, offset, names(page))
		}
		if got := ix.SearchAll(query, limit); len(got) > max(limit, 0) {
			t.Errorf("SearchAll(%q, %d) = %d units", query, limit, len(got))
		}
	})
}

// timeCalls runs call in b.Loop and reports the median and 99th percentile
// of the calls' durations, in nanoseconds.
func timeCalls(b *testing.B, call func()) {
	b.Helper()
	b.ReportAllocs()
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		call()
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	at := func(p float64) float64 {
		return float64(times[int(float64(len(times)-1)*p)].Nanoseconds())
	}
	b.ReportMetric(at(0.50), "p50-ns")
	b.ReportMetric(at(0.99), "p99-ns")
}

// BenchmarkUnitSearch searches the March 2025 tree: 63 provinces, 696
// districts and 10,035 communes. The target is p99 ≤ 1 ms for SearchAll.
func BenchmarkUnitSearch(b *testing.B) {
	unitList := unitstest.Load(b, "vn-units-2025-03.csv")
	ix := unitstest.Index(b, "vn-units-2025-03.csv")
	hcm := unitstest.ByCode(b, unitList, 1, "79")
	cuChi := unitstest.ByCode(b, unitList, 2, "783")
	var sink []units.Unit
	b.Run("district in HCMC", func(b *testing.B) {
		timeCalls(b, func() { sink, _ = ix.Search("cu chi", hcm.ID, 2, 10, 0) })
	})
	b.Run("commune in Cu Chi", func(b *testing.B) {
		timeCalls(b, func() { sink, _ = ix.Search("phu my", cuChi.ID, 3, 10, 0) })
	})
	for _, q := range []string{"phu my", "Phú Mỹ Hưng", "huyen cu chi", "t", ""} {
		b.Run(fmt.Sprintf("all %q", q), func(b *testing.B) {
			timeCalls(b, func() { sink = ix.SearchAll(q, 10) })
		})
	}
	_ = sink
}

func BenchmarkNewUnitIndex(b *testing.B) {
	unitList := unitstest.Load(b, "vn-units-2025-03.csv")
	b.ReportAllocs()
	for b.Loop() {
		units.NewUnitIndex(unitList)
	}
}

// TestFoldUnitNames folds every unit name of both lists in NFC and NFD:
// the two must agree, and the result must be plain ASCII — every
// Vietnamese letter has an ASCII base.
func TestFoldUnitNames(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"vn-units-2025-03.csv", "vn-units-2025-07.csv"} {
		for _, u := range unitstest.Load(t, file) {
			got := vntext.Fold(u.Name)
			if nfd := vntext.Fold(norm.NFD.String(u.Name)); nfd != got {
				t.Errorf("Fold(NFD %q) = %q, want %q as for NFC", u.Name, nfd, got)
			}
			for i := range len(got) {
				if got[i] >= utf8.RuneSelf {
					t.Errorf("Fold(%q) = %q, want ASCII", u.Name, got)
					break
				}
			}
		}
	}
}
