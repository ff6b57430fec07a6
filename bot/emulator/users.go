package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The user side of ControlHandler: what a load generator's simulated users do, and the bot's answers they see,
// compact where the web chat's API returns whole transcripts.

const (
	// maxWait bounds a wait: long enough for a step of a bot queued behind Telegram's limits (a training hall
	// waits over a minute), while a client that hangs up frees its handler at once.
	maxWait     = 5 * time.Minute
	defaultWait = 10 * time.Second
)

// tinyPNG is a valid 1×1 grey PNG: the photo users send.
const tinyPNG = "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00\x3a\x7e\x9b\x55" +
	"\x00\x00\x00\x0aIDAT\x78\x9c\x63\x68\x00\x00\x00\x82\x00\x81\x77\xcd\x72\xb6\x00\x00\x00\x00IEND\xae\x42\x60\x82"

// UserAction is the JSON body of a user action of ControlHandler; each action reads its own fields.
type UserAction struct {
	Text      string `json:"text,omitempty"`
	Label     string `json:"label,omitempty"`
	MessageID int    `json:"message_id,omitempty"`
	Data      string `json:"data,omitempty"`
	Caption   string `json:"caption,omitempty"`
	Phone     string `json:"phone,omitempty"`
	Lang      string `json:"lang,omitempty"`    // the user's language_code; default vi
	Expect    Texts  `json:"expect,omitempty"`  // answer once a bot message sent or edited after the action contains one of these
	Timeout   string `json:"timeout,omitempty"` // how long to wait for it: "10s", "1.5"; default 10 s
}

// Texts reads a JSON text or a list of texts.
type Texts []string

// UnmarshalJSON reads "a" as [a].
func (t *Texts) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Texts{s}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(t))
}

// errAction is a user action missing what it needs.
var errAction = errors.New("bad user action")

// userActionFunc does one user action; it returns the update's id and the chat's mark at the action, after
// which the bot's answers come.
type userActionFunc func(s *Server, chatID int64, from User, req UserAction) (updateID int64, m mark, err error)

// mark is where a user's action left the chat: its last message id and its version. The bot's answer is a
// message after the id, or an edit of an earlier one after the version.
type mark struct {
	msg     int
	version uint64
}

func textAction(s *Server, chatID int64, from User, req UserAction) (int64, mark, error) {
	if req.Text == "" {
		return 0, mark{}, fmt.Errorf("text is empty: %w", errAction)
	}
	id, m := s.userMessage(chatID, from, textFill(req.Text))
	return id, m, nil
}

func pressAction(s *Server, chatID int64, from User, req UserAction) (int64, mark, error) {
	switch {
	case req.Label != "":
		return s.pressLabel(chatID, from, req.Label)
	case req.MessageID != 0 && req.Data != "":
		return s.pressData(chatID, from, req.MessageID, req.Data)
	}
	return 0, mark{}, fmt.Errorf("press needs a label, or a message_id and data: %w", errAction)
}

func photoAction(s *Server, chatID int64, from User, req UserAction) (int64, mark, error) {
	id, m := s.userMessage(chatID, from, s.photoFill([]byte(tinyPNG), req.Caption))
	return id, m, nil
}

func contactAction(s *Server, chatID int64, from User, req UserAction) (int64, mark, error) {
	if req.Phone == "" {
		return 0, mark{}, fmt.Errorf("phone is empty: %w", errAction)
	}
	id, m := s.userMessage(chatID, from, contactFill(req.Phone))
	return id, m, nil
}

// UserView is what a user action or a wait of ControlHandler answers.
type UserView struct {
	UpdateID    int64        `json:"update_id,omitempty"`
	Version     uint64       `json:"version"`      // ChatVersion
	BotMessages int          `json:"bot_messages"` // the bot's messages in the chat so far
	Last        *MessageView `json:"last,omitempty"`
	Reply       *MessageView `json:"reply,omitempty"`      // the message that met "expect"
	ReplyEdit   bool         `json:"reply_edit,omitempty"` // Reply is a message shown before the action, edited since
	Timeout     bool         `json:"timeout,omitempty"`
}

// MessageView is a bot message as a user reads it: its displayed text and its inline buttons' labels.
type MessageView struct {
	MessageID int        `json:"message_id"`
	Text      string     `json:"text"`
	Buttons   [][]string `json:"buttons,omitempty"`
}

