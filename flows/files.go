package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/report"
	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/locales"
)

// Files officials send in the chat (results, quotas, a province's
// registry), told apart by their header, and what every file import shares.

// Files fetches what users send.
type Files interface {
	Fetch(ctx context.Context, fileID string) ([]byte, error)
}

const (
	maxImportBytes  = 5 << 20 // a results file: far more rows than a council decides at once
	maxImportRows   = 5000
	maxErrorsListed = 30
)

// Importer is what every file import shares, in the chat and on the
// command line: the unit trees its rows are checked against, and the clock.
type Importer struct {
	Atlas *units.Atlas
	Now   func() time.Time // nil: time.Now
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
	if t.in.FileSize > maxImportBytes {
		t.say(Reply{Text: t.p.T("import.error.too_big", "MB", maxImportBytes>>20)})
		return nil
	}
	if e.files == nil {
		return errors.New("no file fetcher configured")
	}
	data, err := e.files.Fetch(t.ctx, t.in.FileID)
	if err != nil {
		return fmt.Errorf("fetch file %s: %w", t.in.FileName, err)
	}
	if rows, err := report.ReadTable(t.in.FileName, data); err == nil && IsQuotaFile(rows) {
		return e.importQuotas(t, off, rows)
	} else if err == nil && IsRegistryFile(rows) {
		return e.importRegistry(t, off, rows, data)
	}
	if _, ok := ocop.OfficeOf(off.Role); !ok {
		t.say(Reply{Text: t.p.T("results.commune")})
		return nil
	}
	rep, err := ResultImport{Records: e.records, Importer: e.importer()}.Run(t.ctx, off, t.in.FileName, data, t.p)
	return answerImport(t, rep.Errors, err, func() string {
		return t.p.T("import.done", "New", rep.Recorded.New, "Certificates", rep.Recorded.Certificates, "Unchanged", rep.Recorded.Unchanged)
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
