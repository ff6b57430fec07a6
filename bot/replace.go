package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"

	"github.com/ocopbot/ocopbot/flows"
)

// One message per step. A flow's result may say that its first reply takes
// the place of the prompt the user answered (flows.Result.Replace): a
// button pressed on it, or a search typed under it. On Telegram that is one
// editMessageText of the prompt — its text and inline keyboard — instead
// of an editMessageReplyMarkup taking its buttons away and a new message
// under it.
//
// The reply is queued as a kindReplace entry, and how it is shown is
// decided when its turn comes (plan), with every earlier call of the chat
// made: the prompt is edited when it is the chat's newest message from the
// bot, a text with buttons, and the one pressed (a search replaces the
// newest prompt). Otherwise — a notification or another reply came since, a
// photo's caption, a message with a reply keyboard, or a process that does
// not know the chat's messages (it restarted, or the chat was idle long
// enough to be forgotten) — the pressed prompt's buttons are taken away and
// the reply goes as a new message, as before.

// replaces reports a reply that can take the place of a prompt: a text
// (with inline buttons or none) editMessageText can put in a text
// message's place, with no edit of its own.
func replaces(r flows.Reply) bool {
	return r.Replaces == 0 && r.PhotoRef == "" && r.Photo == nil && r.Document == nil &&
		r.AskContact == "" && !r.EndContact
}

// plan decides how a replacing reply is shown, as the chat stands now
// (under outbound.mu, when the entry is next to go).
func (c *chatOut) plan(e *outEntry) {
	if e.kind != kindReplace {
		return
	}
	newest := 0
	for id := range c.shown {
		newest = max(newest, id)
	}
	s, ok := c.shown[newest]
	if ok && s.text && s.buttons && (e.target == 0 || e.target == newest) {
		e.edit, e.clear = newest, false
		return
	}
	s, ok = c.shown[e.target]
	e.edit, e.clear = 0, e.target != 0 && (!ok || s.buttons)
}

// replaced records what a replacing reply changed: the prompt edited, or
// the new message and the pressed prompt without its buttons.
func (c *chatOut) replaced(e *outEntry, msgID int) {
	if e.clear {
		c.setShown(e.target, shown{})
	}
	if msgID != 0 {
		c.setShown(msgID, e.shows)
	}
}

// postEntry makes an entry's calls (see post): one, or for a replacing
// reply, the edit of the prompt or the calls that stand for it. An edit
// Telegram refuses — the prompt is gone, or can no longer be edited — is
// followed by the reply as a new message, so that the next question always
// reaches the user.
func (c *caller) postEntry(ctx context.Context, chatID int64, e *outEntry) (int, error) {
	if e.kind != kindReplace {
		return c.post(ctx, e.method, e.ctype, e.body)
	}
	if e.edit != 0 {
		_, err := c.post(ctx, "editMessageText", "", withMessageID(e.body, e.edit))
		if err == nil || notModified(err) || !badRequest(err) {
			return e.edit, err
		}
		c.log.WarnContext(ctx, "prompt not edited; its reply goes as a new message", slog.Int64("chat_id", chatID),
			slog.Int("message_id", e.edit), errAttr(err))
		e.edit = 0
	}
	if e.clear {
		body, err := json.Marshal(textBody{ChatID: chatID, MessageID: e.target})
		if err != nil {
			return 0, err
		}
		// A message gone, or its buttons already gone: nothing to take away.
		if _, err := c.post(ctx, "editMessageReplyMarkup", "", body); err != nil && !badRequest(err) {
			return 0, err
		}
	}
	return c.post(ctx, e.method, e.ctype, e.body)
}

// badRequest reports a call Telegram refused for good (400).
func badRequest(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.BadRequest
}

// withMessageID turns a sendMessage body into the editMessageText body of
// message id: the same fields, and message_id, which textBody encodes right
// after chat_id.
func withMessageID(body []byte, id int) []byte {
	const head = `{"chat_id":`
	if rest, ok := bytes.CutPrefix(body, []byte(head)); ok {
		if i := bytes.IndexByte(rest, ','); i > 0 {
			out := make([]byte, 0, len(body)+24)
			out = append(out, body[:len(head)+i+1]...)
			out = append(out, `"message_id":`...)
			out = strconv.AppendInt(out, int64(id), 10)
			out = append(out, ',')
			return append(out, rest[i+1:]...)
		}
	}
	// Not textBody's order (an entry of another release): decode it.
	var t textBody
	if json.Unmarshal(body, &t) != nil {
		return body // refused as a bad request, then sent anew
	}
	t.MessageID = id
	out, err := json.Marshal(t)
	if err != nil {
		return body
	}
	return out
}
