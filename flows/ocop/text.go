package ocop

import (
	"errors"
	"fmt"
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
// look-alike ð) to d,
// lower-cases, and turns runs of spaces and punctuation into one space.
// "CỦ CHI" → "cu chi", "Đắk Lắk" → "dak lak".
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
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

// Free-text errors.
var (
	ErrTextEmpty   = errors.New("text is empty")
	ErrTextControl = errors.New("text has control characters")
)

// TooLongError says a text is longer than allowed.
type TooLongError struct{ Max, Len int }

func (e *TooLongError) Error() string {
	return fmt.Sprintf("text has %d characters, at most %d allowed", e.Len, e.Max)
}

// CleanText tidies a free-text answer (a name, a description): NFC, no
// line breaks or runs of spaces, trimmed; it refuses empty text, control
// characters and more than max characters.
func CleanText(s string, max int) (string, error) {
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	n := 0
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || unicode.IsSpace(r):
			space = true
			continue
		// Bidirectional controls (U+202E…) can make a name display as
		// another; they have no place in a producer's name.
		case unicode.IsControl(r) || r == utf8.RuneError || unicode.Is(unicode.Bidi_Control, r):
			return "", ErrTextControl
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
			n++
		}
		space = false
		b.WriteRune(r)
		n++
	}
	if n == 0 {
		return "", ErrTextEmpty
	}
	if n > max {
		return "", &TooLongError{Max: max, Len: n}
	}
	return b.String(), nil
}
