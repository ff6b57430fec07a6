package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// waitFor waits until cond holds (checked on every emulator change and
// every 100 ms, since database writes do not wake the emulator).
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	// Generous: a loaded 2-core machine running every package's tests at
	// once can be slow; this bounds a hang, it times nothing.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			rows, _ := h.db.Store.Pool().Query(context.Background(), `SELECT n.id, n.status, n.attempts, coalesce(n.last_error, ''), coalesce(j.state::text, 'none'), coalesce(j.errors::text, '') FROM notifications n LEFT JOIN river_job j ON (j.args->>'id')::bigint = n.id WHERE n.status = 'queued' LIMIT 5`)
			for rows.Next() {
				var id int64
				var st, e, js, je string
				var att int
				_ = rows.Scan(&id, &st, &att, &e, &js, &je)
				h.t.Logf("notification %d %s attempts %d err %q job %s %s", id, st, att, e, js, je)
			}
			rows.Close()
			h.t.Fatalf("timed out waiting for %s", what)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (h *harness) count(q string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.db.Store.Pool().QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// text1 is the one text a query answers ("" for NULL), for messages.
func (h *harness) text1(q string, args ...any) string {
	h.t.Helper()
	var s *string
	if err := h.db.Store.Pool().QueryRow(context.Background(), q, args...).Scan(&s); err != nil {
		h.t.Fatal(err)
	}
	if s == nil {
		return ""
	}
	return *s
}

// recordResult records the council's result of product's registration:
// score, stars, the decision number, issued by issuer on decided and
// recorded by official.
func (h *harness) recordResult(product int64, score float64, stars int, decisionNo string, decided time.Time, issuer, official int64) {
	h.t.Helper()
	ctx := context.Background()
	var regID int64
	if err := h.db.Store.Pool().QueryRow(ctx, `SELECT id FROM registrations WHERE product_id = $1`, product).Scan(&regID); err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.db.Store.RecordResults(ctx, []ocop.Result{{RegistrationID: regID, ProductID: product, Code: h.codeOf(product),
		Score: score, Stars: stars, DecisionNo: decisionNo, DecisionDate: decided, IssuerUnitID: issuer, RecordedBy: official}}); err != nil {
		h.t.Fatal(err)
	}
}

// codeOf is the registration code of a product.
func (h *harness) codeOf(product int64) string {
	h.t.Helper()
	var code string
	if err := h.db.Store.Pool().QueryRow(context.Background(), `SELECT code FROM registrations WHERE product_id = $1`, product).Scan(&code); err != nil {
		h.t.Fatal(err)
	}
	return code
}

// botTexts is every bot message text in a chat.
func (h *harness) botTexts(chat int64) []string {
	var out []string
	for _, m := range h.emu.BotMessages(chat) {
		out = append(out, m.Text)
	}
	return out
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// TestResultRecordedInChat: a district official records a result step by
// step; a 4★ score under 148/QĐ-TTg is refused (the province recognises
// 4★) and the conversation is kept; a 3★ result creates a certificate
// valid 36 months and the producer and the commune official hear of it.
// The province then re-evaluates another product to 4★: the old
// certificate ends on the new decision's date.
func TestResultRecordedInChat(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{now: statusDay, notify: true})
	ctx := context.Background()
	u := seedCuChi(t, h)
	fresh := storagetest.AddProduct(t, h.db.Store, 6001, u["anphu"], "Mắm tép An Phú")
	renewed := storagetest.AddProduct(t, h.db.Store, 6002, u["anphu"], "Tương hột An Phú", storagetest.Cert{Stars: 3, Decided: "2024-01-10"})
	if _, err := h.db.Store.Pool().Exec(ctx, `UPDATE registrations SET status = 'evaluated' WHERE product_id = $1`, renewed); err != nil {
		t.Fatal(err)
	}
	code, code2 := h.codeOf(fresh), h.codeOf(renewed)
	commune := bind(t, h, 9302, u["anphu"], ocop.RoleCommune)
	district := bind(t, h, 9301, u["cuchi"], ocop.RoleDistrict)
	province := bind(t, h, 9303, u["hcm"], ocop.RoleProvince)

	// Who may not record.
	h.user(6001).say("/ketqua")
	h.user(6001).expect("dành cho cán bộ")
	commune.say("/ketqua")
	commune.expect("không công nhận sao")

	district.say("/ketqua")
	district.expect("Chọn hồ sơ cần ghi kết quả")
	district.press(code + " · Mắm tép An Phú")
	district.expect("Mắm tép An Phú", "Nhập điểm")
	district.replies()
	district.say("bảy mươi")
	district.expectSome("Điểm phải là số từ 0 đến 100")
	district.say("72,5")
	district.expect("số quyết định")
	district.say("không số")
	district.expectSome("phải có chữ số")
	district.say("2388/QĐ-UBND")
	district.expect("ngày ký quyết định")
	district.replies()
	district.say("31/02/2024")
	district.expectSome("Ngày chưa đúng")
	district.say("01/01/2027")
	district.expectSome("không được sau hôm nay")
	district.say("28/06/2024")
	district.expectSome("Theo Quyết định số 148/QĐ-TTg, sản phẩm 4 sao do cấp tỉnh công nhận; cấp huyện công nhận: 3★")
	district.expect("Nhập điểm")
	if n := h.count(`SELECT count(*) FROM council_results`); n != 0 {
		t.Fatalf("a refused result was written: %d rows", n)
	}
	district.say("65")
	district.expect("Điểm: 65/100 → 3 sao", "Quyết định số 2388/QĐ-UBND ngày 28/06/2024", "đến hết ngày 27/06/2027")
	district.press("✏️ Ngày")
	district.say("27/06/2024")
	district.expect("ngày 27/06/2024", "đến hết ngày 26/06/2027")
	district.press("✅ Ghi kết quả")
	district.expect("Đã ghi kết quả hồ sơ "+code+": 3 sao", "đến hết ngày 26/06/2027")

	// The certificate, and the producer's message with every fact.
	if n := h.count(`SELECT count(*) FROM certificates WHERE product_id = $1 AND stars = 3 AND valid_until = '2027-06-27' AND result_id IS NOT NULL`, fresh); n != 1 {
		t.Fatalf("certificates: %d, want 1", n)
	}
	if n := h.count(`SELECT count(*) FROM registrations WHERE product_id = $1 AND status = 'evaluated'`, fresh); n != 1 {
		t.Fatal("registration not marked evaluated")
	}
	h.waitFor("the producer's notification", func() bool {
		for _, s := range h.botTexts(6001) {
			if strings.Contains(s, "Kết quả đánh giá") {
				return true
			}
		}
		return false
	})
	producer := h.user(6001)
	producer.expect("Mắm tép An Phú", code, "Điểm: 65/100 — 3 sao", "Quyết định số 2388/QĐ-UBND ngày 27/06/2024",
		"có hiệu lực đến hết ngày 26/06/2027")
	msg := producer.last()
	// The row is marked once Telegram's answer is back, a moment after the
	// message appears in the chat.
	h.waitFor("the notification row to record the delivered message", func() bool {
		return h.count(`SELECT count(*) FROM notifications WHERE kind = 'result' AND chat_id = 6001 AND status = 'sent' AND message_id = $1 AND attempts = 1`, msg.ID) == 1
	})
	h.waitFor("the commune official's summary", func() bool {
		return containsAll(commune.lastText(), "Kết quả đánh giá OCOP mới", "Mắm tép An Phú", "65 điểm, 3 sao")
	})
	for _, s := range h.botTexts(9301) {
		if strings.Contains(s, "Kết quả đánh giá OCOP mới") {
			t.Fatalf("the recording official was sent a summary of their own result: %q", s)
		}
	}

	// Re-evaluation by the province: 4★ replaces the 3★ from 01/03/2025.
	province.say("/ketqua " + strings.ToLower(code2))
	province.expect("Tương hột An Phú", "Nhập điểm")
	province.say("81")
	province.say("77/QĐ-UBND")
	province.press("Hôm nay")
	province.expect("4 sao", "23/11/2026", "sẽ được thay thế")
	province.press("✏️ Ngày")
	province.say("01/03/2025")
	province.press("✅ Ghi kết quả")
	province.expect("4 sao")
	var revoked time.Time
	if err := h.db.Store.Pool().QueryRow(ctx, `SELECT revoked_on FROM certificates WHERE product_id = $1 AND stars = 3 AND ended_by_result IS NOT NULL`, renewed).Scan(&revoked); err != nil {
		t.Fatalf("the 3★ certificate was not superseded: %v", err)
	}
	if revoked.Format("2006-01-02") != "2025-03-01" {
		t.Fatalf("superseded on %s, want 2025-03-01", revoked)
	}
	h.waitFor("the re-evaluation notice", func() bool {
		return containsAll(h.user(6002).lastText(), "4 sao", "Giấy chứng nhận 3 sao trước đây được thay bằng kết quả này")
	})
	h.waitFor("the district's summary of the province's result", func() bool {
		return containsAll(district.lastText(), "Tương hột An Phú", "81 điểm, 4 sao")
	})
	// The same result again changes nothing.
	province.say("/ketqua " + code2)
	province.say("81")
	province.say("77/QĐ-UBND")
	province.say("01/03/2025")
	province.press("✅ Ghi kết quả")
	province.expect("đã được ghi trước đó")
	if n := h.count(`SELECT count(*) FROM council_results`); n != 2 {
		t.Fatalf("council results: %d, want 2", n)
	}
	// Audit rows name the action, never a phone number.
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'result.recorded' AND details::text NOT LIKE '%0912%'`); n != 2 {
		t.Fatalf("audit rows: %d, want 2", n)
	}
}

// resultsFile builds an XLSX results file with real date cells.
func resultsFile(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	all := append([][]any{{"Mã hồ sơ", "Điểm", "Số quyết định", "Ngày quyết định"}}, rows...)
	for i, r := range all {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			d, _ := excelize.CoordinatesToCellName(4, i+1)
			_ = f.SetCellStyle("Sheet1", d, d, date)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestResultsImport: a results file sent to the bot. A file with bad rows
// writes nothing and lists each bad row; a good file writes everything in
// one go; the same file again changes nothing; rows above the office's
// authority are refused.
func TestResultsImport(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{now: statusDay, notify: true})
	u := seedCuChi(t, h)
	var codes []string
	for i := range 3 {
		p := storagetest.AddProduct(t, h.db.Store, int64(6100+i), u["ttcuchi"], fmt.Sprintf("Sản phẩm nhập %d", i))
		codes = append(codes, h.codeOf(p))
	}
	district := bind(t, h, 9401, u["cuchi"], ocop.RoleDistrict)
	outside := storagetest.AddProduct(t, h.db.Store, 6199, u["bennghe"], "Sản phẩm Quận 1")
	send := func(name string, data []byte) {
		t.Helper()
		h.waitDone(h.emu.SendDocument(district.chatID(), district.u, name, data))
	}

	// The day's renewal sweep runs when the harness starts and reminds one of
	// seedCuChi's producers; waiting for it makes the counts below see its
	// rows every time instead of on some runs. It is also asked for here:
	// the start-up one waits for River to elect a leader, which a loaded
	// machine can make slow; the sweep of a day runs once however asked.
	if err := h.procs[0].notifier.Sweep(context.Background(), dates.LocalDay(statusDay)); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the day's renewal sweep", func() bool {
		return h.count(`SELECT count(*) FROM notifications WHERE kind = 'reminder'`) == 1
	})

	bad := "Mã hồ sơ;Điểm;Số quyết định;Ngày quyết định\n" +
		codes[0] + ";65;12/QĐ-UBND;05/11/2024\n" + // good
		codes[1] + ";120;12/QĐ-UBND;05/11/2024\n" + // score
		"OCOP-99-999999;60;12/QĐ-UBND;05/11/2024\n" + // unknown
		h.codeOf(outside) + ";60;12/QĐ-UBND;05/11/2024\n" + // out of scope
		codes[2] + ";60;12/QĐ-UBND;31/11/2024\n" + // date
		codes[0] + ";65;12/QĐ-UBND;05/11/2024\n" // repeated
	send("ket-qua.csv", []byte(bad))
	district.expect("Tệp có 5 lỗi; chưa ghi dòng nào", "Dòng 3: Điểm phải là số", "Dòng 4: Không tìm thấy hồ sơ «OCOP-99-999999»",
		"Dòng 5: Không tìm thấy hồ sơ", "Dòng 6: Ngày chưa đúng", "Dòng 7: trùng với dòng 2")
	// Only result rows count: the day's renewal sweep, running beside this
	// test, queues a reminder and its job of its own.
	if n := h.count(`SELECT count(*) FROM council_results`) +
		h.count(`SELECT count(*) FROM notifications WHERE kind LIKE 'result%'`) +
		h.count(`SELECT count(*) FROM river_job j JOIN notifications n ON n.id = (j.args->>'id')::bigint WHERE j.kind = 'notify' AND n.kind LIKE 'result%'`); n != 0 {
		t.Fatalf("a refused file wrote %d rows", n)
	}

	// Province-level stars from a district office (1489: the province recognises 3★ and 4★).
	send("ket-qua.xlsx", resultsFile(t, [][]any{{codes[0], 75, "12/QĐ-UBND", time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)}}))
	district.expect("Dòng 2: Theo Quyết định số 1489/QĐ-TTg, sản phẩm 4 sao do cấp tỉnh công nhận; cấp huyện công nhận: không công nhận sao nào")

	// Under 148 (2024) the district recognises 3★ and records lower scores.
	good := resultsFile(t, [][]any{
		{codes[0], 65, "12/QĐ-UBND", time.Date(2024, 11, 5, 0, 0, 0, 0, time.UTC)},
		{codes[1], "52,5", "12/QĐ-UBND", "05/11/2024"},
		{codes[2], 41, "12/QĐ-UBND", time.Date(2024, 11, 5, 0, 0, 0, 0, time.UTC)},
	})
	send("ket-qua.xlsx", good)
	district.expect("Đã ghi 3 kết quả (2 giấy chứng nhận). 0 kết quả đã có từ trước")
	if n := h.count(`SELECT count(*) FROM certificates WHERE decision_no = '12/QĐ-UBND' AND valid_until = '2027-11-05'`); n != 2 {
		t.Fatalf("certificates: %d, want 2", n)
	}
	h.waitFor("three producers told", func() bool {
		return h.count(`SELECT count(*) FROM notifications WHERE kind = 'result' AND status = 'sent'`) == 3
	})
	h.user(6102).expect("Điểm: 41/100 — 2 sao", "chưa đạt 3 sao")
	h.user(6101).expect("Điểm: 52,5/100 — 3 sao")
	before := h.count(`SELECT count(*) FROM notifications WHERE kind LIKE 'result%'`)

	send("ket-qua.xlsx", good)
	district.expect("Đã ghi 0 kết quả (0 giấy chứng nhận). 3 kết quả đã có từ trước")
	if n := h.count(`SELECT count(*) FROM council_results`); n != 3 {
		t.Fatalf("council results after the second import: %d, want 3", n)
	}
	if n := h.count(`SELECT count(*) FROM notifications WHERE kind LIKE 'result%'`); n != before {
		t.Fatalf("the second import queued %d more notifications", n-before)
	}
	// A different score under a recorded decision number is refused whole.
	send("ket-qua.csv", []byte("Mã hồ sơ,Điểm,Số quyết định,Ngày quyết định\n"+codes[0]+",66,12/QĐ-UBND,05/11/2024\n"))
	district.expect("Dòng 2: Hồ sơ " + codes[0] + " đã có kết quả khác")
	send("anh.png", []byte("\x89PNG"))
	district.expect("Anh/Chị gửi tệp Excel (.xlsx) hoặc .csv")
}

// TestSenderHonours429And403: notifications to 30 producers while the
// emulator answers one send in five with 429 and two chats are gone (one
// blocked the bot, one no longer exists). Every reachable producer gets
// exactly one message, no rate limit is broken, the two others are marked
// unreachable without retries, and officials can list them.
func TestSenderHonours429And403(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{now: statusDay, notify: true, limits: true})
	ctx := context.Background()
	u := seedCuChi(t, h)
	district := bind(t, h, 9501, u["cuchi"], ocop.RoleDistrict)
	var results []ocop.Result
	for i := range 30 {
		p := storagetest.AddProduct(t, h.db.Store, int64(7000+i), u["anphu"], fmt.Sprintf("Sản phẩm %02d", i))
		results = append(results, result(t, h, p, 60, "2024-10-01"))
	}
	h.emu.BlockChat(7003)
	h.emu.ForgetChat(7004)
	h.emu.Set429Fraction(0.2, 1)
	if _, err := h.db.Store.RecordResults(ctx, results); err != nil {
		t.Fatal(err)
	}
	h.waitFor("every notification settled", func() bool {
		return h.count(`SELECT count(*) FROM notifications WHERE status = 'queued'`) == 0 &&
			h.count(`SELECT count(*) FROM river_job WHERE state <> 'completed'`) == 0
	})
	h.emu.Set429Fraction(0, 0)
	if calls := h.emu.CallCount("sendMessage"); calls < 29+5 {
		t.Errorf("only %d sends for 29 deliveries: the 429s were not exercised", calls)
	}
	for i := range 30 {
		chat := int64(7000 + i)
		want := 1
		if chat == 7003 || chat == 7004 {
			want = 0
		}
		if got := len(h.emu.BotMessages(chat)); got != want {
			t.Errorf("chat %d got %d messages, want %d", chat, got, want)
		}
	}
	if v := h.emu.Violations(); v != 0 {
		t.Errorf("the sender broke Telegram's limits %d times", v)
	}
	// 28 producers and the district's summary of the 30 results (the
	// day's renewal sweep reminds one of seedCuChi's producers too).
	if n := h.count(`SELECT count(*) FROM notifications WHERE status = 'sent' AND attempts = 1 AND kind LIKE 'result%'`); n != 29 {
		t.Errorf("sent with one attempt each: %d, want 29 (a 429 must not use an attempt)", n)
	}
	district.expect("Kết quả đánh giá OCOP mới trong đơn vị của Anh/Chị (30 sản phẩm)")
	if n := h.count(`SELECT count(*) FROM notifications WHERE status = 'blocked' AND attempts = 0 AND chat_id IN (7003, 7004)`); n != 2 {
		t.Errorf("blocked: %d, want 2", n)
	}
	if n := h.count(`SELECT count(*) FROM unreachable_chats WHERE chat_id IN (7003, 7004)`); n != 2 {
		t.Errorf("unreachable chats: %d, want 2", n)
	}
	// A later notification to a blocked chat is not even tried.
	calls := h.emu.CallCount("sendMessage")
	pool := h.db.Store.Pool()
	var product int64
	if err := pool.QueryRow(ctx, `INSERT INTO products (producer_id, name, subgroup_code, group_code, description, target_stars)
SELECT id, 'Sản phẩm thứ hai', '1.1', '1', 'Sản phẩm thử', 3 FROM producers WHERE owner_user_id = 7003 RETURNING id`).Scan(&product); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO registrations (code, producer_id, product_id, unit_id)
SELECT 'OCOP-26-777777', producer_id, id, $2 FROM products WHERE id = $1`, product, u["anphu"]); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.Store.RecordResults(ctx, []ocop.Result{result(t, h, product, 60, "2024-10-02")}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the second notification settled", func() bool {
		return h.count(`SELECT count(*) FROM notifications WHERE status = 'queued'`) == 0
	})
	if n := h.count(`SELECT count(*) FROM notifications WHERE chat_id = 7003 AND status = 'blocked' AND last_error = 'chat unreachable'`); n != 1 {
		t.Errorf("the second notification to the blocked chat: %d marked without trying, want 1", n)
	}
	if got := h.emu.CallCount("sendMessage") - calls; got > 1 { // the district's summary at most
		t.Errorf("%d sends after the chat was known unreachable", got)
	}
	district.say("/thongbao")
	district.expect("3 thông báo chưa đến được người nhận", "HTX Sản phẩm 03: người nhận đã chặn bot", "HTX Sản phẩm 04: người nhận đã chặn bot")
	// The user comes back: the chat is reachable again.
	h.emu.UnblockChat(7003)
	h.user(7003).say("/start")
	if n := h.count(`SELECT count(*) FROM unreachable_chats WHERE chat_id = 7003`); n != 0 {
		t.Error("a user who wrote /start again is still unreachable")
	}
}

// result is a council result for product (its registration looked up).
func result(t *testing.T, h *harness, product int64, score float64, decided string) ocop.Result {
	t.Helper()
	var reg int64
	var code string
	if err := h.db.Store.Pool().QueryRow(context.Background(), `SELECT id, code FROM registrations WHERE product_id = $1`, product).Scan(&reg, &code); err != nil {
		t.Fatal(err)
	}
	stars, _ := ocop.StarsFromScore(score)
	d, _ := time.Parse(time.DateOnly, decided)
	return ocop.Result{RegistrationID: reg, ProductID: product, Code: code, Score: score, Stars: stars, DecisionNo: "9/QĐ-UBND", DecisionDate: d}
}
