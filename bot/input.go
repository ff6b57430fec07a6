package bot

import (
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/ocopbot/ocopbot/flows"
)

// event is an update reduced to what the flows need.
type event struct {
	chatID     int64
	userID     int64
	callbackID string
	in         flows.Input
}

// chatOf returns the chat an update belongs to, or 0 for updates the bot
// does not handle (channels, groups' service messages, inline queries…).
func chatOf(u *models.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil:
		if m := u.CallbackQuery.Message.Message; m != nil {
			return m.Chat.ID
		}
		if m := u.CallbackQuery.Message.InaccessibleMessage; m != nil {
			return m.Chat.ID
		}
		return u.CallbackQuery.From.ID
	}
	return 0
}

// decode turns an update into flow input. ok is false for updates the bot
// ignores: anything outside private chats, edits, membership changes.
func decode(u *models.Update) (ev event, ok bool) {
	if cq := u.CallbackQuery; cq != nil {
		ev = event{chatID: chatOf(u), userID: cq.From.ID, callbackID: cq.ID}
		ev.in = flows.Input{Kind: flows.InputButton, Data: cq.Data}
		if m := cq.Message.Message; m != nil {
			if m.Chat.Type != models.ChatTypePrivate {
				return event{}, false
			}
			ev.in.MessageID = m.ID
		} else if m := cq.Message.InaccessibleMessage; m != nil {
			ev.in.MessageID = m.MessageID
		}
		return ev, true
	}
	m := u.Message
	if m == nil || m.Chat.Type != models.ChatTypePrivate || m.From == nil {
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
		ev.in = flows.Input{Kind: flows.InputContact, Phone: m.Contact.PhoneNumber, ContactUserID: m.Contact.UserID}
	case len(m.Photo) > 0:
		ev.in = flows.Input{Kind: flows.InputPhoto, FileID: m.Photo[len(m.Photo)-1].FileID}
	case m.Document != nil:
		ev.in = flows.Input{Kind: flows.InputDocument, FileID: m.Document.FileID, FileName: m.Document.FileName, FileSize: m.Document.FileSize}
	default:
		ev.in = flows.Input{Kind: flows.InputUnsupported}
	}
	return ev, true
}
