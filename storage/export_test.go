package storage

// Read-outs only tests need, kept out of the binary and open to the
// storage_test package.

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// ActiveUnits returns the unit tree in force on day: the newest imported tree
// that had started by then (or the oldest one, when day precedes them all).
func (s *Store) ActiveUnits(ctx context.Context, day time.Time) ([]ocop.Unit, error) {
	const q = `
WITH tree AS (` + activeTree + `)
SELECT u.id, coalesce(u.parent_id, 0), u.level, u.code, u.name, u.kind
FROM admin_units u JOIN tree ON u.valid_from = tree.valid_from
ORDER BY u.id`
	rows, err := s.pool.Query(ctx, q, day)
	if err != nil {
		return nil, fmt.Errorf("query active units: %w", err)
	}
	units, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ocop.Unit, error) {
		var u ocop.Unit
		var level int16
		err := row.Scan(&u.ID, &u.ParentID, &level, &u.Code, &u.Name, &u.Kind)
		u.Level = int(level)
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("read active units: %w", err)
	}
	return units, nil
}

// PendingUpdates counts updates queued or in flight.
func (r *Redis) PendingUpdates(ctx context.Context) (int64, error) {
	n, err := r.rdb.XLen(ctx, r.streamKey()).Result()
	if err != nil {
		return 0, fmt.Errorf("count queued updates: %w", err)
	}
	return n, nil
}
