package bot_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/bot"
	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// A user's view of replies: each step of a script is played once the reply
// to the previous one is there to see, whatever Telegram made the bot wait;
// the whole transcript is then compared with one played without faults, so
// a reply lost, doubled or out of order shows.

var registrationCode = regexp.MustCompile(`OCOP-\d+-\d+`)

// transcript is what a chat shows of the bot, its codes masked.
func (h *harness) transcript(chatID int64) string {
	var b strings.Builder
	for _, m := range h.emu.BotMessages(chatID) {
		b.WriteString(registrationCode.ReplaceAllString(m.Text, "OCOP-…"))
		for _, row := range m.InlineKeyboard {
			for _, btn := range row {
				b.WriteString(" [" + btn.Text + "]")
			}
		}
		b.WriteString("\n---\n")
	}
	return b.String()
}

// botChange is the chat's version when the bot last sent or edited a
// message: it grows with each answer, a new message or a prompt edited in
// place.
func (h *harness) botChange(chatID int64) uint64 {
	var v uint64
	for _, m := range h.emu.BotMessages(chatID) {
		v = max(v, m.Version)
	}
	return v
}

// lastHas reports whether the chat's newest bot message has a button
// labelled label, and its message id and data.
func (h *harness) lastHas(chatID int64, label string) (int, string, bool) {
	m, ok := h.emu.LastBotMessage(chatID)
	if !ok {
		return 0, "", false
	}
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if b.Text == label {
				return m.ID, b.CallbackData, true
			}
		}
	}
	return 0, "", false
}

// await waits until cond holds or timeout passes.
func (h *harness) await(timeout time.Duration, cond func() bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return h.emu.Wait(ctx, cond) == nil
}

// play runs a registration script as a user would: each step once the reply
// to the last one shows, with think between steps. It returns how long
// each step took from the action to its reply showing.
func (h *harness) play(chatID int64, script []string, think, timeout time.Duration) ([]time.Duration, error) {
	u := emulator.User{ID: chatID, FirstName: "Nông", LastName: "Dân", LanguageCode: "vi"}
	var took []time.Duration
	for i, step := range script {
		if i > 0 && think > 0 {
			time.Sleep(think)
		}
		before := h.botChange(chatID)
		t0 := time.Now()
		switch {
		case step == "photo":
			h.emu.SendPhoto(chatID, u, []byte("\x89PNG fake photo bytes"), "")
		case strings.HasPrefix(step, "tel:"):
			h.emu.ShareContact(chatID, u, step[4:])
		case strings.HasPrefix(step, "btn:"):
			msg, data, _ := h.lastHas(chatID, step[4:])
			if _, err := h.emu.PressButton(chatID, u, msg, data); err != nil {
				return took, fmt.Errorf("chat %d step %d %q: %w", chatID, i, step, err)
			}
		default:
			h.emu.SendText(chatID, u, step)
		}
		// The reply to this step: the next button to press is shown, or the
		// bot answered at all when the next step is typed.
		var ready func() bool
		switch next := ""; {
		case i+1 < len(script) && strings.HasPrefix(script[i+1], "btn:"):
			next = script[i+1][4:]
			ready = func() bool { _, _, ok := h.lastHas(chatID, next); return ok }
		case step == "btn:✅ Gửi đăng ký":
			ready = func() bool {
				m, ok := h.emu.LastBotMessage(chatID)
				return ok && strings.Contains(m.Text, "Mã hồ sơ")
			}
		default:
			ready = func() bool { return h.botChange(chatID) > before }
		}
		if !h.await(timeout, ready) {
			m, _ := h.emu.LastBotMessage(chatID)
			return took, fmt.Errorf("chat %d step %d %q: no reply within %s; last bot message:\n%s", chatID, i, step, timeout, m.Text)
		}
		took = append(took, time.Since(t0))
	}
	return took, nil
}

// load has users play the registration, each in a new chat every time,
// until stop is closed. It returns the chats played and the step latencies.
type load struct {
	mu    sync.Mutex
	chats []int64
	steps []time.Duration
	errs  []error
	done  atomic.Int64
}

