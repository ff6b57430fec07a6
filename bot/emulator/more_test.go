package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

func TestMultipart(t *testing.T) {
	t.Parallel()
	const b = "XyZ"
	crlf := func(lines ...string) string { return strings.Join(lines, "\r\n") }
	tests := []struct {
		name      string
		body      string
		wantKV    map[string]string
		wantFiles map[string]string // field → filename + ":" + content
		wantErr   bool
	}{
		{name: "fields", body: crlf("--"+b, `Content-Disposition: form-data; name="chat_id"`, "", "42",
			"--"+b, `Content-Disposition: form-data; name="text"`, "", "hai\r\ndòng", "--"+b+"--", ""),
			wantKV: map[string]string{"chat_id": "42", "text": "hai\r\ndòng"}},
		{name: "preamble and a file without a name", body: crlf("preamble", "--"+b,
			`Content-Disposition: form-data; name="photo"; filename=""`, "Content-Type: application/octet-stream", "",
			"\x89PNG", "--"+b+"--"),
			wantFiles: map[string]string{"photo": ":\x89PNG"}},
		{name: "escaped file name takes the slow path", body: crlf("--"+b,
			`Content-Disposition: form-data; name="document"; filename="a \"b\".txt"`, "Content-Type: text/plain", "",
			"x", "--"+b+"--"),
			wantFiles: map[string]string{"document": `a "b".txt:x`}},
		{name: "quoted-printable takes the slow path", body: crlf("--"+b,
			`Content-Disposition: form-data; name="text"`, "Content-Transfer-Encoding: quoted-printable", "",
			"a=3Db", "--"+b+"--"),
			wantKV: map[string]string{"text": "a=b"}},
		{name: "truncated", body: crlf("--"+b, `Content-Disposition: form-data; name="text"`, "", "abc"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := getArgs()
			defer putArgs(a)
			aerr := a.parseMultipart("multipart/form-data; boundary="+b, strings.NewReader(tt.body))
			if tt.wantErr {
				if aerr == nil {
					t.Fatalf("parsed %+v, want an error", a.kv)
				}
				return
			}
			if aerr != nil {
				t.Fatalf("error %q", aerr.desc)
			}
			for k, v := range tt.wantKV {
				if got := a.get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if len(a.kv) != len(tt.wantKV) || len(a.uploads) != len(tt.wantFiles) {
				t.Errorf("got %d fields, %d files; want %d, %d", len(a.kv), len(a.uploads), len(tt.wantKV), len(tt.wantFiles))
			}
			for field, want := range tt.wantFiles {
				up := a.upload(field)
				if up == nil || up.name+":"+string(up.data) != want {
					t.Errorf("file %s = %+v, want %q", field, up, want)
				}
			}
		})
	}
}

func TestUserMedia(t *testing.T) {
	t.Parallel()
	s, hs, b := setup(t, Options{})
	ctx := t.Context()
	img := testPNG(t, 640, 480)
	s.SendPhoto(alice.ID, alice, img, "ảnh sản phẩm")
	s.SendDocument(alice.ID, alice, "chung-nhan.pdf", []byte("%PDF"))
	s.SendSticker(alice.ID, alice)
	s.SendPhoto(alice.ID, alice, []byte("not an image"), "")

	ups := pollUpdates(t, hs.URL, 0, 0)
	if len(ups) != 4 || len(ups[0].Message.Photo) != 2 || ups[0].Message.Photo[1].Width != 640 ||
		ups[3].Message.Photo[1].Width != 800 {
		t.Fatalf("updates = %+v, want two photos (640 wide, then the 800 default), a document and a sticker", ups)
	}
	chat := s.Chat(alice.ID)
	if chat[0].PhotoFileID != ups[0].Message.Photo[1].FileID || chat[0].Caption != "ảnh sản phẩm" ||
		chat[1].DocumentName != "chung-nhan.pdf" || chat[2].StickerFileID == "" {
		t.Errorf("Chat = %+v", chat)
	}
	// The bot reads the user's files like Telegram's.
	f, err := b.GetFile(ctx, &bot.GetFileParams{FileID: chat[1].DocumentFileID})
	if err != nil || !strings.HasSuffix(f.FilePath, ".pdf") || f.FileSize != 4 {
		t.Errorf("GetFile(document) = %+v, %v", f, err)
	}
	// and can send the user's photo on by file_id.
	sent, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: 555, Photo: &models.InputFileString{Data: chat[0].PhotoFileID}})
	if err != nil || sent.Photo[1].FileID != chat[0].PhotoFileID {
		t.Errorf("SendPhoto(user's file_id) = %+v, %v", sent, err)
	}
	if data, ok := s.FileBytes(chat[0].PhotoFileID); !ok || !bytes.Equal(data, img) {
		t.Errorf("FileBytes = %d bytes, %v", len(data), ok)
	}
}

