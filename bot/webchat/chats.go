package webchat

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ocopbot/ocopbot/bot/emulator"
)

const (
	maxTextLen     = 4096 // characters of a message, Telegram's limit
	maxCallbackLen = 64   // bytes of callback_data, Telegram's limit
	actionShown    = 5 * time.Second
)

// chatView is a chat as the page shows it.
type chatView struct {
	ChatID        int64                 `json:"chat_id"`
	Version       uint64                `json:"version"`
	AllVersion    uint64                `json:"all_version"`
	Messages      []messageView         `json:"messages"`
	ReplyKeyboard [][]replyButton       `json:"reply_keyboard"`
	Commands      []emulator.BotCommand `json:"commands"`
	Action        string                `json:"action"` // the bot's chat action ("typing"…) of the last 5 s
	Toast         *toast                `json:"toast"`  // the last answer to a button press that had a text
}

type messageView struct {
	ID             int               `json:"id"`
	FromBot        bool              `json:"from_bot"`
	Text           string            `json:"text"` // as displayed, caption for media
	Entities       []emulator.Entity `json:"entities"`
	Date           int64             `json:"date"` // Unix seconds
	InlineKeyboard [][]inlineButton  `json:"inline_keyboard"`
	PhotoURL       string            `json:"photo_url"`
	DocumentURL    string            `json:"document_url"`
	DocumentName   string            `json:"document_name"`
	Contact        string            `json:"contact"`
	Sticker        bool              `json:"sticker"`
	Edited         bool              `json:"edited"`
	Deleted        bool              `json:"deleted"`
}

type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
	URL          string `json:"url"`
}

type replyButton struct {
	Text           string `json:"text"`
	RequestContact bool   `json:"request_contact"`
}

type toast struct {
	ID    string `json:"id"`
	Text  string `json:"text"`
	Alert bool   `json:"alert"`
}

// view reads the chat. The version is read first: the state shown is at least that new, and a change in between
// only makes the next long poll return at once.
func (s *Server) view(u User) chatView {
	v := chatView{
		ChatID:        u.ID,
		Version:       s.emu.ChatVersion(u.ID),
		AllVersion:    s.allVersion(),
		ReplyKeyboard: [][]replyButton{},
		Commands:      s.emu.MenuCommands(u.ID, u.Lang),
	}
	msgs := s.emu.Chat(u.ID)
	v.Messages = make([]messageView, 0, len(msgs))
	for _, m := range msgs {
		v.Messages = append(v.Messages, viewMessage(m))
	}
	for _, row := range s.emu.Keyboard(u.ID) {
		out := make([]replyButton, 0, len(row))
		for _, b := range row {
			out = append(out, replyButton{Text: b.Text, RequestContact: b.RequestContact})
		}
		v.ReplyKeyboard = append(v.ReplyKeyboard, out)
	}
	if v.Commands == nil {
		v.Commands = []emulator.BotCommand{}
	}
	if action, at := s.emu.ChatAction(u.ID); action != "" && time.Since(at) < actionShown {
		v.Action = action
	}
	answers := s.emu.CallbackAnswers(u.ID)
	for i := len(answers) - 1; i >= 0; i-- {
		if a := answers[i]; a.Answered && a.Text != "" {
			v.Toast = &toast{ID: a.QueryID, Text: a.Text, Alert: a.ShowAlert}
			break
		}
	}
	return v
}

func viewMessage(m emulator.Message) messageView {
	v := messageView{
		ID:             m.ID,
		FromBot:        m.FromBot,
		Date:           m.Date.Unix(),
		Edited:         m.Edited,
		Deleted:        m.Deleted,
		Entities:       []emulator.Entity{},
		InlineKeyboard: [][]inlineButton{},
	}
	if m.Deleted {
		return v // Telegram shows nothing of it
	}
	v.Text = m.PlainText
	if m.Entities != nil {
		v.Entities = m.Entities
	}
	for _, row := range m.InlineKeyboard {
		out := make([]inlineButton, 0, len(row))
		for _, b := range row {
			out = append(out, inlineButton{Text: b.Text, CallbackData: b.CallbackData, URL: b.URL})
		}
		v.InlineKeyboard = append(v.InlineKeyboard, out)
	}
	if m.PhotoFileID != "" {
		v.PhotoURL = fileURL(m.PhotoFileID)
	}
	if m.DocumentFileID != "" {
		v.DocumentURL = fileURL(m.DocumentFileID) + "?name=" + url.QueryEscape(m.DocumentName)
		v.DocumentName = m.DocumentName
	}
	v.Contact = m.Contact
	v.Sticker = m.StickerFileID != ""
	return v
}

