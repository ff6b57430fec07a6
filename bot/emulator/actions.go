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

// userMessage adds a user's message to the chat and queues the update carrying it. fill sets the content. It
// returns the update's id and the chat's version with the message: the bot's answers come after it.
func (s *Server) userMessage(chatID int64, from User, fill func(r *record)) (updateID int64, mark uint64) {
	defer s.notify()
	c := s.chat(chatID)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.userSent(from)
	r := c.add(from, false, s.now(), s.opts.MaxMessagesPerChat)
	fill(r)
	return s.enqueue("message", mustJSON(s.wire(c, r))), c.version
}

// The contents of a user's messages.

func textFill(text string) func(r *record) {
	return func(r *record) { r.Text, r.PlainText, r.Entities = text, text, commandEntity(text) }
}

func contactFill(phone string) func(r *record) {
	return func(r *record) { r.Contact = phone }
}

func (s *Server) photoFill(data []byte, caption string) func(r *record) {
	group, _ := s.files.addPhoto(data, false)
	return func(r *record) {
		r.photo, r.PhotoFileID = group, group[len(group)-1].id
		r.Caption, r.PlainText = caption, caption
	}
}

// SendText makes the user send a text message in the chat. A text starting with "/" carries a bot_command
// entity, as Telegram's clients send it.
func (s *Server) SendText(chatID int64, from User, text string) int64 {
	id, _ := s.userMessage(chatID, from, textFill(text))
	return id
}

// ShareContact makes the user share their own contact, as a request_contact button does.
func (s *Server) ShareContact(chatID int64, from User, phone string) int64 {
	id, _ := s.userMessage(chatID, from, contactFill(phone))
	return id
}

// ShareOtherContact makes the user share someone else's contact from their
// address book: owner is that person's Telegram user, 0 for a contact that
// has none (user_id absent).
func (s *Server) ShareOtherContact(chatID int64, from User, phone string, owner int64) int64 {
	id, _ := s.userMessage(chatID, from, func(r *record) {
		r.Contact, r.contactOf = phone, owner
		if owner == 0 {
			r.contactOf = -1
		}
	})
	return id
}

// SendPhoto makes the user send a photo. The bytes are stored (FileBytes, getFile) and the message carries two
// sizes; bytes that are no JPEG, PNG, GIF or WebP get an 800×600 size.
func (s *Server) SendPhoto(chatID int64, from User, data []byte, caption string) int64 {
	id, _ := s.userMessage(chatID, from, s.photoFill(data, caption))
	return id
}

// SendDocument makes the user send a file.
func (s *Server) SendDocument(chatID int64, from User, name string, data []byte) int64 {
	f := s.files.addDocument(name, data)
	id, _ := s.userMessage(chatID, from, func(r *record) {
		r.document, r.DocumentFileID, r.DocumentName = f, f.id, f.name
	})
	return id
}

// SendSticker makes the user send a sticker, always the same one.
func (s *Server) SendSticker(chatID int64, from User) int64 {
	f := s.files.stickerFile()
	id, _ := s.userMessage(chatID, from, func(r *record) { r.sticker, r.StickerFileID = f, f.id })
	return id
}

// PressButton makes the user press the inline button with that callback data on a bot message, and queues the
// callback_query. It fails with ErrMessageNotFound or ErrButtonNotFound when the chat shows no such button.
func (s *Server) PressButton(chatID int64, from User, messageID int, data string) (int64, error) {
	id, _, err := s.pressData(chatID, from, messageID, data)
	return id, err
}

// pressData is PressButton, returning the press's mark too (see press).
func (s *Server) pressData(chatID int64, from User, messageID int, data string) (updateID int64, mark uint64, err error) {
	return s.press(chatID, from, func(c *chat) (*record, string, error) {
		r := c.get(int64(messageID))
		if r == nil || r.Deleted || !r.FromBot {
			return nil, "", fmt.Errorf("press %q on message %d of chat %d: %w", data, messageID, chatID, ErrMessageNotFound)
		}
		if !hasButton(r.InlineKeyboard, data) {
			return nil, "", fmt.Errorf("press %q on message %d of chat %d: %w", data, messageID, chatID, ErrButtonNotFound)
		}
		return r, data, nil
	})
}

// ForgeButton sends a callback_query carrying any data, from a bot message of the chat, as a modified client or a
// forged webhook call can: the data need not be any button's. It fails with ErrMessageNotFound when the chat has no
// such bot message.
func (s *Server) ForgeButton(chatID int64, from User, messageID int, data string) (int64, error) {
	id, _, err := s.press(chatID, from, func(c *chat) (*record, string, error) {
		r := c.get(int64(messageID))
		if r == nil || r.Deleted || !r.FromBot {
			return nil, "", fmt.Errorf("forge %q on message %d of chat %d: %w", data, messageID, chatID, ErrMessageNotFound)
		}
		return r, data, nil
	})
	return id, err
}

// pressLabel presses the inline button labelled label on the newest bot message that shows one, as a user
// reading the chat would.
func (s *Server) pressLabel(chatID int64, from User, label string) (updateID int64, mark uint64, err error) {
	return s.press(chatID, from, func(c *chat) (*record, string, error) {
		for i := len(c.msgs) - 1; i >= 0; i-- {
			r := c.msgs[i]
			if !r.FromBot || r.Deleted {
				continue
			}
			if data, ok := buttonData(r.InlineKeyboard, label); ok {
				return r, data, nil
			}
		}
		return nil, "", fmt.Errorf("press %q in chat %d: no bot message shows it: %w", label, chatID, ErrButtonNotFound)
	})
}

// press makes the user press the button find picks (under c.mu) and queues the callback_query. It returns the
// update's id and the chat's version at the press: the bot's answers — new messages, or the pressed one edited —
// come after it.
func (s *Server) press(chatID int64, from User, find func(c *chat) (*record, string, error)) (updateID int64, mark uint64, err error) {
	c := s.lookup(chatID)
	if c == nil {
		c = &chat{id: chatID} // finds nothing
	}
	defer s.notify()
	c.mu.Lock()
	defer c.mu.Unlock()
	r, data, err := find(c)
	if err != nil {
		return 0, 0, err
	}
	s.cbMu.Lock()
	s.cbSeq++
	// Telegram's query ids are large decimal numbers; the bot id keeps them apart between servers.
	queryID := strconv.FormatUint(uint64(s.opts.BotID)<<24+uint64(s.cbSeq), 10)
	s.queries[queryID] = &pendingQuery{chat: c}
	s.cbMu.Unlock()
	c.answers = append(c.answers, CallbackAnswer{QueryID: queryID, ChatID: chatID, MessageID: r.ID, From: from,
		Data: data})
	c.touch()
	q := &wireCallbackQuery{
		ID:           queryID,
		From:         toWireUser(from),
		Message:      s.wire(c, r),
		ChatInstance: strconv.FormatUint(uint64(chatID)*0x9E3779B97F4A7C15>>1, 10),
		Data:         data,
	}
	return s.enqueue("callback_query", mustJSON(q)), c.version, nil
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

// buttonData is the callback data of the inline button labelled label.
func buttonData(rows [][]Button, label string) (string, bool) {
	for _, row := range rows {
		for _, b := range row {
			if b.CallbackData != "" && b.Text == label {
				return b.CallbackData, true
			}
		}
	}
	return "", false
}

// mustJSON encodes the emulator's own wire types, which always encode.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("emulator: encode %T: %v", v, err))
	}
	return b
}
