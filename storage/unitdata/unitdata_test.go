package unitdata

import (
	"bufio"
	"slices"
	"strings"
	"testing"
)

// TestOpen reads every embedded data set whole and checks its first line.
func TestOpen(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		prefix string
		lines  int
	}{
		{ThreeLevel, "province_code,province,district_code,district,ward_code,ward", 10_041},
		{TwoLevel, "province_code,province,ward_code,ward", 3_322},
		{Merges, `{`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Open(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(r)
			sc.Buffer(make([]byte, 4<<20), 4<<20)
			n := 0
			for sc.Scan() {
				if n == 0 && !strings.HasPrefix(strings.TrimPrefix(sc.Text(), "\ufeff"), tc.prefix) {
					t.Fatalf("first line %.80q, want it to start with %q", sc.Text(), tc.prefix)
				}
				n++
			}
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
			if tc.lines > 0 && n != tc.lines {
				t.Fatalf("%d lines, want %d", n, tc.lines)
			}
		})
	}
	if _, err := Open("nope.csv"); err == nil {
		t.Fatal("Open of a file not embedded: no error")
	}
}

// TestLicenses gives both MIT notices and names the files each covers.
func TestLicenses(t *testing.T) {
	t.Parallel()
	ls := Licenses()
	if len(ls) != 2 {
		t.Fatalf("%d licences, want 2", len(ls))
	}
	covered := ""
	for _, l := range ls {
		if !strings.HasPrefix(l.Text, "MIT License") || !strings.Contains(l.Text, "Copyright") {
			t.Errorf("%s: notice %.40q is not an MIT notice", l.Source, l.Text)
		}
		covered += l.Covers + ","
	}
	for _, f := range []string{ThreeLevel, TwoLevel, Merges} {
		if !strings.Contains(covered, f) {
			t.Errorf("no licence covers %s", f)
		}
	}
}

// TestReadMerges reads the embedded merges: every link, Xã Tân Thông Hội
// merged whole into Xã Củ Chi among them; a file of another shape is
// refused, saying the shape wanted.
func TestReadMerges(t *testing.T) {
	t.Parallel()
	r, err := Open(Merges)
	if err != nil {
		t.Fatal(err)
	}
	merges, err := ReadMerges(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(merges) < 10_035 || !slices.Contains(merges, Merge{New: "27553", Old: "27556", Full: true}) {
		t.Errorf("ReadMerges = %d links; want one at least for each old commune, 27556 → 27553 whole among them", len(merges))
	}
	for _, bad := range []string{`{"data":[]}`, `{}`, `[`, ``} {
		if _, err := ReadMerges(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadMerges(%q) = no error", bad)
		}
	}
	if _, err := ReadMerges(strings.NewReader(`{"data":[]}`)); err == nil || !strings.Contains(err.Error(), "level2_id") {
		t.Errorf("ReadMerges of an empty file says %v; want the shape wanted", err)
	}
}
