package emulator

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// These tests drive the emulator with the go-telegram/bot client the bot uses, over real HTTP.

func TestClientSendMessageInlineKeyboard(t *testing.T) {
	t.Parallel()
	s, _, b := setup(t, Options{})
	ctx := t.Context()

	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{
		ChatID:    alice.ID,
		Text:      "<b>Chào</b> bạn",
		ParseMode: models.ParseModeHTML,
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
			{{Text: "Đăng ký", CallbackData: "reg:start"}, {Text: "Web", URL: "https://example.com"}},
		}},
	})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	if msg.ID != 1 || msg.Chat.ID != alice.ID || msg.Text != "Chào bạn" || msg.From == nil || !msg.From.IsBot {
		t.Errorf("message = %+v, want id 1 in chat %d with text %q from the bot", msg, alice.ID, "Chào bạn")
	}
	if len(msg.Entities) != 1 || msg.Entities[0].Type != models.MessageEntityTypeBold || msg.Entities[0].Length != 4 {
		t.Errorf("entities = %+v, want one bold of length 4", msg.Entities)
	}
	if msg.ReplyMarkup == nil || msg.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "reg:start" {
		t.Errorf("reply_markup = %+v, want the inline keyboard back", msg.ReplyMarkup)
	}

	got := s.BotMessages(alice.ID)
	if len(got) != 1 {
		t.Fatalf("BotMessages = %d messages, want 1", len(got))
	}
	want := [][]Button{{{Text: "Đăng ký", CallbackData: "reg:start"}, {Text: "Web", URL: "https://example.com"}}}
	if m := got[0]; m.Text != "<b>Chào</b> bạn" || m.PlainText != "Chào bạn" || m.ParseMode != "HTML" ||
		!m.FromBot || !sameRows(m.InlineKeyboard, want) {
		t.Errorf("stored message = %+v, want raw text, plain text, parse mode and keyboard", m)
	}
}

func TestClientEditAndCallback(t *testing.T) {
	t.Parallel()
	s, hs, b := setup(t, Options{})
	ctx := t.Context()
	keyboard := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
		{{Text: "OK", CallbackData: "ok"}},
	}}
	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "Xác nhận?", ReplyMarkup: keyboard})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}

	if _, err := s.PressButton(alice.ID, alice, msg.ID, "nope"); !errors.Is(err, ErrButtonNotFound) {
		t.Errorf("PressButton(unknown data) = %v, want ErrButtonNotFound", err)
	}
	if _, err := s.PressButton(alice.ID, alice, 99, "ok"); !errors.Is(err, ErrMessageNotFound) {
		t.Errorf("PressButton(unknown message) = %v, want ErrMessageNotFound", err)
	}
	if _, err := s.PressButton(alice.ID, alice, msg.ID, "ok"); err != nil {
		t.Fatalf("PressButton: %v", err)
	}
	ups := pollUpdates(t, hs.URL, 0, 0)
	if len(ups) != 1 || ups[0].CallbackQuery == nil || ups[0].CallbackQuery.Data != "ok" ||
		ups[0].CallbackQuery.Message.MessageID != msg.ID {
		t.Fatalf("updates = %+v, want one callback_query with data ok on message %d", ups, msg.ID)
	}
	queryID := ups[0].CallbackQuery.ID

	ok, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: queryID, Text: "Đã lưu"})
	if err != nil || !ok {
		t.Fatalf("AnswerCallbackQuery = %v, %v", ok, err)
	}
	if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: queryID}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("second AnswerCallbackQuery = %v, want bad request", err)
	}
	answers := s.CallbackAnswers(alice.ID)
	if len(answers) != 1 || !answers[0].Answered || answers[0].Text != "Đã lưu" {
		t.Errorf("CallbackAnswers = %+v, want one answered with the text", answers)
	}

	edited, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice.ID, MessageID: msg.ID, Text: "Đã xác nhận"})
	if err != nil {
		t.Fatalf("EditMessageText: %v", err)
	}
	if edited.Text != "Đã xác nhận" || edited.EditDate == 0 || edited.ReplyMarkup != nil {
		t.Errorf("edited = %+v, want new text, an edit date and no keyboard", edited)
	}
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice.ID, MessageID: msg.ID, Text: "Đã xác nhận"})
	if !errors.Is(err, bot.ErrorBadRequest) || !bytes.Contains([]byte(err.Error()), []byte("message is not modified")) {
		t.Errorf("same edit = %v, want message is not modified", err)
	}
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice.ID, MessageID: 42, Text: "x"})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("message to edit not found")) {
		t.Errorf("edit of a missing message = %v, want message to edit not found", err)
	}

	if ok, err := b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: alice.ID, MessageID: msg.ID}); err != nil || !ok {
		t.Fatalf("DeleteMessage = %v, %v", ok, err)
	}
	chat := s.Chat(alice.ID)
	if len(chat) != 1 || !chat[0].Edited || !chat[0].Deleted || chat[0].Text != "Đã xác nhận" {
		t.Errorf("Chat = %+v, want the one message edited and deleted", chat)
	}
	if _, err := s.PressButton(alice.ID, alice, msg.ID, "ok"); !errors.Is(err, ErrMessageNotFound) {
		t.Errorf("PressButton on a deleted message = %v, want ErrMessageNotFound", err)
	}
}

