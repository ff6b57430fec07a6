package bot_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/storage/storagetest"
)

var linkCode = regexp.MustCompile(`LK-[0-9A-Z]{4}-[0-9A-Z]{4}`)

// A producer on Telegram links their Zalo account with a code: both speak
// for one record (/hoso, /dulieu, /xoadulieu); notifications go to the
// account written from last, and to the other when that one blocked the
// bot; a code works once, not for an account with records of its own, and
// "/lienket huy" undoes the link.
func TestLinkedAccounts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{now: time.Date(2026, 9, 1, 3, 0, 0, 0, time.UTC), notify: true, zalo: true})
	ctx := context.Background()
	registered := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	cuchi, anphu := unitOn(t, h, "783", 2, registered), unitOn(t, h, "27502", 3, registered)
	c := h.user(7301)
	c.say("/start")
	product := storagetest.AddProduct(t, h.db.Store, c.chatID(), anphu, "Mật ong Tràm")
	c.say("/lienket")
	c.expect("Mã liên kết tài khoản: LK-", "15 phút")
	code := linkCode.FindString(c.lastText())

	z := h.zaloUser("7301000000000000001")
	z.say("Xin chào")
	z.say(strings.ToLower(code)) // typed loosely: the code alone, any case
	z.expect("Đã liên kết tài khoản này với hồ sơ của Anh/Chị")
	z.say(code)
	z.expect("Mã liên kết không đúng, đã dùng hoặc đã hết hạn")
	z.say("/hoso")
	z.expect("Mật ong Tràm")

	// Zalo wrote last: the council's result goes there, not to Telegram.
	before := len(h.emu.BotMessages(c.chatID()))
	h.recordResult(product, 68, 3, "2388/QĐ-UBND", time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC), cuchi, 9702)
	h.settled("the result told")
	z.expect("Mật ong Tràm", "68", "3 sao", "2388/QĐ-UBND")
	if n := len(h.emu.BotMessages(c.chatID())); n != before {
		t.Errorf("Telegram got %d messages for a result told on Zalo", n-before)
	}

	// Telegram wrote last, then blocked the bot: the reminder falls back
	// to Zalo, and is answered there.
	c.say("/hoso")
	h.emu.BlockChat(c.chatID())
	h.sweepOn(time.Date(2027, 5, 31, 0, 0, 0, 0, time.UTC), 1)
	h.settled("the reminder sent")
	z.expect("Nhắc đánh giá lại sản phẩm OCOP", "Sản phẩm: Mật ong Tràm", "2. Đăng ký nâng hạng sao")
	z.say("2")
	z.expect("Đã ghi nhận", "Mật ong Tràm")
	if n := h.count(`SELECT count(*) FROM renewal_requests WHERE answer = 'upgrade' AND product_id = $1`, product); n != 1 {
		t.Fatalf("upgrade requests: %d, want 1", n)
	}
	h.emu.UnblockChat(c.chatID())

	// /dulieu on either account shows the one record and both accounts.
	z.say("/dulieu")
	z.expect("Mật ong Tràm", "TÀI KHOẢN", "Telegram", "Zalo")

	// An account with a record of its own is not linked.
	d := h.user(7302)
	d.say("/start")
	storagetest.AddProduct(t, h.db.Store, d.chatID(), anphu, "Trà Phú Hòa")
	c.say("/lienket")
	d.say(linkCode.FindString(c.lastText()))
	d.expect("Tài khoản này đã có hồ sơ riêng")
	d.say("/hoso")
	d.expect("Trà Phú Hòa")
	if strings.Contains(d.lastText(), "Mật ong Tràm") {
		t.Fatal("a refused link shows the other person's records")
	}

	// /xoadulieu on Zalo erases the person's data, on Telegram too, and
	// the correction half-made on Telegram (its draft holds a phone).
	c.say("/suathongtin")
	c.press("✅ Tôi đồng ý")
	c.press("Số điện thoại")
	if s, err := h.rdb.Load(ctx, c.chatID()); err != nil || s.Data == nil {
		t.Fatalf("no conversation under way on Telegram: %+v (%v)", s, err)
	}
	z.say("/xoadulieu")
	z.choose("🗑 Xóa dữ liệu của tôi")
	z.expect("Đã xóa dữ liệu cá nhân")
	if s, err := h.rdb.Load(ctx, c.chatID()); err != nil || s.Data != nil {
		t.Fatalf("Telegram's conversation under way outlived the erasure: %s (%v)", s.Data, err)
	}
	// The Telegram chat's step was read before the erasure: refused at
	// commit, it is handled again from what Redis holds now.
	c.say("/hoso")
	h.waitFor("/hoso after the erasure", func() bool { return strings.Contains(c.lastText(), "Anh/Chị chưa có hồ sơ nào.") })
	c.say("/dulieu")
	if text := c.lastText(); strings.Contains(text, "0912345678") || !strings.Contains(text, "TÀI KHOẢN") {
		t.Errorf("Telegram's /dulieu after the erasure on Zalo:\n%s", text)
	}

	// Unlinked, the Zalo account is its own again.
	z.say("/lienket huy")
	z.expect("Đã bỏ liên kết")
	z.say("/hoso")
	z.expect("Anh/Chị chưa có hồ sơ nào.")
	t.Log(z.transcript())
}
