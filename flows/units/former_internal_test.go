package units

import (
	"strings"
	"testing"

	"github.com/ocopbot/ocopbot/flows/vntext"
)

// referenceFlatMatch is the plain statement of flatMatch: the query is
// the name's words from some word on, joined, or the beginning of them; 0
// from the first word to the end, 1 from the first word, 2 from a later one.
func referenceFlatMatch(bare, flat string) (int, bool) {
	words := strings.Fields(bare)
	for i := range words {
		rest := strings.Join(words[i:], "")
		if !strings.HasPrefix(rest, flat) {
			continue
		}
		switch {
		case i > 0:
			return 2, true
		case rest == flat:
			return 0, true
		}
		return 1, true
	}
	return 0, false
}

// FuzzFlatMatch checks flatMatch, which walks the name once per word
// start skipping spaces, against referenceFlatMatch.
func FuzzFlatMatch(f *testing.F) {
	for _, s := range [][2]string{
		{"Xã Củ Chi", "cuchi"}, {"Xã Củ Chi", "cuch"}, {"Xã Củ Chi", "chi"}, {"Xã Củ Chi", "uchi"},
		{"Xã An Nhơn Tây", "nhontay"}, {"Xã An Nhơn Tây", "annhontayx"}, {"Phường 1", "1"}, {"Xã A B", "ab"},
		{"Xã Aa Aa", "aaa"}, {"Đặc khu Côn Đảo", "condao"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, name, q string) {
		flat := strings.ReplaceAll(vntext.Fold(q), " ", "")
		if flat == "" {
			return
		}
		ix := NewUnitIndex([]Unit{{ID: 1, Level: 3, Name: name}})
		e := &ix.entries[0]
		wantRank, wantOK := referenceFlatMatch(e.bare(), flat)
		gotRank, gotOK := flatMatch(e.key, flat)
		if gotOK != wantOK || gotOK && gotRank != wantRank {
			t.Errorf("flatMatch(%q, %q) = %d, %v; want %d, %v", e.bare(), flat, gotRank, gotOK, wantRank, wantOK)
		}
		if wantOK && ix.masks[0]&wordBit(flat[0]) == 0 {
			t.Errorf("mask of %q = %b turns away %q, a match", e.bare(), ix.masks[0], flat)
		}
	})
}
