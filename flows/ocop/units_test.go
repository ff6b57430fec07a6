package ocop_test

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// The unit lists live in shared/data beside the repository (see its
// README); they are read in place, never copied into the repository.

// findDataDir walks up from the working directory to the first
// shared/data, trying "<dir>/shared/data" and "<dir>/../shared/data" at each
// level: tests run in flows/ocop, CI runs in a clone with shared/ beside it.
func findDataDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find shared/data: %w", err)
	}
	for {
		for _, c := range []string{filepath.Join(dir, "shared", "data"), filepath.Join(dir, "..", "shared", "data")} {
			if st, err := os.Stat(filepath.Join(c, "vn-units-2025-03.csv")); err == nil && !st.IsDir() {
				return c, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no shared/data with vn-units-2025-03.csv above the working directory: %w", fs.ErrNotExist)
		}
		dir = parent
	}
}

var dataDir = sync.OnceValues(findDataDir)

// unitFiles caches each file's units: the tests and benchmarks share them
// read-only.
var unitFiles sync.Map // file name → func() ([]ocop.Unit, error)

// loadUnits reads one of the unit lists into a tree: provinces (level 1),
// districts (level 2, the March 2025 list only) and communes (level 3),
// with IDs assigned in file order and kinds from ocop.SplitUnitName.
func loadUnits(tb testing.TB, file string) []ocop.Unit {
	tb.Helper()
	f, _ := unitFiles.LoadOrStore(file, sync.OnceValues(func() ([]ocop.Unit, error) { return readUnits(file) }))
	units, err := f.(func() ([]ocop.Unit, error))()
	if err != nil {
		tb.Fatal(err)
	}
	return units
}

func readUnits(file string) ([]ocop.Unit, error) {
	dir, err := dataDir()
	if err != nil {
		return nil, err
	}
	fh, err := os.Open(filepath.Join(dir, file))
	if err != nil {
		return nil, fmt.Errorf("read units: %w", err)
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("read units %s: %w", file, err)
	}
	threeLevels := slices.Equal(header, []string{"province_code", "province", "district_code", "district", "ward_code", "ward"})
	if !threeLevels && !slices.Equal(header, []string{"province_code", "province", "ward_code", "ward"}) {
		return nil, fmt.Errorf("read units %s: unknown header %q", file, header)
	}
	var units []ocop.Unit
	ids := map[[2]string]int64{} // (level, code) → ID
	add := func(level int, code, name string, parent int64) int64 {
		key := [2]string{fmt.Sprint(level), code}
		if id, ok := ids[key]; ok {
			return id
		}
		id := int64(len(units) + 1)
		kind, _ := ocop.SplitUnitName(name)
		units = append(units, ocop.Unit{ID: id, ParentID: parent, Level: level, Code: code, Name: name, Kind: kind})
		ids[key] = id
		return id
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read units %s: %w", file, err)
		}
		parent := add(1, rec[0], rec[1], 0)
		if threeLevels {
			parent = add(2, rec[2], rec[3], parent)
			rec = rec[2:]
		}
		if rec[2] != "" { // island districts have no commune
			add(3, rec[2], rec[3], parent)
		}
	}
	return units, nil
}

// indexes caches one index per file.
var indexes sync.Map // file name → func() *ocop.UnitIndex

func loadIndex(tb testing.TB, file string) *ocop.UnitIndex {
	tb.Helper()
	units := loadUnits(tb, file)
	f, _ := indexes.LoadOrStore(file, sync.OnceValue(func() *ocop.UnitIndex { return ocop.NewUnitIndex(units) }))
	return f.(func() *ocop.UnitIndex)()
}

