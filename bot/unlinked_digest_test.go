package bot_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestUnlinkedDigest: a registry's producers not linked to the bot whose
// reminders the sweep holds reach each official of their communes and
// province as one digest message, with a workbook of every one of them
// (phones: audited), instead of a notice per producer and stage; an
// official with at most ocop.UnlinkedThreshold such producers still gets
// the single notices. A producer that claims its record is off the next
// day's digest.
func TestUnlinkedDigest(t *testing.T) {
	t.Parallel()
	// The bot starts on another day (see TestRemindersOfImportedProducers).
	h := newHarness(t, harnessOptions{now: time.Date(2026, 9, 1, 3, 0, 0, 0, time.UTC), twoLevel: true, merges: true, notify: true})
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	anNhonTay, cuChi := unitOn(t, h, "27508", 3, today), unitOn(t, h, "27553", 3, today)
	commune := bind(t, h, 9731, anNhonTay, ocop.RoleCommune)
	small := bind(t, h, 9732, cuChi, ocop.RoleCommune)
	city := bind(t, h, 9733, unitOn(t, h, "79", 1, today), ocop.RoleProvince)
	for _, o := range []*user{commune, small, city} {
		o.replies()
	}
	// Each ends on 20/12/2026: 27 days left, the 30-day stage.
	cert := storagetest.Cert{Stars: 3, Decided: "2023-12-20"}
	const n = 6
	for i := range n {
		storagetest.AddRegistryProducer(t, h.db.Store, anNhonTay, fmt.Sprintf("HTX Digest %d", i), fmt.Sprintf("09120003%02d", i), cert)
	}
	storagetest.AddRegistryProducer(t, h.db.Store, cuChi, "HTX Củ Chi Một", "0912000401", cert)
	storagetest.AddRegistryProducer(t, h.db.Store, cuChi, "HTX Củ Chi Hai", "0912000402", cert)

	h.sweepOn(today, n+2)
	h.settled("digests sent")

	digest := func(o *user, rows int, head string, absent ...string) emulator.Message {
		t.Helper()
		got := o.replies()
		if len(got) != 1 {
			var texts []string
			for _, m := range got {
				texts = append(texts, m.Text+m.Caption)
			}
			t.Fatalf("chat %d: %d messages, want one digest:\n%s", o.chatID(), len(got), strings.Join(texts, "\n---\n"))
		}
		m := got[0]
		if !strings.Contains(m.Caption, head) {
			t.Errorf("chat %d: digest lacks %q:\n%s", o.chatID(), head, m.Caption)
		}
		data, ok := h.emu.FileBytes(m.DocumentFileID)
		if !ok {
			t.Fatalf("chat %d: the digest has no workbook", o.chatID())
		}
		book, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		defer book.Close()
		sheet := book.GetSheetName(0)
		all, err := book.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != rows+1 {
			t.Fatalf("chat %d: workbook has %d rows, want %d and a header: %v", o.chatID(), len(all)-1, rows, all)
		}
		for _, r := range all[1:] {
			if len(r) < 5 || !strings.HasPrefix(r[4], "09120") {
				t.Errorf("chat %d: row without a phone: %v", o.chatID(), r)
			}
			for _, a := range absent {
				if r[1] == a {
					t.Errorf("chat %d: %s is still in the digest", o.chatID(), a)
				}
			}
		}
		return m
	}
	digest(commune, n, fmt.Sprintf("Hôm nay có %d chủ thể chưa liên kết bot cần nhắc đánh giá lại (%d hết hiệu lực trong 30 ngày)", n, n))
	m := digest(city, n+2, fmt.Sprintf("Hôm nay có %d chủ thể chưa liên kết bot cần nhắc đánh giá lại", n+2))
	if !containsAll(m.Caption, "Xã An Nhơn Tây: 6", "Xã Củ Chi: 2", "Cần liên hệ trước:") {
		t.Errorf("city digest lacks counts by commune or the urgent ones:\n%s", m.Caption)
	}
	// Its button prints the claim links of the city's unlinked producers.
	city.press("In liên kết nhận hồ sơ")
	if c := city.last().Caption; !strings.Contains(c, fmt.Sprintf("Liên kết nhận hồ sơ cho %d chủ thể chưa liên kết", n+2)) {
		t.Errorf("claim links from the digest: %q", c)
	}
	// Below the threshold: one notice per producer, as before.
	got := small.replies()
	if len(got) != 2 {
		t.Fatalf("Xã Củ Chi: %d messages, want two single notices", len(got))
	}
	for _, m := range got {
		if !containsAll(m.Text, "Chưa gửi được tin nhắc đánh giá lại (30 ngày trước hạn): chủ thể chưa liên kết với bot", "HTX Củ Chi") {
			t.Errorf("Xã Củ Chi: not a single notice:\n%s", m.Text)
		}
	}
	if got := h.count(`SELECT count(*) FROM audit_log WHERE action = 'export.unreachable' AND details->>'digest' = 'true'`); got != 2 {
		t.Errorf("digests audited as exports: %d, want 2", got)
	}

	// One producer claims its record; the next day's digests leave it out.
	late := h.user(7531)
	late.say("/nhanhoso")
	late.agree()
	late.shareContact("84912000300")
	late.expect("HTX Digest 0")
	late.press("✅ Đúng, đây là tôi")
	h.settled("claimed")
	for _, o := range []*user{commune, city} {
		o.replies()
	}
	h.sweepOn(today.AddDate(0, 0, 1), n+2)
	h.settled("next digests sent")
	digest(commune, n-1, fmt.Sprintf("Hôm nay có %d chủ thể", n-1), "HTX Digest 0")
	digest(city, n+1, fmt.Sprintf("Hôm nay có %d chủ thể", n+1), "HTX Digest 0")
}

