package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/storage"
)

// NotifyConfig tunes the sender; zero values take the defaults.
type NotifyConfig struct {
	Workers    int           // sends in flight in this process; default 16
	JobTimeout time.Duration // one send, waits for the rate included; default 30 s
	Limits     Limits
	Renewals   RenewalConfig
}

// Notifier sends what the bot sends on its own (council results,
// reminders): River jobs written in the same transaction as their cause,
// worked here within Telegram's limits. It also runs the daily renewal
// sweep and the weekly digest (renewals.go). A job left running by a process
// that died is taken up again once RescueStuckJobsAfter has passed.
type Notifier struct {
	client *river.Client[pgx.Tx]
	log    *slog.Logger
}

// NewNotifier prepares the sender of b; Start runs it.
func NewNotifier(b *Bot, store *storage.Store, cfg NotifyConfig) (*Notifier, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = 30 * time.Second
	}
	cfg.Renewals.defaults()
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &notifyWorker{b: b, store: store, limit: newLimiter(b.state, cfg.Limits)}); err != nil {
		return nil, fmt.Errorf("register notify worker: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &sweepWorker{store: store, cfg: cfg.Renewals, log: b.log}); err != nil {
		return nil, fmt.Errorf("register sweep worker: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &digestWorker{b: b, store: store, cfg: cfg.Renewals}); err != nil {
		return nil, fmt.Errorf("register digest worker: %w", err)
	}
	client, err := river.NewClient(riverpgxv5.New(store.Pool()), &river.Config{
		Queues: map[string]river.QueueConfig{
			storage.NotifyQueue: {MaxWorkers: cfg.Workers},
			storage.SweepQueue:  {MaxWorkers: 1},
		},
		Workers:      workers,
		PeriodicJobs: periodicJobs(cfg.Renewals),
		JobTimeout:   cfg.JobTimeout,
		// A send takes a second at most; a job still "running" after
		// this was in the hands of a process that died.
		RescueStuckJobsAfter: 2*cfg.JobTimeout + 5*time.Second,
		FetchCooldown:        50 * time.Millisecond,
		Logger:               quietRiver(b.log),
	})
	if err != nil {
		return nil, fmt.Errorf("create job client: %w", err)
	}
	return &Notifier{client: client, log: b.log}, nil
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
func (n *Notifier) Start(ctx context.Context) error {
	if err := n.client.Start(ctx); err != nil {
		return fmt.Errorf("start job client: %w", err)
	}
	return nil
}

// Stop lets the sends in flight finish (within grace), then cancels them;
// a cancelled job is tried again after the next start.
func (n *Notifier) Stop(ctx context.Context, grace time.Duration) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	if err := n.client.Stop(sctx); err != nil {
		n.log.Warn("send jobs did not finish in time; cancelling", errAttr(err))
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := n.client.StopAndCancel(cctx); err != nil {
			n.log.Error("stop job client", errAttr(err))
		}
	}
}

type notifyWorker struct {
	river.WorkerDefaults[storage.NotifyArgs]
	b     *Bot
	store *storage.Store
	limit *limiter
}

// Work sends one notification. The row is the truth: a job run again
// after a crash finds it sent and stops. What happens to a send:
// delivered → sent, with Telegram's message id; 429 → snoozed for
// retry_after (no attempt used); 403 or "chat not found" → the chat is
// unreachable, the notification blocked, no retry; other errors → River
// retries with backoff, and the last attempt marks it failed.
func (w *notifyWorker) Work(ctx context.Context, job *river.Job[storage.NotifyArgs]) error {
	n, gone, err := w.store.Notification(ctx, job.Args.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if n.Status != "queued" {
		return nil
	}
	if gone {
		return w.store.NotificationBlocked(ctx, n.ID, n.ChatID, "chat unreachable")
	}
	reply, err := w.b.engine.Notice(n)
	if err != nil {
		if ferr := w.store.NotificationFailed(ctx, n.ID, err.Error(), true); ferr != nil {
			return ferr
		}
		return river.JobCancel(err)
	}
	later, err := w.limit.take(ctx, n.ChatID)
	if err != nil {
		return err
	}
	if later > 0 {
		return river.JobSnooze(later)
	}
	msg, err := w.b.api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: n.ChatID, Text: reply.Text, ReplyMarkup: markup(reply)})
	var tooMany *tgbot.TooManyRequestsError
	switch {
	case err == nil:
		return w.store.NotificationSent(context.WithoutCancel(ctx), n.ID, int64(msg.ID))
	case errors.As(err, &tooMany):
		wait := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
		w.b.log.Info("telegram asked to wait", slog.Int64("notification", n.ID), slog.Duration("retry_after", wait))
		return river.JobSnooze(wait)
	case unreachable(err):
		w.b.log.Info("chat unreachable", slog.Int64("chat_id", n.ChatID), errAttr(err))
		return w.store.NotificationBlocked(context.WithoutCancel(ctx), n.ID, n.ChatID, errText(err))
	case errors.Is(err, tgbot.ErrorBadRequest):
		// Telegram refused the message itself: sending it again cannot help.
		if ferr := w.store.NotificationFailed(context.WithoutCancel(ctx), n.ID, errText(err), true); ferr != nil {
			return ferr
		}
		return river.JobCancel(err)
	}
	final := job.Attempt >= job.MaxAttempts
	if ferr := w.store.NotificationFailed(context.WithoutCancel(ctx), n.ID, errText(err), final); ferr != nil {
		return ferr
	}
	return fmt.Errorf("send notification %d: %w", n.ID, err)
}

// unreachable reports whether Telegram refused the chat for good.
func unreachable(err error) bool {
	return errors.Is(err, tgbot.ErrorForbidden) ||
		errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(strings.ToLower(err.Error()), "chat not found")
}

// errText is an error as stored for officials to read: Telegram's words
// only (they name no person), capped.
func errText(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}

// Fetch downloads a file a user sent (flows.Files).
func (b *Bot) Fetch(ctx context.Context, fileID string) ([]byte, error) {
	f, err := b.api.GetFile(ctx, &tgbot.GetFileParams{FileID: fileID})
	if err != nil {
		return nil, fmt.Errorf("get file: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.api.FileDownloadLink(f), nil)
	if err != nil {
		return nil, err
	}
	resp, err := b.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download file: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download file: %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 20<<20))
	if err != nil {
		return nil, fmt.Errorf("download file: %w", err)
	}
	return data, nil
}

var _ flows.Files = (*Bot)(nil)
