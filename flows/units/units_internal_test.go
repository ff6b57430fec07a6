package units

import (
	"strings"
	"testing"

	"github.com/ocopbot/ocopbot/flows/vntext"
)

// referenceMatch is the plain statement of pattern.match: every query word
// begins a word of the folded bare name; 0 the name is the query, 1 the
// name starts with it, 2 otherwise.
func referenceMatch(bare string, words []string) (int, bool) {
	tokens := strings.Fields(bare)
	for _, w := range words {
		found := false
		for _, t := range tokens {
			if strings.HasPrefix(t, w) {
				found = true
				break
			}
		}
		if !found {
			return 0, false
		}
	}
	joined := strings.Join(words, " ")
	switch {
	case len(words) == 0:
		return 2, true
	case bare == joined:
		return 0, true
	case strings.HasPrefix(bare, joined):
		return 1, true
	}
	return 2, true
}

// FuzzPatternMatch checks the fast match (a mask of first letters, then
// substring search in " "+name) against referenceMatch.
func FuzzPatternMatch(f *testing.F) {
	for _, s := range [][2]string{
		{"Huyện Củ Chi", "cu chi"}, {"Huyện Củ Chi", "cu"}, {"Huyện Củ Chi", "chi cu"}, {"Quận 10", "1"},
		{"Xã Phú Mỹ Hưng", "phu my"}, {"Xã Phú Mỹ Hưng", "my hung phu"}, {"Phường Bến Nghé", "be ng"},
		{"Xã Ea H'Leo", "h leo"}, {"Xã Ia Rsai", "ia"}, {"Phường 1", ""}, {"Xã An Phú", "an phu x"},
		{"Thị trấn Củ Chi", "i"}, {"Xã Đắk Ơ", "o"}, {"Xã 한국", "한"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, name, q string) {
		ix := NewUnitIndex([]Unit{{ID: 1, Level: 3, Name: name}})
		e := &ix.entries[0]
		words := strings.Fields(vntext.Fold(q))
		p := newPattern(words)
		wantRank, wantOK := referenceMatch(e.bare(), words)
		gotRank, gotOK := p.match(e)
		if gotOK != wantOK || gotOK && gotRank != wantRank {
			t.Errorf("match(%q, %q) = %d, %v; want %d, %v", e.bare(), words, gotRank, gotOK, wantRank, wantOK)
		}
		if masked := ix.masks[0]&p.mask == p.mask; wantOK && !masked {
			t.Errorf("mask of %q = %b turns away %q (%b), a match", e.bare(), ix.masks[0], words, p.mask)
		}
	})
}
