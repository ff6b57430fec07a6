package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/storage"
)

// shutdownGrace bounds how long updates in hand may take after Run's
// context is cancelled.
const shutdownGrace = 10 * time.Second

// dispatch reads the intake stream and hands each update to the worker of
// its chat, until ctx is cancelled; then it lets the workers finish.
func (b *Bot) dispatch(ctx context.Context) error {
	// Work in hand finishes after ctx is cancelled, within shutdownGrace.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	stop := context.AfterFunc(ctx, func() {
		time.AfterFunc(shutdownGrace, cancelWork)
	})
	defer stop()

	shards := make([]chan storage.QueuedUpdate, b.cfg.Workers)
	var wg sync.WaitGroup
	for i := range shards {
		shards[i] = make(chan storage.QueuedUpdate, 16)
		wg.Add(1)
		go func(ch <-chan storage.QueuedUpdate) {
			defer wg.Done()
			for q := range ch {
				b.process(work, q)
			}
		}(shards[i])
	}
	route := func(qs []storage.QueuedUpdate) {
		for _, q := range qs {
			i := q.ChatID % int64(len(shards))
			if i < 0 {
				i = -i
			}
			shards[i] <- q
		}
	}

	// Updates this consumer had read but not finished when it last stopped
	// (a crash, a kill) come first.
	if mine, err := b.state.PendingOf(ctx, b.cfg.Group, b.cfg.Consumer); err != nil {
		b.log.Error("read own pending updates", errAttr(err))
	} else if len(mine) > 0 {
		b.log.Info("resuming updates left in hand", slog.Int("updates", len(mine)))
		route(mine)
	}
	nextClaim := time.Now().Add(b.cfg.ClaimAfter / 2)
	for ctx.Err() == nil {
		if time.Now().After(nextClaim) {
			nextClaim = time.Now().Add(b.cfg.ClaimAfter / 2)
			stale, cerr := b.state.ClaimStale(ctx, b.cfg.Group, b.cfg.Consumer, b.cfg.ClaimAfter)
			if cerr != nil && ctx.Err() == nil {
				b.log.Error("claim stale updates", errAttr(cerr))
			}
			route(stale)
		}
		qs, rerr := b.state.ReadUpdates(ctx, b.cfg.Group, b.cfg.Consumer, 128, time.Second)
		if rerr != nil {
			if ctx.Err() != nil {
				break
			}
			b.log.Error("read updates", errAttr(rerr))
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		route(qs)
	}
	for _, ch := range shards {
		close(ch)
	}
	wg.Wait()
	return nil
}

