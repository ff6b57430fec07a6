package bot_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestRemindersOfImportedProducers: certificates imported from a
// province's registry (no registration, no council result) are reminded
// like any other. A producer that has claimed its record gets its reminder
// (without a registration code) and answers it; the reminder of one that
// has not is held, as is the expiry notice of another, and the officials
// of its commune and province (the unit above, in today's tree) are told
// to call them, in their chats, in /giahan and in /status. When it claims
// its record, the held reminder reaches it.
func TestRemindersOfImportedProducers(t *testing.T) {
	t.Parallel()
	// The bot starts on another day: its own sweep of the day it starts
	// must not run, empty, before the producers exist and take the place
	// of the test's (one sweep per day).
	h := newHarness(t, harnessOptions{now: time.Date(2026, 9, 1, 3, 0, 0, 0, time.UTC), twoLevel: true, merges: true, notify: true})
	ctx := context.Background()
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	anNhonTay := unitOn(t, h, "27508", 3, today)
	commune := bind(t, h, 9701, anNhonTay, ocop.RoleCommune)
	city := bind(t, h, 9702, unitOn(t, h, "79", 1, today), ocop.RoleProvince)
	// Both end on 20/12/2026: 27 days left, the 30-day stage.
	cert := storagetest.Cert{Stars: 3, Decided: "2023-12-20"}
	unlinked := storagetest.AddRegistryProducer(t, h.db.Store, anNhonTay, "HTX Rau Sạch An Nhơn", "0912000101", cert)
	claimed := storagetest.AddRegistryProducer(t, h.db.Store, anNhonTay, "HTX Mật Ong An Nhơn", "0912000102", cert)
	// And one whose certificate ends today: its expiry notice is held too.
	storagetest.AddRegistryProducer(t, h.db.Store, anNhonTay, "HTX Tre An Nhơn", "0912000103", storagetest.Cert{Stars: 3, Decided: "2023-11-23"})
	if _, err := h.db.Store.Pool().Exec(ctx, `UPDATE producers SET owner_user_id = 7501, chat_id = 7501, claimed_at = now() WHERE id = $1`, claimed); err != nil {
		t.Fatal(err)
	}

	h.sweepOn(today, 2)
	h.settled("reminders sent")

	// The claimed producer: its reminder, no registration code, answered.
	p := h.user(7501)
	p.expect("Nhắc đánh giá lại sản phẩm OCOP", "Sản phẩm: Sản phẩm của HTX Mật Ong An Nhơn (3 sao)\n", "có hiệu lực đến hết ngày 19/12/2026 — còn 27 ngày")
	if strings.Contains(p.lastText(), "hồ sơ") {
		t.Errorf("an imported certificate's reminder names a registration:\n%s", p.lastText())
	}
	p.press("Đăng ký đánh giá lại")
	p.expect("Đã ghi nhận: Anh/Chị đăng ký đánh giá lại sản phẩm Sản phẩm của HTX Mật Ong An Nhơn. Cán bộ")

	// The unlinked one: held, no job, officials told once each.
	if n := h.count(`SELECT count(*) FROM notifications WHERE producer_id = $1 AND status = 'held' AND chat_id IS NULL`, unlinked); n != 1 {
		t.Fatalf("held reminders of the unlinked producer: %d, want 1", n)
	}
	if n := h.count(`SELECT count(*) FROM river_job j JOIN notifications n ON n.id = (j.args->>'id')::bigint WHERE n.producer_id = $1`, unlinked); n != 0 {
		t.Errorf("jobs for a held reminder: %d, want none", n)
	}
	if n := h.count(`SELECT count(*) FROM notifications WHERE kind = 'expired' AND status = 'held' AND chat_id IS NULL`); n != 1 {
		t.Errorf("held expiry notices: %d, want 1", n)
	}
	h.settled("answer told")
	for _, o := range []*user{commune, city} {
		texts := strings.Join(h.botTexts(o.chatID()), "\n---\n")
		if !containsAll(texts,
			"Chưa gửi được tin nhắc đánh giá lại (30 ngày trước hạn): chủ thể chưa liên kết với bot",
			"HTX Rau Sạch An Nhơn, người đại diện Nguyễn Văn A, ĐT 0912000101 (chưa liên kết bot)",
			"Chưa gửi được tin báo hết hạn: chủ thể chưa liên kết với bot",
			"HTX Tre An Nhơn, người đại diện Nguyễn Văn A, ĐT 0912000103 (chưa liên kết bot)") {
			t.Errorf("chat %d: officials' notices lack the unlinked producers:\n%s", o.chatID(), texts)
		}
	}
	if n := h.count(`SELECT count(*) FROM notifications WHERE kind = 'unreachable' AND status = 'sent'`); n != 4 {
		t.Errorf("officials told %d times, want 4 (commune and city, once each of two producers)", n)
	}
	commune.say("/giahan")
	commune.expect("Trả lời nhắc đánh giá lại đang mở: 1", "• Sản phẩm của HTX Mật Ong An Nhơn — HTX Mật Ong An Nhơn: Đăng ký đánh giá lại",
		"Chưa liên lạc được qua bot (1)", "• Sản phẩm của HTX Rau Sạch An Nhơn (hiệu lực đến hết ngày 19/12/2026) — HTX Rau Sạch An Nhơn", "ĐT 0912000101 (chưa liên kết bot)")
	commune.say("/status")
	commune.expect("Sản phẩm OCOP còn hiệu lực: 2 (3★: 2 · 4★: 0 · 5★: 0)", "Sắp hết hạn trong 90 ngày: 2 sản phẩm",
		"1 đăng ký đánh giá lại", "1 không liên lạc được")

	// The unlinked producer claims its record in the chat: the held
	// reminder is released to its new chat, in the claim's transaction.
	late := h.user(7502)
	late.say("/nhanhoso")
	late.agree()
	late.shareContact("84912000101")
	late.expect("HTX Rau Sạch An Nhơn")
	late.press("✅ Đúng, đây là tôi")
	h.waitFor("the released reminder", func() bool {
		return h.count(`SELECT count(*) FROM notifications WHERE producer_id = $1 AND status = 'sent' AND chat_id = 7502`, unlinked) == 1
	})
	// The reminder and the claim's confirmation arrive in either order.
	reminded := false
	for _, m := range late.replies() {
		reminded = reminded || containsAll(m.Text, "Nhắc đánh giá lại sản phẩm OCOP",
			"Sản phẩm: Sản phẩm của HTX Rau Sạch An Nhơn (3 sao)", "có hiệu lực đến hết ngày 19/12/2026")
	}
	if !reminded {
		t.Fatalf("chat 7502: the released reminder never arrived")
	}
	late.press("Không đăng ký lại")
	late.expect("Anh/Chị không đăng ký đánh giá lại sản phẩm Sản phẩm của HTX Rau Sạch An Nhơn")
	commune.say("/giahan")
	if strings.Contains(commune.lastText(), "Chưa liên lạc được") {
		t.Errorf("the claimed producer is still listed as unreachable:\n%s", commune.lastText())
	}
}