func (h *harness) runLoad(users int, firstChat int64, think, stepTimeout time.Duration, stop <-chan struct{}) *load {
	l := &load{}
	var wg sync.WaitGroup
	for u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := int64(0); ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				chat := firstChat + int64(u)*1000 + n
				took, err := h.play(chat, registrationScript, think, stepTimeout)
				l.mu.Lock()
				l.chats = append(l.chats, chat)
				l.steps = append(l.steps, took...)
				if err != nil {
					l.errs = append(l.errs, err)
				}
				l.mu.Unlock()
				if err != nil {
					return
				}
				l.done.Add(1)
			}
		}()
	}
	wg.Wait()
	return l
}

// reference plays the script once without faults and returns its
// transcript.
func (h *harness) reference(chatID int64) string {
	h.t.Helper()
	if _, err := h.play(chatID, registrationScript, 0, 20*time.Second); err != nil {
		h.t.Fatal(err)
	}
	return h.transcript(chatID)
}

// checkLoad fails the test unless every chat shows the reference transcript
// — no reply lost, doubled or out of order — and each registration was
// stored once.
func (h *harness) checkLoad(l *load, want string) {
	h.t.Helper()
	for _, err := range l.errs {
		h.t.Error(err)
	}
	bad := 0
	for _, chat := range l.chats {
		if got := h.transcript(chat); got != want {
			bad++
			if bad <= 2 {
				h.t.Errorf("chat %d shows another transcript than the reference:\n%s\nwant:\n%s", chat, got, want)
			}
		}
	}
	if bad > 0 {
		h.t.Errorf("%d of %d chats differ from the reference", bad, len(l.chats))
	}
	var stored int
	if err := h.db.Store.Pool().QueryRow(context.Background(),
		`SELECT count(*) FROM registrations r JOIN producers p ON p.id = r.producer_id WHERE p.owner_user_id = ANY($1)`, l.chats).Scan(&stored); err != nil {
		h.t.Fatal(err)
	}
	if stored != len(l.chats) {
		h.t.Errorf("%d registrations stored for %d chats, want one each", stored, len(l.chats))
	}
}

func percentileOf(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}

// Telegram answers 5 % of sends 429 with retry_after 5 s while 50 users
// register for a minute: no reply is lost, each chat sees its replies in
// order, and no chat is sent to before its wait is over.
func TestRepliesSurvive429s(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	want := h.reference(90_000_000)
	h.emu.Set429Fraction(0.05, 5)
	stop := make(chan struct{})
	time.AfterFunc(60*time.Second, func() { close(stop) })
	l := h.runLoad(50, 91_000_000, 200*time.Millisecond, 60*time.Second, stop)
	h.emu.Set429Fraction(0, 0)
	h.checkLoad(l, want)
	if n := h.emu.EarlySends(); n != 0 {
		t.Errorf("%d sends came before the retry_after Telegram gave (%v)", n, h.emu.EarlySendsByMethod())
	}
	t.Logf("%d registrations, %d steps; step p50 %s p99 %s", len(l.chats), len(l.steps), percentileOf(l.steps, 50), percentileOf(l.steps, 99))
}

// A global flood: every send is answered 429 for 10 s. Sends pause for
// everyone, then every reply goes out, in order.
func TestRepliesSurviveA429Storm(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	want := h.reference(92_000_000)
	stop := make(chan struct{})
	time.AfterFunc(5*time.Second, func() { h.emu.Storm(10*time.Second, 10) })
	time.AfterFunc(25*time.Second, func() { close(stop) })
	l := h.runLoad(30, 93_000_000, 200*time.Millisecond, 60*time.Second, stop)
	h.checkLoad(l, want)
	if n := h.emu.EarlySends(); n != 0 {
		t.Errorf("%d sends came before the retry_after Telegram gave (%v)", n, h.emu.EarlySendsByMethod())
	}
	t.Logf("%d registrations; step p99 %s; %d sends raced the storm's wait", len(l.chats), percentileOf(l.steps, 99),
		h.emu.RacedSends())
}

