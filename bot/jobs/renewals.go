package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/ocopbot/ocopbot/storage"
)

// sweepTimeout bounds one sweep; the national one takes seconds.
const sweepTimeout = 10 * time.Minute

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	store  *storage.Store
	stages []int
	log    *slog.Logger
}

func (w *sweepWorker) Timeout(*river.Job[SweepArgs]) time.Duration { return sweepTimeout }

// Work queues the reminders due on the job's day. Cut short, it has
// committed what it queued; River runs it again and it queues the rest.
func (w *sweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	day, err := jobDay("sweep day", job.Args.Day)
	if err != nil {
		return err
	}
	start := time.Now()
	n, err := w.store.SweepReminders(ctx, day, w.stages, 0)
	if err != nil {
		return fmt.Errorf("sweep %s: %w", job.Args.Day, err)
	}
	w.log.Info("renewal sweep", slog.String("day", job.Args.Day), slog.Int("reminders", n.Reminders),
		slog.Int("expired", n.Expired), slog.Int("held", n.Held),
		slog.Int("officials_told", n.Told), slog.Int("joined_digest", n.Joined), slog.Int("digests", n.Digests), slog.Duration("took", time.Since(start)))
	return nil
}

// Sweep queues the sweep of day now, as the daily job does, for tests that
// move the clock. The day's sweep runs once.
func (q *Queue) Sweep(ctx context.Context, day time.Time) error {
	if _, err := q.client.Insert(ctx, SweepArgs{Day: day.Format(time.DateOnly)}, nil); err != nil {
		return fmt.Errorf("queue sweep: %w", err)
	}
	return nil
}
