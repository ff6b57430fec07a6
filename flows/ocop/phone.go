package ocop

import (
	"errors"
	"strings"
	"unicode"
)

// Phone number errors.
var (
	ErrPhoneFormat = errors.New("phone number: want 0 and 9 digits, or +84 and 9 digits")
	ErrPhonePrefix = errors.New("phone number: not a Vietnamese mobile prefix (03, 05, 07, 08, 09)")
)

// NormalizePhone accepts a Vietnamese mobile number as people type it or as
// a Telegram contact share sends it ("0912 345 678", "+84912345678",
// "84912345678") and returns it as ten digits starting with 0.
func NormalizePhone(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s))
	plus := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && !plus && b.Len() == 0:
			// Only before the first digit, and only once: "(+84) 912…".
			plus = true
		case unicode.IsSpace(r) || r == '.' || r == '-' || r == '(' || r == ')':
			// Separators; a number copied from a web page may hold a no-break space.
		default:
			return "", ErrPhoneFormat
		}
	}
	d := b.String()
	switch {
	case len(d) == 11 && strings.HasPrefix(d, "84"):
		d = "0" + d[2:]
	case len(d) == 12 && strings.HasPrefix(d, "840") && d[3] != '2':
		d = d[2:] // "+84 0912 345 678": the country code written before the trunk 0
	case len(d) == 10 && d[0] == '0' && !plus: // "+0912…" is no number
	case len(d) == 11 && strings.HasPrefix(d, "02") && !plus, len(d) == 12 && strings.HasPrefix(d, "842"):
		return "", ErrPhonePrefix // a landline: 02x and eight digits
	default:
		return "", ErrPhoneFormat
	}
	switch d[1] {
	case '3', '5', '7', '8', '9':
		return d, nil
	}
	return "", ErrPhonePrefix
}
