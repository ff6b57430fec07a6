package bot

import (
	"encoding/json"
	"strings"

	"github.com/ocopbot/ocopbot/flows"
)

// event is an update reduced to what the flows need.
type event struct {
	chatID     int64
	userID     int64
	callbackID string
	answered   bool // a press the webhook's response answered: callbackID is ""
	in         flows.Input
	zalo       bool   // a Zalo update: a typed answer may pick a choice (resolveZalo)
	key        string // a Zalo update's key (sender/message id)
}

// update is the part of a Telegram update the bot reads. Decoding into it
// rather than the library's full models.Update skips what the bot never
// looks at, which is most of each update's cost.
type update struct {
	ID            int64          `json:"update_id"`
	Message       *message       `json:"message,omitempty"`
	CallbackQuery *callbackQuery `json:"callback_query,omitempty"`
}

type callbackQuery struct {
	ID      string   `json:"id"`
	From    idOnly   `json:"from"`
	Data    string   `json:"data,omitempty"`
	Message *message `json:"message,omitempty"` // also an inaccessible message: its id and chat
	// Answered is the bot's own mark, set in the intake when the webhook's
	// response answered the press (Telegram sends no such field).
	Answered bool `json:"ocopbot_answered,omitempty"`
}

type message struct {
	ID   int     `json:"message_id"`
	Chat chat    `json:"chat"`
	From *idOnly `json:"from,omitempty"`
	Text string  `json:"text,omitempty"`

	Contact *struct {
		PhoneNumber string `json:"phone_number"`
		UserID      int64  `json:"user_id"`
	} `json:"contact,omitempty"`
	Photo []struct {
		FileID string `json:"file_id"`
	} `json:"photo,omitempty"`
	Document *struct {
		FileID   string `json:"file_id"`
		FileName string `json:"file_name"`
		FileSize int64  `json:"file_size"`
	} `json:"document,omitempty"`
}

type chat struct {
	ID   int64  `json:"id"`
	Type string `json:"type,omitempty"`
}

type idOnly struct {
	ID int64 `json:"id"`
}

// compact is the update as the intake keeps it: what decode reads and
// nothing more. A pressed button's message comes with its whole text and
// keyboard, which the bot never reads back; Redis, the scripts and every
// reader would carry them for nothing. raw is the update as received, kept
// should encoding fail.
func (u *update) compact(raw []byte) []byte {
	c := *u
	if cq := c.CallbackQuery; cq != nil && cq.Message != nil {
		q := *cq
		q.Message = &message{ID: cq.Message.ID, Chat: cq.Message.Chat}
		c.CallbackQuery = &q
	}
	b, err := json.Marshal(&c)
	if err != nil {
		return raw
	}
	return b
}

// chatID returns the chat an update belongs to, or 0 for updates the bot
// does not handle (channels' posts, edits, inline queries…).
func (u *update) chatID() int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil && u.CallbackQuery.Message != nil:
		return u.CallbackQuery.Message.Chat.ID
	case u.CallbackQuery != nil:
		return u.CallbackQuery.From.ID
	}
	return 0
}

// private reports a message of a private chat (an inaccessible message may
// not say its chat's type).
func (m *message) private() bool { return m.Chat.Type == "private" || m.Chat.Type == "" }

// decode turns an update into flow input. ok is false for updates the bot
// ignores: anything outside private chats, edits, membership changes.
func decode(u *update) (ev event, ok bool) {
	if cq := u.CallbackQuery; cq != nil {
		ev = event{chatID: u.chatID(), userID: cq.From.ID, callbackID: cq.ID}
		if cq.Answered {
			ev.callbackID, ev.answered = "", true // answered already: no call to make
		}
		ev.in = flows.Input{Kind: flows.InputButton, Data: cq.Data}
		if m := cq.Message; m != nil {
			if !m.private() {
				return event{}, false
			}
			ev.in.MessageID = m.ID
		}
		return ev, true
	}
	m := u.Message
	if m == nil || m.Chat.Type != "private" || m.From == nil {
		return event{}, false
	}
	ev = event{chatID: m.Chat.ID, userID: m.From.ID}
	switch {
	case m.Text != "" && strings.HasPrefix(m.Text, "/"):
		cmd, args, _ := strings.Cut(m.Text[1:], " ")
		cmd, _, _ = strings.Cut(cmd, "@") // "/start@ocopbot" in a command menu
		ev.in = flows.Input{Kind: flows.InputCommand, Command: strings.ToLower(cmd), Text: strings.TrimSpace(args)}
	case m.Text != "":
		ev.in = flows.Input{Kind: flows.InputText, Text: m.Text}
	case m.Contact != nil:
		// Telegram names the user a contact belongs to: the sender's own
		// number is the one proof of a phone the bot takes.
		ev.in = flows.Input{Kind: flows.InputContact, Phone: m.Contact.PhoneNumber,
			OwnContact: m.Contact.UserID != 0 && m.Contact.UserID == m.From.ID}
	case len(m.Photo) > 0:
		ev.in = flows.Input{Kind: flows.InputPhoto, FileID: m.Photo[len(m.Photo)-1].FileID}
	case m.Document != nil:
		ev.in = flows.Input{Kind: flows.InputDocument, FileID: m.Document.FileID, FileName: m.Document.FileName, FileSize: m.Document.FileSize}
	default:
		ev.in = flows.Input{Kind: flows.InputUnsupported}
	}
	return ev, true
}
