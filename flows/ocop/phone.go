package ocop

import (
	"errors"
	"strings"
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
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')':
		default:
			return "", ErrPhoneFormat
		}
	}
	d := b.String()
	switch {
	case len(d) == 11 && strings.HasPrefix(d, "84"):
		d = "0" + d[2:]
	case len(d) == 10 && d[0] == '0':
	default:
		return "", ErrPhoneFormat
	}
	switch d[1] {
	case '3', '5', '7', '8', '9':
		return d, nil
	}
	return "", ErrPhonePrefix
}
