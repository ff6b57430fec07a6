package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// The flows say /hoso's sixty long records as one text; each channel
// splits it into messages it takes — Telegram's 4,096 UTF-16 units, Zalo's
// 2,000 characters — between records, never inside one, with the choice
// under the last part.
func TestLongTextsSplitByChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{zalo: true})
	commune := unitOn(t, h, "27502", 3, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	// Emoji count twice in UTF-16: Telegram's count is not the characters'.
	name := func(i int) string {
		return fmt.Sprintf("%s🍯 Sản phẩm %02d", strings.Repeat("Đặc sản vùng miền 🌾 ", 4), i)
	}
	c := h.user(7101)
	c.say("/start")
	z := h.zaloUser("7101000000000000001")
	z.say("Xin chào")
	for i := range 60 {
		storagetest.AddProduct(t, h.db.Store, c.chatID(), commune, name(i))
		storagetest.AddProduct(t, h.db.Store, z.chatID(), commune, name(i))
	}

	c.replies()
	c.say("/hoso")
	var tg []string
	msgs := c.replies()
	for i, m := range msgs {
		if n := len(utf16.Encode([]rune(m.Text))); n > 4096 {
			t.Errorf("Telegram message %d has %d UTF-16 units", i, n)
		}
		if buttons := len(m.InlineKeyboard) > 0; buttons != (i == len(msgs)-1) {
			t.Errorf("Telegram message %d of %d: buttons %v", i+1, len(msgs), buttons)
		}
		tg = append(tg, m.Text)
	}
	checkParts(t, "Telegram", tg, name)

	z.replies()
	z.say("/hoso")
	zl := z.replies()
	for i, m := range zl {
		if n := utf8.RuneCountInString(m); n > 2000 {
			t.Errorf("Zalo message %d has %d characters", i, n)
		}
	}
	if last := zl[len(zl)-1]; !strings.Contains(last, "1. ") || !strings.Contains(last, "👉") {
		t.Errorf("Zalo's last part lacks the numbered choice:\n%s", last)
	}
	checkParts(t, "Zalo", zl, name)
}

// checkParts checks that the messages, more than one, list every record
// once, each record whole in one message.
func checkParts(t *testing.T, channel string, parts []string, name func(int) string) {
	t.Helper()
	if len(parts) < 2 {
		t.Fatalf("%s: 60 long records in %d message(s)", channel, len(parts))
	}
	for i := range 60 {
		n := 0
		for _, p := range parts {
			n += strings.Count(p, name(i))
		}
		if n != 1 {
			t.Errorf("%s: record %d listed %d times whole", channel, i, n)
		}
	}
}
