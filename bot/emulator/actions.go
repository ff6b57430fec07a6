package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

var (
	// ErrMessageNotFound is returned when a user acts on a message the chat does not show.
	ErrMessageNotFound = errors.New("message not found")
	// ErrButtonNotFound is returned when a message has no inline button with the pressed data.
	ErrButtonNotFound = errors.New("button not found")
)

// pendingQuery is a callback query waiting for answerCallbackQuery.
type pendingQuery struct {
	chat *chat
}

// userMessage adds a user's message to the chat and queues the update carrying it. fill sets the content.
func (s *Server) userMessage(chatID int64, from User, fill func(r *record)) int64 {
	defer s.notify()
	c := s.chat(chatID)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.userSent(from)
	r := c.add(from, false, s.now(), s.opts.MaxMessagesPerChat)
	fill(r)
	return s.enqueue("message", mustJSON(s.wire(c, r)))
}

// SendText makes the user send a text message in the chat. A text starting with "/" carries a bot_command
// entity, as Telegram's clients send it.
func (s *Server) SendText(chatID int64, from User, text string) int64 {
	return s.userMessage(chatID, from, func(r *record) {
		r.Text, r.PlainText, r.Entities = text, text, commandEntity(text)
	})
}

// ShareContact makes the user share their own contact, as a request_contact button does.
func (s *Server) ShareContact(chatID int64, from User, phone string) int64 {
	return s.userMessage(chatID, from, func(r *record) { r.Contact = phone })
}

// ShareOtherContact makes the user share someone else's contact from their
// address book: owner is that person's Telegram user, 0 for a contact that
// has none (user_id absent).
func (s *Server) ShareOtherContact(chatID int64, from User, phone string, owner int64) int64 {
	return s.userMessage(chatID, from, func(r *record) {
		r.Contact, r.contactOf = phone, owner
		if owner == 0 {
			r.contactOf = -1
		}
	})
}

// SendPhoto makes the user send a photo. The bytes are stored (FileBytes, getFile) and the message carries two
// sizes; bytes that are no JPEG, PNG, GIF or WebP get an 800×600 size.
func (s *Server) SendPhoto(chatID int64, from User, data []byte, caption string) int64 {
	group, _ := s.files.addPhoto(data, false)
	return s.userMessage(chatID, from, func(r *record) {
		r.photo, r.PhotoFileID = group, group[len(group)-1].id
		r.Caption, r.PlainText = caption, caption
	})
}

// SendDocument makes the user send a file.
func (s *Server) SendDocument(chatID int64, from User, name string, data []byte) int64 {
	f := s.files.addDocument(name, data)
	return s.userMessage(chatID, from, func(r *record) {
		r.document, r.DocumentFileID, r.DocumentName = f, f.id, f.name
	})
}

// SendSticker makes the user send a sticker, always the same one.
func (s *Server) SendSticker(chatID int64, from User) int64 {
	f := s.files.stickerFile()
	return s.userMessage(chatID, from, func(r *record) { r.sticker, r.StickerFileID = f, f.id })
}

// PressButton makes the user press the inline button with that callback data on a bot message, and queues the
// callback_query. It fails with ErrMessageNotFound or ErrButtonNotFound when the chat shows no such button.
func (s *Server) PressButton(chatID int64, from User, messageID int, data string) (int64, error) {
	c := s.lookup(chatID)
	if c == nil {
		return 0, fmt.Errorf("press %q on message %d of chat %d: %w", data, messageID, chatID, ErrMessageNotFound)
	}
	defer s.notify()
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.get(int64(messageID))
	if r == nil || r.Deleted || !r.FromBot {
		return 0, fmt.Errorf("press %q on message %d of chat %d: %w", data, messageID, chatID, ErrMessageNotFound)
	}
	if !hasButton(r.InlineKeyboard, data) {
		return 0, fmt.Errorf("press %q on message %d of chat %d: %w", data, messageID, chatID, ErrButtonNotFound)
	}
	s.cbMu.Lock()
	s.cbSeq++
	// Telegram's query ids are large decimal numbers; the bot id keeps them apart between servers.
	queryID := strconv.FormatUint(uint64(s.opts.BotID)<<24+uint64(s.cbSeq), 10)
	s.queries[queryID] = &pendingQuery{chat: c}
	s.cbMu.Unlock()
	c.answers = append(c.answers, CallbackAnswer{QueryID: queryID, ChatID: chatID, MessageID: messageID, From: from,
		Data: data})
	c.touch()
	q := &wireCallbackQuery{
		ID:           queryID,
		From:         toWireUser(from),
		Message:      s.wire(c, r),
		ChatInstance: strconv.FormatUint(uint64(chatID)*0x9E3779B97F4A7C15>>1, 10),
		Data:         data,
	}
	return s.enqueue("callback_query", mustJSON(q)), nil
}

func hasButton(rows [][]Button, data string) bool {
	for _, row := range rows {
		for _, b := range row {
			if b.CallbackData != "" && b.CallbackData == data {
				return true
			}
		}
	}
	return false
}

// mustJSON encodes the emulator's own wire types, which always encode.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("emulator: encode %T: %v", v, err))
	}
	return b
}
