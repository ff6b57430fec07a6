package storage

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// Jobs are River's: rows in river_job, inserted in the same transaction as
// the change that causes them (a transactional outbox). The store inserts
// them itself, with an insert-only River client over its pool; the process
// that works them (package bot/jobs) runs a client of its own, which knows
// the kinds below. Storage so needs no one to hand it a queue.

// NotifyQueue is the queue of everything the bot sends on its own.
const NotifyQueue = "notify"

// NotifyArgs sends one row of notifications. Its kind and options are
// stored in river_job: rows written by an earlier release must still be
// worked, so they do not change.
type NotifyArgs struct {
	ID int64 `json:"id"`
}

// Kind names the job in river_job.
func (NotifyArgs) Kind() string { return "notify" }

// InsertOpts: a notification is one job, whatever retries or re-inserts
// happen; twelve attempts with River's backoff span about a day.
func (NotifyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: NotifyQueue, MaxAttempts: 12, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// newInserter is a River client that inserts jobs and works none.
func newInserter(pool *pgxpool.Pool) (*river.Client[pgx.Tx], error) {
	c, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("job inserter: %w", err)
	}
	return c, nil
}

// insertNotifyJobs enqueues the jobs of notifications just inserted in tx.
func (s *Store) insertNotifyJobs(ctx context.Context, tx pgx.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: NotifyArgs{ID: id}}
	}
	// COPY, not one INSERT per job: the ids are new notifications' rows, so
	// no unique conflict can arise (the fast path cannot skip one).
	if _, err := s.jobs.InsertManyFastTx(ctx, tx, params); err != nil {
		return fmt.Errorf("enqueue notifications: %w", err)
	}
	return nil
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
