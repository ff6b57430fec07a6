package emulator

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// floodStep is one moment of a flood test: the clock moves, a fault may change, then one send to a chat.
type floodStep struct {
	advance time.Duration
	do      func(s *Server)
	chat    int64
	want    int // the send's retry_after; 0: sent
}

func TestEarlySends(t *testing.T) {
	t.Parallel()
	fraction := func(f float64, retry int) func(s *Server) { return func(s *Server) { s.Set429Fraction(f, retry) } }
	storm := func(d time.Duration, retry int) func(s *Server) { return func(s *Server) { s.Storm(d, retry) } }
	tests := []struct {
		name           string
		opts           Options
		steps          []floodStep
		wantEarly      int
		wantEarlyChat1 int
		wantViolations int
		wantRaced      int
	}{
		{
			name: "an injected 429 makes its chat wait, and only it",
			steps: []floodStep{
				{do: fraction(1, 5), chat: 1, want: 5},
				{advance: time.Second, do: fraction(0, 0), chat: 1, want: 4}, // early: 4 s left
				{chat: 2},
				{advance: 3960 * time.Millisecond, chat: 1}, // 40 ms before the end: within the slack
			},
			wantEarly: 1, wantEarlyChat1: 1,
		},
		{
			name: "a limit's 429 counts as a violation, the send too soon as early",
			opts: Options{PerChatRate: 1, PerChatBurst: 1},
			steps: []floodStep{
				{chat: 1},
				{chat: 1, want: 1},
				{advance: 500 * time.Millisecond, chat: 1, want: 1}, // early; the wait runs to 1.5 s now
				{advance: time.Second, chat: 1},
			},
			wantEarly: 1, wantEarlyChat1: 1, wantViolations: 1,
		},
		{
			name: "a storm holds every chat until its end once two chats were refused",
			steps: []floodStep{
				{do: storm(10*time.Second, 10), chat: 1, want: 10},
				{advance: time.Second, chat: 2, want: 10},    // a second chat refused: the bot can tell it is global
				{advance: 5 * time.Second, chat: 3, want: 4}, // never refused, but the storm was told: raced
				{advance: time.Second, chat: 3, want: 3},     // told now: early
				{advance: 3 * time.Second, chat: 3},
				{chat: 1},
			},
			wantEarly: 1, wantRaced: 1,
		},
		{
			name: "a storm's shorter waits may be retried while it lasts",
			steps: []floodStep{
				{do: storm(10*time.Second, 2), chat: 1, want: 2},
				{advance: 2 * time.Second, chat: 1, want: 2},
				{advance: 2 * time.Second, chat: 2, want: 2},
			},
		},
		{
			name: "a wait told near a storm's end holds its own chat only",
			steps: []floodStep{
				{do: storm(time.Second, 10), chat: 1, want: 10},
				{advance: time.Second, chat: 2},
				{chat: 1, want: 9},
			},
			wantEarly: 1, wantEarlyChat1: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := &clock{now: time.Unix(1_700_000_000, 0)}
			tt.opts.Now = clk.Now
			s, _, b := setup(t, tt.opts)
			for i, st := range tt.steps {
				clk.Advance(st.advance)
				if st.do != nil {
					st.do(s)
				}
				_, err := b.SendMessage(t.Context(), &bot.SendMessageParams{ChatID: st.chat, Text: "tin"})
				if got := retryAfter(t, err); got != st.want {
					t.Fatalf("step %d, send to chat %d: retry_after %d (err %v), want %d", i, st.chat, got, err, st.want)
				}
			}
			if got := s.EarlySends(); got != tt.wantEarly {
				t.Errorf("EarlySends = %d, want %d", got, tt.wantEarly)
			}
			if got := s.EarlySendsIn(1); got != tt.wantEarlyChat1 {
				t.Errorf("EarlySendsIn(1) = %d, want %d", got, tt.wantEarlyChat1)
			}
			if got := s.Violations(); got != tt.wantViolations {
				t.Errorf("Violations = %d, want %d", got, tt.wantViolations)
			}
			if got := s.RacedSends(); got != tt.wantRaced {
				t.Errorf("RacedSends = %d, want %d", got, tt.wantRaced)
			}
		})
	}
}

// retryAfter is a send's retry_after, 0 when it was sent; other errors fail the test.
func retryAfter(t *testing.T, err error) int {
	t.Helper()
	var tooMany *bot.TooManyRequestsError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &tooMany):
		return tooMany.RetryAfter
	}
	t.Fatalf("send: %v", err)
	return 0
}

// An answer to a button press is held to the chat's wait like a send; refused, its query stays pending.
func TestEarlyCallbackAnswer(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Unix(1_700_000_000, 0)}
	s, hs, b := setup(t, Options{Now: clk.Now})
	ctx := t.Context()
	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "Chọn", ReplyMarkup: &models.InlineKeyboardMarkup{
		InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "OK", CallbackData: "ok"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PressButton(alice.ID, alice, msg.ID, "ok"); err != nil {
		t.Fatal(err)
	}
	ups := pollUpdates(t, hs.URL, 0, 0)
	if len(ups) != 1 || ups[0].CallbackQuery == nil {
		t.Fatalf("updates = %+v, want the callback query", ups)
	}
	queryID := ups[0].CallbackQuery.ID
	s.Set429Fraction(1, 3)
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID, Text: "Đã chọn"}); retryAfter(t, err) != 3 {
		t.Fatalf("send = %v, want 429 with retry_after 3", err)
	}
	s.Set429Fraction(0, 0)
	_, err = b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: queryID})
	if got := retryAfter(t, err); got != 3 {
		t.Fatalf("answer at once: retry_after %d (%v), want 3", got, err)
	}
	clk.Advance(3 * time.Second)
	if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: queryID}); err != nil {
		t.Fatalf("answer after the wait: %v", err)
	}
	if got := s.EarlySendsByMethod(); len(got) != 1 || got["answerCallbackQuery"] != 1 {
		t.Errorf("EarlySendsByMethod = %v, want one answerCallbackQuery", got)
	}
	if a := s.CallbackAnswers(alice.ID); len(a) != 1 || !a[0].Answered {
		t.Errorf("CallbackAnswers = %+v, want the query answered", a)
	}
}

