package storage

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/vntext"
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

// QuotaHeader is the header of a quota CSV file. kinds are separated by
// "|" and may be written as in unit names ("Quận|Thành phố"); encouraged and
// valid_to may be empty; dates are YYYY-MM-DD.
const QuotaHeader = "unit_code,unit_level,applies_to,kinds,metric,minimum,encouraged,valid_from,valid_to,source"

// ImportQuotas reads a quota CSV file and upserts its rows, keyed by unit,
// scope, kinds, metric and start: importing a file twice changes nothing,
// and a changed minimum replaces the old one. It returns the rows read.
func (s *Store) ImportQuotas(ctx context.Context, r io.Reader) (int, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return 0, fmt.Errorf("read quota header: %w", err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	if strings.Join(header, ",") != QuotaHeader {
		return 0, fmt.Errorf("quota file header %q: want %s", strings.Join(header, ","), QuotaHeader)
	}
	var quotas []ocop.Quota
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("read quota line %d: %w", line, err)
		}
		q, err := parseQuota(rec)
		if err != nil {
			return 0, fmt.Errorf("quota line %d: %w", line, err)
		}
		quotas = append(quotas, q)
	}
	err = s.WithTx(ctx, func(tx pgx.Tx) error {
		const q = `
INSERT INTO quotas (unit_code, unit_level, applies_to, kinds, metric, minimum, encouraged, valid_from, valid_to, source)
VALUES ($1, $2, $3, $4, $5, $6, nullif($7, 0::float8), $8, $9, $10)
ON CONFLICT (unit_code, unit_level, applies_to, kinds, metric, valid_from) DO UPDATE
SET minimum = EXCLUDED.minimum, encouraged = EXCLUDED.encouraged, valid_to = EXCLUDED.valid_to, source = EXCLUDED.source`
		for _, qt := range quotas {
			applies := "self"
			if qt.Below {
				applies = "below"
			}
			var to *time.Time
			if !qt.To.IsZero() {
				to = &qt.To
			}
			if _, err := tx.Exec(ctx, q, qt.UnitCode, qt.UnitLevel, applies, qt.Kinds, string(qt.Metric), qt.Minimum, qt.Encouraged, qt.From, to, qt.Source); err != nil {
				return fmt.Errorf("upsert quota %s: %w", qt, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("import quotas: %w", err)
	}
	return len(quotas), nil
}

func parseQuota(rec []string) (ocop.Quota, error) {
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	var q ocop.Quota
	q.UnitCode = rec[0]
	if q.UnitCode == "" {
		return q, errors.New("unit_code is empty")
	}
	level, err := strconv.Atoi(rec[1])
	if err != nil || level < 1 || level > 3 {
		return q, fmt.Errorf("unit_level %q: want 1, 2 or 3", rec[1])
	}
	q.UnitLevel = level
	switch rec[2] {
	case "self":
	case "below":
		q.Below = true
	default:
		return q, fmt.Errorf("applies_to %q: want self or below", rec[2])
	}
	q.Kinds = []string{}
	for k := range strings.SplitSeq(rec[3], "|") {
		if k = vntext.Fold(k); k != "" {
			q.Kinds = append(q.Kinds, k)
		}
	}
	q.Metric = ocop.Metric(rec[4])
	if !q.Metric.Valid() {
		return q, fmt.Errorf("metric %q: want one of %v", rec[4], ocop.Metrics)
	}
	if q.Minimum, err = strconv.ParseFloat(rec[5], 64); err != nil || q.Minimum < 0 {
		return q, fmt.Errorf("minimum %q: want a number ≥ 0", rec[5])
	}
	if rec[6] != "" {
		if q.Encouraged, err = strconv.ParseFloat(rec[6], 64); err != nil || q.Encouraged < q.Minimum {
			return q, fmt.Errorf("encouraged %q: want a number ≥ the minimum, or nothing", rec[6])
		}
	}
	if q.From, err = time.Parse(time.DateOnly, rec[7]); err != nil {
		return q, fmt.Errorf("valid_from %q: want YYYY-MM-DD", rec[7])
	}
	if rec[8] != "" {
		if q.To, err = time.Parse(time.DateOnly, rec[8]); err != nil || q.To.Before(q.From) {
			return q, fmt.Errorf("valid_to %q: want YYYY-MM-DD, not before valid_from", rec[8])
		}
	}
	if q.Source = rec[9]; q.Source == "" {
		return q, errors.New("source is empty: name the decision that sets the target")
	}
	return q, nil
}
