package bot

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/locales"
	"github.com/ocopbot/ocopbot/storage"
)

// Sender sends what the bot says on its own (notifications): through the
// one outbound path, after the replies users are waiting for, within
// Telegram's limits shared by every process through Redis. It tells what
// went wrong in a *SendError; the job that asked decides what to record.
//
// It is made of the transport's parts, not of the Bot: the calls and the
// outbound path it shares with the replies, the records and state it
// reads, the texts, the buttons' signer and the files' links.
type Sender struct {
	calls   *caller
	out     *outbound
	records Records
	state   *storage.Redis
	text    *locales.Catalog
	buttons signer
	files   *fileLinks
	limit   *limiter // Telegram's rates
	zlimit  *limiter // Zalo's
	budget  int      // reply sends a second above which notifications wait
	log     *slog.Logger
}

// errChatRate: the chat's own notification rate is spent for now.
var errChatRate = errors.New("chat's send rate spent")

// Sender returns the rate-limited sender of b.
func (b *Bot) Sender(l Limits) *Sender {
	l = l.withDefaults()
	return &Sender{calls: b.calls, out: b.out, records: b.records, state: b.state, text: b.text, buttons: b.buttons, files: b.files,
		limit: newLimiter(b.state, l, "send:"), zlimit: newLimiter(b.state, b.cfg.ZaloLimits, "send:zalo:"),
		budget: max(1, int(l.Global/2)), log: b.log}
}

// Send sends reply to chatID and returns Telegram's id of the message.
// When the chat must wait — its rate is spent, Telegram asked, or replies
// go first — it does not wait but returns a *SendError with Wait set, so
// the caller frees its worker meanwhile. An error that is no *SendError
// came before the message reached Telegram.
//
// chatID names a person: the reply goes to the account they wrote from
// last, and, when that one refuses the bot (403), to the next.
func (s *Sender) Send(ctx context.Context, chatID int64, reply flows.Reply) (int64, error) {
	reach, err := reach(ctx, s.records, s.state, chatID)
	if err != nil {
		return 0, err
	}
	for i, to := range reach {
		id, err := s.sendTo(ctx, to, reply)
		var se *SendError
		if errors.As(err, &se) && se.Chat && i+1 < len(reach) {
			s.log.InfoContext(ctx, "account refuses the bot: the next of the person's", slog.Int64("chat_id", to))
			continue
		}
		return id, err
	}
	return 0, errors.New("send: the person has no account")
}

// sendTo sends reply to one account's chat.
func (s *Sender) sendTo(ctx context.Context, chatID int64, reply flows.Reply) (int64, error) {
	if wait := s.out.mayNotify(chatID, s.budget); wait > 0 {
		return 0, &SendError{Err: errHeldBack, Wait: wait}
	}
	limit := s.limit
	if storage.IsZaloChat(chatID) {
		limit = s.zlimit
	}
	later, err := limit.take(ctx, chatID)
	if err != nil {
		return 0, err
	}
	if later > 0 {
		return 0, &SendError{Err: errChatRate, Wait: later}
	}
	if storage.IsZaloChat(chatID) {
		return 0, s.sendZalo(ctx, chatID, reply)
	}
	// A notification never ends a contact request, the one shaping that
	// speaks: the default language's printer does.
	es, err := telegramEntries(chatID, []flows.Reply{reply}, s.buttons, s.text.Printer(""))
	if err != nil {
		return 0, &SendError{Err: err, BadRequest: true}
	}
	// Notifications fit one message as a rule; a long one that fails
	// halfway is sent again whole. The id returned is the last message's,
	// which carries the buttons.
	msgID := 0
	for _, e := range es {
		e.shows.text = false // no prompt: a reply never takes its place (chatOut.plan)
		msgID, err = s.calls.post(ctx, e.method, e.ctype, e.body)
		s.out.notified(chatID, e, msgID, err)
		if err != nil {
			s.calls.logSendError(ctx, chatID, e.method, err)
			return 0, err
		}
	}
	return int64(msgID), nil
}

// sendZalo sends a notification to a Zalo user: its messages in order, and
// its question's choices kept first, so that the answer typed to it is
// read against them. Notifications fit one message as a rule; a long one
// that fails halfway is sent again whole.
func (s *Sender) sendZalo(ctx context.Context, chatID int64, reply flows.Reply) error {
	to, err := s.records.ZaloUser(ctx, chatID)
	if err != nil {
		return err
	}
	locale, err := s.records.ChatLocale(ctx, chatID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	es, choices, err := zaloEntries(to, flows.Result{Replies: []flows.Reply{reply}}, "", time.Now(), s.text.Printer(locale), s.files.linker(ctx))
	if err != nil {
		return &SendError{Err: err, BadRequest: true}
	}
	if choices != nil {
		if err := s.state.SetChoices(ctx, chatID, choices); err != nil {
			return err
		}
	}
	for _, e := range es {
		_, err := s.calls.post(ctx, e.method, e.ctype, e.body)
		s.out.notified(chatID, e, 0, err)
		if err != nil {
			s.calls.logSendError(ctx, chatID, e.method, err)
			return err
		}
	}
	return nil
}