func TestOutageBadGateway(t *testing.T) {
	t.Parallel()
	s, hs, _ := setup(t, Options{})
	if err := s.Outage(time.Minute, OutageBadGateway); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/bot" + testToken + "/getMe", "/bot" + testToken + "/getUpdates?timeout=0", "/file/bot" + testToken + "/photos/x.jpg"} {
		resp, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "<h1>502 Bad Gateway</h1>") ||
			resp.Header.Get("Content-Type") != "text/html" {
			t.Errorf("GET %s during the outage = %d %s %q, want nginx's 502 page", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	if got, calls := s.OutageRefusals(), s.Calls(); got != 3 || len(calls) != 0 {
		t.Errorf("OutageRefusals = %d, Calls = %v; want 3 and none", got, calls)
	}
	if err := s.Outage(0, OutageBadGateway); err != nil {
		t.Fatal(err)
	}
	if code, r := get(t, hs.URL, "getMe", nil); code != http.StatusOK || !r.OK {
		t.Errorf("getMe after the outage = %d %s", code, r.Description)
	}
	if err := s.Outage(time.Second, "503"); !errors.Is(err, ErrOutageMode) {
		t.Errorf("Outage(503) = %v, want ErrOutageMode", err)
	}
}

// A long poll pending when an outage starts fails with it.
func TestOutageEndsLongPoll(t *testing.T) {
	t.Parallel()
	s, hs, _ := setup(t, Options{})
	done := make(chan int, 1)
	go func() {
		resp, err := http.Get(hs.URL + "/bot" + testToken + "/getUpdates?timeout=30")
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	if err := s.Wait(ctxTimeout(t, 5*time.Second), func() bool { return s.CallCount("getUpdates") == 1 }); err != nil {
		t.Fatal(err)
	}
	if err := s.Outage(time.Minute, OutageBadGateway); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != http.StatusBadGateway {
		t.Errorf("pending getUpdates = %d, want 502", code)
	}
}

func TestOutageTimeout(t *testing.T) {
	t.Parallel()
	s, hs, _ := setup(t, Options{})
	const d = 150 * time.Millisecond
	start := time.Now()
	if err := s.Outage(d, OutageTimeout); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(hs.URL + "/bot" + testToken + "/getMe")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("getMe during a timeout outage = %d, want the connection closed unanswered", resp.StatusCode)
	}
	if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "EOF") {
		t.Errorf("getMe during the outage: %v, want EOF", err)
	}
	if time.Since(start) < d {
		t.Errorf("the request was dropped after %v, before the outage's end", time.Since(start))
	}
	if code, r := get(t, hs.URL, "getMe", nil); code != http.StatusOK || !r.OK {
		t.Errorf("getMe after the outage = %d %s", code, r.Description)
	}

	// A client that gives up first sees its own timeout.
	if err := s.Outage(time.Minute, OutageTimeout); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 50 * time.Millisecond}
	_, err = client.Get(hs.URL + "/bot" + testToken + "/getMe")
	var nerr net.Error
	if !errors.As(err, &nerr) || !nerr.Timeout() {
		t.Errorf("getMe with a 50 ms client timeout = %v, want a timeout", err)
	}
	if err := s.Outage(0, OutageTimeout); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, hs.URL, "getMe", url.Values{}); code != http.StatusOK {
		t.Errorf("getMe after ending the outage = %d", code)
	}
}

// A stalled document's download hangs until its client gives up; other files, and the same file once the stall
// ends, download as usual.
func TestStallDownloads(t *testing.T) {
	t.Parallel()
	s, hs, _ := setup(t, Options{})
	stuck := s.files.addDocument("bang-ke.csv", []byte("a;b\n"))
	other := s.files.addDocument("khac.csv", []byte("c;d\n"))
	s.StallDownloads("bang-ke.csv")
	download := func(ctx context.Context, f *file) (int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, hs.URL+"/file/bot"+testToken+"/"+f.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if code, err := download(ctxTimeout(t, 5*time.Second), other); err != nil || code != http.StatusOK {
		t.Fatalf("another file: %d, %v", code, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := download(ctx, stuck)
		done <- err
	}()
	if err := s.Wait(ctxTimeout(t, 5*time.Second), func() bool { _, open := s.StalledDownloads(); return open == 1 }); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("stalled download ended with %v, want the client's cancellation", err)
	}
	if err := s.Wait(ctxTimeout(t, 5*time.Second), func() bool { _, open := s.StalledDownloads(); return open == 0 }); err != nil {
		t.Fatalf("the stalled download is still held after its client gave up: %v", err)
	}
	s.StallDownloads("")
	if code, err := download(ctxTimeout(t, 5*time.Second), stuck); err != nil || code != http.StatusOK {
		t.Errorf("after the stall: %d, %v", code, err)
	}
	if begun, open := s.StalledDownloads(); begun != 1 || open != 0 {
		t.Errorf("StalledDownloads = %d, %d; want 1 begun, none open", begun, open)
	}
}
