package vntext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// Names as people type them on a phone without a Vietnamese keyboard, or
// in a hurry: "nguyen van tu", "nguyễn văn tú". They end up on officials'
// lists and certificates as typed, so registration asks about a name with
// no diacritic at all and writes a person's name with its capitals.

// Unaccented reports whether s has letters and none of them carries a
// Vietnamese mark or is đ: "nguyen van tu", "Cong ty TNHH Che Bau Bang",
// "HTX ABC". One accented letter is enough to show the writer had a
// Vietnamese keyboard ("HTX Tân Thông": TNHH, HTX and brand names are
// rightly unaccented). Text without letters ("123") is not unaccented.
// s is expected in NFC (CleanText); a combining mark left over counts as
// an accent.
func Unaccented(s string) bool {
	letters := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			return false
		case !unicode.IsLetter(r):
		case r >= utf8.RuneSelf:
			return false
		default:
			letters = true
		}
	}
	return letters
}

// PersonName writes a person's name with a capital at the start of each
// word and the rest in small letters, as Vietnamese names are written:
// "nguyễn văn tú" and "NGUYỄN VĂN TÚ" → "Nguyễn Văn Tú". A word whose
// capitals are evidently chosen (a capital inside a word that also has
// small letters: "H'Hen", "McDonald") is kept as typed, since title casing
// would undo it ("H'hen").
func PersonName(s string) string {
	// A Caser keeps state between calls and is not safe for concurrent
	// use: one per name, which costs little next to a chat turn.
	title := cases.Title(language.Vietnamese)
	words := strings.Split(s, " ")
	for i, w := range words {
		if !chosenCapitals(w) {
			words[i] = title.String(w)
		}
	}
	return strings.Join(words, " ")
}

// chosenCapitals reports whether w has a capital after its first letter
// and also small letters: capitals no slip of the keyboard makes.
func chosenCapitals(w string) bool {
	upper, lower, first := false, false, true
	for _, r := range w {
		if !unicode.IsLetter(r) {
			continue
		}
		switch {
		case unicode.IsUpper(r) && !first:
			upper = true
		case unicode.IsLower(r):
			lower = true
		}
		first = false
	}
	return upper && lower
}

// CapitalizeName gives a name typed all in small letters a capital first
// letter ("mật ong rừng U Minh" is left, "mật ong rừng" → "Mật ong rừng").
// A name with any capital is kept as typed: an organisation's or a
// product's name mixes abbreviations (TNHH, HTX) and brands whose case is
// the writer's to choose.
func CapitalizeName(s string) string {
	for _, r := range s {
		if unicode.IsUpper(r) || unicode.IsTitle(r) {
			return s
		}
	}
	r, size := utf8.DecodeRuneInString(s)
	if !unicode.IsLetter(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}