// The Bot API answers 502, or nothing at all, for 20 s: the replies of the
// steps taken meanwhile arrive afterwards, in order.
func TestRepliesSurviveABotAPIOutage(t *testing.T) {
	t.Parallel()
	for _, mode := range []emulator.OutageMode{emulator.OutageBadGateway, emulator.OutageTimeout} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{bot: botConfigFast})
			want := h.reference(94_000_000)
			stop := make(chan struct{})
			time.AfterFunc(3*time.Second, func() {
				if err := h.emu.Outage(20*time.Second, mode); err != nil {
					t.Error(err)
				}
			})
			time.AfterFunc(28*time.Second, func() { close(stop) })
			l := h.runLoad(20, 95_000_000, 200*time.Millisecond, 60*time.Second, stop)
			h.checkLoad(l, want)
			if h.emu.OutageRefusals() == 0 {
				t.Error("the outage refused nothing: the test tested nothing")
			}
		})
	}
}

// botConfigFast gives up on a Bot API call after 2 s (then tries again),
// so that tests of a silent Bot API do not wait for the 10 s default.
var botConfigFast = bot.Config{SendTimeout: 2 * time.Second}

// Users pressing any button they see and typing anything, for a while: the
// bot never makes an edit that changes nothing (Telegram answers those 400
// "message is not modified", each a call against the limits).
func TestNoEditThatChangesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	texts := []string{"/dangky", "/start", "/hoso", "ho chi minh", "cu chi", "Mật ong rừng", "abc", "0912345678", "/huy"}
	deadline := time.Now().Add(20 * time.Second)
	var wg sync.WaitGroup
	var actions atomic.Int64
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := h.user(int64(96_000_000 + i))
			rnd := uint64(i*7919 + 1)
			next := func(n int) int { // a small deterministic generator per chat
				rnd ^= rnd << 13
				rnd ^= rnd >> 7
				rnd ^= rnd << 17
				return int(rnd % uint64(n))
			}
			for time.Now().Before(deadline) {
				actions.Add(1)
				m, ok := h.emu.LastBotMessage(c.chatID())
				var buttons []emulator.Button
				for _, row := range m.InlineKeyboard {
					buttons = append(buttons, row...)
				}
				if ok && len(buttons) > 0 && next(10) < 7 {
					b := buttons[next(len(buttons))]
					id, err := h.emu.PressButton(c.chatID(), c.u, m.ID, b.CallbackData)
					if err != nil {
						continue // the keyboard changed meanwhile
					}
					// Users tap twice before the first tap's answer shows.
					if next(3) == 0 {
						if again, err := h.emu.PressButton(c.chatID(), c.u, m.ID, b.CallbackData); err == nil {
							actions.Add(1)
							h.waitDone(again)
						}
					}
					h.waitDone(id)
					continue
				}
				c.say(texts[next(len(texts))])
			}
		}()
	}
	wg.Wait()
	edits := h.emu.CallCount("editMessageText") + h.emu.CallCount("editMessageReplyMarkup")
	t.Logf("%d actions, %d edits", actions.Load(), edits)
	if edits == 0 {
		t.Fatal("the session made no edit at all: it tests nothing")
	}
	if n := h.emu.NotModified(); n != 0 {
		t.Errorf("%d edits changed nothing (400 message is not modified)", n)
	}
}

