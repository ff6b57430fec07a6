package bot_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
)

// The Bot API methods that show a user something: what a registration
// costs. (getUpdates, getMe and the command menu set at start are the
// transport's own.)
var userCalls = []string{"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageCaption",
	"editMessageReplyMarkup", "answerCallbackQuery", "deleteMessage", "sendChatAction", "setMyCommands"}

// sentMethods are the calls that add a message to the chat.
var sentMethods = []string{"sendMessage", "sendPhoto", "sendDocument"}

// callCounter counts what a chat's actions cost in Bot API calls, by
// method, through the emulator's counters.
type callCounter struct {
	h       *harness
	c       *user
	before  map[string]int
	actions int
	presses int
}

func newCallCounter(h *harness, c *user) *callCounter {
	return &callCounter{h: h, c: c, before: h.emu.Calls()}
}

func (k *callCounter) say(text string)    { k.actions++; k.c.say(text) }
func (k *callCounter) share(ph string)    { k.actions++; k.c.shareContact(ph) }
func (k *callCounter) photo()             { k.actions++; k.c.sendPhoto() }
func (k *callCounter) press(l string)     { k.actions++; k.presses++; k.c.press(l) }
func (k *callCounter) expect(p ...string) { k.c.h.t.Helper(); k.c.expect(p...) }

// settle waits until every press of the chat is answered: the calls of the
// last action are all made.
func (k *callCounter) settle() {
	k.h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := k.h.emu.Wait(ctx, func() bool {
		for _, a := range k.h.emu.CallbackAnswers(k.c.chatID()) {
			if !a.Answered {
				return false
			}
		}
		return true
	})
	if err != nil {
		k.h.t.Fatalf("presses not all answered: %v", err)
	}
}

// count is the calls made since the counter started, by method.
func (k *callCounter) count() map[string]int {
	k.settle()
	out := map[string]int{}
	now := k.h.emu.Calls()
	for _, m := range userCalls {
		if n := now[m] - k.before[m]; n > 0 {
			out[m] = n
		}
	}
	return out
}

func sum(calls map[string]int, methods ...string) int {
	n := 0
	for _, m := range methods {
		n += calls[m]
	}
	return n
}

// A whole registration — the notice and consent, every step (14 in today's
// two-level tree with the address line, 15 in the three-level one), the
// photo, the summary and the submission — costs at most 10 messages, and
// each action one call that shows something (an edit or a message), plus a
// press's answer: the calls per action the README states.
func TestRegistrationMessagesPerStep(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		day     time.Time
		total   int
		webhook bool
	}{
		{"two-level tree", time.Date(2026, 12, 1, 9, 0, 0, 0, dates.Vietnam), 14, false},
		{"three-level tree", time.Date(2024, 6, 28, 9, 0, 0, 0, dates.Vietnam), 15, false},
		{"webhook", time.Date(2026, 12, 1, 9, 0, 0, 0, dates.Vietnam), 14, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{twoLevel: true, merges: true, now: tc.day, webhook: tc.webhook})
			c := h.user(1401)
			k := newCallCounter(h, c)
			step := func(n int) string { return fmt.Sprintf("Bước %d/%d", n, tc.total) }

			k.say("/dangky")
			k.expect("Luật Bảo vệ dữ liệu cá nhân")
			notice := c.last().ID
			k.press("✅ Tôi đồng ý")
			k.expect("Cảm ơn Anh/Chị đã đồng ý.", "Đăng ký gồm hai phần", step(1), "loại hình")
			if c.last().ID != notice {
				t.Errorf("the consent's answer is a new message, not the notice edited in place")
			}
			k.press("Hợp tác xã")
			trail(t, c, notice, "Loại hình: Hợp tác xã ✓", step(2))
			k.say("Hợp tác xã Nông nghiệp Củ Chi")
			k.expect(step(3))
			k.say("Nguyễn Văn An")
			k.expect(step(4), "Số điện thoại")
			k.share("84912345678")
			k.expect("Đã lưu số điện thoại 0912345678", step(5), "Mã số thuế")
			k.say("0100109106")
			k.expect(step(6), "tỉnh/thành phố")
			province := c.last().ID
			k.say("ho chi minh")
			if m := c.last(); m.ID != province || !strings.Contains(m.Text, "Tìm «ho chi minh»") || !strings.Contains(m.Text, step(6)) {
				t.Errorf("the search's results do not replace the question they answer (message %d):\n%s", province, m.Text)
			}
			k.press("Thành phố Hồ Chí Minh")
			trail(t, c, province, "Thành phố Hồ Chí Minh ✓", step(7))
			last := 7
			if tc.total == 15 {
				k.say("cu chi")
				k.press("Huyện Củ Chi")
				trail(t, c, province, "Huyện Củ Chi, Thành phố Hồ Chí Minh ✓", step(8))
				k.say("phu my hung")
				k.press("Xã Phú Mỹ Hưng")
				trail(t, c, province, "Xã Phú Mỹ Hưng, Huyện Củ Chi, Thành phố Hồ Chí Minh ✓", step(9))
				last = 9
			} else {
				k.say("cu chi")
				k.press("Xã Củ Chi")
				trail(t, c, province, "Xã Củ Chi, Thành phố Hồ Chí Minh ✓", step(8))
				last = 8
			}
			k.say("Ấp Bàu Tre")
			k.expect(step(last+1), "Tên sản phẩm")
			k.say("Mật ong rừng Củ Chi")
			k.expect(step(last+2), "nhóm")
			group := c.last().ID
			k.press("1. Thực phẩm")
			trail(t, c, group, "Thực phẩm ✓", step(last+3))
			k.press("Mật ong và sản phẩm từ mật ong")
			trail(t, c, group, "Thực phẩm › Mật ong và sản phẩm từ mật ong ✓", step(last+4))
			k.say("Mật ong nguyên chất thu hoạch từ rừng tràm, không pha đường.")
			k.expect(step(last+5), "ảnh")
			k.photo()
			k.expect(step(last+6), "mấy sao")
			stars := c.last().ID
			k.press("4 ★")
			trail(t, c, stars, "mong muốn 4★ ✓", "kiểm tra lại")
			k.press("✅ Gửi đăng ký")
			trail(t, c, stars, "Mật ong rừng Củ Chi", "Mã hồ sơ: OCOP-")

			calls := k.count()
			sent, all := sum(calls, sentMethods...), sum(calls, userCalls...)
			perAction := float64(all) / float64(k.actions)
			inHook := h.emu.WebhookReplies()["answerCallbackQuery"]
			t.Logf("%d actions (%d presses): %d messages sent, %d calls, %.2f calls per action; by method %v; "+
				"%d presses answered in the webhook's responses", k.actions, k.presses, sent, all, perAction, sortedCalls(calls), inHook)
			if sent > 10 {
				t.Errorf("a registration sent %d messages, want at most 10", sent)
			}
			// Each action costs one call that shows something, and a press
			// its answer besides, unless the webhook's response answered it:
			// nothing more.
			answers, want, most := k.presses, k.actions+k.presses, 1.45
			if tc.webhook {
				answers, want, most = 0, k.actions, 1.0
				if inHook != k.presses {
					t.Errorf("%d presses, %d answered in the webhook's responses", k.presses, inHook)
				}
			}
			if all > want {
				t.Errorf("a registration made %d calls for %d actions (%d presses), want at most %d", all, k.actions, k.presses, want)
			}
			if calls["answerCallbackQuery"] != answers {
				t.Errorf("%d presses answered %d times by a call, want %d", k.presses, calls["answerCallbackQuery"], answers)
			}
			if perAction > most {
				t.Errorf("%.2f calls per action, want at most %.2f", perAction, most)
			}
		})
	}
}

