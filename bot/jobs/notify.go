package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ocopbot/ocopbot/bot"

	"github.com/riverqueue/river"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/storage"
)

type notifyWorker struct {
	river.WorkerDefaults[NotifyArgs]
	store  *storage.Store
	send   *bot.Sender
	render *flows.Engine
	now    func() time.Time // when a refusal happened: the officials' allowance is counted by day
	log    *slog.Logger
}

// Work sends one notification. The row is the truth: a job run again
// after a crash finds it sent and stops. What happens to a send:
// delivered → sent, with Telegram's message id; 429 or the chat's rate
// spent → snoozed (no attempt used); 403 or "chat not found" → the chat is
// unreachable, the notification blocked, no retry; a message Telegram
// refuses → failed, no retry; other errors → River retries with backoff,
// and the last attempt marks it failed.
func (w *notifyWorker) Work(ctx context.Context, job *river.Job[NotifyArgs]) error {
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
		return w.store.NotificationBlocked(ctx, n.ID, n.ChatID, "chat unreachable", w.now())
	}
	reply, err := w.render.Notice(n)
	if err != nil {
		if ferr := w.store.NotificationFailed(ctx, n.ID, err.Error(), true); ferr != nil {
			return ferr
		}
		return river.JobCancel(err)
	}
	msgID, err := w.send.Send(ctx, n.ChatID, reply)
	if err == nil {
		return w.store.NotificationSent(context.WithoutCancel(ctx), n.ID, msgID)
	}
	// An error that is no *bot.SendError came before the send reached
	// Telegram (Redis failing): nothing to record, River retries.
	var refused *bot.SendError
	if !errors.As(err, &refused) {
		return err
	}
	switch {
	case refused.Wait > 0:
		return river.JobSnooze(refused.Wait)
	case refused.Chat:
		return w.store.NotificationBlocked(context.WithoutCancel(ctx), n.ID, n.ChatID, errText(err), w.now())
	case refused.BadRequest:
		// Sending it again cannot help.
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

// errText is an error as stored for officials to read: Telegram's words
// only (they name no person), capped.
func errText(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}
