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
