package ocop

import "time"

// Office is the level of government that recognises stars.
type Office string

// Offices that recognise stars.
const (
	OfficeDistrict Office = "district"
	OfficeProvince Office = "province"
	OfficeCentral  Office = "central"
)

// OfficeOf is the office an official speaks for; a commune has none (it
// pre-checks, it does not recognise). The administrator records on behalf of
// the central level.
func OfficeOf(r Role) (Office, bool) {
	switch r {
	case RoleDistrict:
		return OfficeDistrict, true
	case RoleProvince:
		return OfficeProvince, true
	case RoleAdmin:
		return OfficeCentral, true
	}
	return "", false
}

// Authority is one row of the recognition table: under Regime (in force
// From … To, inclusive; To zero while in force) the Office recognises
// MinStars … MaxStars.
type Authority struct {
	Regime             string
	From, To           time.Time
	Office             Office
	MinStars, MaxStars int
}

// Authorities is the whole table.
type Authorities []Authority

// inForce reports whether the row's regime applies on day.
func (a Authority) inForce(day time.Time) bool {
	return !day.Before(a.From) && (a.To.IsZero() || !day.After(a.To))
}

// Regime names the regime in force on day ("" before the first).
func (as Authorities) Regime(day time.Time) string {
	for _, a := range as {
		if a.inForce(day) {
			return a.Regime
		}
	}
	return ""
}

// Decide reports whether office may record a result of stars decided on
// day, and otherwise which office recognises those stars then ("" when
// none does). A result below 3★ earns no certificate: any office that
// recognises stars under the regime may record it.
func (as Authorities) Decide(day time.Time, office Office, stars int) (ok bool, by Office) {
	for _, a := range as {
		if !a.inForce(day) {
			continue
		}
		if a.Office == office && (stars < 3 || stars >= a.MinStars && stars <= a.MaxStars) {
			return true, office
		}
		if stars >= a.MinStars && stars <= a.MaxStars {
			by = a.Office
		}
	}
	return false, by
}

// Range is the stars an office recognises on day, as (min, max); ok false
// when none.
func (as Authorities) Range(day time.Time, office Office) (lo, hi int, ok bool) {
	for _, a := range as {
		if a.inForce(day) && a.Office == office {
			return a.MinStars, a.MaxStars, true
		}
	}
	return 0, 0, false
}