func viewOf(r *record) *MessageView {
	v := &MessageView{MessageID: r.ID, Text: r.PlainText}
	for _, row := range r.InlineKeyboard {
		labels := make([]string, len(row))
		for i, b := range row {
			labels[i] = b.Text
		}
		v.Buttons = append(v.Buttons, labels)
	}
	return v
}

// fill sets the chat's state (under c.mu).
func (v *UserView) fill(c *chat) {
	v.Version, v.BotMessages, v.Last = c.version, c.botMsgs, nil
	for i := len(c.msgs) - 1; i >= 0; i-- {
		if r := c.msgs[i]; r.FromBot && !r.Deleted {
			v.Last = viewOf(r)
			return
		}
	}
}

// replyAfter returns the first bot message after the mark whose text contains one of expect: a message sent
// after it, or an earlier one whose text or caption was edited after it (edit) (under c.mu).
func (c *chat) replyAfter(m mark, expect []string) (r *record, edit bool) {
	for _, r := range c.msgs {
		if !r.FromBot || r.Deleted {
			continue
		}
		earlier := r.ID <= m.msg
		if earlier && r.textVersion <= m.version {
			continue
		}
		for _, e := range expect {
			if strings.Contains(r.PlainText, e) {
				return r, earlier
			}
		}
	}
	return nil, false
}

// userAction serves one user action, and with "expect" waits for the bot's answer to it.
func (s *Server) userAction(do userActionFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		chatID, err := chatPath(r)
		var req UserAction
		if err == nil {
			err = decodeBody(r, &req, true)
		}
		var wait time.Duration
		if err == nil {
			wait, err = parseTimeout(req.Timeout, defaultWait)
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody(err))
			return
		}
		from := User{ID: chatID, FirstName: "User " + strconv.FormatInt(chatID, 10), LanguageCode: "vi"}
		if req.Lang != "" {
			from.LanguageCode = req.Lang
		}
		updateID, m, err := do(s, chatID, from, req)
		switch {
		case errors.Is(err, ErrButtonNotFound) || errors.Is(err, ErrMessageNotFound):
			writeJSON(w, http.StatusNotFound, errorBody(err))
			return
		case err != nil:
			writeJSON(w, http.StatusBadRequest, errorBody(err))
			return
		}
		v := UserView{UpdateID: updateID}
		if len(req.Expect) == 0 {
			s.readChat(chatID, v.fill)
			writeJSON(w, http.StatusOK, v)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), wait)
		defer cancel()
		err = s.waitChat(ctx, chatID, func(c *chat) bool {
			r, edit := c.replyAfter(m, req.Expect)
			if r != nil {
				v.fill(c)
				v.Reply, v.ReplyEdit = viewOf(r), edit
			}
			return r != nil
		})
		s.answerWait(w, r, chatID, &v, err)
	}
}

// userWait serves GET …/wait?after=V&timeout=10s: it answers once the chat's version differs from V.
func (s *Server) userWait(w http.ResponseWriter, r *http.Request) {
	chatID, err := chatPath(r)
	q := r.URL.Query()
	var after uint64
	if err == nil && q.Get("after") != "" {
		if after, err = strconv.ParseUint(q.Get("after"), 10, 64); err != nil {
			err = fmt.Errorf("after %q: want a chat version", q.Get("after"))
		}
	}
	var wait time.Duration
	if err == nil {
		wait, err = parseTimeout(q.Get("timeout"), defaultWait)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody(err))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	var v UserView
	err = s.waitChat(ctx, chatID, func(c *chat) bool {
		if c.version == after {
			return false
		}
		v.fill(c)
		return true
	})
	s.answerWait(w, r, chatID, &v, err)
}

// answerWait answers a wait: the view its condition filled, or the chat as it is with "timeout".
func (s *Server) answerWait(w http.ResponseWriter, r *http.Request, chatID int64, v *UserView, err error) {
	switch {
	case r.Context().Err() != nil:
		return // the client is gone
	case err != nil:
		s.readChat(chatID, v.fill)
		v.Timeout = true
	}
	writeJSON(w, http.StatusOK, v)
}

// chatPath reads the {chat} of a user path: a private chat, whose id is its user's.
func chatPath(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("chat"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("chat %q: want a user id, a positive number", r.PathValue("chat"))
	}
	return id, nil
}
