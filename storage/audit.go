package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// The audit log read back: officials' actions, for `ocopbot audit`. Rows
// are written by audit (registrations.go) in the transaction of the change
// they record.

// RecordExport records an export of personal data: who, what, which unit,
// how many rows; never the data. The row's entity is the unit exported (0:
// the country).
func (s *Store) RecordExport(ctx context.Context, x ocop.Export) error {
	details := map[string]any{"rows": x.Rows}
	if x.Products > 0 {
		details["products"] = x.Products
	}
	if x.Operator != "" {
		details["operator"] = x.Operator
	}
	if x.Area {
		details["area"] = true // the former district's area on today's tree
	}
	if x.Digest != 0 {
		details["digest"] = true // as the sweep's digest records it
		details["notification_id"] = x.Digest
	}
	return s.WithTx(ctx, func(tx pgx.Tx) error {
		return audit(ctx, tx, x.Actor, "export."+string(x.Kind), "unit", x.UnitID, details)
	})
}

// RecordRefusal records a unit asked for outside the asker's scope, or a
// button the bot did not make: who, what, the id as asked and its day.
func (s *Store) RecordRefusal(ctx context.Context, r ocop.Refusal) error {
	details := map[string]any{"action": r.Action}
	if !r.Day.IsZero() {
		details["day"] = r.Day.Format(time.DateOnly)
	}
	return s.WithTx(ctx, func(tx pgx.Tx) error {
		return audit(ctx, tx, r.Actor, "scope.refused", "unit", r.UnitID, details)
	})
}

// officialActions are the audit actions officials (and the administrator
// at the command line) take, besides exports ("export.*"): producers' own
// actions (registering, answering a reminder, claiming) are not listed.
var officialActions = []string{
	"invite.created", "invite.used", "invite.refused", "invite.revoked", "official.revoked",
	"result.recorded", "certificate.added", "certificate.revoked",
	"registry.imported", "quotas.imported", "claim_links.created", "claim_link.revoked", "scope.refused",
}

// AuditFilter selects audit rows; its zero value selects every official
// action.
type AuditFilter struct {
	Since  time.Time // rows at or after it
	Actors []int64   // only these users (0: the command line); empty: all
}

// AuditEntry is a row of the audit log with the unit it concerns.
type AuditEntry struct {
	ID        int64     `db:"id"`
	At        time.Time `db:"at"`
	Actor     int64     `db:"actor"`      // 0: the command line
	ActorRole ocop.Role `db:"actor_role"` // the role the actor holds or held as an official; "" for none
	Action    string    `db:"action"`
	Entity    string    `db:"entity"`
	EntityID  int64     `db:"entity_id"`
	// UnitID is the unit the action concerns: the unit exported, the unit
	// of an invitation or binding, else the actor's own unit; 0 for none
	// (the country, or the command line).
	UnitID   int64           `db:"unit_id"`
	UnitCode string          `db:"unit_code"`
	UnitName string          `db:"unit_name"`
	Details  json.RawMessage `db:"details"`
}

// AuditLog lists officials' actions oldest first.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	const q = `
WITH a AS (
    SELECT a.id, a.at, coalesce(a.actor_user, 0) AS actor, coalesce(o.role, '') AS actor_role, a.action, a.entity,
           coalesce(a.entity_id, 0) AS entity_id, a.details,
           coalesce(CASE WHEN a.entity = 'unit' THEN a.entity_id END,
                    CASE WHEN a.details->>'unit_id' ~ '^[0-9]+$' THEN (a.details->>'unit_id')::bigint END,
                    o.unit_id, 0) AS unit_id
    FROM audit_log a
    LEFT JOIN officials o ON o.user_id = a.actor_user
    WHERE (a.action = ANY($1) OR a.action LIKE 'export.%')
      AND ($2::timestamptz IS NULL OR a.at >= $2)
      AND (cardinality($3::bigint[]) = 0 OR coalesce(a.actor_user, 0) = ANY($3)))
SELECT a.id, a.at, a.actor, a.actor_role, a.action, a.entity, a.entity_id, a.details, a.unit_id,
       coalesce(u.code, '') AS unit_code, coalesce(u.name, '') AS unit_name
FROM a LEFT JOIN admin_units u ON u.id = a.unit_id
ORDER BY a.at, a.id`
	var since *time.Time
	if !f.Since.IsZero() {
		since = &f.Since
	}
	actors := f.Actors
	if actors == nil {
		actors = []int64{}
	}
	rows, err := s.pool.Query(ctx, q, officialActions, since, actors)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	entries, err := pgx.CollectRows(rows, pgx.RowToStructByName[AuditEntry])
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return entries, nil
}
