package flows

import (
	"strconv"
	"strings"

	"github.com/ocopbot/ocopbot/locales"
)

// decimal writes v with prec decimals (-1: as many as it has) and the
// language's decimal mark: "72,5" in Vietnamese, "72.5" in English.
func decimal(p locales.Printer, v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if p.Lang == "vi" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// scoreText prints a score as recorded: 72 as "72", 72.5 as "72,5" (vi).
func scoreText(p locales.Printer, v float64) string { return decimal(p, v, -1) }

// number prints a count or an average: 2 as "2", 2.25 as "2,3" (vi).
func number(p locales.Printer, v float64) string {
	if v == float64(int(v)) {
		return strconv.Itoa(int(v))
	}
	return decimal(p, v, 1)
}
