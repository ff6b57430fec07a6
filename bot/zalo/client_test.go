package zalo_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/bot/zalo"
	"github.com/ocopbot/ocopbot/bot/zaloemu"
)

const token = "1459232241454765289:test-token-for-the-emulator"

func setup(t *testing.T, o zaloemu.Options) (*zaloemu.Server, *zalo.Client) {
	t.Helper()
	o.Token = token
	emu := zaloemu.New(o)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	t.Cleanup(emu.Close)
	return emu, zalo.New(srv.URL, token, srv.Client())
}

// A user writes, the bot reads it by long polling and answers: the
// transcript holds both, and the ids are the strings Zalo gives.
func TestPollAndReply(t *testing.T) {
	t.Parallel()
	emu, c := setup(t, zaloemu.Options{})
	ctx := context.Background()
	me, err := c.GetMe(ctx)
	if err != nil || me.ID == "" || me.AccountName == "" {
		t.Fatalf("getMe = %+v, %v", me, err)
	}
	if _, err := c.SendMessage(ctx, "u-1", "Xin chào"); !isCode(err, http.StatusBadRequest) {
		t.Errorf("a message to a chat whose user never wrote: %v, want 400", err)
	}
	id := emu.SendText("u-1", "Nguyễn Văn An", "/dangky")
	emu.SendImage("u-1", "Nguyễn Văn An", "https://example.vn/anh.jpg", "Ảnh sản phẩm")
	us, err := c.GetUpdates(ctx, time.Second)
	if err != nil || len(us) != 1 {
		t.Fatalf("getUpdates = %+v, %v; want the first update alone", us, err)
	}
	m := us[0].Message
	if us[0].EventName != zalo.EventText || m == nil || m.ID != id || m.Text != "/dangky" || m.Chat.ID != "u-1" ||
		m.From.ID != "u-1" || m.From.Name() != "Nguyễn Văn An" || m.Chat.Type != "PRIVATE" || m.Date == 0 {
		t.Errorf("update = %+v (%+v)", us[0], m)
	}
	us, err = c.GetUpdates(ctx, time.Second)
	if err != nil || len(us) != 1 || us[0].EventName != zalo.EventImage || us[0].Message.Photo != "https://example.vn/anh.jpg" ||
		us[0].Message.Caption != "Ảnh sản phẩm" {
		t.Fatalf("second getUpdates = %+v, %v; want the image", us, err)
	}
	start := time.Now()
	if us, err := c.GetUpdates(ctx, time.Second); err != nil || len(us) != 0 {
		t.Errorf("getUpdates with nothing queued = %+v, %v; want none after the timeout", us, err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("an empty long poll answered after %v, want the 1 s timeout", d)
	}

	sent, err := c.SendMessage(ctx, "u-1", "Bước 1/14 · Chủ thể thuộc loại hình nào?\n1. Doanh nghiệp\n2. Hợp tác xã")
	if err != nil || sent.MessageID == "" || sent.Date == 0 {
		t.Fatalf("sendMessage = %+v, %v", sent, err)
	}
	if _, err := c.SendPhoto(ctx, "u-1", "https://ocop.example.vn/c/abc.png", "Biểu đồ"); err != nil {
		t.Fatal(err)
	}
	if err := c.SendChatAction(ctx, "u-1"); err != nil {
		t.Fatal(err)
	}
	got := emu.BotMessages("u-1")
	if len(got) != 2 || got[0].ID != sent.MessageID || !strings.HasPrefix(got[0].Text, "Bước 1/14") || got[1].Photo == "" ||
		emu.Typing("u-1") != 1 {
		t.Errorf("the chat shows %+v (typing %d)", got, emu.Typing("u-1"))
	}
	if n := len(emu.Transcript("u-1")); n != 4 {
		t.Errorf("transcript of %d entries, want 4", n)
	}
}

// Texts are counted in characters: 2,000 Vietnamese letters with their
// diacritics pass, 2,001 are refused before any request, and the emulator
// refuses them too.
func TestTextLength(t *testing.T) {
	t.Parallel()
	emu, c := setup(t, zaloemu.Options{})
	ctx := context.Background()
	emu.SendText("u-2", "Bà Lan", "hi")
	if _, err := c.SendMessage(ctx, "u-2", strings.Repeat("ệ", zalo.MaxText)); err != nil {
		t.Errorf("2,000 characters (6,000 bytes) refused: %v", err)
	}
	for _, text := range []string{"", strings.Repeat("ệ", zalo.MaxText+1)} {
		if _, err := c.SendMessage(ctx, "u-2", text); !errors.Is(err, zalo.ErrTextLength) {
			t.Errorf("a text of %d characters: %v, want ErrTextLength", len([]rune(text)), err)
		}
	}
	if calls := emu.Calls()["sendMessage"]; calls != 1 {
		t.Errorf("%d sendMessage requests, want 1: refused texts are not sent", calls)
	}
	raw := `{"chat_id":"u-2","text":"` + strings.Repeat("a", 2001) + `"}`
	resp, err := http.Post(base(t, emu)+"/bot"+token+"/sendMessage", "application/json", strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("the emulator took 2,001 characters: %s", resp.Status)
	}
}

func base(t *testing.T, emu *zaloemu.Server) string {
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return srv.URL
}

// Webhook mode: updates come POSTed in order with the secret; a request
// without it is refused; getUpdates is refused while the webhook is set.
func TestWebhook(t *testing.T) {
	t.Parallel()
	emu, c := setup(t, zaloemu.Options{})
	ctx := context.Background()
	const secret = "webhook-secret-0123"
	var mu sync.Mutex
	var got []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, status, ok := zalo.FromWebhook(r, secret)
		if !ok {
			w.WriteHeader(status)
			return
		}
		mu.Lock()
		got = append(got, u.Message.Text)
		mu.Unlock()
	}))
	t.Cleanup(hook.Close)
	if err := c.SetWebhook(ctx, hook.URL, secret); err != nil {
		t.Fatal(err)
	}
	if info, err := c.GetWebhookInfo(ctx); err != nil || info.URL != hook.URL || info.UpdatedAt == 0 {
		t.Errorf("getWebhookInfo = %+v, %v", info, err)
	}
	if _, err := c.GetUpdates(ctx, time.Second); !isCode(err, http.StatusConflict) {
		t.Errorf("getUpdates with a webhook set: %v, want 409", err)
	}
	for _, text := range []string{"một", "hai", "ba"} {
		emu.SendText("u-3", "Anh Ba", text)
	}
	deadline := time.Now().Add(10 * time.Second)
	for emu.Pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	if strings.Join(got, ",") != "một,hai,ba" {
		t.Errorf("webhook received %v, want one, two, three in order", got)
	}
	mu.Unlock()

	// A bare update is read too.
	bare := `{"event_name":"message.text.received","message":{"message_id":"m9","from":{"id":"u-3"},` +
		`"chat":{"id":"u-3","chat_type":"PRIVATE"},"date":1,"text":"bốn"}}`
	req, _ := http.NewRequest(http.MethodPost, hook.URL, strings.NewReader(bare))
	req.Header.Set(zalo.SecretHeader, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	mu.Lock()
	if resp.StatusCode != http.StatusOK || len(got) != 4 || got[3] != "bốn" {
		t.Errorf("a bare update: %s, received %v", resp.Status, got)
	}
	mu.Unlock()

	req, _ = http.NewRequest(http.MethodPost, hook.URL, strings.NewReader(`{"event_name":"message.text.received"}`))
	req.Header.Set(zalo.SecretHeader, "guess-guess-guess")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a forged delivery: %s, want 401", resp.Status)
	}
	if err := c.DeleteWebhook(ctx); err != nil {
		t.Fatal(err)
	}
	if info, err := c.GetWebhookInfo(ctx); err != nil || info.URL != "" {
		t.Errorf("after deleteWebhook: %+v, %v", info, err)
	}
}

