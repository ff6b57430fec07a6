package ocop

import (
	"strconv"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/flows/vntext"
)

// QuotaHeader is the header of a quota file (CSV or the first sheet of an
// XLSX workbook). kinds are separated by "|" and may be written as in unit
// names ("Quận|Thành phố"); encouraged and valid_to may be empty; dates are
// YYYY-MM-DD or DD/MM/YYYY. A row names the unit it is set on by GSO code
// and level: level 1 a province, 3 a commune, and 2 a district until
// 30/6/2025 or, for a period from 1/7/2025, the area of a former district
// (today's communes that absorbed its communes).
const QuotaHeader = "unit_code,unit_level,applies_to,kinds,metric,minimum,encouraged,valid_from,valid_to,source"

// QuotaRowError is one bad cell of a quota file: Key is a message ID of
// locales ("quotas.error.…"), Value the cell as written.
type QuotaRowError struct {
	Line  int
	Key   string
	Value string
}

// QuotaRow is a good row of a quota file and its line.
type QuotaRow struct {
	Line  int
	Quota Quota
}

// IsQuotaHeader reports whether row is a quota file's header.
func IsQuotaHeader(row []string) bool {
	want := strings.Split(QuotaHeader, ",")
	if len(row) < len(want) {
		return false
	}
	for i, w := range want {
		if strings.TrimSpace(strings.TrimPrefix(strings.ToLower(row[i]), "\ufeff")) != w {
			return false
		}
	}
	return true
}

// ParseQuotaRows checks the rows under a quota header (rows[0]) and returns
// the good ones and every error, by line. Blank rows are skipped.
func ParseQuotaRows(rows [][]string) ([]QuotaRow, []QuotaRowError) {
	var good []QuotaRow
	var errs []QuotaRowError
	for i, rec := range rows[1:] {
		line := i + 2
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		q, key, value := parseQuota(rec)
		if key != "" {
			errs = append(errs, QuotaRowError{Line: line, Key: key, Value: value})
			continue
		}
		good = append(good, QuotaRow{Line: line, Quota: q})
	}
	return good, errs
}

// parseQuota reads one row; key names what is wrong ("" when nothing).
func parseQuota(rec []string) (q Quota, key, value string) {
	cells := make([]string, 10)
	for i := range cells {
		if i < len(rec) {
			cells[i] = strings.TrimSpace(rec[i])
		}
	}
	bad := func(k, v string) (Quota, string, string) {
		return q, "quotas.error." + k, v
	}
	if q.UnitCode = cells[0]; q.UnitCode == "" {
		return bad("unit_code", "")
	}
	level, err := strconv.Atoi(cells[1])
	if err != nil || level < 1 || level > 3 {
		return bad("unit_level", cells[1])
	}
	q.UnitLevel = level
	switch strings.ToLower(cells[2]) {
	case "self":
	case "below":
		q.Below = true
	default:
		return bad("applies_to", cells[2])
	}
	q.Kinds = []string{}
	for k := range strings.SplitSeq(cells[3], "|") {
		if k = vntext.Fold(k); k != "" {
			q.Kinds = append(q.Kinds, k)
		}
	}
	q.Metric = Metric(cells[4])
	if !q.Metric.Valid() {
		return bad("metric", cells[4])
	}
	if q.Minimum, err = strconv.ParseFloat(strings.Replace(cells[5], ",", ".", 1), 64); err != nil || q.Minimum < 0 {
		return bad("minimum", cells[5])
	}
	if cells[6] != "" {
		if q.Encouraged, err = strconv.ParseFloat(strings.Replace(cells[6], ",", ".", 1), 64); err != nil || q.Encouraged < q.Minimum {
			return bad("encouraged", cells[6])
		}
	}
	if q.Minimum == 0 && q.Encouraged == 0 {
		return bad("no_level", cells[5])
	}
	var ok bool
	if q.From, ok = parseQuotaDate(cells[7]); !ok {
		return bad("valid_from", cells[7])
	}
	if cells[8] != "" {
		if q.To, ok = parseQuotaDate(cells[8]); !ok || q.To.Before(q.From) {
			return bad("valid_to", cells[8])
		}
	}
	if q.Source = cells[9]; q.Source == "" {
		return bad("source", "")
	}
	return q, "", ""
}

// parseQuotaDate reads 2025-07-01 or 01/07/2025.
func parseQuotaDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.DateOnly, "02/01/2006", "2/1/2006"} {
		if d, err := time.Parse(layout, s); err == nil {
			return d, true
		}
	}
	return time.Time{}, false
}
