package emulator

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ocopbot/ocopbot/bot/emulator/bucket"
)

const shardCount = 64

// shard holds a slice of the chats, so that concurrent sends to different chats rarely share a lock.
type shard struct {
	mu    sync.RWMutex
	chats map[int64]*chat
}

// chat is one conversation. Its mutex guards everything in it; lock order is chat.mu, then updates.mu, then
// the Server's small locks (cbMu, limitMu, files.mu).
type chat struct {
	mu   sync.Mutex
	id   int64
	user User      // the private chat's user, as last seen
	msgs []*record // msgs[i] has id dropped+i+1; pointers, so that growing the slice copies no message
	// dropped counts the oldest messages forgotten under Options.MaxMessagesPerChat.
	dropped int

	blocked   bool
	forgotten bool
	bucket    bucket.Bucket
	notBefore time.Time // no request for the chat before this: the end of the wait its last 429 told
	early     int       // requests that came before notBefore

	keyboard  [][]Button // the reply keyboard shown under the input field
	kbOneTime bool
	kbHidden  bool
	action    string
	actionAt  time.Time
	answers   []CallbackAnswer

	version uint64 // bumped by touch on every change of what the chat shows; see ChatVersion
	botMsgs int    // messages the bot has sent to the chat, forgotten ones included
	// changed is closed by touch, for waitChat; nil while no one waits.
	changed chan struct{}
}

// record is a stored message: its public view and what only the Bot API JSON needs.
type record struct {
	Message
	photo    []*file
	document *file
	sticker  *file
	editDate int64
	// textVersion is the chat's version at the last edit that changed the text or caption (0: none), so that
	// a user's action can tell an edit made after it (replyAfter).
	textVersion uint64
	// contactOf is the user a shared contact belongs to when it is not the
	// sender's own: -1 for a contact with no Telegram user.
	contactOf int64
}

func shardOf(id int64) int { return int(uint64(id) * 0x9E3779B97F4A7C15 >> 58) }

