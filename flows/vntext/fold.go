package vntext

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// foldPool reuses transformers: a transform.Chain keeps state and is not
// safe for concurrent use.
var foldPool = sync.Pool{New: func() any {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

// Fold makes Vietnamese text comparable without accents or case: it
// removes diacritics ("Hòa" and "Hoà" both give "hoa"), maps đ (and its
// look-alike ð) to d, lower-cases, and turns runs of spaces and
// punctuation into one space. "CỦ CHI" → "cu chi", "Đắk Lắk" → "dak lak".
//
// Every search folds its query, so the common inputs take short cuts that
// give the same result as the full transform (FuzzFoldFast checks it):
// text already folded is returned as it is, without allocating; ASCII and
// precomposed Vietnamese letters are folded rune by rune through a table,
// an order of magnitude faster than the transform chain (BenchmarkFold);
// anything else, such as combining marks or other scripts, goes through
// foldSlow.
func Fold(s string) string {
	if isFolded(s) {
		return s
	}
	if out, ok := foldFast(s); ok {
		return out
	}
	return foldSlow(s)
}

// isFolded reports whether s is lower-case ASCII letters and digits with
// single spaces between words: what Fold returns, and what most queries
// from people typing without diacritics already are.
func isFolded(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == ' ' && i > 0 && i < len(s)-1 && s[i-1] != ' ':
		default:
			return false
		}
	}
	return true
}

// Ranges of foldTable: Latin-1 Supplement and Latin Extended-A and -B
// (À, Đ, Ơ, Ư…), and Latin Extended Additional (Ả, Ạ, Ấ… the letters with
// two marks).
const (
	foldLatinLo, foldLatinHi = 0x00c0, 0x0250
	foldExtLo, foldExtHi     = 0x1e00, 0x1f00
)

// foldSep marks a rune of foldTable that separates words ("×", "÷").
const foldSep = ' '

// foldTable holds, for each rune of the two ranges, the ASCII letter it
// folds to, foldSep, or 0 when it folds to something else ("æ", "ß") and
// needs foldSlow. It is computed from foldSlow itself, once, so the two
// cannot disagree. Folding rune by rune is sound because the runes of the
// table and ASCII are all starters: with no combining mark between them,
// the NFD → remove marks → NFC chain treats each on its own.
var foldTable = sync.OnceValue(func() *[foldLatinHi - foldLatinLo + foldExtHi - foldExtLo]byte {
	var t [foldLatinHi - foldLatinLo + foldExtHi - foldExtLo]byte
	set := func(i int, r rune) {
		switch f := foldSlow(string(r)); {
		case f == "":
			t[i] = foldSep
		case len(f) == 1 && f[0] >= 'a' && f[0] <= 'z':
			t[i] = f[0]
		}
	}
	for r := rune(foldLatinLo); r < foldLatinHi; r++ {
		set(int(r-foldLatinLo), r)
	}
	for r := rune(foldExtLo); r < foldExtHi; r++ {
		set(foldLatinHi-foldLatinLo+int(r-foldExtLo), r)
	}
	return &t
})

// foldFast folds s when it holds only ASCII and runes foldTable knows;
// ok is false otherwise.
func foldFast(s string) (out string, ok bool) {
	var table *[foldLatinHi - foldLatinLo + foldExtHi - foldExtLo]byte
	// Each rune gives at most one byte and one space: len(s) is enough.
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			default:
				space = true
				continue
			}
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			switch {
			case foldLatinLo <= r && r < foldLatinHi:
				r -= foldLatinLo
			case foldExtLo <= r && r < foldExtHi:
				r = r - foldExtLo + foldLatinHi - foldLatinLo
			default:
				return "", false // also utf8.RuneError: invalid bytes
			}
			if table == nil {
				table = foldTable()
			}
			switch c = table[r]; c {
			case 0:
				return "", false
			case foldSep:
				space = true
				continue
			}
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteByte(c)
	}
	return b.String(), true
}

// foldSlow is Fold for any text: NFD, combining marks removed, NFC, then
// rune by rune.
func foldSlow(s string) string {
	if !utf8.ValidString(s) {
		// Invalid bytes separate words anyway; left in, they hide the
		// rune after them from norm: Fold("\xf5Ż") was "ż", not "z".
		s = strings.ToValidUTF8(s, " ")
	}
	t := foldPool.Get().(transform.Transformer)
	out, _, err := transform.String(t, s)
	t.Reset()
	foldPool.Put(t)
	if err == nil {
		s = out
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == 'đ' || r == 'Đ' || r == 'ð' || r == 'Ð':
			r = 'd' // Ð (eth) stands in for Đ in text from Latin-1 fonts and keyboards
		case r < utf8.RuneSelf && r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		case r >= utf8.RuneSelf:
			r = unicode.ToLower(r)
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	return b.String()
}

// Slug turns a name into a file-name part: "Huyện Củ Chi" → "huyen-cu-chi".
func Slug(s string) string {
	return strings.Join(strings.Fields(Fold(s)), "-")
}
