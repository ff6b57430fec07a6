package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestRenewalReminders runs a renewal season through the emulator: the
// daily sweep reminds six producers 27 days before their certificates end;
// they press each of the three answers (one twice at once, one changing
// their mind), one has blocked the bot and is listed to officials with
// their phone instead; officials are told of every answer, see them in
// /status and /giahan, and the re-evaluation among /ketqua's registrations;
// a council result settles it; the weekly digest reaches the district
// official who asked for it; on the expiry day the producers are told,
// and a second process sweeping the same day sends nothing again.
func TestRenewalReminders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{now: time.Date(2026, 9, 1, 3, 0, 0, 0, time.UTC), notify: true})
	ctx := context.Background()
	registered := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	cuchi, anphu := unitOn(t, h, "783", 2, registered), unitOn(t, h, "27502", 3, registered)
	commune := bind(t, h, 9601, anphu, ocop.RoleCommune)
	district := bind(t, h, 9602, cuchi, ocop.RoleDistrict)
	type C = storagetest.Cert
	products := map[int64]int64{}
	for owner, p := range map[int64]struct {
		name  string
		stars int
	}{7401: {"Mật ong Tràm", 3}, 7402: {"Trà Atiso", 4}, 7403: {"Bánh Pía", 3}, 7404: {"Nước mắm", 3}, 7405: {"Rượu Sim", 5}, 7406: {"Chè lam", 3}} {
		products[owner] = storagetest.AddProduct(t, h.db.Store, owner, anphu, p.name, C{Stars: p.stars, Decided: "2023-12-20"})
	}
	h.emu.BlockChat(7404)
	notifier := h.procs[0].notifier

	// 23/11/2026, 10:00 in Vietnam: 27 days before 20/12/2026.
	h.setClock(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	if err := notifier.Sweep(ctx, day); err != nil {
		t.Fatal(err)
	}
	h.waitFor("six reminders", func() bool { return h.count(`SELECT count(*) FROM notifications WHERE kind = 'reminder'`) == 6 })
	h.settled("reminders sent")
	for owner, name := range map[int64]string{7401: "Mật ong Tràm", 7402: "Trà Atiso", 7403: "Bánh Pía", 7405: "Rượu Sim", 7406: "Chè lam"} {
		p := h.user(owner)
		p.expect("Nhắc đánh giá lại sản phẩm OCOP", "Sản phẩm: "+name, "có hiệu lực đến hết ngày 19/12/2026 — còn 27 ngày", h.codeOf(products[owner]))
		labels := buttonLabels(p.last().InlineKeyboard)
		want := "Đăng ký đánh giá lại|Đăng ký nâng hạng sao|Không đăng ký lại"
		if owner == 7405 {
			want = "Đăng ký đánh giá lại|Không đăng ký lại" // 5★ has no higher rank
		}
		if labels != want {
			t.Errorf("%s: buttons %q, want %q", name, labels, want)
		}
	}
	if n := h.count(`SELECT count(*) FROM notifications WHERE kind = 'reminder' AND chat_id = 7404 AND status = 'blocked'`); n != 1 {
		t.Fatalf("the blocked producer's reminder: %d blocked, want 1", n)
	}
	// Both officials hear, once each, whom to call instead.
	for _, o := range []*user{commune, district} {
		o.expect("Không gửi được tin nhắc đánh giá lại (30 ngày trước hạn)", "Nước mắm", "người đại diện Nguyễn Văn A, ĐT 0912345678")
	}
	if n := h.count(`SELECT count(*) FROM notifications WHERE kind = 'unreachable'`); n != 2 {
		t.Errorf("unreachable notices: %d, want 2", n)
	}

	// The three answers. Mật ong Tràm's producer taps twice at once.
	p1 := h.user(7401)
	msg, data := p1.find("Đăng ký đánh giá lại")
	var ids []int64
	for range 2 {
		id, err := h.emu.PressButton(7401, p1.u, msg, data)
		if errors.Is(err, emulator.ErrButtonNotFound) && len(ids) == 1 {
			// The bot cleared the keyboard between the two calls: no
			// double tap this time.
			t.Log("the second tap came too late")
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		h.waitDone(id)
	}
	texts := strings.Join(h.botTexts(7401), "\n")
	if !containsAll(texts, "Đã ghi nhận: Anh/Chị đăng ký đánh giá lại sản phẩm Mật ong Tràm") ||
		len(ids) == 2 && !strings.Contains(texts, "không có gì thay đổi") {
		t.Errorf("double tap: got\n%s", texts)
	}
	p2 := h.user(7402)
	p2.press("Đăng ký nâng hạng sao")
	p2.expect("Đã ghi nhận: Anh/Chị đăng ký nâng hạng sản phẩm Trà Atiso", "lên 5 sao")
	p3 := h.user(7403)
	p3.press("Không đăng ký lại")
	p3.expect("Anh/Chị không đăng ký đánh giá lại sản phẩm Bánh Pía", "Giấy chứng nhận có hiệu lực đến hết ngày 19/12/2026; sau ngày đó")
	p6 := h.user(7406)
	p6.press("Không đăng ký lại")
	p6.press("Đăng ký đánh giá lại")
	p6.expect("Đã đổi lựa chọn từ «Không đăng ký lại» sang «Đăng ký đánh giá lại»")
	if n := h.count(`SELECT count(*) FROM renewal_requests`); n != 4 {
		t.Fatalf("renewal requests: %d, want 4", n)
	}
	if n := h.count(`SELECT count(*) FROM renewal_requests WHERE answer = 'reevaluate' AND status = 'open'`); n != 2 {
		t.Errorf("open re-evaluations: %d, want 2", n)
	}
	h.settled("answers told")
	// Five answers (the double tap counted once, the change of mind twice),
	// each to both officials: a day's allowance is three single notices
	// (ocop.UnlinkedThreshold), the unreachable producer's and the first
	// two answers; the three others wait for the next sweep.
	if n := h.count(`SELECT count(*) FROM notifications WHERE kind = 'renewal_answer' AND status = 'sent'`); n != 4 {
		t.Errorf("answers told to officials: %d, want 4", n)
	}
	if n := h.count(`SELECT count(*) FROM notifications WHERE kind = 'renewal_answer' AND status = 'held'`); n != 6 {
		t.Errorf("answers past the day's allowance: %d held, want 6", n)
	}
	dtexts := strings.Join(h.botTexts(district.chatID()), "\n---\n")
	if !containsAll(dtexts, "Trả lời nhắc đánh giá lại", "HTX Trà Atiso — sản phẩm Trà Atiso (4 sao", "Đăng ký nâng hạng lên 5 sao") ||
		strings.Contains(dtexts, "HTX Bánh Pía") {
		t.Errorf("district's notices:\n%s", dtexts)
	}

	// Officials' views.
	district.say("/status")
	district.expectSome("Đánh giá lại: 2 đăng ký đánh giá lại, 1 nâng hạng, 1 không đăng ký lại; 1 đã nhắc chưa trả lời, 1 không liên lạc được")
	district.say("/giahan")
	district.expect("Trả lời nhắc đánh giá lại đang mở: 4", h.codeOf(products[7401])+" · Mật ong Tràm", "Đăng ký nâng hạng lên 5 sao",
		"Chưa liên lạc được qua bot (1)", "Nước mắm", "ĐT 0912345678")
	commune.say("/giahan")
	commune.expect("Trả lời nhắc đánh giá lại đang mở: 4")
	h.user(7405).say("/giahan")
	h.user(7405).expect("dành cho cán bộ")
	district.say("/ketqua")
	if !strings.Contains(buttonLabels(district.last().InlineKeyboard), h.codeOf(products[7401])) {
		t.Errorf("the re-evaluation is not among /ketqua's registrations: %q", buttonLabels(district.last().InlineKeyboard))
	}
	district.say("/huy")
	district.press("Có, hủy")

	// The council re-evaluates Mật ong Tràm: the request is settled.
	if _, err := h.db.Store.RecordResults(ctx, []ocop.Result{result(t, h, products[7401], 75, "2026-11-23")}); err != nil {
		t.Fatal(err)
	}
	if n := h.count(`SELECT count(*) FROM renewal_requests WHERE product_id = $1 AND status = 'done' AND result_id IS NOT NULL`, products[7401]); n != 1 {
		t.Errorf("the result did not settle the request")
	}
	h.settled("result told")
	p1.press("Đăng ký nâng hạng sao")
	p1.expect("đã có kết quả đánh giá mới")

	// The weekly digest, for the district official who asks.
	commune.say("/bantin")
	commune.expect("Bản tin hằng ngày về chủ thể chưa liên kết bot: bản đầy đủ")
	if strings.Contains(commune.lastText(), "hằng tuần") {
		t.Errorf("a commune official is offered the weekly digest:\n%s", commune.lastText())
	}
	district.say("/bantin")
	district.expect("Anh/Chị chưa nhận bản tin OCOP hằng tuần")
	district.press("Nhận bản tin hằng tuần")
	district.expect("Anh/Chị đang nhận bản tin OCOP hằng tuần")
	if err := notifier.Digest(ctx, day); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the digest", func() bool {
		return h.count(`SELECT count(*) FROM notifications WHERE kind = 'digest' AND status = 'sent'`) == 1
	})
	district.expect("Bản tin OCOP tuần — Huyện Củ Chi (23/11/2026)", "Sắp hết hạn, hiệu lực đến hết ngày 20/02/2027 hoặc sớm hơn: 5 sản phẩm",
		"• Bánh Pía — HTX Bánh Pía (3 sao): hiệu lực đến hết ngày 19/12/2026", "Trả lời nhắc hạn từ ngày 16/11/2026: 4", "• Trà Atiso — HTX Trà Atiso: Đăng ký nâng hạng lên 5 sao")
	if err := notifier.Digest(ctx, day.AddDate(0, 0, 2)); err != nil { // the same week again
		t.Fatal(err)
	}

	// 20/12/2026: the certificates end, and their producers are told; the
	// one re-evaluated has a new certificate and hears nothing.
	h.setClock(time.Date(2026, 12, 20, 3, 0, 0, 0, time.UTC))
	expiry := time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)
	second := h.start(h.opts) // a second process shares the database
	for _, n := range []interface {
		Sweep(context.Context, time.Time) error
	}{notifier, second.notifier, notifier} {
		if err := n.Sweep(ctx, expiry); err != nil {
			t.Fatal(err)
		}
	}
	h.waitFor("expiry notices", func() bool { return h.count(`SELECT count(*) FROM notifications WHERE kind = 'expired'`) == 5 })
	h.settled("expiry notices sent")
	for _, owner := range []int64{7402, 7403, 7405, 7406} {
		h.user(owner).expect("có hiệu lực đến hết ngày 19/12/2026 (đã hết hạn)", "không còn được tính là sản phẩm OCOP")
	}
	if strings.Contains(strings.Join(h.botTexts(7401), "\n"), "đã hết hạn") {
		t.Error("the re-evaluated product's producer was told it expired")
	}
	// The sweep told the officials the answers held since (three: single
	// notices), and a new day's allowance the unreachable producer.
	dtexts = strings.Join(h.botTexts(district.chatID()), "\n---\n")
	if !containsAll(dtexts, "Không gửi được tin báo hết hạn", "Nước mắm", "HTX Chè lam", "(Trước đó: Không đăng ký lại)", "HTX Bánh Pía") {
		t.Errorf("district's notices on the expiry day:\n%s", dtexts)
	}
	if n := h.count(`SELECT count(*) FROM notifications WHERE kind = 'renewal_answer' AND status = 'sent'`); n != 10 {
		t.Errorf("answers told to officials: %d, want 10", n)
	}
	// Nothing twice: one reminder and one expiry notice per certificate,
	// one digest.
	if n := h.count(`SELECT count(*) FROM notifications WHERE kind IN ('reminder', 'expired') GROUP BY chat_id ORDER BY 1 DESC LIMIT 1`); n != 2 {
		t.Errorf("a producer got %d reminders and notices, want at most 2", n)
	}
	// One digest of the week of 23/11, and no week twice. Whether the week
	// of 14/12, which the clock skipped, is caught up depends on which
	// process River elects leader: a leader runs the start-up catch-up, and
	// the second process, started on 20/12, sometimes wins the election
	// (the failure of one fresh-clone run in six on 7/12).
	if n := h.count(`SELECT count(*) FROM official_digests WHERE week = '2026-11-23'`); n != 1 {
		t.Errorf("digests of the week of 23/11: %d, want 1", n)
	}
	if n := h.count(`SELECT count(*) FROM official_digests d JOIN notifications n ON n.id = d.notification_id
		GROUP BY d.user_id, d.week ORDER BY 1 DESC LIMIT 1`); n != 1 {
		t.Errorf("an official got %d digests of one week, want 1", n)
	}
	if n := h.count(`SELECT count(*) FROM notifications n WHERE kind = 'digest'
		AND NOT EXISTS (SELECT 1 FROM official_digests d WHERE d.notification_id = n.id)`); n != 0 {
		t.Errorf("%d digests queued outside a week's record", n)
	}
	if n := h.count(`SELECT count(*) FROM river_job WHERE kind = 'renewal_sweep'`); n > 3 { // 1/9 at start, 23/11, 20/12
		t.Errorf("%d sweep jobs: the same day was swept twice", n)
	}
}