// trail checks that message id, the prompt a press answered, was edited in
// place into the answer given and, below it, what comes next.
func trail(t *testing.T, c *user, id int, answered, next string) {
	t.Helper()
	m := c.last()
	i, j := strings.Index(m.Text, answered), strings.Index(m.Text, next)
	if m.ID != id || !m.Edited || i < 0 || j < i {
		t.Errorf("want message %d edited into %q above %q; the last bot message (%d, edited %v) is:\n%s",
			id, answered, next, m.ID, m.Edited, m.Text)
	}
}

func sortedCalls(calls map[string]int) string {
	var b strings.Builder
	for _, m := range slices.Sorted(maps.Keys(calls)) {
		fmt.Fprintf(&b, "%s %d, ", m, calls[m])
	}
	return strings.TrimSuffix(b.String(), ", ")
}

// A press on a prompt that is no longer the chat's last message (the user
// asked for help since) does not change it far up the chat: the prompt
// loses its buttons and the answer and the next question come as one new
// message.
func TestStepBelowAnotherMessageIsNew(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.user(1403)
	h.consent(c)
	c.say("/dangky")
	c.expect("Bước 1/15", "loại hình")
	kind := c.last().ID
	c.say("/trogiup")
	c.press("Hợp tác xã")
	if m := c.last(); m.ID == kind || m.Edited || !strings.HasPrefix(m.Text, "Loại hình: Hợp tác xã ✓\n\nBước 2/15\n") {
		t.Errorf("the answer to a press above the help is not a new message under it: %+v", m)
	}
	if m := h.emu.Chat(c.chatID())[kind-1]; m.ID != kind || len(m.InlineKeyboard) != 0 || !strings.Contains(m.Text, "Bước 1/15") {
		t.Errorf("the prompt pressed = %+v, want its text without buttons", m)
	}
	if n := h.emu.NotModified(); n != 0 {
		t.Errorf("%d calls changed nothing", n)
	}
}

// In webhook mode a press is answered in the webhook's response, without a
// toast: a press on a button no step owns, whose answer is the old-button
// toast alone, gets that notice as a message instead — not nothing.
func TestWebhookAnswerLosesNoNotice(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{webhook: true})
	c := h.user(1408)
	c.say("/trogiup")
	help := c.last().ID
	before := h.emu.MessageCount(c.chatID())
	h.waitDone(mustForge(t, h, c, help, "x|zz|1"))
	if got := h.emu.MessageCount(c.chatID()) - before; got != 1 || !strings.Contains(c.lastText(), "Nút này thuộc tin nhắn cũ") {
		t.Errorf("an unsigned press got %d messages, the last %q; want the old-button notice", got, c.lastText())
	}
	if n := h.emu.Calls()["answerCallbackQuery"]; n != 0 {
		t.Errorf("%d answerCallbackQuery requests, want the webhook's response only", n)
	}
	if n := h.emu.WebhookReplies()["answerCallbackQuery"]; n != 1 {
		t.Errorf("%d presses answered in the webhook's responses, want 1", n)
	}
}
