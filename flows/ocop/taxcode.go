package ocop

import (
	"errors"
	"strings"
	"time"
	"unicode"
)

// Tax code and citizen ID errors.
var (
	ErrTaxCodeFormat     = errors.New("tax code: want 10 digits, or 10 digits and a 3-digit branch")
	ErrTaxCodeChecksum   = errors.New("tax code: wrong check digit")
	ErrCitizenIDFormat   = errors.New("citizen ID: want 12 digits")
	ErrCitizenIDProvince = errors.New("citizen ID: unknown province code")
	// ErrCitizenIDCentury: the century-and-sex digit names a century that
	// has not begun (4–9: born in 2100 or later).
	ErrCitizenIDCentury = errors.New("citizen ID: century digit names a century to come")
	// ErrCitizenIDBirthYear: the birth year (century and digits 5–6) is
	// after this year.
	ErrCitizenIDBirthYear = errors.New("citizen ID: birth year in the future")
)

// taxWeights weigh the first nine digits of a mã số thuế.
var taxWeights = [9]int{31, 29, 23, 19, 17, 13, 7, 5, 3}

// NormalizeTaxCode checks a mã số thuế: ten digits whose tenth is
// 10 − (Σ digit×weight mod 11) — a remainder of 0 makes no valid code — and
// an optional 3-digit branch suffix (001–999). It returns "0100109106" or
// "0100109106-001". Spaces and dots between digits are ignored and the dash
// before a branch may be left out, so "0100109106 - 001" and
// "0100109106001" are both "0100109106-001".
func NormalizeTaxCode(s string) (string, error) {
	var d []byte
	dash := -1
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			d = append(d, byte(r))
		case unicode.IsSpace(r) || r == '.':
		case r == '-' && dash < 0:
			dash = len(d)
		default:
			return "", ErrTaxCodeFormat
		}
	}
	if (len(d) != 10 && len(d) != 13) || (dash >= 0 && dash != 10) || (dash == 10 && len(d) != 13) {
		return "", ErrTaxCodeFormat
	}
	sum := 0
	for i, w := range taxWeights {
		sum += int(d[i]-'0') * w
	}
	check := 10 - sum%11
	if check == 10 || int(d[9]-'0') != check {
		return "", ErrTaxCodeChecksum
	}
	if len(d) == 13 {
		if string(d[10:]) == "000" {
			return "", ErrTaxCodeFormat
		}
		return string(d[:10]) + "-" + string(d[10:]), nil
	}
	return string(d), nil
}

// NormalizeTaxID checks a producer's tax identity, as the chat asks it and
// a registry file gives it: a mã số thuế, or for a household business its
// owner's 12-digit CCCD (its tax identity since 7/2025), told apart by its
// 12 characters besides spaces and dots. One of taxCode and citizenID is
// set; err is one of the errors above.
func NormalizeTaxID(s string, household bool, today time.Time) (taxCode, citizenID string, err error) {
	bare := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '.' {
			return -1
		}
		return r
	}, s)
	if household && len(bare) == 12 {
		citizenID, err = NormalizeCitizenID(s, today)
		return "", citizenID, err
	}
	taxCode, err = NormalizeTaxCode(s)
	return taxCode, "", err
}

// cccdProvinces are the province codes that open a 12-digit citizen ID
// (Thông tư 07/2016/TT-BCA): the 63 provinces before the 2025 merger.
var cccdProvinces = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(`001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027
		030 031 033 034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068
		070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096`) {
		m[c] = true
	}
	return m
}()

// NormalizeCitizenID checks a 12-digit căn cước công dân: a 3-digit
// province code, a century-and-sex digit, two digits of the birth year and
// six random digits. Since 7/2025 it is also a household business's tax
// identity. The birth year may not be after today's year.
func NormalizeCitizenID(s string, today time.Time) (string, error) {
	var d []byte
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			d = append(d, byte(r))
		case unicode.IsSpace(r) || r == '.':
		default:
			return "", ErrCitizenIDFormat
		}
	}
	if len(d) != 12 {
		return "", ErrCitizenIDFormat
	}
	if !cccdProvinces[string(d[:3])] {
		return "", ErrCitizenIDProvince
	}
	century, year := CitizenBirthYear(string(d))
	switch {
	case century > today.Year():
		return "", ErrCitizenIDCentury
	case year > today.Year():
		return "", ErrCitizenIDBirthYear
	}
	return string(d), nil
}

// CitizenBirthYear reads the birth year of a 12-digit citizen ID and the
// first year of its century. The 4th digit gives century and sex (Nghị
// định 137/2015/NĐ-CP, article 7): 0/1 the 20th century (male/female), 2/3
// the 21st, 4/5 the 22nd, 6/7 the 23rd, 8/9 the 24th; digits 5–6 are the
// year within it.
func CitizenBirthYear(id string) (century, year int) {
	century = 1900 + 100*(int(id[3]-'0')/2)
	return century, century + 10*int(id[4]-'0') + int(id[5]-'0')
}

// MaskID keeps only the last three characters of an identifier, for showing
// it back to its owner; identifiers never go to logs, masked or not.
func MaskID(s string) string {
	r := []rune(s)
	if len(r) <= 3 {
		return s
	}
	return strings.Repeat("*", len(r)-3) + string(r[len(r)-3:])
}
