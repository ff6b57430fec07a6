package flows

import (
	"context"
	"fmt"
	"strings"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/locales"
)

// QuotaRecords write the rules of a quota file.
type QuotaRecords interface {
	// ReplaceQuotas writes the rules in one transaction with an audit row;
	// each ends or removes the rules it replaces (see storage.ReplaceQuotas)
	// and the count of those is returned.
	ReplaceQuotas(ctx context.Context, quotas []ocop.Quota, actor int64, file string) (int, error)
}

// QuotaReport says what a quota file did: Errors (one line per bad row, in
// the reader's language) when nothing was written, else the counts.
type QuotaReport struct {
	Errors   []string
	Rules    int
	Replaced int
}

// QuotaImport records quota files: sent in the chat by a province official,
// or given to `ocopbot quotas import` (as the administrator).
type QuotaImport struct {
	Records QuotaRecords
	Importer
}

// IsQuotaFile reports whether rows (a file read by report.ReadTable) start
// with a quota header: such a file goes to the quota import, any other to
// the results import.
func IsQuotaFile(rows [][]string) bool {
	return len(rows) > 0 && ocop.IsQuotaHeader(rows[0])
}

// Run checks every row of a quota file and writes them all, or — when any
// row is wrong — nothing, listing every error by line. off is who imports:
// a province official may set rules only on units in their scope.
func (qi QuotaImport) Run(ctx context.Context, off ocop.Official, name string, data []byte, p locales.Printer) (QuotaReport, error) {
	rows, refusal, err := qi.readTable(ctx, name, data, p, "import.error.type")
	if refusal != "" || err != nil {
		return QuotaReport{Errors: errorList(refusal)}, err
	}
	return qi.run(ctx, off, name, rows, p)
}

// run checks and writes the rows of a quota file.
func (qi QuotaImport) run(ctx context.Context, off ocop.Official, name string, rows [][]string, p locales.Printer) (QuotaReport, error) {
	if off.Role != ocop.RoleProvince && off.Role != ocop.RoleAdmin {
		return QuotaReport{Errors: []string{p.T("quotas.province_only")}}, nil
	}
	if !IsQuotaFile(rows) {
		return QuotaReport{Errors: []string{p.T("quotas.error.header", "Header", ocop.QuotaHeader)}}, nil
	}
	if len(rows)-1 > maxImportRows {
		return QuotaReport{Errors: []string{p.T("import.error.too_many", "Max", maxImportRows)}}, nil
	}
	good, bad := ocop.ParseQuotaRows(rows)
	var errs []lineError
	for _, b := range bad {
		errs = append(errs, lineError{b.Line, p.T(b.Key, "Value", b.Value)})
	}
	seen := map[string]int{}
	var quotas []ocop.Quota
	for _, r := range good {
		q := r.Quota
		u, ok := qi.unit(q)
		switch {
		case !ok:
			errs = append(errs, lineError{r.Line, p.T("quotas.error.unit_unknown", "Code", q.UnitCode, "Level", q.UnitLevel, "Date", dates.Format(q.From))})
			continue
		case !ocop.InScope(qi.Atlas, off, u.ID):
			errs = append(errs, lineError{r.Line, p.T("quotas.error.out_of_scope", "Unit", u.Name)})
			continue
		}
		key := fmt.Sprint(q.UnitCode, q.UnitLevel, q.Below, q.Kinds, q.Metric, q.From)
		if first, dup := seen[key]; dup {
			errs = append(errs, lineError{r.Line, p.T("quotas.error.duplicate", "First", first)})
			continue
		}
		seen[key] = r.Line
		quotas = append(quotas, q)
	}
	if len(errs) == 0 && len(quotas) == 0 {
		errs = append(errs, lineError{1, p.T("quotas.error.empty")})
	}
	if len(errs) > 0 {
		return QuotaReport{Errors: listErrors(p, errs)}, nil
	}
	replaced, err := qi.Records.ReplaceQuotas(ctx, quotas, off.UserID, name)
	if err != nil {
		return QuotaReport{}, err
	}
	return QuotaReport{Rules: len(quotas), Replaced: replaced}, nil
}

// unit finds the unit a rule is set on: in the tree in force on its first
// day, else (a former district named for a period after the reform) in any
// older tree.
func (qi QuotaImport) unit(q ocop.Quota) (units.Unit, bool) {
	if u, ok := qi.Atlas.At(q.From).Units.ByCode(q.UnitCode, q.UnitLevel); ok {
		return u, true
	}
	trees := qi.Atlas.Trees()
	for i := len(trees) - 1; i >= 0; i-- {
		if u, ok := trees[i].Units.ByCode(q.UnitCode, q.UnitLevel); ok {
			return u, true
		}
	}
	return units.Unit{}, false
}

// importQuotas answers a quota file sent in the chat.
func (e *Engine) importQuotas(t *turn, off ocop.Official, rows [][]string) error {
	rep, err := QuotaImport{Records: e.records, Importer: e.importer()}.run(t.ctx, off, t.in.FileName, rows, t.p)
	return answerImport(t, rep.Errors, err, func() string {
		return t.p.T("quotas.done", "Rules", rep.Rules, "Replaced", rep.Replaced)
	})
}

// sayErrors lists the errors of a refused file, the first few of them.
func sayErrors(t *turn, errs []string) {
	list, more := errs, 0
	if len(list) > maxErrorsListed {
		list, more = list[:maxErrorsListed], len(list)-maxErrorsListed
	}
	text := t.p.N("import.failed", len(errs)) + "\n" + strings.Join(list, "\n")
	if more > 0 {
		text += "\n" + t.p.T("import.more_errors", "N", more)
	}
	sayLong(t, text, nil)
}