// unitByCode finds a unit of a level by its GSO code.
func unitByCode(tb testing.TB, units []ocop.Unit, level int, code string) ocop.Unit {
	tb.Helper()
	for _, u := range units {
		if u.Level == level && u.Code == code {
			return u
		}
	}
	tb.Fatalf("no level %d unit with code %s", level, code)
	return ocop.Unit{}
}

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
			for _, u := range loadUnits(t, tt.file) {
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
		{name: "Tỉnh Đắk Lắk", kind: ocop.KindProvince, bare: "Đắk Lắk"},
		{name: "Thành phố Hồ Chí Minh", kind: ocop.KindCity, bare: "Hồ Chí Minh"},
		{name: "Quận 1", kind: ocop.KindUrbanDistrict, bare: "1"},
		{name: "Huyện Củ Chi", kind: ocop.KindRuralDistrict, bare: "Củ Chi"},
		{name: "Thị xã Trảng Bàng", kind: ocop.KindTown, bare: "Trảng Bàng"},
		{name: "Thành phố Thủ Đức", kind: ocop.KindCity, bare: "Thủ Đức"},
		{name: "Phường Phúc Xá", kind: ocop.KindWard, bare: "Phúc Xá"},
		{name: "Xã An Phú", kind: ocop.KindCommune, bare: "An Phú"},
		{name: "Thị trấn Củ Chi", kind: ocop.KindTownship, bare: "Củ Chi"},
		{name: "Đặc khu Phú Quốc", kind: ocop.KindSpecialZone, bare: "Phú Quốc"},
		{name: "Tỉnh Bà Rịa - Vũng Tàu", kind: ocop.KindProvince, bare: "Bà Rịa - Vũng Tàu"},
		{name: "Thành phố Phan Rang-Tháp Chàm", kind: ocop.KindCity, bare: "Phan Rang-Tháp Chàm"},
		{name: "Xã Xà Phiên", kind: ocop.KindCommune, bare: "Xà Phiên"},
		{name: "Xã Thị Trấn", kind: ocop.KindCommune, bare: "Thị Trấn"},
		{name: "Huyện Quan Hóa", kind: ocop.KindRuralDistrict, bare: "Quan Hóa"},
		{name: "Thị xã Kỳ Anh", kind: ocop.KindTown, bare: "Kỳ Anh"},
		{name: "HUYỆN CỦ CHI", kind: ocop.KindRuralDistrict, bare: "CỦ CHI"},
		{name: "Huyện  Củ  Chi", kind: ocop.KindRuralDistrict, bare: "Củ Chi"},

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
			kind, bare := ocop.SplitUnitName(tt.name)
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
		kind, bare := ocop.SplitUnitName(name)
		if kind == "" {
			if bare != name {
				t.Errorf("SplitUnitName(%q) = %q, %q; want the name back with no kind", name, kind, bare)
			}
			return
		}
		// The kind words and the bare name fold back to the name.
		if got, want := strings.TrimSpace(kind+" "+ocop.Fold(bare)), ocop.Fold(name); got != want || bare == "" {
			t.Errorf("SplitUnitName(%q) = %q, %q; folded back %q, want %q", name, kind, bare, got, want)
		}
	})
}

func names(units []ocop.Unit) []string {
	out := make([]string, len(units))
	for i, u := range units {
		out[i] = u.Name
	}
	return out
}

