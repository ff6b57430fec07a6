package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/report"
	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/flows/vntext"
	"github.com/ocopbot/ocopbot/locales"
)

// Files officials send in the chat (results, quotas, a province's
// registry), told apart by their header, and what every file import shares.

// Files fetches what users send.
type Files interface {
	// Fetch downloads a file of at most limit bytes: a larger one is
	// refused with a *report.LimitError before it is all downloaded.
	Fetch(ctx context.Context, fileID string, limit int64) ([]byte, error)
}

const (
	maxImportRows   = 5000 // a results or quota file: far more rows than a council decides at once
	maxErrorsListed = 30
)

// Importer is what every file import shares, in the chat and on the
// command line: the unit trees its rows are checked against, the clock,
// and what reading a file may cost.
type Importer struct {
	Atlas  *units.Atlas
	Now    func() time.Time // nil: time.Now
	Budget report.Budget    // zero: report.ChatBudget
}

// budget is what reading one file may cost this importer.
func (im Importer) budget() report.Budget {
	if im.Budget == (report.Budget{}) {
		return report.ChatBudget
	}
	return im.Budget
}

// readTable reads a file within the importer's budget. A file the reader
// refuses (over budget, unreadable, not xlsx/csv: typeMsg) comes back as
// refusal, the answer to give; err is anything else that stopped the
// reading, such as the end of the step's context.
func (im Importer) readTable(ctx context.Context, name string, data []byte, p locales.Printer, typeMsg string) (rows [][]string, refusal string, err error) {
	rows, err = report.ReadTable(ctx, name, data, im.budget(), knownColumn)
	if refusal, ok := refusalOf(p, err, typeMsg); ok {
		return nil, refusal, nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("read %s: %w", name, err)
	}
	return rows, "", nil
}

// knownColumn recognises a column name of the files imported here
// (registry, results, quotas), in any case and with or without accents:
// by them ReadTable tells a text file's separator from its header.
func knownColumn(cell string) bool {
	f := vntext.Fold(cell)
	for _, fd := range registryFields {
		if slices.ContainsFunc(fd.words, func(w string) bool { return headerWord(f, w) }) {
			return true
		}
	}
	for _, words := range importColumns {
		if slices.ContainsFunc(words, func(w string) bool { return headerWord(f, w) }) {
			return true
		}
	}
	return slices.ContainsFunc(strings.Split(ocop.QuotaHeader, ","), func(w string) bool { return f == vntext.Fold(w) })
}

// headerWord reports whether a folded header cell names the column of
// the folded word w: the word itself, or the word and more ("ma ho so
// ocop").
func headerWord(f, w string) bool { return f == w || strings.HasPrefix(f, w+" ") }

// refusalOf is the answer to a file refused by the reader or the download
// (ok false for any other error, nil included): what is wrong with it, in
// words an official can act on.
func refusalOf(p locales.Printer, err error, typeMsg string) (string, bool) {
	var over *report.LimitError
	switch {
	case err == nil:
		return "", false
	case errors.Is(err, report.ErrFileType):
		return p.T(typeMsg), true
	case errors.As(err, &over):
		switch over.What {
		case report.LimitBytes:
			return p.T("import.error.too_big", "MB", over.Max>>20), true
		case report.LimitInflated:
			return p.T("file.error.unpacked", "MB", over.Max>>20), true
		case report.LimitRows:
			return p.T("file.error.rows", "Max", over.Max), true
		case report.LimitColumns:
			return p.T("file.error.columns", "Max", over.Max), true
		}
		return p.T("import.error.unreadable"), true // too many parts, a zip bomb's ratio
	case errors.Is(err, report.ErrEncoding):
		return p.T("import.error.encoding"), true
	case errors.Is(err, report.ErrUnreadable):
		return p.T("import.error.unreadable"), true
	}
	return "", false
}

// today is the current day in Vietnam.
func (im Importer) today() time.Time {
	if im.Now == nil {
		return dates.LocalDay(time.Now())
	}
	return dates.LocalDay(im.Now())
}

// importer is the engine's Importer.
func (e *Engine) importer() Importer { return Importer{Atlas: e.atlas, Now: e.now} }

// lineError is a bad row of a file: its line and what is wrong with it.
type lineError struct {
	line int
	msg  string
}

// listErrors writes a file's bad rows, by line ("Dòng 5: …").
func listErrors(p locales.Printer, errs []lineError) []string {
	slices.SortStableFunc(errs, func(a, b lineError) int { return a.line - b.line })
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = p.T("import.row", "Line", e.line, "Error", e.msg)
	}
	return out
}

// importDocument answers a file an official sends: a quota file when its
// first row is a quota header, a registry file when it has the registry's
// header, else a results file.
func (e *Engine) importDocument(t *turn) error {
	off, ok, err := e.official(t)
	if !ok || err != nil {
		return err
	}
	im := e.importer()
	if limit := im.budget().Bytes; t.in.FileSize > limit {
		t.say(Reply{Text: t.p.T("import.error.too_big", "MB", limit>>20)})
		return nil
	}
	if e.files == nil {
		return errors.New("no file fetcher configured")
	}
	data, err := e.files.Fetch(t.ctx, t.in.FileID, im.budget().Bytes)
	if refusal, ok := refusalOf(t.p, err, "import.error.type"); ok {
		t.say(Reply{Text: refusal})
		return nil
	}
	if err != nil {
		return fmt.Errorf("fetch file %s: %w", t.in.FileName, err)
	}
	rows, refusal, err := im.readTable(t.ctx, t.in.FileName, data, t.p, "import.error.type")
	switch {
	case err != nil:
		return err
	case refusal != "": // the conversation in progress stays as it was
		t.say(Reply{Text: refusal})
		return nil
	case IsQuotaFile(rows):
		return e.importQuotas(t, off, rows)
	case IsRegistryFile(rows):
		return e.importRegistry(t, off, rows, data)
	}
	if _, ok := ocop.OfficeOf(off.Role); !ok {
		t.say(Reply{Text: t.p.T("results.commune")})
		return nil
	}
	rep, err := ResultImport{Records: e.records, Importer: im}.run(t.ctx, off, rows, t.p)
	return answerImport(t, rep.Errors, err, func() string {
		text := t.p.T("import.done", "New", rep.Recorded.New, "Certificates", rep.Recorded.Certificates, "Unchanged", rep.Recorded.Unchanged)
		if n := rep.Recorded.Proposals; n > 0 {
			text += "\n" + t.p.N("import.done_proposals", n)
		}
		return text
	})
}

// answerImport tells the sender what their file did: every bad row, or
// the summary done writes. err fails the turn.
func answerImport(t *turn, errs []string, err error, done func() string) error {
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		sayErrors(t, errs)
		return nil
	}
	t.say(Reply{Text: done()})
	return nil
}

// errorList is a refusal as the list of errors an import report carries.
func errorList(refusal string) []string {
	if refusal == "" {
		return nil
	}
	return []string{refusal}
}
