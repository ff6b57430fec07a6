package bot_test

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestFiveStarPath: the 5★ path of Quyết định số 1489/QĐ-TTg end to end.
// A province council's 92 points are recorded as the province's 4★ (its
// ceiling) with a proposal to the central level, and the producer is told
// both; the central level (the administrator) finds the product on its
// /ketqua list and records 5★, which supersedes the 4★ as any later
// result does: /status counts it among the 5★, the producer and the
// province hear of it, the list no longer has it. Whatever the province
// scores, it records no 5★. A province's file with a 100 does as the chat.
func TestFiveStarPath(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{twoLevel: true, merges: true, now: statusDay, notify: true})
	u := seedCuChi(t, h)
	honey := storagetest.AddProduct(t, h.db.Store, 6951, u["anphu"], "Mật ong An Phú")
	tea := storagetest.AddProduct(t, h.db.Store, 6952, u["anphu"], "Trà sen An Phú")
	code, code2 := h.codeOf(honey), h.codeOf(tea)
	province := bind(t, h, 9951, unitOn(t, h, "79", 1, statusDay), ocop.RoleProvince)
	central := bind(t, h, 9952, 0, ocop.RoleAdmin)

	// Nothing proposed yet.
	central.say("/ketqua")
	central.expect("Chưa có sản phẩm nào được cấp tỉnh đề nghị cấp Trung ương đánh giá, công nhận 5 sao", "gõ mã hồ sơ")

	// The province: 92 points are 4★ and a proposal, not a refusal.
	province.say("/ketqua " + code)
	province.expect("Mật ong An Phú", "Nhập điểm")
	province.say("92")
	province.say("15/QĐ-UBND")
	province.say("02/11/2026")
	province.expect("Điểm: 92/100 → 4 sao", "Quyết định số 15/QĐ-UBND ngày 02/11/2026",
		"Theo Quyết định số 1489/QĐ-TTg, cấp tỉnh công nhận tối đa 4 sao: kết quả được ghi 4 sao, kèm đề nghị cấp Trung ương đánh giá, công nhận 5 sao.",
		"hiệu lực đến hết ngày 01/11/2029")
	province.press("✅ Ghi kết quả")
	province.expect("Đã ghi kết quả hồ sơ "+code+": 4 sao", "hiệu lực đến hết ngày 01/11/2029",
		"Đã đề nghị cấp Trung ương đánh giá, công nhận 5 sao")
	if n := h.count(`SELECT count(*) FROM council_results WHERE product_id = $1 AND score = 92 AND stars = 4`, honey); n != 1 {
		t.Fatalf("the province's result: %d rows of 92 points and 4★, want 1", n)
	}
	if n := h.count(`SELECT count(*) FROM certificates WHERE product_id = $1 AND stars = 4 AND valid_until = '2029-11-02' AND revoked_on IS NULL`, honey); n != 1 {
		t.Fatalf("the 4★ certificate: %d, want 1", n)
	}
	if n := h.count(`SELECT count(*) FROM star_proposals WHERE product_id = $1 AND stars = 5 AND to_level = 'central' AND decided_by IS NULL`, honey); n != 1 {
		t.Fatalf("open proposals for 5★: %d, want 1", n)
	}
	h.waitFor("the producer told of the 4★ and the proposal", func() bool {
		return containsAll(h.user(6951).lastText(), "Điểm: 92/100 — 4 sao", "Quyết định số 15/QĐ-UBND ngày 02/11/2026",
			"có hiệu lực đến hết ngày 01/11/2029",
			"được công nhận 4 sao và được đề nghị cấp Trung ương đánh giá, công nhận 5 sao")
	})
	before := starCounts(t, province)

	// The province's file: 100 points are 4★ and a proposal too — the
	// province records no 5★ whatever it scores.
	h.waitDone(h.emu.SendDocument(province.chatID(), province.u, "ket-qua.csv",
		[]byte("Mã hồ sơ;Điểm;Số quyết định;Ngày quyết định\n"+code2+";100;16/QĐ-UBND;03/11/2026\n")))
	province.expect("Đã ghi 1 kết quả (1 giấy chứng nhận)",
		"Trong đó 1 sản phẩm đạt từ 90 điểm: đã ghi 4 sao và đề nghị cấp Trung ương đánh giá, công nhận 5 sao.")
	if n := h.count(`SELECT count(*) FROM certificates c JOIN star_proposals sp ON sp.product_id = c.product_id AND sp.decided_by IS NULL
WHERE c.product_id = $1 AND c.stars = 4 AND c.score = 100`, tea); n != 1 {
		t.Fatalf("the file's 100 points: %d 4★ certificates with an open proposal, want 1", n)
	}
	if n := h.count(`SELECT count(*) FROM certificates WHERE stars = 5 AND issuer_unit_id IS NOT NULL AND decision_date >= '2025-07-06'`); n != 0 {
		t.Fatalf("%d 5★ certificates issued by a province", n)
	}
	h.waitFor("the file's producer told both", func() bool {
		return containsAll(h.user(6952).lastText(), "Điểm: 100/100 — 4 sao", "có hiệu lực đến hết ngày 02/11/2029",
			"đề nghị cấp Trung ương đánh giá, công nhận 5 sao")
	})

	// The central level's list, and its 5★ decision. Its first /ketqua is
	// still open at the list: asked again, it starts afresh.
	central.say("/ketqua")
	central.press("🔄 Bắt đầu lại")
	central.expect("đề nghị cấp Trung ương đánh giá, công nhận 5 sao, đang chờ quyết định (2):",
		"• "+code+" · Mật ong An Phú — HTX Mật ong An Phú (Thành phố Hồ Chí Minh): 92 điểm, 4 sao, Quyết định số 15/QĐ-UBND ngày 02/11/2026; đề nghị 5 sao",
		"• "+code2+" · Trà sen An Phú")
	central.press(code + " · Mật ong An Phú")
	central.expect("Mật ong An Phú", "Nhập điểm")
	central.say("94,5")
	central.say("1234/QĐ-BNNMT")
	central.say("20/11/2026")
	central.expect("Điểm: 94,5/100 → 5 sao", "hiệu lực đến hết ngày 19/11/2029",
		"Kết quả trước (92 điểm, 4 sao, Quyết định số 15/QĐ-UBND ngày 02/11/2026) sẽ được thay thế")
	central.press("✅ Ghi kết quả")
	central.expect("Đã ghi kết quả hồ sơ "+code+": 5 sao", "hiệu lực đến hết ngày 19/11/2029")
	if n := h.count(`SELECT count(*) FROM certificates WHERE product_id = $1 AND stars = 4 AND revoked_on = '2026-11-20' AND ended_by_result IS NOT NULL`, honey); n != 1 {
		t.Fatal("the 4★ certificate was not superseded on the 5★ decision's date")
	}
	if n := h.count(`SELECT count(*) FROM certificates WHERE product_id = $1 AND stars = 5 AND issuer_unit_id IS NULL AND valid_until = '2029-11-20'`, honey); n != 1 {
		t.Fatal("no 5★ certificate of the central level")
	}
	if n := h.count(`SELECT count(*) FROM star_proposals sp JOIN council_results cr ON cr.id = sp.decided_by WHERE sp.product_id = $1 AND cr.stars = 5`, honey); n != 1 {
		t.Fatal("the proposal was not settled by the 5★ decision")
	}
	h.waitFor("the producer told of the 5★", func() bool {
		return containsAll(h.user(6951).lastText(), "Điểm: 94,5/100 — 5 sao", "Quyết định số 1234/QĐ-BNNMT ngày 20/11/2026",
			"có hiệu lực đến hết ngày 19/11/2029", "Giấy chứng nhận 4 sao trước đây được thay bằng kết quả này và chỉ có hiệu lực đến hết ngày 19/11/2026.")
	})
	h.waitFor("the province's summary of the 5★", func() bool {
		return containsAll(province.lastText(), "Kết quả đánh giá OCOP mới", "Mật ong An Phú", "94,5 điểm, 5 sao")
	})
	after := starCounts(t, province)
	if after[5] != before[5]+1 || after[4] != before[4] || after[0] != before[0]+1 {
		// The 4★ became 5★ and the file's product (4★) came in since.
		t.Fatalf("/status before %v, after %v: want one more 5★, 4★ unchanged (one left, one came)", before, after)
	}

	// Decided: off the list; the other is still on it.
	central.say("/ketqua")
	central.expect("đang chờ quyết định (1):", "• "+code2+" · Trà sen An Phú")
	if containsAll(central.lastText(), "• "+code+" ") {
		t.Fatalf("a decided proposal is still listed:\n%s", central.lastText())
	}
}

var starLine = regexp.MustCompile(`Sản phẩm OCOP còn hiệu lực: (\d+) \(3★: (\d+) · 4★: (\d+) · 5★: (\d+)\)`)

// starCounts is the official's /status by stars: [total, _, _, 3★, 4★, 5★].
func starCounts(t *testing.T, off *user) [6]int {
	t.Helper()
	off.say("/status")
	m := starLine.FindStringSubmatch(off.lastText())
	if m == nil {
		t.Fatalf("no count by stars in /status:\n%s", off.lastText())
	}
	var out [6]int
	for i, j := range []int{0, 3, 4, 5} {
		out[j], _ = strconv.Atoi(m[i+1])
	}
	return out
}