// fileURL is where the page fetches a file, relative to the page.
func fileURL(fileID string) string {
	return "webchat/api/files/" + url.PathEscape(fileID)
}

// getChat answers at once without after, or when the chat's version differs from after, or, with all, when
// all_version differs from all; otherwise it waits up to pollTimeout for a change, or for the emulator to close,
// and then answers the chat as it is.
func (s *Server) getChat(w http.ResponseWriter, r *http.Request) {
	u, ok := s.user(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	if q.Has("after") {
		after, err := strconv.ParseUint(q.Get("after"), 10, 64)
		if err != nil {
			writeError(w, errBadAfter)
			return
		}
		all, hasAll := uint64(0), q.Has("all")
		if hasAll {
			if all, err = strconv.ParseUint(q.Get("all"), 10, 64); err != nil {
				writeError(w, errBadAfter)
				return
			}
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.pollTimeout)
		defer cancel()
		// A closed emulator ends the poll, so that the HTTP server's Shutdown need not wait for open pages.
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			select {
			case <-s.emu.Done():
				cancel()
			case <-stop:
			}
		}()
		err = s.emu.Wait(ctx, func() bool {
			return s.emu.ChatVersion(u.ID) != after || hasAll && s.allVersion() != all
		})
		switch {
		case r.Context().Err() != nil:
			return // the page went away or the server is stopping
		case err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled):
			writeError(w, errRequestFailed)
			return
		}
	}
	writeJSON(w, http.StatusOK, s.view(u))
}

// onChat answers a POST on the chat of the user the path names: act reads the request and acts as the user;
// the answer is act's refusal, or the chat as it then is.
func (s *Server) onChat(w http.ResponseWriter, r *http.Request, act func(u User) *apiError) {
	u, ok := s.user(w, r)
	if !ok {
		return
	}
	if aerr := act(u); aerr != nil {
		writeError(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, s.view(u))
}

// onChatJSON is onChat for a request whose body is one JSON object, decoded into in before act runs.
func (s *Server) onChatJSON(w http.ResponseWriter, r *http.Request, in any, act func(u User) *apiError) {
	s.onChat(w, r, func(u User) *apiError {
		if aerr := decodeJSON(w, r, in); aerr != nil {
			return aerr
		}
		return act(u)
	})
}

func (s *Server) postText(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Text string `json:"text"`
	}
	s.onChatJSON(w, r, &in, func(u User) *apiError {
		// Telegram's apps trim what is typed and refuse to send nothing.
		text := strings.TrimSpace(in.Text)
		switch {
		case text == "":
			return errEmptyText
		case utf8.RuneCountInString(text) > maxTextLen:
			return errTextTooLong
		}
		s.emu.SendText(u.ID, u.emuUser(), text)
		return nil
	})
}

func (s *Server) postPress(w http.ResponseWriter, r *http.Request) {
	var in struct {
		MessageID int    `json:"message_id"`
		Data      string `json:"data"`
	}
	s.onChatJSON(w, r, &in, func(u User) *apiError {
		if in.MessageID <= 0 || in.Data == "" || len(in.Data) > maxCallbackLen {
			return errBadPress
		}
		_, err := s.emu.PressButton(u.ID, u.emuUser(), in.MessageID, in.Data)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, emulator.ErrButtonNotFound):
			return errButtonGone
		case errors.Is(err, emulator.ErrMessageNotFound):
			return errMessageGone
		}
		s.log.ErrorContext(r.Context(), "press button", slog.Int64("chat_id", u.ID), slog.Any("error", err))
		return errInternal
	})
}

func (s *Server) postContact(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Phone string `json:"phone"`
	}
	s.onChatJSON(w, r, &in, func(u User) *apiError {
		phone, ok := contactPhone(in.Phone)
		if !ok {
			return errBadPhone
		}
		s.emu.ShareContact(u.ID, u.emuUser(), phone)
		return nil
	})
}

// contactPhone turns a typed number into what a Telegram contact share carries: international digits with a
// "+". A Vietnamese national number ("0912 345 678") becomes "+84912345678"; separators are dropped. It accepts
// 8 to 15 digits (E.164), and leaves checking the number itself to the bot, which must handle whatever
// Telegram sends.
func contactPhone(s string) (string, bool) {
	var b strings.Builder
	plus := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && !plus && b.Len() == 0: // "(+84) 912…"
			plus = true
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	d := b.String()
	if !plus && strings.HasPrefix(d, "0") {
		d = "84" + d[1:]
	}
	if len(d) < 8 || len(d) > 15 || d[0] == '0' {
		return "", false
	}
	return "+" + d, true
}
