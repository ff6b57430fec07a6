package bot

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/ocopbot/ocopbot/flows"
)

// Sender sends what the bot says on its own (notifications) within
// Telegram's limits, shared by every process through Redis. It tells what
// went wrong in a *SendError; the job that asked decides what to record.
type Sender struct {
	api   *tgbot.Bot
	limit *limiter
	log   *slog.Logger
}

// Sender returns the rate-limited sender of b.
func (b *Bot) Sender(l Limits) *Sender {
	return &Sender{api: b.api, limit: newLimiter(b.state, l), log: b.log}
}

// SendError is a send that did not go through, or was held back by the
// rate: its fields are what the caller needs to decide what to record.
type SendError struct {
	Err        error
	Wait       time.Duration // come back after: 429's retry_after, or the chat's rate
	Chat       bool          // Telegram refuses the chat for good: 403, or "chat not found"
	BadRequest bool          // Telegram refuses the message itself (another 400)
}

func (e *SendError) Error() string { return e.Err.Error() }
func (e *SendError) Unwrap() error { return e.Err }

// errChatRate: the chat's own rate is spent for now.
var errChatRate = errors.New("chat's send rate spent")

// Send sends reply to chatID and returns Telegram's id of the message.
// When the chat's own rate is spent it does not wait but returns a
// *SendError with Wait set, so the caller frees its worker meanwhile. An
// error that is no *SendError came before the message reached Telegram.
func (s *Sender) Send(ctx context.Context, chatID int64, reply flows.Reply) (int64, error) {
	later, err := s.limit.take(ctx, chatID)
	if err != nil {
		return 0, err
	}
	if later > 0 {
		return 0, &SendError{Err: errChatRate, Wait: later}
	}
	msg, err := s.api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chatID, Text: reply.Text, ReplyMarkup: markup(reply)})
	var tooMany *tgbot.TooManyRequestsError
	switch {
	case err == nil:
		return int64(msg.ID), nil
	case errors.As(err, &tooMany):
		wait := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
		s.log.Info("telegram asked to wait", slog.Int64("chat_id", chatID), slog.Duration("retry_after", wait))
		return 0, &SendError{Err: err, Wait: wait}
	case unreachable(err):
		s.log.Info("chat unreachable", slog.Int64("chat_id", chatID), errAttr(err))
		return 0, &SendError{Err: err, Chat: true}
	case errors.Is(err, tgbot.ErrorBadRequest):
		return 0, &SendError{Err: err, BadRequest: true}
	}
	// Anything else (network, 5xx) may pass: the caller retries.
	return 0, &SendError{Err: err}
}

// unreachable reports whether Telegram refused the chat for good.
func unreachable(err error) bool {
	return errors.Is(err, tgbot.ErrorForbidden) ||
		errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(strings.ToLower(err.Error()), "chat not found")
}
