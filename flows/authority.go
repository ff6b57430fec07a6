package flows

import (
	"errors"
	"strconv"
	"strings"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/locales"
)

// How the flows explain a result the recognition-authority rule refuses
// (the rule itself, as data by decision date, is ocop.Authorities), and
// the other reasons a result is refused.

// authorityError explains why office may not record r under the regime of
// its decision date ("" when it may): "Theo 148/QĐ-TTg, sản phẩm 4 sao do
// cấp tỉnh công nhận; cấp huyện công nhận: 3★".
func authorityError(p locales.Printer, auth ocop.Authorities, office ocop.Office, r ocop.Result) string {
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
		who = p.T("office." + string(by))
	}
	return p.T("results.error.authority", "Regime", regime, "Stars", r.Stars, "By", who,
		"Office", p.T("office."+string(office)), "Mine", mine)
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

// scoreText prints 72 as "72" and 72.5 as "72,5" (vi) or "72.5" (en).
func scoreText(p locales.Printer, v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if p.Lang == "vi" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
