// Package dates keeps the programme's days: Vietnam's time zone, today's
// date there, and the one way days are read and written (dd/mm/yyyy).
package dates

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Vietnam is the time zone the programme keeps dates in.
var Vietnam = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		return time.FixedZone("ICT", 7*3600)
	}
	return loc
}()

// LocalDay is t's date in Vietnam, as a UTC midnight (how dates are kept).
func LocalDay(t time.Time) time.Time {
	l := t.In(Vietnam)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// layout is how a day is shown: dd/mm/yyyy.
const layout = "02/01/2006"

// Format writes t's day as people in Vietnam read it: "02/01/2006".
func Format(t time.Time) string { return t.Format(layout) }

// Parse reads a day, as a UTC midnight, written dd/mm/yyyy (also with - or
// ., and one-digit days and months), yyyy-mm-dd, or as the day serial of
// an Excel cell (days since 30/12/1899, between 1982 and 2119). Years
// outside 2000–2100 are refused, except in yyyy-mm-dd and serials.
func Parse(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseFloat(s, 64); err == nil && n > 30000 && n < 80000 {
		return excelDay(n), true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '-' || r == '.' })
	if len(parts) != 3 {
		return time.Time{}, false
	}
	d, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	y, err3 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || y < 2000 || y > 2100 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m {
		return time.Time{}, false
	}
	return t, true
}

// excelDay is the day of an Excel serial of the 1900 date system (after
// 1/3/1900), read as excelize.ExcelDateToTime reads it: the fraction is a
// time of day, rounded to the second, so 45000.99999999 is the next day.
func excelDay(n float64) time.Time {
	const roundEpsilon = 1e-9
	whole := math.Floor(n)
	t := time.Date(1899, time.December, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(whole))
	t = t.Add(time.Duration(float64(24*time.Hour) * (n - whole + roundEpsilon)))
	if t.Nanosecond()/1e6 > 500 {
		t = t.Round(time.Second)
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// compact is a day as buttons carry it: Telegram allows 64 bytes of
// callback data, and "20250630" is the shortest unambiguous day.
const compact = "20060102"

// Compact writes day as buttons carry it: "20250630".
func Compact(day time.Time) string { return day.Format(compact) }

// ParseCompact reads a day written by Compact.
func ParseCompact(s string) (time.Time, bool) {
	d, err := time.Parse(compact, s)
	return d, err == nil
}