// chat returns the chat with that id, creating it: the bot may write to anyone who could have started it.
func (s *Server) chat(id int64) *chat {
	sh := &s.shards[shardOf(id)]
	sh.mu.RLock()
	c := sh.chats[id]
	sh.mu.RUnlock()
	if c != nil {
		return c
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if c = sh.chats[id]; c == nil {
		c = &chat{id: id, user: User{ID: id, FirstName: "User " + strconv.FormatInt(id, 10)}}
		sh.chats[id] = c
	}
	return c
}

// lookup returns the chat with that id, or nil.
func (s *Server) lookup(id int64) *chat {
	sh := &s.shards[shardOf(id)]
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return sh.chats[id]
}

var (
	errChatIDEmpty  = badRequest("chat_id is empty")
	errChatNotFound = badRequest("chat not found")
	errBlocked      = &apiError{code: http.StatusForbidden, desc: "Forbidden: bot was blocked by the user"}
)

// reachable says whether the bot may write to the chat now (under c.mu).
func (c *chat) reachable() *apiError {
	switch {
	case c.forgotten:
		return errChatNotFound
	case c.blocked:
		return errBlocked
	}
	return nil
}

// get returns the message with that id, or nil (under c.mu). Message ids are 1, 2, 3… per chat.
func (c *chat) get(id int64) *record {
	i := id - 1 - int64(c.dropped)
	if i < 0 || i >= int64(len(c.msgs)) {
		return nil
	}
	return c.msgs[i]
}

// add appends a message with the next id and returns it (under c.mu). With a limit, it forgets the oldest
// messages in batches, keeping at least the last limit ones, so that adding stays O(1).
func (c *chat) add(from User, fromBot bool, now time.Time, limit int) *record {
	if limit > 0 && len(c.msgs) >= 2*limit {
		n := copy(c.msgs, c.msgs[len(c.msgs)-limit:])
		clear(c.msgs[n:])
		c.dropped += len(c.msgs) - n
		c.msgs = c.msgs[:n]
		if len(c.answers) > limit {
			c.answers = append(c.answers[:0], c.answers[len(c.answers)-limit:]...)
		}
	}
	r := &record{Message: Message{
		ID:      c.dropped + len(c.msgs) + 1,
		ChatID:  c.id,
		FromBot: fromBot,
		From:    from,
		Date:    now,
	}}
	c.msgs = append(c.msgs, r)
	if fromBot {
		c.botMsgs++
	}
	c.touch()
	r.Version = c.version
	return r
}

// touch records a change of the chat and wakes its waiters (under c.mu). add touches; other changes call it
// themselves.
func (c *chat) touch() {
	c.version++
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
}

// waitChat blocks until cond, run under the chat's lock, holds or ctx is done. Unlike Wait, it wakes on the
// chat's own changes only, so that hundreds of waiting users cost nothing while other chats change.
func (s *Server) waitChat(ctx context.Context, chatID int64, cond func(c *chat) bool) error {
	c := s.chat(chatID)
	for {
		c.mu.Lock()
		if cond(c) {
			c.mu.Unlock()
			return nil
		}
		if c.changed == nil {
			c.changed = make(chan struct{})
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// userSent records what a user's message does to the chat: it names the chat and uses a one-time keyboard.
func (c *chat) userSent(from User) {
	if c.id > 0 {
		c.user = from
	}
	if c.kbOneTime {
		c.kbHidden = true
	}
}

func (c *chat) wireChat() wireChat {
	switch {
	case c.id > 0:
		return wireChat{ID: c.id, Type: "private", FirstName: c.user.FirstName, LastName: c.user.LastName,
			Username: c.user.Username}
	case c.id < -1_000_000_000_000:
		return wireChat{ID: c.id, Type: "supergroup", Title: "Group " + strconv.FormatInt(c.id, 10)}
	default:
		return wireChat{ID: c.id, Type: "group", Title: "Group " + strconv.FormatInt(c.id, 10)}
	}
}

// wire renders a stored message as the Bot API's Message (under c.mu).
func (s *Server) wire(c *chat, r *record) *wireMessage {
	m := &wireMessage{
		MessageID: r.ID,
		Chat:      c.wireChat(),
		Date:      r.Date.Unix(),
		EditDate:  r.editDate,
	}
	if r.FromBot {
		m.From = &s.me
	} else {
		u := toWireUser(r.From)
		m.From = &u
	}
	switch {
	case r.photo != nil || r.document != nil:
		m.Caption, m.CaptionEntities = r.PlainText, r.Entities
	case r.Contact != "":
		m.Contact = &wireContact{PhoneNumber: r.Contact, FirstName: r.From.FirstName, LastName: r.From.LastName,
			UserID: r.From.ID}
		switch {
		case r.contactOf < 0:
			m.Contact.UserID = 0
		case r.contactOf > 0:
			m.Contact.UserID = r.contactOf
		}
	case r.sticker == nil:
		m.Text, m.Entities = r.PlainText, r.Entities
	}
	for _, f := range r.photo {
		m.Photo = append(m.Photo, wirePhotoSize{FileID: f.id, FileUniqueID: f.uniqueID, Width: f.width,
			Height: f.height, FileSize: f.size})
	}
	if f := r.document; f != nil {
		m.Document = &wireDocument{FileID: f.id, FileUniqueID: f.uniqueID, FileName: f.name, MimeType: f.mime,
			FileSize: f.size}
	}
	if f := r.sticker; f != nil {
		m.Sticker = &wireSticker{FileID: f.id, FileUniqueID: f.uniqueID, Type: "regular", Width: f.width,
			Height: f.height, Emoji: "👍", FileSize: f.size}
	}
	if len(r.InlineKeyboard) > 0 {
		m.ReplyMarkup = wireKeyboard(r.InlineKeyboard)
	}
	return m
}

func wireKeyboard(rows [][]Button) *wireInlineMarkup {
	out := &wireInlineMarkup{InlineKeyboard: make([][]wireInlineButton, len(rows))}
	for i, row := range rows {
		out.InlineKeyboard[i] = make([]wireInlineButton, len(row))
		for j, b := range row {
			out.InlineKeyboard[i][j] = wireInlineButton{Text: b.Text, URL: b.URL, CallbackData: b.CallbackData}
		}
	}
	return out
}

// Chat returns the chat's transcript in order: edits applied in place, deleted messages flagged. Under
// Options.MaxMessagesPerChat, only the last messages.
func (s *Server) Chat(chatID int64) []Message {
	return s.messages(chatID, false)
}

// BotMessages returns the bot's messages of the chat, like Chat.
func (s *Server) BotMessages(chatID int64) []Message {
	return s.messages(chatID, true)
}

func (s *Server) messages(chatID int64, botOnly bool) (out []Message) {
	s.readChat(chatID, func(c *chat) {
		msgs := c.msgs
		if limit := s.opts.MaxMessagesPerChat; limit > 0 && len(msgs) > limit {
			msgs = msgs[len(msgs)-limit:]
		}
		out = make([]Message, 0, len(msgs))
		for _, r := range msgs {
			if !botOnly || r.FromBot {
				out = append(out, r.Message.clone())
			}
		}
	})
	return out
}

// readChat runs f on the chat under its lock; for a chat never used it does nothing, so the readers below
// return their zero values.
func (s *Server) readChat(chatID int64, f func(c *chat)) {
	c := s.lookup(chatID)
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	f(c)
}

// LastBotMessage returns the bot's latest message in the chat that is not deleted. It is cheap enough to call in
// a Wait condition on a long transcript.
func (s *Server) LastBotMessage(chatID int64) (m Message, ok bool) {
	s.readChat(chatID, func(c *chat) {
		for i := len(c.msgs) - 1; i >= 0; i-- {
			if c.msgs[i].FromBot && !c.msgs[i].Deleted {
				m, ok = c.msgs[i].Message.clone(), true
				return
			}
		}
	})
	return m, ok
}

// MessageCount returns how many messages the chat has had, deleted and forgotten ones included: the last id.
func (s *Server) MessageCount(chatID int64) (n int) {
	s.readChat(chatID, func(c *chat) { n = c.dropped + len(c.msgs) })
	return n
}

// ChatVersion returns a number that grows whenever what the chat shows changes: a message added, edited or
// deleted, the reply keyboard, a chat action, a button pressed or answered, a block. It is 0 for a chat never
// used. A viewer waits for the next change with Wait(ctx, func() bool { return s.ChatVersion(id) != seen }).
func (s *Server) ChatVersion(chatID int64) (v uint64) {
	s.readChat(chatID, func(c *chat) { v = c.version })
	return v
}

// Chats returns the ids of every chat that has been used, in increasing order.
func (s *Server) Chats() []int64 {
	var ids []int64
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		for id := range sh.chats {
			ids = append(ids, id)
		}
		sh.mu.RUnlock()
	}
	slices.Sort(ids)
	return ids
}

// Keyboard returns the reply keyboard the chat shows under its input field, or nil: the last one the bot sent,
// until a ReplyKeyboardRemove, or until the user answers a one-time keyboard.
func (s *Server) Keyboard(chatID int64) (rows [][]Button) {
	s.readChat(chatID, func(c *chat) {
		if !c.kbHidden {
			rows = cloneRows(c.keyboard)
		}
	})
	return rows
}

// ChatAction returns the chat's last sendChatAction and when it came; Telegram shows it for 5 seconds or until
// the bot's next message.
func (s *Server) ChatAction(chatID int64) (action string, at time.Time) {
	s.readChat(chatID, func(c *chat) { action, at = c.action, c.actionAt })
	return action, at
}

// CallbackAnswers returns the chat's button presses in order, with the bot's answers.
func (s *Server) CallbackAnswers(chatID int64) (answers []CallbackAnswer) {
	s.readChat(chatID, func(c *chat) { answers = slices.Clone(c.answers) })
	return answers
}

// BlockChat makes the user block the bot: sends to the chat answer 403 "Forbidden: bot was blocked by the user".
func (s *Server) BlockChat(chatID int64) { s.setFault(chatID, func(c *chat) { c.blocked = true }) }

// UnblockChat undoes BlockChat.
func (s *Server) UnblockChat(chatID int64) { s.setFault(chatID, func(c *chat) { c.blocked = false }) }

// ForgetChat makes the chat unknown to Telegram: sends to it answer 400 "Bad Request: chat not found".
func (s *Server) ForgetChat(chatID int64) { s.setFault(chatID, func(c *chat) { c.forgotten = true }) }

func (s *Server) setFault(chatID int64, set func(*chat)) {
	c := s.chat(chatID)
	c.mu.Lock()
	set(c)
	c.touch()
	c.mu.Unlock()
	s.notify()
}
