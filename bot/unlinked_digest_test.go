package bot_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/bot"
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

	// One producer claims its record. The next day brings nothing new: no
	// message; a week later the list comes again, without it.
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
	h.settled("next day")
	for _, o := range []*user{commune, city, small} {
		if got := o.replies(); len(got) != 0 {
			t.Errorf("chat %d: %d messages the next day with nothing new", o.chatID(), len(got))
		}
	}
	h.sweepOn(today.AddDate(0, 0, ocop.UnlinkedRepeatDays), n+2)
	h.settled("a week's digests sent")
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
	// Which two of the five blocked chats wait depends on the order their
	// sends were refused.
	if !containsAll(m.Caption, "⛔ 2 chủ thể không nhận được tin nhắc hạn", "(Xã An Nhơn Tây), ĐT 0912345678",
		"💬 3 trả lời nhắc đánh giá lại chưa báo:", "• Sản phẩm 8 — HTX Sản phẩm 8: Đăng ký đánh giá lại") ||
		strings.Count(m.Caption, "— đã chặn bot") != 2 || strings.Contains(m.Caption, "chưa liên kết bot cần nhắc") {
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

// TestUnlinkedDigestBrief: an official turns their daily digest down to
// the counts with /bantin (the settings message is edited in place); the
// next digest names no producer, shows no phone and attaches no file, and
// is not audited; its button sends the full workbook, audited then. The
// button's data is checked behind the transport's signature: garbage, a
// notification that is no digest, another official's digest, a unit no
// longer in the official's scope and a revoked official are refused and
// sent nothing. Switched back to full, the digest is today's again.
func TestUnlinkedDigestBrief(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{now: time.Date(2026, 9, 1, 3, 0, 0, 0, time.UTC), twoLevel: true, merges: true, notify: true})
	ctx := context.Background()
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	anNhonTay, cuChi := unitOn(t, h, "27508", 3, today), unitOn(t, h, "27553", 3, today)
	hcm := unitOn(t, h, "79", 1, today)
	commune := bind(t, h, 9741, anNhonTay, ocop.RoleCommune)
	city := bind(t, h, 9742, hcm, ocop.RoleProvince)
	cert := storagetest.Cert{Stars: 3, Decided: "2023-12-20"} // the 30-day stage on 23/11/2026
	const n = 6
	for i := range n {
		storagetest.AddRegistryProducer(t, h.db.Store, anNhonTay, fmt.Sprintf("HTX Rút Gọn %d", i), fmt.Sprintf("09120005%02d", i), cert)
	}
	storagetest.AddRegistryProducer(t, h.db.Store, cuChi, "HTX Củ Chi Một", "0912000601", cert)
	storagetest.AddRegistryProducer(t, h.db.Store, cuChi, "HTX Củ Chi Hai", "0912000602", cert)

	// /bantin: a commune official has the daily digest's setting only; a
	// province's official the weekly digest's too.
	commune.say("/bantin")
	commune.expect("Cài đặt bản tin của Anh/Chị", "bản đầy đủ — số lượng theo xã, 5 chủ thể cần liên hệ trước kèm số điện thoại")
	if strings.Contains(commune.lastText(), "hằng tuần") || !hasButton(commune.last(), "Nhận bản tin ngày rút gọn") {
		t.Errorf("a commune official's /bantin:\n%s\n%+v", commune.lastText(), commune.last().InlineKeyboard)
	}
	settings := commune.last().ID
	before := h.emu.MessageCount(commune.chatID())
	commune.press("Nhận bản tin ngày rút gọn")
	if got := h.emu.MessageCount(commune.chatID()); got != before {
		t.Errorf("switching sent %d messages, want the settings edited in place", got-before)
	}
	commune.expect("bản rút gọn — chỉ có số lượng theo xã, không kèm tên, số điện thoại hay tệp")
	if m := commune.last(); m.ID != settings || !hasButton(m, "Nhận bản tin ngày đầy đủ") {
		t.Errorf("after switching, message %d shows %+v; want %d with the button back to full", m.ID, m.InlineKeyboard, settings)
	}
	if d := h.text1(`SELECT unlinked_digest FROM officials WHERE user_id = 9741`); d != "brief" {
		t.Fatalf("stored detail %q, want brief", d)
	}
	city.say("/bantin")
	city.expect("Anh/Chị chưa nhận bản tin OCOP hằng tuần", "Bản tin hằng ngày về chủ thể chưa liên kết bot: bản đầy đủ")
	if m := city.last(); !hasButton(m, "Nhận bản tin hằng tuần") || !hasButton(m, "Nhận bản tin ngày rút gọn") {
		t.Errorf("a province official's /bantin buttons: %+v", m.InlineKeyboard)
	}
	commune.replies()
	city.replies()

	h.sweepOn(today, n+2)
	h.settled("digests sent")
	got := commune.replies()
	if len(got) != 1 {
		t.Fatalf("commune: %d messages, want one brief digest", len(got))
	}
	brief := got[0]
	if !strings.Contains(brief.Text, fmt.Sprintf("Hôm nay có %d chủ thể chưa liên kết bot", n)) || !strings.Contains(brief.Text, "Bản rút gọn") {
		t.Errorf("brief digest:\n%s", brief.Text)
	}
	if strings.Contains(brief.Text+brief.Caption, "09120005") || strings.Contains(brief.Text, "HTX Rút Gọn") || brief.DocumentFileID != "" {
		t.Errorf("the brief digest names a producer, shows a phone or has a file:\n%s (file %q)", brief.Text, brief.DocumentFileID)
	}
	if !hasButton(brief, "📎 Gửi danh sách đầy đủ") || hasButton(brief, "🔗 In liên kết nhận hồ sơ (QR)") {
		t.Errorf("brief digest's buttons: %+v", brief.InlineKeyboard)
	}
	// The province's official kept the full digest, audited when sent; the
	// brief one is not.
	if m := city.last(); m.DocumentFileID == "" || !strings.Contains(m.Caption, "ĐT 09120005") {
		t.Errorf("the city's full digest: %q (file %q)", m.Caption, m.DocumentFileID)
	}
	sweepAudits := func(user int64) int {
		return h.count(`SELECT count(*) FROM audit_log WHERE action = 'export.unreachable' AND actor_user = $1 AND details->>'digest' = 'true'`, user)
	}
	if a, b := sweepAudits(9741), sweepAudits(9742); a != 0 || b != 1 {
		t.Errorf("digests audited: brief %d (want 0), full %d (want 1)", a, b)
	}
	digestOf := func(chat int64) int64 {
		return int64(h.count(`SELECT max(id) FROM notifications WHERE kind = 'unlinked_digest' AND chat_id = $1`, chat))
	}
	own, other := digestOf(commune.chatID()), digestOf(city.chatID())

	// The button sends the workbook, every producer with a phone; audited.
	commune.press("📎 Gửi danh sách đầy đủ")
	if m := commune.last(); !strings.Contains(m.Caption, fmt.Sprintf("Danh sách đầy đủ %d chủ thể chưa liên kết bot theo bản tin ngày 23/11/2026", n)) {
		t.Errorf("the full list's caption: %q", m.Caption)
	}
	book := workbook(t, h, commune)
	rows, err := book.GetRows(book.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n+1 {
		t.Fatalf("the full list has %d rows, want %d and a header", len(rows)-1, n)
	}
	for _, r := range rows[1:] {
		if len(r) < 5 || !strings.HasPrefix(r[4], "09120005") {
			t.Errorf("row without a phone: %v", r)
		}
	}
	if c := h.count(`SELECT count(*) FROM audit_log WHERE action = 'export.unreachable' AND actor_user = 9741 AND entity_id = $1
AND (details->>'rows')::int = $2 AND details->>'digest' = 'true' AND (details->>'notification_id')::bigint = $3`, anNhonTay, n, own); c != 1 {
		t.Errorf("the full list's audit rows: %d, want 1", c)
	}
	exports := func() int {
		return h.count(`SELECT count(*) FROM audit_log WHERE action = 'export.unreachable' AND actor_user = 9741`)
	}
	for _, m := range h.emu.BotMessages(commune.chatID()) {
		if m.ID == brief.ID && !hasButton(m, "📎 Gửi danh sách đầy đủ") {
			t.Error("the brief digest lost its button once pressed")
		}
	}

	// Forged: data the transport would sign for this chat, which no button
	// of the bot carried, is refused by the flows; unsigned, by the
	// transport. Each is answered as an old button, and nothing is sent.
	key, err := h.db.Store.ButtonKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reminder := h.count(`SELECT min(id) FROM notifications WHERE kind = 'reminder'`)
	sign := func(data string) string { return bot.SignButton(key, commune.chatID(), data) }
	forged := []string{
		sign("x|ul|abc"), sign("x|ul|"), sign("x|ul|-1"), sign("x|ul|99999999"),
		sign(fmt.Sprintf("x|ul|%d", reminder)), // a notification, but no digest
		sign(fmt.Sprintf("x|ul|%d", other)),    // the city official's digest
		fmt.Sprintf("x|ul|%d", own),            // unsigned
	}
	before, exported := h.emu.MessageCount(commune.chatID()), exports()
	answered := len(h.emu.CallbackAnswers(commune.chatID()))
	for _, data := range forged {
		h.waitDone(mustForge(t, h, commune, settings, data))
	}
	if got := h.emu.MessageCount(commune.chatID()); got != before {
		t.Fatalf("forged presses got %d messages: %q", got-before, commune.lastText())
	}
	answers := h.emu.CallbackAnswers(commune.chatID())[answered:]
	if len(answers) != len(forged) {
		t.Fatalf("%d forged presses answered, want %d", len(answers), len(forged))
	}
	for _, a := range answers {
		if !a.Answered || !strings.Contains(a.Text, "Nút này thuộc tin nhắn cũ") {
			t.Errorf("forged press answered %+v, want the old-button toast", a)
		}
	}
	if got := exports(); got != exported {
		t.Errorf("forged presses recorded %d exports", got-exported)
	}
	refusals := func(unit int64) int {
		return h.count(`SELECT count(*) FROM audit_log WHERE action = 'scope.refused' AND actor_user = 9741 AND details->>'action' = 'ul' AND entity_id = $1`, unit)
	}
	if c := refusals(hcm); c != 1 {
		t.Errorf("the city's digest asked for: %d refusals audited, want 1", c)
	}

	// Back to full: the next digest (a week later: nothing new since) is
	// the full one, audited when sent. The province's official turns theirs down: counts by commune,
	// and the claim links' button beside the list's.
	commune.say("/bantin")
	commune.press("Nhận bản tin ngày đầy đủ")
	commune.expect("bản đầy đủ")
	commune.replies()
	city.say("/bantin")
	city.press("Nhận bản tin ngày rút gọn")
	city.replies()
	h.sweepOn(today.AddDate(0, 0, ocop.UnlinkedRepeatDays), n+2)
	h.settled("next digests sent")
	if m := city.last(); !containsAll(m.Text, fmt.Sprintf("Hôm nay có %d chủ thể", n+2), "Xã An Nhơn Tây: 6", "Xã Củ Chi: 2") ||
		strings.Contains(m.Text, "HTX") || strings.Contains(m.Text, "0912000") || m.DocumentFileID != "" ||
		!hasButton(m, "📎 Gửi danh sách đầy đủ") || !hasButton(m, "🔗 In liên kết nhận hồ sơ (QR)") {
		t.Errorf("the city's brief digest:\n%s\n%+v", m.Text, m.InlineKeyboard)
	}
	if b := sweepAudits(9742); b != 1 {
		t.Errorf("the city's digests audited: %d, want 1 (the brief one is not)", b)
	}
	got = commune.replies()
	if len(got) != 1 || got[0].DocumentFileID == "" || !containsAll(got[0].Caption, "Cần liên hệ trước:", "ĐT 09120005") {
		t.Fatalf("commune's digest after switching back: %+v", got)
	}
	if hasButton(got[0], "📎 Gửi danh sách đầy đủ") {
		t.Error("the full digest offers its list again")
	}
	if a := sweepAudits(9741); a != 2 { // the list asked for, and today's digest
		t.Errorf("commune's digest exports: %d, want 2", a)
	}

	// Moved to another commune: the old digest's unit is out of scope.
	moved := bind(t, h, 9741, cuChi, ocop.RoleCommune)
	exported = exports()
	h.waitDone(mustForge(t, h, moved, brief.ID, sign(fmt.Sprintf("x|ul|%d", own))))
	moved.expect("Đơn vị này không thuộc phạm vi của Anh/Chị")
	if c := refusals(anNhonTay); c != 1 {
		t.Errorf("refusals of An Nhơn Tây's digest: %d, want 1", c)
	}
	// Revoked: refused as anyone who is no official.
	if _, err := h.db.Store.RevokeOfficial(ctx, 9741, 0, "test"); err != nil {
		t.Fatal(err)
	}
	h.waitDone(mustForge(t, h, moved, brief.ID, sign(fmt.Sprintf("x|ul|%d", own))))
	moved.expect("Lệnh này dành cho cán bộ quản lý OCOP")
	if m := moved.last(); m.DocumentFileID != "" {
		t.Error("a revoked official got the workbook")
	}
	if got := exports(); got != exported {
		t.Errorf("refused presses recorded %d exports", got-exported)
	}
}