// TestStatusFromImportedCertificates: certificates imported from a
// registry count in /status in both unit trees: in the three-level tree
// on a day of 2024 (Xã An Phú, Huyện Củ Chi, and the city as it was) and
// in today's tree, where Xã An Phú is part of Xã An Nhơn Tây, with the
// expiring list.
func TestStatusFromImportedCertificates(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{now: statusDay, twoLevel: true, merges: true})
	then := time.Date(2024, 9, 30, 0, 0, 0, 0, time.UTC)
	anPhu := unitOn(t, h, "27502", 3, then)
	anNhonTay := unitOn(t, h, "27508", 3, statusDay)
	type C = storagetest.Cert
	storagetest.AddRegistryProducer(t, h.db.Store, anPhu, "HTX Bưởi An Phú", "0912000201", C{Stars: 4, Decided: "2024-06-28"})
	storagetest.AddRegistryProducer(t, h.db.Store, anPhu, "HTX Chuối An Phú", "0912000202", C{Stars: 3, Decided: "2023-12-20"}) // ends 20/12/2026
	storagetest.AddRegistryProducer(t, h.db.Store, anNhonTay, "HTX Sen An Nhơn Tây", "0912000203", C{Stars: 4, Decided: "2026-02-01"})

	commune := bind(t, h, 9711, anNhonTay, ocop.RoleCommune)
	commune.say("/status")
	commune.expect("Xã An Nhơn Tây — tình hình OCOP ngày 23/11/2026", "Sản phẩm OCOP còn hiệu lực: 3 (3★: 1 · 4★: 2 · 5★: 0)",
		"Sắp hết hạn trong 90 ngày: 1 sản phẩm", "• Sản phẩm của HTX Chuối An Phú (3★, Xã An Phú (cũ), nay thuộc Xã An Nhơn Tây)")
	// The workbook names the group of products a registry brought
	// without a sub-group, and the commune of each as today.
	commune.press("📄 Xuất Excel")
	data, ok := h.emu.FileBytes(commune.last().DocumentFileID)
	if !ok {
		t.Fatal("no workbook")
	}
	book, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("workbook does not open: %v", err)
	}
	defer book.Close()
	rows, err := book.GetRows("Sản phẩm")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("product sheet: %v, want header and 3 products", rows)
	}
	for _, r := range rows[1:] {
		commune := "Xã An Phú (cũ), nay thuộc Xã An Nhơn Tây"
		if strings.Contains(r[1], "Sen An Nhơn Tây") {
			commune = "Xã An Nhơn Tây"
		}
		if len(r) < 13 || r[6] != "Thực phẩm" || r[4] != commune || r[5] != "Thành phố Hồ Chí Minh" {
			t.Errorf("row %v: want group Thực phẩm in %s, Thành phố Hồ Chí Minh", r, commune)
		}
	}
	commune.say("/status 30/09/2024")
	commune.expect("Anh/Chị chọn đơn vị:")
	commune.press("Xã An Phú, Huyện Củ Chi")
	commune.expect("Xã An Phú — tình hình OCOP ngày 30/09/2024", "Sản phẩm OCOP còn hiệu lực: 2 (3★: 1 · 4★: 1 · 5★: 0)")

	city := bind(t, h, 9712, unitOn(t, h, "79", 1, statusDay), ocop.RoleProvince)
	city.say("/status")
	city.expect("Thành phố Hồ Chí Minh — tình hình OCOP ngày 23/11/2026", "Sản phẩm OCOP còn hiệu lực: 3 (3★: 1 · 4★: 2 · 5★: 0)",
		"Sắp hết hạn trong 90 ngày: 1 sản phẩm")
	city.say("/status 30/09/2024")
	city.press("Thành phố Hồ Chí Minh")
	city.expect("Thành phố Hồ Chí Minh — tình hình OCOP ngày 30/09/2024", "Sản phẩm OCOP còn hiệu lực: 2 (3★: 1 · 4★: 1 · 5★: 0)")
}
