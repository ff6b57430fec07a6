package vntext

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

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
