package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ocopbot/ocopbot/bot"
	"github.com/ocopbot/ocopbot/flows"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
)

// Config tunes the background work; zero values take the defaults.
type Config struct {
	Workers    int           // sends in flight in this process; default 16
	JobTimeout time.Duration // one send, waits for the rate included; default 30 s
	Stages     []int         // days before expiry a producer is reminded; default 90, 60, 30, 7
	Hour       int           // local hour of the daily sweep and the digest; default 8
	DigestDay  time.Weekday  // default Monday
	Now        func() time.Time
	Log        *slog.Logger // default slog.Default()
}

func (c *Config) defaults() {
	if c.Workers <= 0 {
		c.Workers = 16
	}
	if c.JobTimeout <= 0 {
		c.JobTimeout = 30 * time.Second
	}
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
	if c.Log == nil {
		c.Log = slog.Default()
	}
}

// Queue is the process's one River client with its workers and schedules.
// It sends what the bot sends on its own (council results, reminders),
// within Telegram's limits, and runs the daily renewal sweep and the weekly
// digest. A job left running by a process that died is taken up again once
// RescueStuckJobsAfter has passed.
type Queue struct {
	client *river.Client[pgx.Tx]
	log    *slog.Logger
}

// New prepares the background work of store: what is sent goes through
// send, said as render says it. (A process that only records — a
// command-line import — needs no Queue: the store inserts the jobs.)
func New(store *storage.Store, send *bot.Sender, render *flows.Engine, cfg Config) (*Queue, error) {
	if send == nil || render == nil {
		return nil, errors.New("jobs: a queue needs a sender and a renderer")
	}
	cfg.defaults()
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &notifyWorker{store: store, send: send, render: render, now: cfg.Now, log: cfg.Log}); err != nil {
		return nil, fmt.Errorf("register notify worker: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &sweepWorker{store: store, stages: cfg.Stages, log: cfg.Log}); err != nil {
		return nil, fmt.Errorf("register sweep worker: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &digestWorker{store: store, render: render, now: cfg.Now, log: cfg.Log}); err != nil {
		return nil, fmt.Errorf("register digest worker: %w", err)
	}
	client, err := river.NewClient(riverpgxv5.New(store.Pool()), &river.Config{
		Queues: map[string]river.QueueConfig{
			NotifyQueue: {MaxWorkers: cfg.Workers},
			SweepQueue:  {MaxWorkers: 1},
		},
		Workers:      workers,
		PeriodicJobs: periodicJobs(cfg),
		JobTimeout:   cfg.JobTimeout,
		// A send takes a second at most; a job still "running" after
		// this was in the hands of a process that died.
		RescueStuckJobsAfter: 2*cfg.JobTimeout + 5*time.Second,
		FetchCooldown:        50 * time.Millisecond,
		Logger:               quietRiver(cfg.Log),
	})
	if err != nil {
		return nil, fmt.Errorf("create job client: %w", err)
	}
	return &Queue{client: client, log: cfg.Log}, nil
}

// quietRiver passes River's warnings and errors on, not its chatter.
func quietRiver(log *slog.Logger) *slog.Logger {
	return slog.New(levelFilter{log.Handler(), slog.LevelWarn})
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

// Start works jobs until Stop.
func (q *Queue) Start(ctx context.Context) error {
	// River stops abruptly, cancelling the sends in flight, when the
	// context given to Start ends: Stop is what ends the work, gracefully.
	if err := q.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start job client: %w", err)
	}
	return nil
}

// Stop lets the sends in flight finish (within grace), then cancels them;
// a cancelled job is tried again after the next start.
func (q *Queue) Stop(ctx context.Context, grace time.Duration) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	if err := q.client.Stop(sctx); err != nil {
		q.log.Warn("send jobs did not finish in time; cancelling", bot.ErrAttr(err))
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := q.client.StopAndCancel(cctx); err != nil {
			q.log.Error("stop job client", bot.ErrAttr(err))
		}
	}
}

// Run works jobs until ctx ends, then lets the sends in flight finish
// within grace.
func (q *Queue) Run(ctx context.Context, grace time.Duration) error {
	if err := q.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	q.Stop(ctx, grace)
	q.log.Info("notification sender stopped")
	return nil
}
