package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
)

type digestWorker struct {
	river.WorkerDefaults[DigestArgs]
	store  *storage.Store
	render Renderer
	now    func() time.Time
	log    *slog.Logger
}

func (w *digestWorker) Timeout(*river.Job[DigestArgs]) time.Duration { return sweepTimeout }

// Work queues the week's digests, as of today.
func (w *digestWorker) Work(ctx context.Context, job *river.Job[DigestArgs]) error {
	week, err := time.Parse(time.DateOnly, job.Args.Week)
	if err != nil {
		return river.JobCancel(fmt.Errorf("digest week %q: %w", job.Args.Week, err))
	}
	n, err := w.store.QueueDigests(ctx, week, ocop.LocalDay(w.now()), w.render.ScopeCommunes)
	if err != nil {
		return fmt.Errorf("digests of %s: %w", job.Args.Week, err)
	}
	w.log.Info("weekly digests", slog.String("week", job.Args.Week), slog.Int("queued", n))
	return nil
}

// Digest queues the digests of day's week now, as the weekly job does.
func (q *Queue) Digest(ctx context.Context, day time.Time) error {
	if _, err := q.client.Insert(ctx, DigestArgs{Week: weekOf(day).Format(time.DateOnly)}, nil); err != nil {
		return fmt.Errorf("queue digest: %w", err)
	}
	return nil
}
