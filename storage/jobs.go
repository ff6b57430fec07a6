package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// Jobs are River's: rows in river_job, inserted in the same transaction as
// the change that causes them (a transactional outbox). The process's one
// River client lives in package bot/jobs; the store reaches it through
// JobQueue, so storage does not depend on who works the jobs.

// JobQueue enqueues the jobs that send notifications, inside the
// transaction that inserted their rows.
type JobQueue interface {
	InsertNotifyTx(ctx context.Context, tx pgx.Tx, ids []int64) error
}

// ErrNoJobQueue is returned by a write that causes notifications on a
// store that was given no JobQueue.
var ErrNoJobQueue = errors.New("the store has no job queue (SetJobQueue)")

// SetJobQueue gives the store the queue its writes enqueue notifications
// on. Call it once, before the store is shared.
func (s *Store) SetJobQueue(q JobQueue) { s.jobs = q }

// insertNotifyJobs enqueues the jobs of notifications just inserted in tx.
func (s *Store) insertNotifyJobs(ctx context.Context, tx pgx.Tx, ids []int64) error {
	if s.jobs == nil {
		return fmt.Errorf("enqueue notifications: %w", ErrNoJobQueue)
	}
	if len(ids) == 0 {
		return nil
	}
	return s.jobs.InsertNotifyTx(ctx, tx, ids)
}

// migrateJobs brings River's own tables up to date.
func (s *Store) migrateJobs(ctx context.Context) (int, error) {
	m, err := rivermigrate.New(riverpgxv5.New(s.pool), nil)
	if err != nil {
		return 0, fmt.Errorf("river migrator: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return 0, fmt.Errorf("river migrations: %w", err)
	}
	return len(res.Versions), nil
}

// jobsVersion is the newest River schema this binary knows, for the test
// templates' fingerprint.
func jobsVersion() int {
	m, err := rivermigrate.New(riverpgxv5.New(nil), nil)
	if err != nil {
		return -1
	}
	all := m.AllVersions()
	if len(all) == 0 {
		return 0
	}
	return all[len(all)-1].Version
}
