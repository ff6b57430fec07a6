package flows

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/vntext"
	"github.com/ocopbot/ocopbot/locales"
)

// ImportReport says what a results file did: Errors (one line per bad row,
// in the reader's language) when nothing was written, else the counts.
type ImportReport struct {
	Errors   []string
	Recorded ocop.Recorded
}

// importColumns are the header words of a results file, folded; the
// first that a header cell starts with names its column.
var importColumns = map[string][]string{
	"code":  {"ma ho so", "ma", "code", "registration"},
	"score": {"diem", "score"},
	"dno":   {"so quyet dinh", "so qd", "quyet dinh", "decision no", "decision number", "decision"},
	"date":  {"ngay quyet dinh", "ngay qd", "ngay", "decision date", "date"},
}

// ResultImport records files of council results: sent in the chat by an
// official, or given to `ocopbot results import`.
type ResultImport struct {
	Records ResultRecords
	Importer
}

// Run checks every row of a results file (registration code, score,
// decision number, decision date) and records them all in one transaction,
// or — when any row is wrong — writes nothing and lists the errors. off is
// who imports: their scope and office apply to every row.
func (ri ResultImport) Run(ctx context.Context, off ocop.Official, name string, data []byte, p locales.Printer) (ImportReport, error) {
	rows, refusal, err := ri.readTable(ctx, name, data, p, "import.error.type")
	if refusal != "" || err != nil {
		return ImportReport{Errors: errorList(refusal)}, err
	}
	return ri.run(ctx, off, rows, p)
}

// run checks and records the rows of a results file.
func (ri ResultImport) run(ctx context.Context, off ocop.Official, rows [][]string, p locales.Printer) (ImportReport, error) {
	today := ri.today()
	office, ok := ocop.OfficeOf(off.Role)
	if !ok {
		return ImportReport{Errors: []string{p.T("results.commune")}}, nil
	}
	head, cols, missing := findHeader(rows)
	if len(missing) > 0 {
		return ImportReport{Errors: []string{p.T("import.error.header", "Columns", strings.Join(missing, ", "))}}, nil
	}
	if len(rows)-head-1 > maxImportRows {
		return ImportReport{Errors: []string{p.T("import.error.too_many", "Max", maxImportRows)}}, nil
	}
	auth, err := ri.Records.Authorities(ctx)
	if err != nil {
		return ImportReport{}, err
	}
	type row struct {
		line int
		r    ocop.Result
	}
	var good []row
	var errs []lineError // found in two passes: sorted by line before they are shown
	bad := func(line int, msg string) { errs = append(errs, lineError{line, msg}) }
	cell := func(rec []string, col string) string {
		if i := cols[col]; i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	seen := map[string]int{} // code + decision number → line
	for i, rec := range rows[head+1:] {
		line := head + 2 + i
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		code := strings.ToUpper(cell(rec, "code"))
		score, okScore := ocop.ParseScore(cell(rec, "score"))
		dno, okNo := ocop.CleanDecisionNo(cell(rec, "dno"))
		day, okDay := dates.Parse(cell(rec, "date"))
		switch {
		case code == "":
			bad(line, p.T("import.error.no_code"))
			continue
		case !okScore:
			bad(line, p.T("results.error.score"))
			continue
		case !okNo:
			bad(line, p.T("results.error.decision_no"))
			continue
		case !okDay:
			bad(line, p.T("results.error.date"))
			continue
		case day.After(today):
			bad(line, p.T("results.error.date_future"))
			continue
		}
		key := code + "\x00" + dno
		if first, dup := seen[key]; dup {
			bad(line, p.T("import.error.duplicate", "Line", first))
			continue
		}
		seen[key] = line
		stars, _ := ocop.StarsFromScore(score)
		r := ocop.Result{Code: code, Score: score, Stars: stars, DecisionNo: dno, DecisionDate: day,
			IssuerUnitID: off.UnitID, RecordedBy: off.UserID}
		if msg := authorityError(p, auth, office, r); msg != "" {
			bad(line, msg)
			continue
		}
		// As in the chat: a province's 92 points are its 4★ and a proposal
		// to the central level for 5★.
		r, _ = auth.Apply(r, office)
		good = append(good, row{line, r})
	}
	codes := make([]string, len(good))
	for i, g := range good {
		codes[i] = g.r.Code
	}
	found, err := ri.Records.Applicants(ctx, codes)
	if err != nil {
		return ImportReport{}, err
	}
	results := make([]ocop.Result, 0, len(good))
	lineOf := map[string]int{}
	for _, g := range good {
		a, ok := found[g.r.Code]
		switch {
		case !ok || !ocop.InScope(ri.Atlas, off, a.CommuneID):
			bad(g.line, p.T("results.error.code_unknown", "Code", short(g.r.Code, 40)))
			continue
		case a.Status == ocop.StatusWithdrawn || a.Status == ocop.StatusRejected:
			bad(g.line, p.T("results.error.code_closed", "Code", a.Code, "Status", p.T("status."+string(a.Status))))
			continue
		case a.Predates(g.r.DecisionDate):
			bad(g.line, predatesText(p, a, g.r.DecisionDate))
			continue
		}
		g.r.RegistrationID, g.r.ProductID = a.RegistrationID, a.ProductID
		lineOf[g.r.Code] = g.line
		results = append(results, g.r)
	}
	if len(errs) == 0 && len(results) == 0 {
		return ImportReport{Errors: []string{p.T("import.error.empty")}}, nil
	}
	if len(errs) > 0 {
		return ImportReport{Errors: listErrors(p, errs)}, nil
	}
	done, err := ri.Records.RecordResults(ctx, results)
	if msg, ok := rowErrorText(p, err); ok {
		var re *ocop.RowError
		errors.As(err, &re)
		return ImportReport{Errors: []string{p.T("import.row", "Line", lineOf[re.Code], "Error", msg)}}, nil
	}
	if err != nil {
		return ImportReport{}, err
	}
	return ImportReport{Recorded: done}, nil
}

// findHeader finds the header row among the first rows and the column of
// each field; missing names the fields it lacks (in the file's words).
func findHeader(rows [][]string) (head int, cols map[string]int, missing []string) {
	var best map[string]int
	bestRow := 0
	for i := 0; i < len(rows) && i < 10; i++ {
		c := map[string]int{}
		for j, cell := range rows[i] {
			f := vntext.Fold(cell)
			for _, field := range []string{"code", "score", "dno", "date"} {
				if _, done := c[field]; done {
					continue
				}
				if slices.ContainsFunc(importColumns[field], func(w string) bool { return headerWord(f, w) }) {
					c[field] = j
					break
				}
			}
		}
		if len(c) > len(best) {
			best, bestRow = c, i
		}
		if len(c) == 4 {
			break
		}
	}
	names := map[string]string{"code": "Mã hồ sơ", "score": "Điểm", "dno": "Số quyết định", "date": "Ngày quyết định"}
	for _, field := range []string{"code", "score", "dno", "date"} {
		if _, ok := best[field]; !ok {
			missing = append(missing, names[field])
		}
	}
	return bestRow, best, missing
}
