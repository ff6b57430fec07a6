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
// MinStars … MaxStars. OnProposal: those stars reach the Office only as the
// proposal of the office recognising the stars just below (a province
// council's 90 points go to the central level for 5★), which meanwhile
// records its own ceiling.
type Authority struct {
	Regime             string
	From, To           time.Time
	Office             Office
	MinStars, MaxStars int
	OnProposal         bool
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

// Apply is the result office records for r under the regime of its
// decision date, ok false when it may record none. A result within the
// office's stars is recorded as it is. One above them, whose stars another
// office recognises on proposal (OnProposal), is recorded at the office's
// ceiling — the stars just below — with Proposed and ProposedTo set: a
// province's 92 points are 4★ recognised by the province and a proposal to
// the central level for 5★. An office two bands below (a district under
// 148/QĐ-TTg with 92 points) proposes nothing: the office between scores it.
func (as Authorities) Apply(r Result, office Office) (Result, bool) {
	if ok, _ := as.Decide(r.DecisionDate, office, r.Stars); ok {
		return r, true
	}
	_, hi, ok := as.Range(r.DecisionDate, office)
	if !ok || hi != r.Stars-1 {
		return r, false
	}
	for _, a := range as {
		if a.inForce(r.DecisionDate) && a.OnProposal && a.Office != office && r.Stars >= a.MinStars && r.Stars <= a.MaxStars {
			r.Proposed, r.ProposedTo, r.Stars = r.Stars, a.Office, hi
			return r, true
		}
	}
	return r, false
}

// TakesProposals reports whether some regime has office recognise stars
// on proposal: the central level, whose /ketqua starts from the products
// proposed to it.
func (as Authorities) TakesProposals(office Office) bool {
	for _, a := range as {
		if a.OnProposal && a.Office == office {
			return true
		}
	}
	return false
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
