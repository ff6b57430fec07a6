package webchat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ocopbot/ocopbot/bot/emulator"
)

const testToken = "123456:TEST-token-for-the-webchat-00000"

var (
	producer = User{ID: 1001, Name: "Nguyễn Văn An", Role: "Nhà sản xuất (demo)"}
	official = User{ID: 2001, Name: "Trần Thị Bình", Role: "Cán bộ huyện (demo)"}
)

// env is an emulator and the webchat on one real HTTP server, as the lead wires them, with a fake bot answering
// through go-telegram/bot.
type env struct {
	emu *emulator.Server
	wc  *Server
	srv *httptest.Server
}

type setupOptions struct {
	noBot       bool
	pollTimeout time.Duration
}

func setup(t *testing.T, o setupOptions) *env {
	t.Helper()
	emu := emulator.New(emulator.Options{Token: testToken, BotID: 123456, BotUsername: "ocop_test_bot",
		BotName: "ocopbot"})
	wc := New(emu, Options{Users: []User{producer, official}, Title: "ocopbot"})
	if o.pollTimeout > 0 {
		wc.pollTimeout = o.pollTimeout
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/bot") || strings.HasPrefix(r.URL.Path, "/file/bot") {
			emu.ServeHTTP(w, r)
			return
		}
		wc.ServeHTTP(w, r)
	}))
	e := &env{emu: emu, wc: wc, srv: srv}
	t.Cleanup(func() {
		emu.Close()
		srv.Close()
	})
	if !o.noBot {
		e.startBot(t)
	}
	return e
}

// startBot runs a tiny bot: /start offers buttons, "reg" asks for a phone with a request_contact keyboard,
// a contact is acknowledged, a photo is sent back, a document acknowledged, other texts echoed.
func (e *env) startBot(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var (
		mu       sync.Mutex
		failures []error
	)
	fail := func(err error) {
		if err != nil && ctx.Err() == nil {
			mu.Lock()
			failures = append(failures, err)
			mu.Unlock()
		}
	}
	b, err := bot.New(testToken, bot.WithServerURL(e.srv.URL), bot.WithSkipGetMe(),
		bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) {
			fail(answer(ctx, b, u))
		}))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		b.Start(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, err := range failures {
			t.Errorf("fake bot: %v", err)
		}
	})
}

func answer(ctx context.Context, b *bot.Bot, u *models.Update) error {
	if q := u.CallbackQuery; q != nil {
		if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: q.ID,
			Text: "Đã chọn: " + q.Data}); err != nil {
			return fmt.Errorf("answer callback: %w", err)
		}
		m := q.Message.Message
		switch q.Data {
		case "reg":
			if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: m.Chat.ID, MessageID: m.ID,
				Text: "Bắt đầu đăng ký sản phẩm."}); err != nil {
				return fmt.Errorf("edit: %w", err)
			}
			_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: m.Chat.ID, Text: "Hãy chia sẻ số điện thoại.",
				ReplyMarkup: &models.ReplyKeyboardMarkup{Keyboard: [][]models.KeyboardButton{
					{{Text: "📱 Gửi số điện thoại", RequestContact: true}}, {{Text: "Hủy"}},
				}, OneTimeKeyboard: true, ResizeKeyboard: true}})
			return err
		case "del":
			_, err := b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: m.Chat.ID, MessageID: m.ID})
			return err
		}
		return nil
	}
	m := u.Message
	if m == nil {
		return nil
	}
	params := &bot.SendMessageParams{ChatID: m.Chat.ID}
	switch {
	case m.Contact != nil:
		params.Text = "Đã nhận số " + m.Contact.PhoneNumber
		params.ReplyMarkup = &models.ReplyKeyboardRemove{RemoveKeyboard: true}
	case len(m.Photo) > 0:
		_, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: m.Chat.ID,
			Photo: &models.InputFileString{Data: m.Photo[len(m.Photo)-1].FileID}, Caption: "Ảnh đẹp!"})
		return err
	case m.Document != nil:
		params.Text = "Đã nhận tệp " + m.Document.FileName
	case m.Text == "/start":
		params.Text = "<b>Xin chào!</b>\nChọn một mục:"
		params.ParseMode = models.ParseModeHTML
		params.ReplyMarkup = &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
			{{Text: "Đăng ký sản phẩm", CallbackData: "reg"}},
			{{Text: "Xóa tin này", CallbackData: "del"}, {Text: "Trang OCOP", URL: "https://ocop.gov.vn"}},
		}}
	default:
		params.Text = "echo: " + m.Text
	}
	_, err := b.SendMessage(ctx, params)
	return err
}

// response is an answer of the webchat.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string { return fmt.Sprintf("%d %s", r.status, r.body) }

func (e *env) do(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

// getAsync sends a GET from another goroutine, for long polls; a failure comes back as status -1, since only the
// test's goroutine may stop the test.
func (e *env) getAsync(t *testing.T, path string) <-chan response {
	out := make(chan response, 1)
	go func() {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.srv.URL+path, nil)
		if err != nil {
			out <- response{status: -1, body: []byte(err.Error())}
			return
		}
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			out <- response{status: -1, body: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			out <- response{status: -1, body: []byte(err.Error())}
			return
		}
		out <- response{status: resp.StatusCode, header: resp.Header, body: body}
	}()
	return out
}

func (e *env) get(t *testing.T, path string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e.do(t, req)
}

func (e *env) post(t *testing.T, path, contentType string, body io.Reader) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	return e.do(t, req)
}

func (e *env) postJSON(t *testing.T, path string, v any) response {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return e.post(t, path, "application/json", bytes.NewReader(b))
}

// chat decodes an answer carrying a chat, failing on anything but 200.
func chat(t *testing.T, r response) chatView {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("answer = %s, want 200 with the chat", r)
	}
	var v chatView
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode chat %s: %v", r.body, err)
	}
	return v
}

// waitChat long-polls the chat until cond holds: each request returns on the chat's next change.
func (e *env) waitChat(t *testing.T, chatID int64, cond func(chatView) bool) chatView {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	v := chat(t, e.get(t, fmt.Sprintf("/webchat/api/chats/%d", chatID)))
	for !cond(v) {
		if time.Now().After(deadline) {
			t.Fatalf("chat %d never reached the condition; last: %+v", chatID, v)
		}
		v = chat(t, e.get(t, fmt.Sprintf("/webchat/api/chats/%d?after=%d", chatID, v.Version)))
	}
	return v
}

// last returns the chat's last message that is not deleted.
func last(v chatView) messageView {
	for i := len(v.Messages) - 1; i >= 0; i-- {
		if !v.Messages[i].Deleted {
			return v.Messages[i]
		}
	}
	return messageView{}
}

func lastIs(text string) func(chatView) bool {
	return func(v chatView) bool { m := last(v); return m.FromBot && m.Text == text }
}

// multipartBody is a form with one file part and optional fields.
func multipartBody(t testing.TB, field, name, contentType string, data []byte, fields map[string]string) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if field != "" {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, name))
		h.Set("Content-Type", contentType)
		part, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := part.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), &buf
}

func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{R: 200, G: 120, B: 40, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// apiErr decodes an error answer, failing unless it is JSON with a code and a message.
func apiErr(t *testing.T, r response) (code, message string) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type = %q, want JSON; body %s", ct, r.body)
	}
	var e struct {
		Code  string `json:"code"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil || e.Code == "" || e.Error == "" {
		t.Errorf("error body %s: want {code, error}; %v", r.body, err)
	}
	return e.Code, e.Error
}