func TestClientPhotoUploadAndDownload(t *testing.T) {
	t.Parallel()
	s, _, b := setup(t, Options{})
	ctx := t.Context()
	img := testPNG(t, 1600, 1200)

	msg, err := b.SendPhoto(ctx, &bot.SendPhotoParams{
		ChatID:  alice.ID,
		Photo:   &models.InputFileUpload{Filename: "product.png", Data: bytes.NewReader(img)},
		Caption: "Sản phẩm *mới*",
	})
	if err != nil {
		t.Fatalf("SendPhoto: %v", err)
	}
	if len(msg.Photo) != 2 || msg.Photo[1].Width != 1280 || msg.Photo[1].Height != 960 || msg.Photo[0].Width != 90 {
		t.Fatalf("photo sizes = %+v, want 90×67 and 1280×960", msg.Photo)
	}
	if msg.Caption != "Sản phẩm *mới*" {
		t.Errorf("caption = %q, want it unparsed without parse_mode", msg.Caption)
	}
	largest := msg.Photo[1].FileID

	f, err := b.GetFile(ctx, &bot.GetFileParams{FileID: largest})
	if err != nil {
		t.Fatalf("GetFile: %v", err)
	}
	if f.FilePath == "" || f.FileSize != int64(len(img)) {
		t.Errorf("file = %+v, want a path and size %d", f, len(img))
	}
	resp, err := http.Get(b.FileDownloadLink(f))
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(got, img) {
		t.Errorf("download = %d, %d bytes, %v; want the uploaded %d bytes", resp.StatusCode, len(got), err, len(img))
	}
	if data, ok := s.FileBytes(largest); !ok || !bytes.Equal(data, img) {
		t.Errorf("FileBytes = %d bytes, %v; want the upload", len(data), ok)
	}

	// The same photo again by file_id, then as a document: a photo id is no document.
	again, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: alice.ID, Photo: &models.InputFileString{Data: largest}})
	if err != nil || again.Photo[1].FileID != largest {
		t.Errorf("SendPhoto by file_id = %+v, %v; want the same sizes", again, err)
	}
	_, err = b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: alice.ID, Document: &models.InputFileString{Data: largest}})
	if !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("SendDocument with a photo id = %v, want bad request", err)
	}
	_, err = b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: alice.ID,
		Photo: &models.InputFileUpload{Filename: "x.png", Data: bytes.NewReader([]byte("not an image"))}})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("IMAGE_PROCESS_FAILED")) {
		t.Errorf("SendPhoto of junk = %v, want IMAGE_PROCESS_FAILED", err)
	}

	doc, err := b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: alice.ID,
		Document: &models.InputFileUpload{Filename: "giay-chung-nhan.pdf", Data: bytes.NewReader([]byte("%PDF-1.4"))}})
	if err != nil {
		t.Fatalf("SendDocument: %v", err)
	}
	if doc.Document == nil || doc.Document.FileName != "giay-chung-nhan.pdf" || doc.Document.MimeType != "application/pdf" {
		t.Errorf("document = %+v, want the name and application/pdf", doc.Document)
	}
	if got := s.BotMessages(alice.ID); len(got) != 3 || got[2].DocumentName != "giay-chung-nhan.pdf" || got[0].PhotoFileID != largest {
		t.Errorf("BotMessages = %+v, want photo, photo, document", got)
	}
}

