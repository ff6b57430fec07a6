package bot

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
)

// Reminders before certificates expire, and the weekly digest: River
// periodic jobs that only sweep and queue. River runs them in the leader
// process only; the rows they write (one reminder per certificate and
// stage, one digest per official and week) make any second run harmless.

// RenewalConfig tunes reminders and digests; zero values take defaults.
type RenewalConfig struct {
	Stages    []int        // days before expiry; default 90, 60, 30, 7
	Hour      int          // local hour of the daily sweep and the digest; default 8
	DigestDay time.Weekday // default Monday
	Now       func() time.Time
}

func (c *RenewalConfig) defaults() {
	if c.Stages = ocop.ReminderStages(c.Stages); len(c.Stages) == 0 {
		c.Stages = ocop.DefaultReminderStages
	}
	if c.Hour <= 0 || c.Hour > 23 {
		c.Hour = 8
	}
	if c.DigestDay == 0 {
		c.DigestDay = time.Monday // Sunday is no day for a digest
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// weekOf is the Monday of day's week.
func weekOf(day time.Time) time.Time {
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
}

// atHour fires every day at hour (Vietnam's time), or once a week on
// weekday when weekly.
type atHour struct {
	hour    int
	weekly  bool
	weekday time.Weekday
}

// Next is the first firing after t.
func (s atHour) Next(t time.Time) time.Time {
	l := t.In(ocop.Vietnam)
	next := time.Date(l.Year(), l.Month(), l.Day(), s.hour, 0, 0, 0, ocop.Vietnam)
	for !next.After(t) || s.weekly && next.Weekday() != s.weekday {
		next = next.AddDate(0, 0, 1)
	}
	return next
}

// periodicJobs: the daily sweep and the weekly digest at their hour, and
// both once at start when their hour of today has passed (catching up after
// downtime, not waking producers at night).
func periodicJobs(c RenewalConfig) []*river.PeriodicJob {
	started := c.Now()
	return []*river.PeriodicJob{
		river.NewPeriodicJob(atHour{hour: c.Hour}, sweepJob(c, time.Time{}), &river.PeriodicJobOpts{ID: "renewal_sweep"}),
		river.NewPeriodicJob(river.NeverSchedule(), sweepJob(c, started), &river.PeriodicJobOpts{ID: "renewal_sweep_start", RunOnStart: true}),
		river.NewPeriodicJob(atHour{hour: c.Hour, weekly: true, weekday: c.DigestDay}, digestJob(c, time.Time{}), &river.PeriodicJobOpts{ID: "digest"}),
		river.NewPeriodicJob(river.NeverSchedule(), digestJob(c, started), &river.PeriodicJobOpts{ID: "digest_start", RunOnStart: true}),
	}
}

// sweepJob makes the day's sweep. At start (started set) it is the sweep
// of the day the process started, however long River takes to elect a
// leader, and none before the hour.
func sweepJob(c RenewalConfig, started time.Time) river.PeriodicJobConstructor {
	return func() (river.JobArgs, *river.InsertOpts) {
		now := c.Now()
		if !started.IsZero() {
			if now = started; now.In(ocop.Vietnam).Hour() < c.Hour {
				return nil, nil
			}
		}
		return storage.SweepArgs{Day: ocop.LocalDay(now).Format(time.DateOnly)}, nil
	}
}

// digestJob makes the week's digests. At start, it is this week's once its
// day and hour have come.
func digestJob(c RenewalConfig, started time.Time) river.PeriodicJobConstructor {
	return func() (river.JobArgs, *river.InsertOpts) {
		now := c.Now()
		if !started.IsZero() {
			now = started
			day := ocop.LocalDay(now)
			due := weekOf(day).AddDate(0, 0, (int(c.DigestDay)+6)%7)
			if day.Before(due) || day.Equal(due) && now.In(ocop.Vietnam).Hour() < c.Hour {
				return nil, nil
			}
		}
		return storage.DigestArgs{Week: weekOf(ocop.LocalDay(now)).Format(time.DateOnly)}, nil
	}
}

// sweepTimeout bounds one sweep; the national one takes seconds.
const sweepTimeout = 10 * time.Minute

type sweepWorker struct {
	river.WorkerDefaults[storage.SweepArgs]
	store *storage.Store
	cfg   RenewalConfig
	log   *slog.Logger
}

func (w *sweepWorker) Timeout(*river.Job[storage.SweepArgs]) time.Duration { return sweepTimeout }

// Work queues the reminders due on the job's day. Cut short, it has
// committed what it queued; River runs it again and it queues the rest.
func (w *sweepWorker) Work(ctx context.Context, job *river.Job[storage.SweepArgs]) error {
	day, err := time.Parse(time.DateOnly, job.Args.Day)
	if err != nil {
		return river.JobCancel(fmt.Errorf("sweep day %q: %w", job.Args.Day, err))
	}
	start := time.Now()
	n, err := w.store.SweepReminders(ctx, day, w.cfg.Stages, 0)
	if err != nil {
		return fmt.Errorf("sweep %s: %w", job.Args.Day, err)
	}
	w.log.Info("renewal sweep", slog.String("day", job.Args.Day), slog.Int("reminders", n.Reminders),
		slog.Int("expired", n.Expired), slog.Duration("took", time.Since(start)))
	return nil
}

type digestWorker struct {
	river.WorkerDefaults[storage.DigestArgs]
	b     *Bot
	store *storage.Store
	cfg   RenewalConfig
}

func (w *digestWorker) Timeout(*river.Job[storage.DigestArgs]) time.Duration { return sweepTimeout }

// Work queues the week's digests, as of today.
func (w *digestWorker) Work(ctx context.Context, job *river.Job[storage.DigestArgs]) error {
	week, err := time.Parse(time.DateOnly, job.Args.Week)
	if err != nil {
		return river.JobCancel(fmt.Errorf("digest week %q: %w", job.Args.Week, err))
	}
	n, err := w.store.QueueDigests(ctx, week, ocop.LocalDay(w.cfg.Now()), w.b.engine.ScopeCommunes)
	if err != nil {
		return fmt.Errorf("digests of %s: %w", job.Args.Week, err)
	}
	w.b.log.Info("weekly digests", slog.String("week", job.Args.Week), slog.Int("queued", n))
	return nil
}

// Sweep queues the sweep of day now, as the daily job does, for tests that
// move the clock. The day's sweep runs once.
func (n *Notifier) Sweep(ctx context.Context, day time.Time) error {
	if _, err := n.client.Insert(ctx, storage.SweepArgs{Day: day.Format(time.DateOnly)}, nil); err != nil {
		return fmt.Errorf("queue sweep: %w", err)
	}
	return nil
}

// Digest queues the digests of day's week now, as the weekly job does.
func (n *Notifier) Digest(ctx context.Context, day time.Time) error {
	if _, err := n.client.Insert(ctx, storage.DigestArgs{Week: weekOf(day).Format(time.DateOnly)}, nil); err != nil {
		return fmt.Errorf("queue digest: %w", err)
	}
	return nil
}