func buttonLabels(rows [][]emulator.Button) string {
	var out []string
	for _, row := range rows {
		for _, b := range row {
			out = append(out, b.Text)
		}
	}
	return strings.Join(out, "|")
}

// TestRenewalNoticesOfOldCommunesReachTodaysOfficials: producers of Xã Tân
// Thông Hội, a commune of the three-level tree (their certificates were
// decided in 2023), are reminded in November 2026: the officials of Xã Củ
// Chi, which took the commune in, and of the city hear in their chats of
// the reminder held for the producer not linked yet, of the one that could
// not reach a producer who blocked the bot, and of the answer of the
// third; /giahan lists the same producers to them.
func TestRenewalNoticesOfOldCommunesReachTodaysOfficials(t *testing.T) {
	t.Parallel()
	// The bot starts on another day: its own sweep of the day it starts
	// must not run, empty, before the producers exist and take the place
	// of the test's (one sweep per day).
	h := newHarness(t, harnessOptions{now: time.Date(2026, 9, 1, 3, 0, 0, 0, time.UTC), twoLevel: true, merges: true, notify: true})
	ctx := context.Background()
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	oldCommune := unitOn(t, h, "27556", 3, time.Date(2023, 12, 20, 0, 0, 0, 0, time.UTC)) // Xã Tân Thông Hội
	var cuChi int64                                                                       // Xã Củ Chi, which took it in whole
	if err := h.db.Store.Pool().QueryRow(ctx, `
SELECT u.id FROM admin_unit_origins o JOIN admin_units u ON u.id = o.unit_id WHERE o.old_unit_id = $1 AND u.name = 'Xã Củ Chi'`,
		oldCommune).Scan(&cuChi); err != nil {
		t.Fatal(err)
	}
	commune := bind(t, h, 9721, cuChi, ocop.RoleCommune)
	city := bind(t, h, 9722, unitOn(t, h, "79", 1, today), ocop.RoleProvince)
	cert := storagetest.Cert{Stars: 3, Decided: "2023-12-20"} // ends 20/12/2026: the 30-day stage
	storagetest.AddRegistryProducer(t, h.db.Store, oldCommune, "HTX Rau Tân Thông Hội", "0912000301", cert)
	storagetest.AddProduct(t, h.db.Store, 7811, oldCommune, "Mật ong Tân Thông", cert)
	storagetest.AddProduct(t, h.db.Store, 7812, oldCommune, "Bánh tráng Tân Thông", cert)
	h.emu.BlockChat(7812)

	h.sweepOn(today, 3)
	h.settled("reminders sent")
	p := h.user(7811)
	p.expect("Nhắc đánh giá lại sản phẩm OCOP", "Mật ong Tân Thông")
	p.press("Đăng ký đánh giá lại")
	p.expect("Đã ghi nhận: Anh/Chị đăng ký đánh giá lại sản phẩm Mật ong Tân Thông")
	h.settled("answer told")

	for _, o := range []*user{commune, city} {
		texts := strings.Join(h.botTexts(o.chatID()), "\n---\n")
		if !containsAll(texts,
			"Chưa gửi được tin nhắc đánh giá lại (30 ngày trước hạn): chủ thể chưa liên kết với bot",
			"HTX Rau Tân Thông Hội, người đại diện Nguyễn Văn A, ĐT 0912000301 (chưa liên kết bot)",
			"Không gửi được tin nhắc đánh giá lại (30 ngày trước hạn)", "Bánh tráng Tân Thông",
			"Trả lời nhắc đánh giá lại", "HTX Mật ong Tân Thông — sản phẩm Mật ong Tân Thông (3 sao") {
			t.Errorf("chat %d: today's officials were not told of the old commune's producers:\n%s", o.chatID(), texts)
		}
		o.say("/giahan")
		o.expect("Trả lời nhắc đánh giá lại đang mở: 1", "Mật ong Tân Thông", "Chưa liên lạc được qua bot (2)",
			"HTX Rau Tân Thông Hội", "Bánh tráng Tân Thông")
	}
	// Once each: two unreachable notices and one answer per official.
	for kind, want := range map[string]int{"unreachable": 4, "renewal_answer": 2} {
		if n := h.count(`SELECT count(*) FROM notifications WHERE kind = $1 AND status = 'sent' AND chat_id IN (9721, 9722)`, kind); n != want {
			t.Errorf("%s notices sent to today's officials: %d, want %d", kind, n, want)
		}
	}
}

// settled waits until no notification is queued and every job is done.
func (h *harness) settled(what string) {
	h.t.Helper()
	h.waitFor(what, func() bool {
		return h.count(`SELECT count(*) FROM notifications WHERE status = 'queued'`) == 0 &&
			h.count(`SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled')`) == 0
	})
}

// sweepOn moves the bot's clock to 10:00 of day in Vietnam, sweeps the
// day's reminders and waits until reminders are queued in all.
func (h *harness) sweepOn(day time.Time, reminders int) {
	h.t.Helper()
	h.setClock(day.Add(3 * time.Hour))
	if err := h.procs[0].notifier.Sweep(context.Background(), day); err != nil {
		h.t.Fatal(err)
	}
	h.waitFor(fmt.Sprintf("%d reminders", reminders), func() bool {
		return h.count(`SELECT count(*) FROM notifications WHERE kind = 'reminder'`) == reminders
	})
}