func TestUnitSearch(t *testing.T) {
	t.Parallel()
	units := loadUnits(t, "vn-units-2025-03.csv")
	ix := loadIndex(t, "vn-units-2025-03.csv")
	hcm := unitByCode(t, units, 1, "79")
	cuChi := unitByCode(t, units, 2, "783")
	quan3 := unitByCode(t, units, 2, "770")
	thanhHoa := unitByCode(t, units, 1, "38")
	anGiang := unitByCode(t, units, 1, "89")
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
	units := loadUnits(t, "vn-units-2025-03.csv")
	ix := loadIndex(t, "vn-units-2025-03.csv")
	hcm := unitByCode(t, units, 1, "79")
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
	units := loadUnits(t, "vn-units-2025-03.csv")
	ix := loadIndex(t, "vn-units-2025-03.csv")
	hcm := unitByCode(t, units, 1, "79")
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
	units := loadUnits(t, "vn-units-2025-03.csv")
	ix := loadIndex(t, "vn-units-2025-03.csv")
	hcm := unitByCode(t, units, 1, "79")
	for _, query := range []string{"", "quan", "b", "xyzzy"} {
		all, total := ix.Search(query, hcm.ID, 2, 1000, 0)
		if len(all) != total {
			t.Fatalf("Search(%q, limit 1000) gave %d units, total %d", query, len(all), total)
		}
		for limit := 1; limit <= total+1; limit++ {
			t.Run(fmt.Sprintf("%q by %d", query, limit), func(t *testing.T) {
				t.Parallel()
				var got []ocop.Unit
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
	ix := loadIndex(t, "vn-units-2025-03.csv")
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
	units := loadUnits(t, "vn-units-2025-07.csv")
	ix := loadIndex(t, "vn-units-2025-07.csv")
	hcm := ix.SearchAll("ho chi minh", 1)
	if len(hcm) != 1 || hcm[0].Level != 1 || hcm[0].Code != "79" {
		t.Fatalf("SearchAll(\"ho chi minh\") = %+v, want the province", hcm)
	}
	if want := unitByCode(t, units, 1, "79"); hcm[0] != want {
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
	if got, total := ix.Search("phu quoc", 0, 1, 5, 0); total != 0 {
		t.Errorf("Search(\"phu quoc\") among provinces = %q, want nothing", names(got))
	}
}

func TestUnitIndexGetAndChildren(t *testing.T) {
	t.Parallel()
	units := loadUnits(t, "vn-units-2025-03.csv")
	ix := loadIndex(t, "vn-units-2025-03.csv")
	for _, u := range units {
		if got, ok := ix.Get(u.ID); !ok || got != u {
			t.Fatalf("Get(%d) = %+v, %v; want %+v, true", u.ID, got, ok, u)
		}
	}
	for _, id := range []int64{0, -1, int64(len(units) + 1)} {
		if got, ok := ix.Get(id); ok || got != (ocop.Unit{}) {
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
	if count != len(units) {
		t.Errorf("the tree from Children holds %d units, want %d", count, len(units))
	}
	island := unitByCode(t, units, 2, "471") // Huyện Cồn Cỏ
	if got := ix.Children(island.ID); len(got) != 0 {
		t.Errorf("Children(%s) = %q, want none", island.Name, names(got))
	}
	if got := ix.Children(-1); len(got) != 0 {
		t.Errorf("Children(-1) = %q, want none", names(got))
	}
	// Children are copies: changing one leaves the index alone.
	hcm := unitByCode(t, units, 1, "79")
	c := ix.Children(hcm.ID)
	c[0].Name = "changed"
	if again := ix.Children(hcm.ID); again[0].Name != "Quận 1" {
		t.Errorf("Children(HCMC)[0] = %q after changing a copy, want Quận 1", again[0].Name)
	}
}

// smallUnits is a tree for fuzzing: two provinces, a few districts and
// communes, with the awkward names of the real ones.
func smallUnits() []ocop.Unit {
	units := []ocop.Unit{
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
	for i := range units {
		units[i].Kind, _ = ocop.SplitUnitName(units[i].Name)
	}
	return units
}

func FuzzUnitSearch(f *testing.F) {
	ix := ocop.NewUnitIndex(smallUnits())
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
	units := loadUnits(b, "vn-units-2025-03.csv")
	ix := loadIndex(b, "vn-units-2025-03.csv")
	hcm := unitByCode(b, units, 1, "79")
	cuChi := unitByCode(b, units, 2, "783")
	var sink []ocop.Unit
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
	units := loadUnits(b, "vn-units-2025-03.csv")
	b.ReportAllocs()
	for b.Loop() {
		ocop.NewUnitIndex(units)
	}
}
