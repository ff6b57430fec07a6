package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/storage"
)

// An update must not hold its chat — or the bot's readiness, or a
// shutdown — for ever: one whose step fails for a reason of its own (a
// crafted file, a bug) is tried maxTries times, then answered and set
// aside for an operator (storage.Redis.SetAside, `ocopbot updates held`).
// Outages are no fault of the update: a step that fails because Postgres
// or Redis is out of reach is tried again without limit, as before.

// maxTries is how many times a step that fails by its own fault is tried.
const maxTries = 3

// pingTimeout bounds the check that Postgres and Redis answer after a step
// ran out of time: an outage makes the ping fail or hang.
const pingTimeout = 2 * time.Second

// reasonLen bounds the reason kept with a held update.
const reasonLen = 300

// overrunError is a step that ran past its StepTimeout.
type overrunError struct {
	after time.Duration
	err   error
}

func (e *overrunError) Error() string {
	return fmt.Sprintf("step ran past its %s deadline: %v", e.after, e.err)
}

func (e *overrunError) Unwrap() error { return e.err }

// fault tells whether a failed step is the update's own fault, to be
// counted against maxTries, rather than an outage; reason says why, with
// identifiers masked. A step that ran out of time is its own fault when
// Postgres and Redis answer now: a slow or hung call elsewhere (a file
// download that never ends) or work too long for its deadline. Any other
// error from Postgres, Redis or the network is taken for an outage.
func (b *Bot) fault(ctx context.Context, err error) (reason string, counts bool) {
	var over *overrunError
	var netErr net.Error
	switch {
	case errors.Is(err, storage.ErrStale):
		// Another writer moved the chat on: no failure of the update.
		return "", false
	case errors.As(err, &over), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		if !b.servicesAnswer(ctx) {
			return "", false
		}
	case storage.Transient(err):
		return "", false
	}
	reason = errAttr(err).Value.String()
	if r := []rune(reason); len(r) > reasonLen {
		reason = string(r[:reasonLen]) + "…"
	}
	return reason, true
}

// servicesAnswer reports whether Postgres and Redis both answer a ping.
func (b *Bot) servicesAnswer(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	return b.records.Ping(ctx) == nil && b.state.Ping(ctx) == nil
}

// setAside answers an update that failed its last try and sets it aside:
// acknowledged, kept for an operator, the user told in the same step. The
// chat's conversation stays as it was.
func (b *Bot) setAside(ctx context.Context, mb *mailbox, q storage.QueuedUpdate, reason string, tries int) error {
	ev := event{chatID: q.ChatID, in: flows.Input{Kind: flows.InputResume}}
	var u update
	switch q.Kind {
	case kindResume:
	case kindZalo:
		if e, ok := zaloEvent(q.ChatID, q.Payload); ok {
			ev = e
		}
	default:
		if json.Unmarshal(q.Payload, &u) == nil {
			if e, ok := decode(&u); ok {
				ev = e
			}
		}
	}
	kind := kindName(ev.in.Kind)
	key := "error.set_aside"
	if ev.in.Kind == flows.InputDocument {
		key = "error.set_aside_document"
	}
	locale, err := b.chatLocale(ctx, mb, q.ChatID)
	if err != nil {
		return err
	}
	now := time.Now()
	res := flows.Result{Replies: []flows.Reply{{Text: b.text.Printer(locale).T(key)}}}
	var es []*outEntry
	if storage.IsZaloChat(q.ChatID) {
		var to string
		if to, err = b.records.ZaloUser(ctx, q.ChatID); err != nil {
			return err
		}
		es, _, err = zaloEntries(to, res, q.StreamID, now, b.text.Printer(locale), nil)
	} else {
		es, err = entries(q.ChatID, ev.callbackID, 0, res, q.StreamID, now, b.buttons, b.text.Printer(locale))
	}
	if err != nil {
		return fmt.Errorf("encode the set-aside notice: %w", err)
	}
	held := storage.HeldUpdate{UpdateID: u.ID, Kind: kind, Reason: reason, Tries: tries, At: now}
	err = b.state.SetAside(ctx, b.cfg.Group, q, held, durableRaws(es))
	switch {
	case errors.Is(err, storage.ErrHandled):
		b.handledElsewhere(ctx, mb, q.ChatID)
		return nil
	case err != nil:
		b.log.Warn("set update aside", slog.Int64("chat_id", q.ChatID), errAttr(err))
		return err
	}
	b.out.submit(ctx, q.ChatID, es)
	b.cfg.Metrics.setAside(storage.ChannelOf(q.ChatID), kind)
	// Never the payload: it may hold a phone, a tax code or an ID number.
	b.log.Warn("update set aside after its last try", slog.Int64("chat_id", q.ChatID), slog.Int64("update_id", u.ID),
		slog.String("kind", kind), slog.Int("tries", tries), slog.String("reason", reason))
	return nil
}

// durableRaws are the encoded entries the outbox keeps (see durable).
func durableRaws(es []*outEntry) [][]byte {
	raws := make([][]byte, 0, len(es))
	for _, e := range es {
		if e.raw != nil {
			raws = append(raws, e.raw)
		}
	}
	return raws
}

// chatLocale is the chat's language: from its state, else from its row in
// Postgres; "" when unknown (the default then). An error is an outage.
func (b *Bot) chatLocale(ctx context.Context, mb *mailbox, chatID int64) (string, error) {
	if mb.cached && mb.sess.Locale != "" {
		return mb.sess.Locale, nil
	}
	loc, err := b.records.ChatLocale(ctx, chatID)
	switch {
	case storage.Transient(err):
		return "", err
	case err != nil && !errors.Is(err, storage.ErrNotFound):
		b.log.Warn("load chat locale", slog.Int64("chat_id", chatID), errAttr(err))
	}
	return loc, nil
}
