package emulator

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

func TestLongPollingOrderAndOffsets(t *testing.T) {
	t.Parallel()
	s, hs, b := setup(t, Options{})
	msg, err := b.SendMessage(t.Context(), &bot.SendMessageParams{ChatID: alice.ID, Text: "Chọn", ReplyMarkup: &models.InlineKeyboardMarkup{
		InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "A", CallbackData: "a"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}

	// A long poll on an empty queue returns as soon as the first update arrives.
	type result struct {
		ups []update
		at  time.Duration
	}
	first := make(chan result, 1)
	start := time.Now()
	go func() {
		code, r := get(t, hs.URL, "getUpdates", url.Values{"timeout": {"30"}})
		var ups []update
		if code == 200 {
			_ = json.Unmarshal(r.Result, &ups)
		}
		first <- result{ups, time.Since(start)}
	}()
	waitPoller(t, s)
	id1 := s.SendText(alice.ID, alice, "/start hello")
	got := <-first
	if len(got.ups) != 1 || got.ups[0].UpdateID != id1 || got.at > 10*time.Second {
		t.Fatalf("long poll = %+v after %v, want update %d at once", got.ups, got.at, id1)
	}
	m := got.ups[0].Message
	if m == nil || m.Text != "/start hello" || m.Chat.Type != "private" || m.From.ID != alice.ID ||
		len(m.Entities) != 1 || m.Entities[0] != (Entity{Type: "bot_command", Offset: 0, Length: 6}) {
		t.Errorf("message = %+v, want /start with a bot_command entity of length 6", m)
	}

	id2, err := s.PressButton(alice.ID, alice, msg.ID, "a")
	if err != nil {
		t.Fatal(err)
	}
	id3 := s.ShareContact(alice.ID, alice, "+84901234567")
	// Offset 0 confirms nothing: the first update comes again, then the others, in order.
	ups := pollUpdates(t, hs.URL, 0, 0)
	if len(ups) != 3 || ups[0].UpdateID != id1 || ups[1].UpdateID != id2 || ups[2].UpdateID != id3 {
		t.Fatalf("updates = %+v, want %d, %d, %d", ups, id1, id2, id3)
	}
	if ups[1].CallbackQuery == nil || ups[1].CallbackQuery.Data != "a" {
		t.Errorf("update %d = %+v, want the callback query", id2, ups[1])
	}
	if c := ups[2].Message.Contact; c == nil || c.PhoneNumber != "+84901234567" || c.UserID != alice.ID {
		t.Errorf("update %d contact = %+v", id3, c)
	}

	// Offset id2 confirms id1 only.
	if ups := pollUpdates(t, hs.URL, id2, 0); len(ups) != 2 || ups[0].UpdateID != id2 {
		t.Errorf("after offset %d: %+v, want %d and %d", id2, ups, id2, id3)
	}
	if ups := pollUpdates(t, hs.URL, id3+1, 0); len(ups) != 0 {
		t.Errorf("after confirming all: %+v, want none", ups)
	}
	if n := s.PendingUpdates(); n != 0 {
		t.Errorf("PendingUpdates = %d, want 0", n)
	}
	if chat := s.Chat(alice.ID); len(chat) != 3 || chat[2].Contact != "+84901234567" || chat[1].FromBot {
		t.Errorf("Chat = %+v, want bot message, /start, contact", chat)
	}
}

// waitPoller blocks until a long poll is pending.
func waitPoller(t *testing.T, s *Server) {
	t.Helper()
	err := s.Wait(ctxTimeout(t, 5*time.Second), func() bool {
		s.upd.mu.Lock()
		defer s.upd.mu.Unlock()
		return s.upd.poller != nil
	})
	if err != nil {
		t.Fatalf("no long poll pending: %v", err)
	}
}

func TestDuplicateUpdate(t *testing.T) {
	t.Parallel()
	s, hs, _ := setup(t, Options{})
	raw := []byte(`{"update_id":500,"message":{"message_id":1,"date":1700000000,"chat":{"id":1001,"type":"private"},"text":"dup"}}`)
	for range 2 {
		if id, err := s.InjectUpdate(raw); err != nil || id != 500 {
			t.Fatalf("InjectUpdate = %d, %v; want 500", id, err)
		}
	}
	ups := pollUpdates(t, hs.URL, 0, 0)
	if len(ups) != 2 || ups[0].UpdateID != 500 || ups[1].UpdateID != 500 {
		t.Fatalf("updates = %+v, want update 500 twice", ups)
	}
	// A redelivery after the bot confirmed the first copy still arrives.
	if ups := pollUpdates(t, hs.URL, 501, 0); len(ups) != 0 {
		t.Fatalf("after confirming: %+v", ups)
	}
	if _, err := s.InjectUpdate(raw); err != nil {
		t.Fatal(err)
	}
	if ups := pollUpdates(t, hs.URL, 501, 0); len(ups) != 1 || ups[0].UpdateID != 500 {
		t.Errorf("redelivery = %+v, want update 500", ups)
	}
	// Without update_id, the next id is assigned, above the injected one.
	id, err := s.InjectUpdate([]byte(`{"message":{"message_id":2,"date":1700000000,"chat":{"id":1001,"type":"private"},"text":"new"}}`))
	if err != nil || id != 501 {
		t.Errorf("InjectUpdate without id = %d, %v; want 501", id, err)
	}
	if _, err := s.InjectUpdate([]byte(`[1]`)); !errors.Is(err, ErrInvalidUpdate) {
		t.Errorf("InjectUpdate([1]) = %v, want ErrInvalidUpdate", err)
	}
}

// TestContinueUpdateIDs: a restarted emulator told where its numbering
// stood hands out the next update_ids, never lower ones.
func TestContinueUpdateIDs(t *testing.T) {
	t.Parallel()
	s, hs, _ := setup(t, Options{})
	s.ContinueUpdateIDs(41)
	if id := s.SendText(alice.ID, alice, "một"); id != 42 {
		t.Fatalf("first update after 41 = %d, want 42", id)
	}
	s.ContinueUpdateIDs(10) // behind: changes nothing
	if id := s.SendText(alice.ID, alice, "hai"); id != 43 {
		t.Fatalf("next update = %d, want 43", id)
	}
	if ups := pollUpdates(t, hs.URL, 0, 0); len(ups) != 2 || ups[0].UpdateID != 42 || ups[1].UpdateID != 43 {
		t.Fatalf("updates = %+v, want 42 and 43", ups)
	}
}

func TestOverlappingLongPolls(t *testing.T) {
	t.Parallel()
	s, hs, _ := setup(t, Options{})
	first := make(chan apiResponse, 1)
	go func() {
		_, r := get(t, hs.URL, "getUpdates", url.Values{"timeout": {"30"}})
		first <- r
	}()
	waitPoller(t, s)
	second := make(chan apiResponse, 1)
	go func() {
		_, r := get(t, hs.URL, "getUpdates", url.Values{"timeout": {"30"}})
		second <- r
	}()
	r := <-first
	if r.OK || r.ErrorCode != 409 || r.Description != "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running" {
		t.Errorf("first poll = %+v, want 409 terminated", r)
	}
	id := s.SendText(alice.ID, alice, "hi")
	r = <-second
	var ups []update
	if err := json.Unmarshal(r.Result, &ups); err != nil || !r.OK || len(ups) != 1 || ups[0].UpdateID != id {
		t.Errorf("second poll = %+v, want update %d", r, id)
	}
}

func TestWebhook(t *testing.T) {
	t.Parallel()
	s, hs, b := setup(t, Options{})
	ctx := ctxTimeout(t, 10*time.Second)

	var (
		mu       sync.Mutex
		received []update
		secrets  []string
		failures = 2 // the first deliveries fail: the emulator must retry, in order
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if failures > 0 {
			failures--
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		var u update
		if err := json.Unmarshal(body, &u); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		received = append(received, u)
		secrets = append(secrets, r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
	}))
	t.Cleanup(hook.Close)

	id1 := s.SendText(alice.ID, alice, "queued before the webhook")
	if ok, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: hook.URL, SecretToken: "s3cret"}); err != nil || !ok {
		t.Fatalf("SetWebhook = %v, %v", ok, err)
	}
	id2 := s.SendText(alice.ID, alice, "after")

	if err := s.Wait(ctx, func() bool { return s.PendingUpdates() == 0 }); err != nil {
		t.Fatalf("webhook delivery: %v", err)
	}
	mu.Lock()
	if len(received) != 2 || received[0].UpdateID != id1 || received[1].UpdateID != id2 {
		t.Errorf("received = %+v, want %d then %d", received, id1, id2)
	}
	for _, sec := range secrets {
		if sec != "s3cret" {
			t.Errorf("secret header = %q, want s3cret", sec)
		}
	}
	mu.Unlock()

	info, err := b.GetWebhookInfo(ctx)
	if err != nil || info.URL != hook.URL || info.LastErrorMessage != "Wrong response from the webhook: 500 Internal Server Error" {
		t.Errorf("GetWebhookInfo = %+v, %v", info, err)
	}
	_, r := get(t, hs.URL, "getUpdates", nil)
	if r.ErrorCode != 409 {
		t.Errorf("getUpdates with a webhook = %+v, want 409", r)
	}
	if ok, err := b.DeleteWebhook(ctx, &bot.DeleteWebhookParams{}); err != nil || !ok {
		t.Errorf("DeleteWebhook = %v, %v", ok, err)
	}
}
