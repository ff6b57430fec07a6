package emulator

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// clock is a settable Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      Options
		chats     []int64 // one send to each, in order, at the same instant
		want429   []bool
		wantRetry int // retry_after of the last refusal
		after     time.Duration
		thenChat  int64 // one more send after that time passed
	}{
		{
			name:    "per chat burst then refusal",
			opts:    Options{PerChatRate: 1, PerChatBurst: 3},
			chats:   []int64{1, 1, 1, 1, 2},
			want429: []bool{false, false, false, true, false}, wantRetry: 1,
			after: time.Second, thenChat: 1,
		},
		{
			name:    "slow chat rate gives a long retry_after",
			opts:    Options{PerChatRate: 0.1, PerChatBurst: 1},
			chats:   []int64{1, 1},
			want429: []bool{false, true}, wantRetry: 10,
			after: 10 * time.Second, thenChat: 1,
		},
		{
			name:    "global limit across chats",
			opts:    Options{GlobalRate: 30, GlobalBurst: 2, PerChatRate: 1, PerChatBurst: 3},
			chats:   []int64{1, 2, 3},
			want429: []bool{false, false, true}, wantRetry: 1,
			// The bucket refills in 100 ms, but the chat was told to wait a second.
			after: time.Second, thenChat: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := &clock{now: time.Unix(1_700_000_000, 0)}
			tt.opts.Now = clk.Now
			s, _, b := setup(t, tt.opts)
			ctx := t.Context()
			violations := 0
			for i, chatID := range tt.chats {
				_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chatID, Text: "tin " + strconv.Itoa(i)})
				var tooMany *bot.TooManyRequestsError
				refused := errors.As(err, &tooMany)
				if refused != tt.want429[i] {
					t.Fatalf("send %d to chat %d: err = %v, want 429 %v", i, chatID, err, tt.want429[i])
				}
				if refused {
					violations++
					if tooMany.RetryAfter != tt.wantRetry {
						t.Errorf("retry_after = %d, want %d", tooMany.RetryAfter, tt.wantRetry)
					}
				} else if err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
			}
			if got := s.Violations(); got != violations {
				t.Errorf("Violations = %d, want %d", got, violations)
			}
			clk.Advance(tt.after)
			if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: tt.thenChat, Text: "sau"}); err != nil {
				t.Errorf("send after %v: %v", tt.after, err)
			}
		})
	}
}

func TestLimitsCountEdits(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Unix(1_700_000_000, 0)}
	s, _, b := setup(t, Options{Now: clk.Now, PerChatRate: 1, PerChatBurst: 1})
	ctx := t.Context()
	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 1, Text: "a"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: 1, MessageID: msg.ID, Text: "b"})
	var tooMany *bot.TooManyRequestsError
	if !errors.As(err, &tooMany) || s.Violations() != 1 {
		t.Errorf("edit right after a send = %v (violations %d), want 429", err, s.Violations())
	}
}

// TestLimitsSpareAnswersAndActions: answering a callback query and showing "typing" are no messages, as on
// Telegram: they take no token, and still go through with both buckets empty.
func TestLimitsSpareAnswersAndActions(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Unix(1_700_000_000, 0)}
	s, _, b := setup(t, Options{Now: clk.Now, PerChatRate: 1, PerChatBurst: 1, GlobalRate: 30, GlobalBurst: 1})
	ctx := t.Context()
	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "Chọn",
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "A", CallbackData: "a"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PressButton(alice.ID, alice, msg.ID, "a"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: alice.ID, Action: models.ChatActionTyping}); err != nil {
			t.Fatalf("typing with no token left: %v", err)
		}
	}
	answers := s.CallbackAnswers(alice.ID)
	if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: answers[0].QueryID}); err != nil {
		t.Fatalf("answering a press with no token left: %v", err)
	}
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "tiếp"})
	var tooMany *bot.TooManyRequestsError
	if !errors.As(err, &tooMany) || s.Violations() != 1 || s.TooManyRequests() != 1 || s.MessagesSent() != 1 {
		t.Errorf("second message = %v (violations %d, 429s %d, sent %d), want 429 and one message sent",
			err, s.Violations(), s.TooManyRequests(), s.MessagesSent())
	}
}

