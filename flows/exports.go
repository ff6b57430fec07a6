package flows

import (
	"context"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// ExportRecords keep the trace of officials' exports of personal data.
type ExportRecords interface {
	RecordExport(ctx context.Context, x ocop.Export) error
	// RecordRefusal records a unit asked for outside the asker's scope.
	RecordRefusal(ctx context.Context, r ocop.Refusal) error
}

// recordExport records that the user of the turn takes out an export: it
// is called before the file or list is said, so that none leaves untraced.
// It records the scope actually exported.
func (e *Engine) recordExport(t *turn, kind ocop.ExportKind, sc scoped, rows, products int) error {
	return e.recordExportOf(t, sc, ocop.Export{Kind: kind, Rows: rows, Products: products})
}

// recordExportOf is recordExport of x, which says what and how much: the
// turn's user and the scope are filled in.
func (e *Engine) recordExportOf(t *turn, sc scoped, x ocop.Export) error {
	x.Actor = t.chat.UserID
	x.UnitID, x.Area = sc.exported()
	return e.records.RecordExport(t.ctx, x)
}
