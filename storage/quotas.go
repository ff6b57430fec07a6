package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// quotaRow is a row of Quotas.
type quotaRow struct {
	ID         int64       `db:"id"`
	UnitCode   string      `db:"unit_code"`
	UnitLevel  int16       `db:"unit_level"`
	Below      bool        `db:"below"`
	Kinds      []string    `db:"kinds"`
	Metric     ocop.Metric `db:"metric"`
	Minimum    float64     `db:"minimum"`
	Encouraged *float64    `db:"encouraged"`
	From       time.Time   `db:"valid_from"`
	To         *time.Time  `db:"valid_to"`
	Source     string      `db:"source"`
}

func (r quotaRow) quota() ocop.Quota {
	return ocop.Quota{ID: r.ID, UnitCode: r.UnitCode, UnitLevel: int(r.UnitLevel), Below: r.Below, Kinds: r.Kinds,
		Metric: r.Metric, Minimum: r.Minimum, Encouraged: deref(r.Encouraged), From: r.From, To: deref(r.To), Source: r.Source}
}

// Quotas returns every quota, in the order they were set.
func (s *Store) Quotas(ctx context.Context) ([]ocop.Quota, error) {
	const q = `
SELECT id, unit_code, unit_level, applies_to = 'below' AS below, kinds, metric, minimum::float8 AS minimum,
       encouraged::float8 AS encouraged, valid_from, valid_to, source
FROM quotas ORDER BY id`
	out, err := collectRows(ctx, s.pool, quotaRow.quota, q)
	if err != nil {
		return nil, fmt.Errorf("read quotas: %w", err)
	}
	return out, nil
}

// QuotaHeader is the header of a quota file (see ocop.QuotaHeader).
const QuotaHeader = ocop.QuotaHeader

// ReplaceQuotas writes the rules of one quota file in one transaction, with
// an audit row by actor (0: the command line). A rule replaces those set on
// the same unit, scope and metric for overlapping kinds (empty kinds: every
// kind): one in force on its valid_from ends the day before, one starting
// that same day is removed; rules starting later stay. It returns how many
// rules it ended or removed.
func (s *Store) ReplaceQuotas(ctx context.Context, quotas []ocop.Quota, actor int64, file string) (int, error) {
	const end = `
UPDATE quotas SET valid_to = $6::date - 1
WHERE unit_code = $1 AND unit_level = $2 AND applies_to = $3 AND metric = $5
  AND (cardinality(kinds) = 0 OR cardinality($4::text[]) = 0 OR kinds && $4::text[])
  AND valid_from < $6 AND (valid_to IS NULL OR valid_to >= $6)`
	const drop = `
DELETE FROM quotas
WHERE unit_code = $1 AND unit_level = $2 AND applies_to = $3 AND metric = $5
  AND (cardinality(kinds) = 0 OR cardinality($4::text[]) = 0 OR kinds && $4::text[])
  AND valid_from = $6`
	const insert = `
INSERT INTO quotas (unit_code, unit_level, applies_to, kinds, metric, minimum, encouraged, valid_from, valid_to, source)
VALUES ($1, $2, $3, $4, $5, $6, nullif($7, 0::float8), $8, $9, $10)`
	changed := 0
	err := s.WithTx(ctx, func(tx pgx.Tx) error {
		// Every rule of the file ends the older ones first, so that two rows
		// of one file never end each other.
		for _, qt := range quotas {
			for _, q := range []string{end, drop} {
				tag, err := tx.Exec(ctx, q, qt.UnitCode, qt.UnitLevel, appliesTo(qt), qt.Kinds, string(qt.Metric), qt.From)
				if err != nil {
					return fmt.Errorf("end rules replaced by %s: %w", qt, err)
				}
				changed += int(tag.RowsAffected())
			}
		}
		for _, qt := range quotas {
			var to *time.Time
			if !qt.To.IsZero() {
				to = &qt.To
			}
			if _, err := tx.Exec(ctx, insert, qt.UnitCode, qt.UnitLevel, appliesTo(qt), qt.Kinds, string(qt.Metric),
				qt.Minimum, qt.Encouraged, qt.From, to, qt.Source); err != nil {
				return fmt.Errorf("insert quota %s: %w", qt, err)
			}
		}
		return audit(ctx, tx, actor, "quotas.imported", "quotas", 0,
			map[string]any{"file": file, "rows": len(quotas), "replaced": changed})
	})
	if err != nil {
		return 0, fmt.Errorf("import quotas: %w", err)
	}
	return changed, nil
}

func appliesTo(q ocop.Quota) string {
	if q.Below {
		return "below"
	}
	return "self"
}