// Replies that could not go out for longer than StaleAfter are not sent
// late one after another: the chat is shown its current step, once.
func TestStaleRepliesBecomeTheCurrentStep(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{bot: bot.Config{StaleAfter: time.Second}})
	c := h.user(99_000_001)
	c.say("/dangky")
	c.agree()
	c.press("Hợp tác xã")
	before := len(h.emu.BotMessages(c.chatID()))
	h.emu.Storm(4*time.Second, 4) // Telegram refuses every send for 4 s
	c.say("HTX Rau sạch Phú Lộc")
	c.say("Võ Thị Hạnh")
	if !h.await(20*time.Second, func() bool { return len(h.emu.BotMessages(c.chatID())) > before }) {
		t.Fatal("nothing was shown after the storm")
	}
	time.Sleep(500 * time.Millisecond) // anything else would come now
	msgs := h.emu.BotMessages(c.chatID())[before:]
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Số điện thoại di động") {
		var texts []string
		for _, m := range msgs {
			texts = append(texts, m.Text)
		}
		t.Fatalf("after the storm the chat shows %d messages, want the current step (phone) once:\n%s", len(msgs), strings.Join(texts, "\n---\n"))
	}
	if st := h.state(c); st.Step != "phone" || st.Reg.Rep != "Võ Thị Hạnh" {
		t.Fatalf("state %s %+v: both answers should be kept", st.Step, st.Reg)
	}
	if n := h.emu.EarlySends(); n != 0 {
		t.Errorf("%d early sends", n)
	}
}

// Telegram's limits enforced (1 message/s per chat, 30/s per bot): 500
// users start a registration within 10 s while 1,000 notifications are
// queued. Every 429 is honoured, no reply and no notification is lost,
// replies go ahead of notifications, and no user waits unboundedly.
func TestRepliesAheadOfNotificationsUnderLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{notify: true, limits: true, quiet: true})
	ctx := context.Background()
	const users, notices = 500, 1000
	storagetest.SeedResults(t, h.db.Store, notices, 80_000_000)
	waits := make([]time.Duration, users)
	shown := make([]time.Time, users)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 10 * time.Second / users)
			c := h.user(int64(81_000_000 + i))
			t0 := time.Now()
			c.h.emu.SendText(c.chatID(), c.u, "/dangky")
			if !h.await(3*time.Minute, func() bool {
				_, _, ok := h.lastHas(c.chatID(), "✅ Tôi đồng ý") // the notice comes first
				return ok
			}) {
				t.Errorf("chat %d: no reply to /dangky", c.chatID())
				return
			}
			shown[i] = time.Now()
			waits[i] = shown[i].Sub(t0)
		}()
	}
	wg.Wait()
	lastReply := slices.MaxFunc(shown, func(a, b time.Time) int { return a.Compare(b) })
	deadline := time.Now().Add(3 * time.Minute)
	var queued, sent, sentBefore int
	for {
		if err := h.db.Store.Pool().QueryRow(ctx, `
SELECT count(*) FILTER (WHERE status = 'queued'), count(*) FILTER (WHERE status = 'sent'),
       count(*) FILTER (WHERE status = 'sent' AND sent_at <= $1)
FROM notifications`, lastReply).Scan(&queued, &sent, &sentBefore); err != nil {
			t.Fatal(err)
		}
		if queued == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	if sent != notices {
		t.Errorf("%d of %d notifications sent (%d still queued)", sent, notices, queued)
	}
	if n := h.emu.EarlySends(); n != 0 {
		t.Errorf("%d sends came before the retry_after Telegram gave (%v)", n, h.emu.EarlySendsByMethod())
	}
	// While users waited for replies, notifications took no more than a
	// small share of the bot's 30 messages a second.
	window := lastReply.Sub(start).Seconds()
	if limit := int(window * 30 * 0.2); sentBefore > limit {
		t.Errorf("%d notifications went out in the %.0f s users waited for %d replies: more than %d", sentBefore, window, users, limit)
	}
	if worst := slices.Max(waits); worst > 90*time.Second {
		t.Errorf("a user waited %s for a reply", worst)
	}
	perSec := make([]int, int(window)+1)
	for _, at := range shown {
		perSec[int(at.Sub(start).Seconds())]++
	}
	t.Logf("replies shown per second: %v", perSec)
	t.Logf("replies: p50 wait %s, p99 %s, max %s over %.1f s; %d notifications sent meanwhile, all %d by %s; 429s answered: %d",
		percentileOf(waits, 50), percentileOf(waits, 99), slices.Max(waits), window, sentBefore, sent, time.Since(start).Round(time.Second), h.emu.Violations())
}