func TestClientCommands(t *testing.T) {
	t.Parallel()
	s, _, b := setup(t, Options{})
	ctx := t.Context()
	vi := []models.BotCommand{{Command: "start", Description: "Bắt đầu"}, {Command: "dangky", Description: "Đăng ký sản phẩm"}}
	if ok, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: vi, LanguageCode: "vi"}); err != nil || !ok {
		t.Fatalf("SetMyCommands(vi) = %v, %v", ok, err)
	}
	if _, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "start", Description: "Start"}}}); err != nil {
		t.Fatalf("SetMyCommands(default) = %v", err)
	}
	if _, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "Start", Description: "x"}}}); err == nil ||
		!bytes.Contains([]byte(err.Error()), []byte("BOT_COMMAND_INVALID")) {
		t.Errorf("SetMyCommands(Start) = %v, want BOT_COMMAND_INVALID", err)
	}

	got, err := b.GetMyCommands(ctx, &bot.GetMyCommandsParams{LanguageCode: "vi"})
	if err != nil || len(got) != 2 || got[1].Command != "dangky" {
		t.Errorf("GetMyCommands(vi) = %+v, %v; want the two vi commands", got, err)
	}
	if c := s.Commands("vi"); len(c) != 2 || c[0] != (BotCommand{"start", "Bắt đầu"}) {
		t.Errorf("Commands(vi) = %+v", c)
	}
	if c := s.MenuCommands(alice.ID, "en"); len(c) != 1 || c[0].Description != "Start" {
		t.Errorf("MenuCommands(en) = %+v, want the default list", c)
	}
}

func TestClientFaults(t *testing.T) {
	t.Parallel()
	s, _, b := setup(t, Options{})
	ctx := t.Context()
	s.BlockChat(2001)
	s.ForgetChat(2002)
	s.Set429Fraction(1, 7)

	tests := []struct {
		name  string
		chat  int64
		check func(error) bool
	}{
		{"blocked", 2001, func(err error) bool { return errors.Is(err, bot.ErrorForbidden) }},
		{"forgotten", 2002, func(err error) bool {
			return errors.Is(err, bot.ErrorBadRequest) && bytes.Contains([]byte(err.Error()), []byte("chat not found"))
		}},
		{"flood", 2003, func(err error) bool {
			var tooMany *bot.TooManyRequestsError
			return errors.As(err, &tooMany) && tooMany.RetryAfter == 7
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: tt.chat, Text: "xin chào"})
			if !tt.check(err) {
				t.Errorf("SendMessage = %v", err)
			}
		})
	}
	if v := s.Violations(); v != 0 {
		t.Errorf("Violations = %d, want 0: injected 429s break no limit", v)
	}
}

// TestClientPolling runs the library's own getUpdates loop against the emulator: the bot echoes what users say.
func TestClientPolling(t *testing.T) {
	t.Parallel()
	s, hs, _ := setup(t, Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var mu sync.Mutex
	var (
		seen     []string
		failures []error
	)
	b, err := bot.New(testToken, bot.WithServerURL(hs.URL), bot.WithSkipGetMe(),
		bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) {
			if u.Message == nil {
				return
			}
			mu.Lock()
			seen = append(seen, u.Message.Text)
			mu.Unlock()
			if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "echo: " + u.Message.Text}); err != nil {
				if ctx.Err() == nil { // not the test ending
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
				}
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		b.Start(ctx)
		close(done)
	}()

	s.SendText(alice.ID, alice, "/start")
	s.SendText(3001, User{ID: 3001, FirstName: "Bình"}, "chào")
	err = s.Wait(ctx, func() bool {
		return len(s.BotMessages(alice.ID)) == 1 && len(s.BotMessages(3001)) == 1 && s.PendingUpdates() == 0
	})
	if err != nil {
		t.Fatalf("Wait for the echoes: %v; chat %+v", err, s.Chat(alice.ID))
	}
	if m, _ := s.LastBotMessage(alice.ID); m.Text != "echo: /start" {
		t.Errorf("echo = %q", m.Text)
	}
	if calls := s.Calls(); calls["sendMessage"] != 2 || calls["getUpdates"] < 1 {
		t.Errorf("Calls = %v", calls)
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(failures) > 0 {
		t.Errorf("handler SendMessage: %v", failures)
	}
	if len(seen) != 2 {
		t.Errorf("handled %q, want the two texts", seen)
	}
}
