package emulator

import (
	"slices"
	"time"
)

// User is a Telegram user talking to the bot.
type User struct {
	ID           int64
	FirstName    string
	LastName     string
	Username     string
	LanguageCode string
}

// Button is one button of an inline or a reply keyboard.
type Button struct {
	Text           string
	CallbackData   string // inline keyboards
	URL            string // inline keyboards
	RequestContact bool   // reply keyboards
}

// Entity is a formatting span of Message.PlainText. Offset and Length count UTF-16 code units, like Telegram.
type Entity struct {
	Type          string `json:"type"`
	Offset        int    `json:"offset"`
	Length        int    `json:"length"`
	URL           string `json:"url,omitempty"`
	Language      string `json:"language,omitempty"`
	CustomEmojiID string `json:"custom_emoji_id,omitempty"`
	UnixTime      int64  `json:"unix_time,omitempty"`
}

// Message is one message of a chat, as a Telegram client shows it.
type Message struct {
	ID      int
	ChatID  int64
	FromBot bool
	From    User // the bot's own user for bot messages
	Date    time.Time

	Text      string   // as sent, markup included
	Caption   string   // as sent, markup included
	ParseMode string   // as sent: "", "HTML", "MarkdownV2" or "Markdown"
	PlainText string   // Text or Caption with the markup applied and trimmed, as displayed
	Entities  []Entity // formatting of PlainText

	InlineKeyboard  [][]Button
	ReplyKeyboard   [][]Button
	RemoveKeyboard  bool
	OneTimeKeyboard bool
	ResizeKeyboard  bool
	ForceReply      bool

	PhotoFileID    string // the largest size
	DocumentFileID string
	DocumentName   string
	StickerFileID  string
	Contact        string // phone, for user contact messages

	Edited  bool
	Deleted bool
	// Version is the chat's version (ChatVersion) when the message was sent
	// or last edited: what changed after a moment the chat had version v
	// has a greater one.
	Version uint64
}

// clone copies the slices a caller could modify.
func (m Message) clone() Message {
	m.Entities = slices.Clone(m.Entities)
	m.InlineKeyboard = cloneRows(m.InlineKeyboard)
	m.ReplyKeyboard = cloneRows(m.ReplyKeyboard)
	return m
}

func cloneRows(rows [][]Button) [][]Button {
	if rows == nil {
		return nil
	}
	out := make([][]Button, len(rows))
	for i, r := range rows {
		out[i] = slices.Clone(r)
	}
	return out
}

// BotCommand is one entry of the bot's command menu.
type BotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// CallbackAnswer is a pressed inline button and the bot's answerCallbackQuery, once it came.
type CallbackAnswer struct {
	QueryID   string
	ChatID    int64
	MessageID int
	From      User
	Data      string
	Answered  bool
	Text      string // the toast or alert shown to the user
	ShowAlert bool
	URL       string
}
