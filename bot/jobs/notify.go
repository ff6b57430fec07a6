package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
)

// Renderer says what a notification says, and which communes an official
// answers for (*flows.Engine).
type Renderer interface {
	Notice(ocop.Notification) (flows.Reply, error)
	ScopeCommunes(ocop.Official) []int64
}

// Sender delivers a reply to a chat within Telegram's limits, returning
// Telegram's id of the message (bot.Sender). An error that reached
// Telegram, or was held back by the rate, is a Refusal; any other error
// happened before the send was tried and costs no attempt's record.
type Sender interface {
	Send(ctx context.Context, chatID int64, reply flows.Reply) (messageID int64, err error)
}

// Refusal is what a Sender's error tells of a send that did not go through.
// It is an interface, found with errors.As, so that the transport need not
// import this package.
type Refusal interface {
	error
	RetryAfter() time.Duration // > 0: come back then; no attempt is used
	Unreachable() bool         // the chat is refused for good (blocked, gone)
	Permanent() bool           // this message can never be sent
}

type notifyWorker struct {
	river.WorkerDefaults[NotifyArgs]
	store  *storage.Store
	send   Sender
	render Renderer
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
		return w.store.NotificationBlocked(ctx, n.ID, n.ChatID, "chat unreachable")
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
	var refused Refusal
	if !errors.As(err, &refused) {
		return err
	}
	switch {
	case refused.RetryAfter() > 0:
		return river.JobSnooze(refused.RetryAfter())
	case refused.Unreachable():
		return w.store.NotificationBlocked(context.WithoutCancel(ctx), n.ID, n.ChatID, errText(err))
	case refused.Permanent():
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
