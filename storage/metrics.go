package storage

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// JobCount is how many River jobs of a queue are in a state, and for the
// available ones how long the oldest has been due.
type JobCount struct {
	Queue  string  `db:"queue"`
	State  string  `db:"state"`
	Jobs   int64   `db:"jobs"`
	Oldest float64 `db:"oldest"` // seconds the oldest due available job has waited; 0 for other states
}

// River keeps finished jobs a day (CompletedJobRetentionPeriod), so the
// table stays the size of a day's work; its fetching index leads with
// (state, queue), which the grouping reads.
const jobCounts = `
SELECT queue, state::text AS state, count(*) AS jobs,
       coalesce(extract(epoch FROM now() - min(scheduled_at) FILTER (WHERE state = 'available' AND scheduled_at <= now())), 0)::float8 AS oldest
FROM river_job
GROUP BY queue, state
ORDER BY queue, state`

// JobCounts counts River's jobs by queue and state, for /metrics.
func (s *Store) JobCounts(ctx context.Context) ([]JobCount, error) {
	rows, err := s.pool.Query(ctx, jobCounts)
	if err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[JobCount])
	if err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	return out, nil
}

// ReminderCount is how many renewal reminders of a stage (days before
// expiry; 0 the expiry notice) have a notification in a status (queued,
// sent, blocked, failed, held).
type ReminderCount struct {
	Stage     int    `db:"stage"`
	Status    string `db:"status"`
	Reminders int64  `db:"reminders"`
}

const reminderCounts = `
SELECT r.stage::int AS stage, n.status, count(*) AS reminders
FROM certificate_reminders r
JOIN notifications n ON n.id = r.notification_id
GROUP BY r.stage, n.status
ORDER BY r.stage, n.status`

// ReminderCounts counts every reminder ever queued by stage and where its
// notification stands, for /metrics.
func (s *Store) ReminderCounts(ctx context.Context) ([]ReminderCount, error) {
	rows, err := s.pool.Query(ctx, reminderCounts)
	if err != nil {
		return nil, fmt.Errorf("count reminders: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[ReminderCount])
	if err != nil {
		return nil, fmt.Errorf("count reminders: %w", err)
	}
	return out, nil
}
