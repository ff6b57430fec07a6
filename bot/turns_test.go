package bot_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/bot"
)

// apiLog records the bot's calls to the Bot API in the order the emulator
// answered them: method, chat and whether it went through.
type apiLog struct {
	mu    sync.Mutex
	calls []apiCall
}

type apiCall struct {
	method string
	chat   int64
	ok     bool
	at     time.Time
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (l *apiLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		var chat int64
		if strings.HasPrefix(method, "send") || strings.HasPrefix(method, "edit") {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var b struct {
				ChatID int64 `json:"chat_id"`
			}
			_ = json.Unmarshal(body, &b)
			chat = b.ChatID
		}
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		l.mu.Lock()
		l.calls = append(l.calls, apiCall{method: method, chat: chat, ok: sw.code == http.StatusOK, at: time.Now()})
		l.mu.Unlock()
	})
}

// since returns the calls recorded from the n-th on.
func (l *apiLog) since(n int) []apiCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls[min(n, len(l.calls)):])
}

func (l *apiLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.calls)
}

// pollUntil checks cond every 20 ms until it holds or timeout passes: for
// what the emulator's Wait does not see change, such as the apiLog.
func pollUntil(timeout time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// sent returns the chats of the messages that went through, in order.
func sent(calls []apiCall) []int64 {
	var out []int64
	for _, c := range calls {
		if c.ok && c.method == "sendMessage" {
			out = append(out, c.chat)
		}
	}
	return out
}

// Replies queued behind Telegram's limits take turns: a new user's first
// reply first, then each chat by the age of its oldest due reply, a chat
// just served going behind the others — so the newcomer waits behind no
// backlog, chats with one reply each go oldest first, and a chat with three
// replies due gets its second only once every chat waiting since before
// had its turn. A chat waiting is shown "typing…" once per wait (again
// only after 10 s of it); Telegram's limits are never crossed.
//
// Telegram refuses every send for 8 s (a storm, told to two chats): the bot
// pauses, paced from then on (here at 4 messages a second, so that the
// order the emulator sees is the order of the turns); meanwhile the chats
// queue their replies one after another.
func TestRepliesTakeTurnsUnderAQueue(t *testing.T) {
	t.Parallel()
	calls := &apiLog{}
	h := newHarness(t, harnessOptions{limits: true, api: calls.wrap, bot: bot.Config{Limits: bot.Limits{Global: 4, GlobalBurst: 1}}})
	x, y, a := h.user(97_000_001), h.user(97_000_002), h.user(97_000_003)
	bs := []*user{h.user(97_000_011), h.user(97_000_012), h.user(97_000_013), h.user(97_000_014)}
	newcomer := h.user(97_000_099)
	known := append([]*user{x, y, a}, bs...)
	// Each known chat had a reply before, and /trogiup is answered with
	// one message.
	for _, c := range known {
		c.say("/start")
		before := len(h.emu.BotMessages(c.chatID()))
		c.say("/trogiup")
		if n := len(h.emu.BotMessages(c.chatID())) - before; n != 1 {
			t.Fatalf("/trogiup answered with %d messages, want 1", n)
		}
	}

	mark := calls.len()
	stormAt := time.Now()
	h.emu.Storm(8*time.Second, 8)
	x.say("/trogiup") // refused: x waits 8 s
	y.say("/trogiup") // refused too: two in a row, everyone waits
	for range 3 {
		a.say("/trogiup") // a backlog of three
	}
	for _, b := range bs {
		b.say("/trogiup") // one each, oldest first
	}
	newcomer.say("/start")
	if time.Since(stormAt) > 7*time.Second {
		t.Skip("the machine took longer to queue the replies than the storm lasted")
	}
	want := map[int64]int{x.chatID(): 1, y.chatID(): 1, a.chatID(): 3, newcomer.chatID(): 1}
	for _, b := range bs {
		want[b.chatID()] = 1
	}
	if !pollUntil(60*time.Second, func() bool {
		got := map[int64]int{}
		for _, c := range sent(calls.since(mark)) {
			got[c]++
		}
		for chat, n := range want {
			if got[chat] < n {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("not every reply went out: %v", sent(calls.since(mark)))
	}
	time.Sleep(300 * time.Millisecond) // anything more would come now
	log := calls.since(mark)

	var order []int64
	for _, c := range sent(log) {
		if c != newcomer.chatID() || !slices.Contains(order, c) { // the newcomer's later messages, if any, aside
			order = append(order, c)
		}
	}
	wantOrder := []int64{newcomer.chatID(), x.chatID(), y.chatID(), a.chatID()}
	for _, b := range bs {
		wantOrder = append(wantOrder, b.chatID())
	}
	wantOrder = append(wantOrder, a.chatID(), a.chatID())
	if !slices.Equal(order, wantOrder) {
		t.Errorf("replies went out in the order\n%v, want\n%v", order, wantOrder)
	}

	// Typing: every chat that waited in line was shown it before its reply,
	// once per reply it waited for, or again after 10 s of a wait.
	typed := map[int64][]time.Time{}
	first := map[int64]time.Time{}
	for _, c := range log {
		switch {
		case c.method == "sendChatAction" && c.ok:
			typed[c.chat] = append(typed[c.chat], c.at)
		case c.method == "sendMessage" && c.ok:
			if _, ok := first[c.chat]; !ok {
				first[c.chat] = c.at
			}
		}
	}
	for _, c := range append([]*user{a, newcomer}, bs...) {
		ts := typed[c.chatID()]
		if len(ts) == 0 || !ts[0].Before(first[c.chatID()]) {
			t.Errorf("chat %d waited in line and was not shown typing before its reply (typing at %v)", c.chatID(), ts)
		}
		for i := 1; i < len(ts); i++ {
			if gap := ts[i].Sub(ts[i-1]); gap < 10*time.Second && !sentBetween(log, c.chatID(), ts[i-1], ts[i]) {
				t.Errorf("chat %d shown typing twice within %s of one wait", c.chatID(), gap)
			}
		}
	}
	if v := h.emu.Violations(); v != 0 {
		t.Errorf("%d sends crossed Telegram's limits", v)
	}
	if n := h.emu.EarlySends(); n != 0 {
		t.Errorf("%d sends came before the retry_after Telegram gave (%v)", n, h.emu.EarlySendsByMethod())
	}
}

// sentBetween reports whether a message went to the chat between two
// moments: a wait for a reply ended.
func sentBetween(log []apiCall, chat int64, from, to time.Time) bool {
	for _, c := range log {
		if c.chat == chat && c.method == "sendMessage" && c.ok && c.at.After(from) && c.at.Before(to) {
			return true
		}
	}
	return false
}

// wave has chats write /trogiup all at once and waits until each is
// answered.
func (h *harness) wave(first int64, chats int) {
	h.t.Helper()
	for i := range int64(chats) {
		c := h.user(first + i)
		h.emu.SendText(c.chatID(), c.u, "/trogiup")
	}
	if !h.await(60*time.Second, func() bool {
		for i := range int64(chats) {
			if len(h.emu.BotMessages(first+i)) == 0 {
				return false
			}
		}
		return true
	}) {
		h.t.Fatalf("not every chat of the wave from %d was answered", first)
	}
}

// Telegram's limits enforced (30 messages a second, 1 a second per chat):
// 80 chats write at once, twice. The first time, Telegram's line is found
// (its 429s are honoured, every reply goes out); from then on the bot paces
// itself under it — here after pacing had ended, its replies reaching the
// limit again — and Telegram refuses nothing more.
func TestRepliesPacedUnderTelegramsLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{limits: true, quiet: true})
	h.wave(98_000_000, 80)
	found := h.emu.Violations()
	if found == 0 {
		t.Fatal("the first wave never reached Telegram's limit: the test tests nothing")
	}
	time.Sleep(11 * time.Second) // pacing ends: nothing queues
	h.wave(98_100_000, 80)
	if v := h.emu.Violations() - found; v != 0 {
		t.Errorf("%d sends crossed Telegram's limits after the bot had found them (%d while finding them)", v, found)
	}
	if n := h.emu.EarlySends(); n != 0 {
		t.Errorf("%d sends came before the retry_after Telegram gave (%v)", n, h.emu.EarlySendsByMethod())
	}
	t.Logf("429s while finding Telegram's limit: %d", found)
}

// Two processes share the bot's rate: once Telegram's line is found, both
// pace under it together — the one that found it tells the other through
// Redis — and the next wave, its chats split between them, crosses nothing.
func TestProcessesPaceTogether(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{limits: true, quiet: true, workers: 4})
	h.start(harnessOptions{limits: true, quiet: true, workers: 4, noPoll: true})
	h.wave(98_200_000, 80)
	found := h.emu.Violations()
	if found == 0 {
		t.Fatal("the first wave never reached Telegram's limit: the test tests nothing")
	}
	time.Sleep(5 * time.Second) // more than a heartbeat, less than pacing lingers
	h.wave(98_300_000, 120)
	if v := h.emu.Violations() - found; v != 0 {
		t.Errorf("%d sends crossed Telegram's limits after the bot had found them (%d while finding them)", v, found)
	}
	if n := h.emu.EarlySends(); n != 0 {
		t.Errorf("%d sends came before the retry_after Telegram gave (%v)", n, h.emu.EarlySendsByMethod())
	}
}
