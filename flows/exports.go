package flows

import (
	"context"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// ExportRecords keep the trace of officials' exports of personal data.
type ExportRecords interface {
	RecordExport(ctx context.Context, x ocop.Export) error
}

// recordExport records that the user of the turn takes out an export: it
// is called before the file or list is said, so that none leaves untraced.
func (e *Engine) recordExport(t *turn, kind ocop.ExportKind, unitID int64, rows, products int) error {
	return e.records.RecordExport(t.ctx, ocop.Export{Kind: kind, Actor: t.chat.UserID, UnitID: unitID, Rows: rows, Products: products})
}