func TestEdits(t *testing.T) {
	t.Parallel()
	s, _, b := setup(t, Options{})
	ctx := t.Context()
	kb := func(data string) *models.InlineKeyboardMarkup {
		return &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "x", CallbackData: data}}}}
	}
	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 1, Text: "a", ReplyMarkup: kb("1")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: 1, MessageID: msg.ID, ReplyMarkup: kb("1")}); err == nil {
		t.Error("EditMessageReplyMarkup with the same keyboard succeeded, want message is not modified")
	}
	if m, err := b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: 1, MessageID: msg.ID, ReplyMarkup: kb("2")}); err != nil ||
		m.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "2" {
		t.Errorf("EditMessageReplyMarkup = %+v, %v", m, err)
	}
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: 1, MessageID: msg.ID, Text: "b",
		ReplyMarkup: &models.ReplyKeyboardMarkup{Keyboard: [][]models.KeyboardButton{{{Text: "k"}}}}})
	if err == nil || !strings.Contains(err.Error(), "inline keyboard expected") {
		t.Errorf("edit with a reply keyboard = %v, want inline keyboard expected", err)
	}
	_, err = b.EditMessageCaption(ctx, &bot.EditMessageCaptionParams{ChatID: 1, MessageID: msg.ID, Caption: "c"})
	if err == nil || !strings.Contains(err.Error(), "there is no caption in the message to edit") {
		t.Errorf("caption edit of a text = %v", err)
	}
	s.SendText(1, alice, "của người dùng")
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: 1, MessageID: 2, Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "message can't be edited") {
		t.Errorf("edit of a user message = %v", err)
	}
	// Telegram edits only messages with no reply_markup or an inline
	// keyboard: not one that brought a reply keyboard, or took it away.
	for _, mk := range []models.ReplyMarkup{
		&models.ReplyKeyboardMarkup{Keyboard: [][]models.KeyboardButton{{{Text: "Chia sẻ số", RequestContact: true}}}},
		&models.ReplyKeyboardRemove{RemoveKeyboard: true},
	} {
		m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 1, Text: "bàn phím", ReplyMarkup: mk})
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: 1, MessageID: m.ID, Text: "y", ReplyMarkup: kb("3")})
		if err == nil || !strings.Contains(err.Error(), "message can't be edited") {
			t.Errorf("edit of a message with %T = %v, want message can't be edited", mk, err)
		}
	}
	// An edit is a change of the chat, and of the message's version.
	before := s.Chat(1)[msg.ID-1].Version
	if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: 1, MessageID: msg.ID, Text: "c"}); err != nil {
		t.Fatal(err)
	}
	if m := s.Chat(1)[msg.ID-1]; m.Version <= before || m.Version != s.ChatVersion(1) || m.PlainText != "c" {
		t.Errorf("edited message = %+v, want version above %d, the chat's %d", m, before, s.ChatVersion(1))
	}
	photo, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: 1, Photo: &models.InputFileUpload{Filename: "p.png", Data: bytes.NewReader(testPNG(t, 10, 10))}})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := b.EditMessageCaption(ctx, &bot.EditMessageCaptionParams{ChatID: 1, MessageID: photo.ID, Caption: "<b>mới</b>", ParseMode: models.ParseModeHTML}); err != nil ||
		m.Caption != "mới" || len(m.CaptionEntities) != 1 {
		t.Errorf("EditMessageCaption = %+v, %v", m, err)
	}
	if ok, err := b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: 1, Action: models.ChatActionTyping}); err != nil || !ok {
		t.Errorf("SendChatAction = %v, %v", ok, err)
	}
	if action, at := s.ChatAction(1); action != "typing" || at.IsZero() {
		t.Errorf("ChatAction = %q at %v", action, at)
	}
}

