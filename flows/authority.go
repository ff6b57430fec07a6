package flows

import (
	"errors"
	"strconv"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/locales"
)

// How the flows explain a result the recognition-authority rule refuses
// (the rule itself, as data by decision date, is ocop.Authorities), and
// the other reasons a result is refused.

// authorityError explains why office may not record r under the regime of
// its decision date ("" when it may, be it at its ceiling with a proposal:
// ocop.Authorities.Apply): "Theo Quyết định số 148/QĐ-TTg, sản phẩm 4 sao
// do cấp tỉnh công nhận; cấp huyện công nhận: 3★".
func authorityError(p locales.Printer, auth ocop.Authorities, office ocop.Office, r ocop.Result) string {
	if _, ok := auth.Apply(r, office); ok {
		return ""
	}
	return authorityRule(p, auth, office, r, "results.error.authority")
}

// authorityRule is authorityError worded by msgID (a registry row names
// the rule without the conversation's advice). It knows no proposal: a
// registry row states the stars a certificate has, not a score, so stars
// above the office's are a mistake in the row.
func authorityRule(p locales.Printer, auth ocop.Authorities, office ocop.Office, r ocop.Result, msgID string) string {
	ok, by := auth.Decide(r.DecisionDate, office, r.Stars)
	if ok {
		return ""
	}
	regime := auth.Regime(r.DecisionDate)
	if regime == "" {
		return p.T("results.error.date_regime")
	}
	mine := p.T("results.office_none")
	if lo, hi, ok := auth.Range(r.DecisionDate, office); ok {
		mine = starsRange(lo, hi)
	}
	who := p.T("results.office_nobody")
	if by != "" {
		who = officeName(p, by, r.DecisionDate)
	}
	return p.T(msgID, "Regime", regime, "Stars", r.Stars, "By", who,
		"Office", officeName(p, office, r.DecisionDate), "Mine", mine)
}

// ministryMerged is the day the Ministry of Agriculture and Environment
// took over from the Ministry of Agriculture and Rural Development
// (Resolution 176/2025/QH15): the central level's name on a decision
// depends on its date.
var ministryMerged = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

// officeName names an office as it was on day.
func officeName(p locales.Printer, office ocop.Office, day time.Time) string {
	if office == ocop.OfficeCentral && day.Before(ministryMerged) {
		return p.T("office.central_mard")
	}
	return p.T("office." + string(office))
}

func starsRange(lo, hi int) string {
	if lo == hi {
		return strconv.Itoa(lo) + "★"
	}
	return strconv.Itoa(lo) + "★–" + strconv.Itoa(hi) + "★"
}

// rowErrorText explains a result the records refused.
func rowErrorText(p locales.Printer, err error) (string, bool) {
	var re *ocop.RowError
	if !errors.As(err, &re) {
		return "", false
	}
	switch {
	case errors.Is(err, ocop.ErrResultConflict):
		return p.T("results.error.conflict", "Code", re.Code), true
	case errors.Is(err, ocop.ErrResultOutdated):
		return p.T("results.error.outdated", "Code", re.Code), true
	}
	return "", false
}

// checkDate explains why a decision date cannot be used ("" when it can).
func (f *resultFlow) checkDate(t *turn, day time.Time) (string, error) {
	if day.After(f.e.today()) {
		return t.p.T("results.error.date_future"), nil
	}
	if a := (ocop.Applicant{SubmittedOn: t.st.Result.Submitted}); a.Predates(day) {
		return predatesText(t.p, a, day), nil
	}
	auth, err := f.e.authorities(t.ctx)
	if err != nil {
		return "", err
	}
	if auth.Regime(day) == "" {
		return t.p.T("results.error.date_regime"), nil
	}
	return "", nil
}

// checkAuthority explains why this official may not record the draft
// result ("" when they may, also at their ceiling with a proposal).
func (f *resultFlow) checkAuthority(t *turn) (string, error) {
	r, ok := t.st.Result.draft()
	if !ok {
		return "", nil
	}
	off, err := f.e.lookupOfficial(t)
	if errNotFound(err) {
		return t.p.T("official.only"), nil
	}
	if err != nil {
		return "", err
	}
	office, _ := ocop.OfficeOf(off.Role)
	auth, err := f.e.authorities(t.ctx)
	if err != nil {
		return "", err
	}
	return authorityError(t.p, auth, office, r), nil
}

// predatesText explains that a decision dated day comes before the dossier
// of a was submitted.
func predatesText(p locales.Printer, a ocop.Applicant, day time.Time) string {
	return p.T("results.error.before_dossier", "Date", dates.Format(day), "Submitted", dates.Format(a.SubmittedOn))
}