// TestEventsPastTheAllowanceJoinTheDigest: after a sweep, five producers
// who blocked the bot and three answers reach an official as three single
// notices (the day's allowance, ocop.UnlinkedThreshold), not eight; the
// five others wait, and the next morning's sweep sends them as one digest:
// the producers that blocked the bot marked in its list and its workbook,
// the answers in a line each and a sheet.
func TestEventsPastTheAllowanceJoinTheDigest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{now: time.Date(2026, 9, 1, 3, 0, 0, 0, time.UTC), twoLevel: true, merges: true, notify: true})
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	anNhonTay := unitOn(t, h, "27508", 3, today)
	commune := bind(t, h, 9741, anNhonTay, ocop.RoleCommune)
	commune.replies()
	cert := storagetest.Cert{Stars: 3, Decided: "2023-12-20"} // ends 20/12/2026: the 30-day stage
	const producers, blocked = 8, 5
	for i := range producers {
		owner := int64(7601 + i)
		storagetest.AddProduct(t, h.db.Store, owner, anNhonTay, fmt.Sprintf("Sản phẩm %d", i+1), cert)
		if i < blocked {
			h.emu.BlockChat(owner)
		}
	}
	h.sweepOn(today, producers)
	h.settled("reminders sent")
	for i := blocked; i < producers; i++ {
		p := h.user(int64(7601 + i))
		p.press("Đăng ký đánh giá lại")
		p.expect("Đã ghi nhận")
	}
	h.settled("answers")
	got := commune.replies()
	if len(got) != ocop.UnlinkedThreshold {
		t.Fatalf("the official got %d messages on the sweep's day, want %d", len(got), ocop.UnlinkedThreshold)
	}
	for _, m := range got {
		if !strings.Contains(m.Text, "Không gửi được tin nhắc đánh giá lại") {
			t.Errorf("a single notice that is not the first events':\n%s", m.Text)
		}
	}
	if n := h.count(`SELECT count(*) FROM notifications WHERE chat_id = 9741 AND status = 'held'`); n != producers-ocop.UnlinkedThreshold {
		t.Errorf("held for the digest: %d, want %d", n, producers-ocop.UnlinkedThreshold)
	}

	h.sweepOn(today.AddDate(0, 0, 1), producers)
	h.settled("the digest")
	got = commune.replies()
	if len(got) != 1 {
		t.Fatalf("the next morning: %d messages, want one digest", len(got))
	}
	m := got[0]
	if !containsAll(m.Caption, "⛔ 2 chủ thể không nhận được tin nhắc hạn", "HTX Sản phẩm 4 (Xã An Nhơn Tây), ĐT 0912345678",
		"— đã chặn bot", "💬 3 trả lời nhắc đánh giá lại chưa báo:", "• Sản phẩm 8 — HTX Sản phẩm 8: Đăng ký đánh giá lại") ||
		strings.Contains(m.Caption, "chưa liên kết bot cần nhắc") {
		t.Errorf("the digest:\n%s", m.Caption)
	}
	data, ok := h.emu.FileBytes(m.DocumentFileID)
	if !ok {
		t.Fatal("the digest has no workbook")
	}
	book, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	people, err := book.GetRows(book.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	answers, err := book.GetRows(book.GetSheetName(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(people) != 3 || len(answers) != 4 {
		t.Fatalf("workbook: %d producers and %d answers, want 2 and 3:\n%v\n%v", len(people)-1, len(answers)-1, people, answers)
	}
	for _, r := range people[1:] {
		if len(r) < 8 || r[4] != "0912345678" || r[7] != "Đã chặn bot" {
			t.Errorf("producer row: %v", r)
		}
	}
	for _, r := range answers[1:] {
		if len(r) < 7 || !strings.HasPrefix(r[1], "OCOP-") || r[6] != "Đăng ký đánh giá lại" {
			t.Errorf("answer row: %v", r)
		}
	}
	if n := h.count(`SELECT count(*) FROM notifications WHERE chat_id = 9741 AND status = 'held'`); n != 0 {
		t.Errorf("%d notices still held after the digest", n)
	}
}