// process handles one queued update. An update leaves the queue together
// with the state write it causes (see storage.Redis.Save), or on its own
// when it changes no state. On an error — Redis or Postgres unreachable, the
// chat still locked by a process that died — it is tried again here, so a
// chat's later updates never overtake it; only shutdown stops the tries,
// leaving it queued for the next start. An update that cannot be decoded is
// dropped.
func (b *Bot) process(ctx context.Context, q storage.QueuedUpdate) {
	var u models.Update
	if err := json.Unmarshal(q.Payload, &u); err != nil {
		b.log.Error("undecodable update dropped", slog.String("stream_id", q.StreamID), errAttr(err))
		b.ack(ctx, q)
		return
	}
	start := time.Now()
	for delay := 100 * time.Millisecond; ; delay = min(2*delay, 5*time.Second) {
		err := b.attempt(ctx, &u, q)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return
		}
		b.log.Warn("update will be tried again", slog.Int64("update_id", u.ID), slog.Int64("chat_id", q.ChatID), errAttr(err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
	}
	if b.hooks.Done != nil {
		b.hooks.Done(u.ID, false, time.Since(start))
	}
}

// attempt handles an update once, within the chat lock's lifetime: it must
// be done before the lock can expire, or another worker could take the chat
// while this one still writes.
func (b *Bot) attempt(ctx context.Context, u *models.Update, q storage.QueuedUpdate) error {
	ctx, cancel := context.WithTimeout(ctx, b.lockTTL-5*time.Second)
	defer cancel()
	return b.handle(ctx, u, q)
}

func (b *Bot) ack(ctx context.Context, q storage.QueuedUpdate) {
	if err := b.state.AckUpdate(ctx, b.cfg.Group, q.StreamID); err != nil {
		b.log.Error("ack update", slog.String("stream_id", q.StreamID), errAttr(err))
	}
}

// lock takes the chat, waiting while another worker holds it (at most the
// lock's lifetime, when its holder died).
func (b *Bot) lock(ctx context.Context, chatID int64, entry storage.StreamAck) (storage.Session, error) {
	delay := 2 * time.Millisecond
	for {
		s, err := b.state.Lock(ctx, chatID, entry)
		if !errors.Is(err, storage.ErrBusy) {
			return s, err
		}
		select {
		case <-ctx.Done():
			return storage.Session{}, fmt.Errorf("chat %d stayed locked: %w", chatID, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, 200*time.Millisecond)
	}
}

// handle runs one update through the flows under the chat's lock: read
// state, decide, write state by compare-and-set (acknowledging the update in
// the same step), then send. State is written before sending so that a reply
// is never shown for a step that was not saved; a reply lost to a crash is
// recovered by /start, which shows the current step again. It returns an
// error only when the update should be tried again.
func (b *Bot) handle(ctx context.Context, u *models.Update, q storage.QueuedUpdate) error {
	ev, ok := decode(u)
	if !ok {
		b.ack(ctx, q)
		return nil
	}
	entry := storage.StreamAck{Group: b.cfg.Group, StreamID: q.StreamID}
	sess, err := b.lock(ctx, ev.chatID, entry)
	if errors.Is(err, storage.ErrHandled) {
		return nil // a claimed copy of an update another worker finished
	}
	if err != nil {
		return err
	}
	chat := flows.Chat{ID: ev.chatID, UserID: ev.userID, Locale: sess.Locale}
	if chat.Locale == "" {
		loc, err := b.records.ChatLocale(ctx, ev.chatID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			b.log.Warn("load chat locale", slog.Int64("chat_id", ev.chatID), errAttr(err))
		}
		chat.Locale = loc
	}
	st, err := flows.DecodeState(sess.Data)
	if err != nil {
		// A state this binary cannot read must not wedge the chat forever.
		b.log.Error("drop unreadable state", slog.Int64("chat_id", ev.chatID), errAttr(err))
		st = nil
	}
	next, res, herr := b.engine.Handle(ctx, &chat, st, ev.in)
	if herr != nil {
		// Records could not be read or written: the state stays as it was,
		// the user is told to try again, and the update is done.
		b.log.Error("flow failed", slog.Int64("chat_id", ev.chatID), errAttr(herr))
		b.unlock(ctx, sess)
		b.ack(ctx, q)
		b.send(ctx, ev, res)
		return nil
	}
	var data []byte
	if next != nil {
		if data, err = next.Encode(); err != nil {
			b.unlock(ctx, sess)
			return err
		}
	}
	switch _, err := b.state.Save(ctx, sess, data, chat.Locale, entry); {
	case errors.Is(err, storage.ErrHandled):
		return nil
	case errors.Is(err, storage.ErrStale):
		// Only possible when our lock expired and another worker moved the
		// chat on: this update is handled again against the new state.
		return err
	case err != nil:
		b.unlock(ctx, sess)
		return err
	}
	b.send(ctx, ev, res)
	return nil
}

func (b *Bot) unlock(ctx context.Context, sess storage.Session) {
	if err := b.state.Unlock(context.WithoutCancel(ctx), sess); err != nil {
		b.log.Warn("unlock chat", slog.Int64("chat_id", sess.ChatID), errAttr(err))
	}
}

// send renders a flow's result. Replies to a user's own action are sent at
// once; a 429 with a short wait is retried once, anything longer is dropped
// (the user sees the step again on their next message), and a chat that
// blocked the bot gets nothing more.
func (b *Bot) send(ctx context.Context, ev event, res flows.Result) {
	if ev.callbackID != "" {
		b.call(ctx, ev.chatID, "answerCallbackQuery", func() error {
			_, err := b.api.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: ev.callbackID, Text: res.Toast})
			return err
		})
	}
	if res.ClearKeyboardOf != 0 {
		b.call(ctx, ev.chatID, "editMessageReplyMarkup", func() error {
			_, err := b.api.EditMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{ChatID: ev.chatID, MessageID: res.ClearKeyboardOf})
			if err != nil && strings.Contains(err.Error(), "message is not modified") {
				return nil // a second tap on a button already cleared
			}
			return err
		})
	}
	for _, r := range res.Replies {
		var err error
		switch {
		case r.EditMessageID != 0:
			err = b.call(ctx, ev.chatID, "editMessageText", func() error {
				_, err := b.api.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: ev.chatID, MessageID: r.EditMessageID, Text: r.Text, ReplyMarkup: markup(r)})
				return err
			})
		case r.Photo != nil:
			err = b.call(ctx, ev.chatID, "sendPhoto", func() error {
				_, err := b.api.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: ev.chatID, Caption: r.Text, ReplyMarkup: markup(r),
					Photo: &models.InputFileUpload{Filename: r.Photo.Name, Data: bytes.NewReader(r.Photo.Data)}})
				return err
			})
		case r.Document != nil:
			err = b.call(ctx, ev.chatID, "sendDocument", func() error {
				_, err := b.api.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: ev.chatID, Caption: r.Text, ReplyMarkup: markup(r),
					Document: &models.InputFileUpload{Filename: r.Document.Name, Data: bytes.NewReader(r.Document.Data)}})
				return err
			})
		case r.PhotoFileID != "":
			err = b.call(ctx, ev.chatID, "sendPhoto", func() error {
				_, err := b.api.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: ev.chatID, Photo: &models.InputFileString{Data: r.PhotoFileID}, Caption: r.Text, ReplyMarkup: markup(r)})
				return err
			})
		default:
			err = b.call(ctx, ev.chatID, "sendMessage", func() error {
				_, err := b.api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: ev.chatID, Text: r.Text, ReplyMarkup: markup(r)})
				return err
			})
		}
		if errors.Is(err, tgbot.ErrorForbidden) {
			return
		}
	}
}

// maxInlineRetry is the longest 429 wait a reply in a conversation absorbs.
const maxInlineRetry = 3 * time.Second

func (b *Bot) call(ctx context.Context, chatID int64, method string, fn func() error) error {
	err := fn()
	var tooMany *tgbot.TooManyRequestsError
	if errors.As(err, &tooMany) {
		wait := time.Duration(tooMany.RetryAfter) * time.Second
		if wait <= maxInlineRetry {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
			err = fn()
		}
	}
	if err != nil {
		level := slog.LevelWarn
		if errors.Is(err, tgbot.ErrorForbidden) {
			level = slog.LevelInfo // the user blocked the bot: expected, not a fault
		}
		b.log.Log(ctx, level, "bot api call", slog.String("method", method), slog.Int64("chat_id", chatID), errAttr(err))
	}
	return err
}