func TestUpdateQueueControls(t *testing.T) {
	t.Parallel()
	s, hs, b := setup(t, Options{})
	for range 5 {
		s.SendText(alice.ID, alice, "x")
	}
	code, r := get(t, hs.URL, "getUpdates", url.Values{"limit": {"2"}})
	var ups []update
	if err := json.Unmarshal(r.Result, &ups); err != nil || code != 200 || len(ups) != 2 || ups[0].UpdateID != 1 {
		t.Errorf("limit 2 = %s", r.Result)
	}
	// A negative offset keeps the last updates only.
	if ups := pollUpdates(t, hs.URL, -2, 0); len(ups) != 2 || ups[0].UpdateID != 4 {
		t.Errorf("offset -2 = %+v, want updates 4 and 5", ups)
	}
	// setWebhook with drop_pending_updates empties the queue; deleteWebhook says it was deleted.
	if _, err := b.SetWebhook(t.Context(), &bot.SetWebhookParams{URL: "http://127.0.0.1:1/hook", DropPendingUpdates: true}); err != nil {
		t.Fatal(err)
	}
	if n := s.PendingUpdates(); n != 0 {
		t.Errorf("PendingUpdates after drop = %d", n)
	}
	_, r = postJSON(t, hs.URL, "deleteWebhook", `{}`)
	if !r.OK || r.Description != "Webhook was deleted" {
		t.Errorf("deleteWebhook = %+v", r)
	}
	_, r = postJSON(t, hs.URL, "deleteWebhook", `{}`)
	if r.Description != "Webhook is already deleted" {
		t.Errorf("second deleteWebhook = %q", r.Description)
	}
}

func TestCloseEndsLongPoll(t *testing.T) {
	t.Parallel()
	s, hs, _ := setup(t, Options{})
	done := make(chan []update, 1)
	go func() { done <- pollUpdates(t, hs.URL, 0, 30) }()
	waitPoller(t, s)
	s.Close()
	select {
	case ups := <-done:
		if len(ups) != 0 {
			t.Errorf("updates = %+v, want none", ups)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("long poll still pending after Close")
	}
}

func TestBlockedChatKeepsTranscript(t *testing.T) {
	t.Parallel()
	s, _, b := setup(t, Options{})
	ctx := t.Context()
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 7, Text: "trước"}); err != nil {
		t.Fatal(err)
	}
	s.BlockChat(7)
	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 7, Text: "sau"})
	if !errors.Is(err, bot.ErrorForbidden) {
		t.Errorf("send to a blocked chat = %v", err)
	}
	if _, err := b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: 7, Action: models.ChatActionTyping}); !errors.Is(err, bot.ErrorForbidden) {
		t.Errorf("chat action to a blocked chat = %v", err)
	}
	s.UnblockChat(7)
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 7, Text: "lại"}); err != nil {
		t.Errorf("send after unblocking = %v", err)
	}
	if msgs := s.BotMessages(7); len(msgs) != 2 || msgs[1].ID != 2 {
		t.Errorf("BotMessages = %+v, want the two delivered", msgs)
	}
}

func TestMaxMessagesPerChat(t *testing.T) {
	t.Parallel()
	s, _, b := setup(t, Options{MaxMessagesPerChat: 3})
	ctx := t.Context()
	var first *models.Message
	for i := range 10 {
		m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 1, Text: strings.Repeat("x", i+1)})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = m
		}
		if m.ID != i+1 {
			t.Fatalf("message %d has id %d", i, m.ID)
		}
	}
	chat := s.Chat(1)
	if len(chat) != 3 || chat[0].ID != 8 || chat[2].ID != 10 || s.MessageCount(1) != 10 {
		t.Errorf("Chat = %d messages from id %d, count %d; want ids 8-10 of 10", len(chat), chat[0].ID, s.MessageCount(1))
	}
	if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: 1, MessageID: first.ID, Text: "y"}); err == nil ||
		!strings.Contains(err.Error(), "message to edit not found") {
		t.Errorf("edit of a forgotten message = %v", err)
	}
	if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: 1, MessageID: 10, Text: "y"}); err != nil {
		t.Errorf("edit of the last message = %v", err)
	}
}