func TestSet429Fraction(t *testing.T) {
	t.Parallel()
	s, _, b := setup(t, Options{})
	s.Set429Fraction(0.25, 3)
	refused := 0
	// One chat per send: a chat refused must wait 3 s, and a send to it sooner would be an early send.
	for i := range 20 {
		_, err := b.SendMessage(t.Context(), &bot.SendMessageParams{ChatID: int64(i + 1), Text: "x" + strconv.Itoa(i)})
		var tooMany *bot.TooManyRequestsError
		switch {
		case errors.As(err, &tooMany):
			refused++
			if tooMany.RetryAfter != 3 || i%4 != 3 {
				t.Errorf("send %d refused with retry_after %d, want every 4th with 3", i, tooMany.RetryAfter)
			}
		case err != nil:
			t.Fatal(err)
		}
	}
	if refused != 5 {
		t.Errorf("refused %d of 20, want 5", refused)
	}
	s.Set429Fraction(0, 0)
	if _, err := b.SendMessage(t.Context(), &bot.SendMessageParams{ChatID: 1, Text: "ok"}); err != nil {
		t.Errorf("after turning it off: %v", err)
	}
}

// TestConcurrentSends checks that parallel sends keep message ids dense and increasing per chat.
func TestConcurrentSends(t *testing.T) {
	t.Parallel()
	s, hs, _ := setup(t, Options{})
	const chats, perChat = 20, 25
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var wg sync.WaitGroup
	for c := range chats {
		for range 2 { // two writers per chat
			wg.Go(func() {
				for i := range perChat / 2 {
					b, err := bot.New(testToken, bot.WithServerURL(hs.URL), bot.WithSkipGetMe(), bot.WithHTTPClient(time.Minute, client))
					if err != nil {
						t.Error(err)
						return
					}
					if _, err := b.SendMessage(context.Background(), &bot.SendMessageParams{ChatID: int64(c + 1), Text: strconv.Itoa(i)}); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	for c := range chats {
		msgs := s.Chat(int64(c + 1))
		if len(msgs) != perChat/2*2 {
			t.Fatalf("chat %d has %d messages, want %d", c+1, len(msgs), perChat/2*2)
		}
		for i, m := range msgs {
			if m.ID != i+1 {
				t.Fatalf("chat %d message %d has id %d", c+1, i, m.ID)
			}
		}
	}
	if got := s.Calls()["sendMessage"]; got != chats*(perChat/2)*2 {
		t.Errorf("Calls[sendMessage] = %d", got)
	}
}

func TestWait(t *testing.T) {
	t.Parallel()
	s, hs, _ := setup(t, Options{})
	done := make(chan error, 1)
	go func() {
		done <- s.Wait(ctxTimeout(t, 5*time.Second), func() bool { return s.MessageCount(9) == 3 })
	}()
	for i := range 3 {
		s.SendText(9, alice, strconv.Itoa(i))
	}
	if err := <-done; err != nil {
		t.Errorf("Wait = %v", err)
	}
	// A refused request changes no chat, but Calls: Wait sees it.
	s.ForgetChat(10)
	go func() {
		done <- s.Wait(ctxTimeout(t, 5*time.Second), func() bool { return s.CallCount("sendMessage") == 1 })
	}()
	if code, r := postJSON(t, hs.URL, "sendMessage", `{"chat_id":10,"text":"x"}`); code != 400 {
		t.Errorf("send to a forgotten chat = %d %q", code, r.Description)
	}
	if err := <-done; err != nil {
		t.Errorf("Wait for CallCount = %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Wait(ctx, func() bool { return false }); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait on a cancelled context = %v", err)
	}
}
