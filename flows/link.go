package flows

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// Linking accounts (issue 28): a person on Telegram and on Zalo asks for a
// code in one account (/lienket) and types it in the other; from then on
// both speak for the same records — producer, products, officials' role,
// consent, /dulieu and /xoadulieu — and notifications go to the account
// used last. "/lienket huy" in the linked account undoes it.

// LinkRecords links a person's accounts.
type LinkRecords interface {
	NewLinkCode(ctx context.Context, person int64, now, expires time.Time) (string, error)
	// Link links the account chatID to the person of code (ocop.LinkCode's
	// letters): ocop.ErrNotFound, ocop.ErrLinkSelf, ocop.ErrLinkOwnRecords.
	Link(ctx context.Context, code string, chatID int64, now time.Time) (int64, error)
	Unlink(ctx context.Context, chatID int64) error
}

// linkCodeTTL is how long a link code works.
const linkCodeTTL = 15 * time.Minute

// account is the chat id of the account that wrote.
func (c *Chat) account() int64 {
	if c.Account != 0 {
		return c.Account
	}
	return c.ID
}

// linkCommand answers /lienket: a code for the other account, "/lienket
// <code>" links this account, "/lienket huy" unlinks it.
func (e *Engine) linkCommand(t *turn) error {
	arg := strings.TrimSpace(t.in.Text)
	switch {
	case arg == "":
		now := e.now()
		code, err := e.records.NewLinkCode(t.ctx, t.chat.ID, now, now.Add(linkCodeTTL))
		if err != nil {
			return err
		}
		t.say(Reply{Text: t.p.T("link.code", "Code", code, "Minutes", int(linkCodeTTL.Minutes()))})
		return nil
	case ocop.LinkCode(arg) != "":
		return e.linkTyped(t, ocop.LinkCode(arg))
	}
	switch strings.ToLower(arg) {
	case "huy", "hủy", "cancel":
		if t.chat.account() == t.chat.ID {
			t.say(Reply{Text: t.p.T("link.not_linked")})
			return nil
		}
		if err := e.records.Unlink(t.ctx, t.chat.account()); err != nil {
			return err
		}
		t.st, t.res.Person = nil, t.chat.account()
		t.say(Reply{Text: t.p.T("link.unlinked")})
		return nil
	}
	t.say(Reply{Text: t.p.T("link.bad_code")})
	return nil
}

// linkTyped links the account that wrote to the person of code.
func (e *Engine) linkTyped(t *turn, code string) error {
	person, err := e.records.Link(t.ctx, code, t.chat.account(), e.now())
	switch {
	case errors.Is(err, ocop.ErrNotFound):
		t.say(Reply{Text: t.p.T("link.bad_code")})
		return nil
	case errors.Is(err, ocop.ErrLinkSelf):
		t.say(Reply{Text: t.p.T("link.already")})
		return nil
	case errors.Is(err, ocop.ErrLinkOwnRecords):
		t.say(Reply{Text: t.p.T("link.own_records")})
		return nil
	case err != nil:
		return err
	}
	e.log.InfoContext(t.ctx, "account linked", "chat_id", t.chat.account(), "person", person)
	// The conversation under way was this account's own; the person's
	// records are what it speaks for now.
	t.st, t.res.Person = nil, person
	t.say(Reply{Text: t.p.T("link.done")})
	return nil
}