// Beyond the configured limits a send is answered 429 with the wait; a
// redelivered update keeps its key, so the bot can tell it is one it had.
func TestLimitsAndRedelivery(t *testing.T) {
	t.Parallel()
	emu, c := setup(t, zaloemu.Options{PerChatRate: 1, PerChatBurst: 1})
	ctx := context.Background()
	id := emu.SendText("u-4", "Chị Tư", "xin chào")
	if _, err := c.SendMessage(ctx, "u-4", "một"); err != nil {
		t.Fatal(err)
	}
	_, err := c.SendMessage(ctx, "u-4", "hai")
	var e *zalo.Error
	if !errors.As(err, &e) || !e.TooManyRequests() || e.RetryAfter != time.Second {
		t.Errorf("a second message within the second: %v, want 429 with a wait of 1 s", err)
	}
	first, err := c.GetUpdates(ctx, time.Second)
	if err != nil || len(first) != 1 {
		t.Fatal(first, err)
	}
	if !emu.Redeliver("u-4", id) {
		t.Fatal("nothing to redeliver")
	}
	again, err := c.GetUpdates(ctx, time.Second)
	if err != nil || len(again) != 1 || again[0].Key() != first[0].Key() || first[0].Key() == "" {
		t.Errorf("redelivered update %+v, want the key %q again", again, first[0].Key())
	}
}

// An error quoting the request's URL does not carry the bot's token.
func TestTokenNotInErrors(t *testing.T) {
	t.Parallel()
	c := zalo.New("http://127.0.0.1:1", token, &http.Client{Timeout: time.Second})
	_, err := c.GetMe(context.Background())
	if err == nil || strings.Contains(err.Error(), "test-token") {
		t.Errorf("error %v, want one without the token", err)
	}
}

func isCode(err error, code int) bool {
	var e *zalo.Error
	return errors.As(err, &e) && e.Code == code
}
