package bot_test

import (
	"bytes"
	"context"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/report"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// statusDay is the day the status tests ask about: "today" for their clock.
var statusDay = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// seedCuChi stores a small HCMC dataset whose numbers the tests state by
// hand. On 23/11/2026, in Huyện Củ Chi (21 communes):
//
//	Mật ong Phú Mỹ Hưng   4★ 10/01/2025                      counts (4★)
//	Chuối An Phú          3★ 15/01/2024, ends 15/01/2027     counts (3★), expires within 90 days
//	Bánh tráng An Phú     3★ 01/06/2023, ended 01/06/2026    does not count
//	Rượu Củ Chi           5★ 01/09/2024, revoked 01/03/2026  does not count
//	Trà Củ Chi            3★ 01/01/2023, then 4★ 20/12/2025  counts (4★)
//	Nấm Tân Thông Hội     3★ 05/05/2026                      counts (3★)
//
// So: 4 recognised products (3★ 2, 4★ 2, 5★ 0), 1 expiring, 17 of 21
// communes with none; against the huyện targets: an average of 2 per
// commune needs 42 (38 short; 59 short of the encouraged 3), and 2 products
// of 4★ are met. Elsewhere: one 4★ in Quận 1 and one 3★ in Hóc Môn.
func seedCuChi(t *testing.T, h *harness) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	// Producers registered in the three-level tree, in force on 1/3/2025.
	unit := func(code string, level int) int64 {
		return unitOn(t, h, code, level, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC))
	}
	u := map[string]int64{
		"hcm": unit("79", 1), "cuchi": unit("783", 2), "hocmon": unit("784", 2),
		"phumyhung": unit("27499", 3), "anphu": unit("27502", 3), "ttcuchi": unit("27496", 3),
		"tanthonghoi": unit("27556", 3), "bennghe": unit("26740", 3), "tthocmon": unit("27559", 3),
	}
	type C = storagetest.Cert
	storagetest.AddProduct(t, h.db.Store, 5001, u["phumyhung"], "Mật ong Phú Mỹ Hưng", C{Stars: 4, Decided: "2025-01-10"})
	storagetest.AddProduct(t, h.db.Store, 5002, u["anphu"], "Chuối An Phú", C{Stars: 3, Decided: "2024-01-15"})
	storagetest.AddProduct(t, h.db.Store, 5003, u["anphu"], "Bánh tráng An Phú", C{Stars: 3, Decided: "2023-06-01"})
	storagetest.AddProduct(t, h.db.Store, 5004, u["ttcuchi"], "Rượu Củ Chi", C{Stars: 5, Decided: "2024-09-01", Revoked: "2026-03-01"})
	storagetest.AddProduct(t, h.db.Store, 5005, u["ttcuchi"], "Trà Củ Chi", C{Stars: 3, Decided: "2023-01-01"}, C{Stars: 4, Decided: "2025-12-20"})
	storagetest.AddProduct(t, h.db.Store, 5006, u["tanthonghoi"], "Nấm Tân Thông Hội", C{Stars: 3, Decided: "2026-05-05"})
	storagetest.AddProduct(t, h.db.Store, 5007, u["bennghe"], "Cà phê Bến Nghé", C{Stars: 4, Decided: "2025-06-01"})
	storagetest.AddProduct(t, h.db.Store, 5008, u["tthocmon"], "Bánh Hóc Môn", C{Stars: 3, Decided: "2025-06-01"})
	// Two of Củ Chi's six registrations have been reviewed.
	if _, err := h.db.Store.Pool().Exec(ctx, `UPDATE registrations SET status = 'evaluated' WHERE producer_id IN (SELECT id FROM producers WHERE owner_user_id IN (5001, 5002))`); err != nil {
		t.Fatal(err)
	}
	return u
}

// unitOn is the unit with a GSO code in the tree in force on day.
func unitOn(t *testing.T, h *harness, code string, level int, day time.Time) int64 {
	t.Helper()
	id, err := h.db.Store.UnitIDByCode(context.Background(), code, level, day)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// bind makes user id an official of unit through an invitation, as the
// administrator's command does.
func bind(t *testing.T, h *harness, id, unit int64, role ocop.Role) *user {
	t.Helper()
	code, err := h.db.Store.CreateInvite(context.Background(), unit, role, 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	u := h.user(id)
	u.say("/start " + code)
	u.expect("Anh/Chị đã được ghi nhận là cán bộ")
	return u
}

// TestDistrictStatus: invite → bind → /status on the small dataset, with
// every number stated by hand; a date in the past; the chart and the
// workbook arrive and open; drill-down; scope.
func TestDistrictStatus(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{now: statusDay})
	u := seedCuChi(t, h)
	off := bind(t, h, 9201, u["cuchi"], ocop.RoleDistrict)

	off.say("/status")
	off.expect(
		"📊 Huyện Củ Chi — tình hình OCOP ngày 23/11/2026",
		"Sản phẩm OCOP còn hiệu lực: 4 (3★: 2 · 4★: 2 · 5★: 0)",
		// HCMC's district rules (1943/QĐ-UBND) ended with the districts;
		// only today's encouraged commune rule is in force (thị trấn aside).
		"• Phường, xã, đặc khu — khuyến khích ≥ 1 sản phẩm OCOP: 3/20 đạt",
		"Đơn vị cấp xã chưa có sản phẩm: 17/21 — ", ", và 2 đơn vị khác",
		"Sắp hết hạn trong 90 ngày: 1 sản phẩm",
		"• Chuối An Phú (3★, Xã An Phú) — hiệu lực đến hết ngày 14/01/2027",
		"Hồ sơ đăng ký chờ xét: 4",
	)
	text := off.lastText()
	for _, none := range []string{"Xã Phú Mỹ Hưng", "Xã Tân Thông Hội", "Bánh tráng", "Rượu"} {
		if strings.Contains(strings.SplitN(text, "Đơn vị cấp xã chưa có sản phẩm", 2)[1], none+",") {
			t.Errorf("%s is listed among communes with none or expiring", none)
		}
	}

	// Accent-insensitive name, and a day in the past: on 01/03/2025 the
	// expired, the revoked and the first tea certificate still counted and
	// the mushrooms were not yet recognised: 5 products, 37 short of 42; the
	// 5★ wine counts towards "4★ or more".
	off.say("/status cu chi 01/03/2025")
	off.expect("Huyện Củ Chi — tình hình OCOP ngày 01/03/2025", "Sản phẩm OCOP còn hiệu lực: 5 (3★: 3 · 4★: 1 · 5★: 1)",
		"❌ bình quân ≥ 2 sản phẩm/đơn vị cấp xã: hiện có 0,2, còn thiếu 37 sản phẩm",
		"☆ Khuyến khích bình quân ≥ 3 sản phẩm/đơn vị cấp xã: hiện có 0,2, chưa đạt", "✅ ≥ 2 sản phẩm 4 sao trở lên: đạt (2)", "Đơn vị cấp xã chưa có sản phẩm: 18/21",
		"Không có chứng nhận nào hết hạn trong 90 ngày tới.")
	off.say("/status cu chi 31/02/2025")
	off.expect("Ngày «31/02/2025» không đúng")

	// Out of scope: a sibling district and the city; a commune below is fine.
	off.say("/status Hóc Môn")
	off.expect("«Huyện Hóc Môn, Thành phố Hồ Chí Minh» không thuộc phạm vi của Anh/Chị. Anh/Chị xem được số liệu của Huyện Củ Chi.")
	off.say("/status tp ho chi minh")
	off.expect("«Thành phố Hồ Chí Minh» không thuộc phạm vi của Anh/Chị")
	off.say("/status phu my hung")
	off.expect("Xã Phú Mỹ Hưng — tình hình OCOP ngày 23/11/2026", "Sản phẩm OCOP còn hiệu lực: 1 (3★: 0 · 4★: 1 · 5★: 0)",
		"Xã Phú Mỹ Hưng đã có sản phẩm OCOP.")
	// One commune is named, not counted among "đơn vị cấp xã".
	off.say("/status trung lap ha")
	off.expect("Xã Trung Lập Hạ — tình hình OCOP ngày 23/11/2026", "Xã Trung Lập Hạ chưa có sản phẩm OCOP.")
	if text := off.lastText(); strings.Contains(text, "Mọi ") || strings.Contains(text, "Đơn vị cấp xã chưa có") {
		t.Errorf("one commune's status counts units:\n%s", text)
	}

	// Drill down from the district into the commune ranked first.
	off.say("/status")
	first := off.last().InlineKeyboard[0][0]
	off.press(first.Text)
	off.expect(first.Text + " — tình hình OCOP ngày 23/11/2026")

	// The chart: a PNG of the announced size.
	off.say("/status")
	off.press("📈 Biểu đồ")
	chart := off.last()
	if chart.PhotoFileID == "" || !strings.Contains(chart.Caption, "Biểu đồ Huyện Củ Chi") {
		t.Fatalf("no chart: %+v", chart)
	}
	data, ok := h.emu.FileBytes(chart.PhotoFileID)
	if !ok {
		t.Fatal("chart file not stored")
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("chart is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != report.ChartWidth || b.Dy() != report.ChartHeight {
		t.Fatalf("chart is %v, want %d×%d", b, report.ChartWidth, report.ChartHeight)
	}

	// The workbook: a summary and one row per product with a certificate.
	off.press("📄 Xuất Excel")
	doc := off.last()
	if doc.DocumentFileID == "" || doc.DocumentName != "ocop-huyen-cu-chi-2026-11-23.xlsx" {
		t.Fatalf("no workbook: %+v", doc)
	}
	data, _ = h.emu.FileBytes(doc.DocumentFileID)
	book, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("workbook does not open: %v", err)
	}
	defer book.Close()
	if got := book.GetSheetList(); len(got) != 3 || got[0] != "Tổng hợp" || got[1] != "Sản phẩm" || got[2] != "Chưa liên kết bot" {
		t.Fatalf("sheets = %v", got)
	}
	rows, err := book.GetRows("Sản phẩm")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 7 { // header + six products of Củ Chi
		t.Fatalf("product sheet has %d rows, want 7: %v", len(rows), rows)
	}
	state := map[string][]string{}
	for _, r := range rows[1:] {
		state[r[1]] = r
	}
	for name, want := range map[string]string{
		"Mật ong Phú Mỹ Hưng": "Còn hiệu lực", "Bánh tráng An Phú": "Hết hạn", "Rượu Củ Chi": "Đã thu hồi", "Trà Củ Chi": "Còn hiệu lực",
	} {
		if r := state[name]; len(r) < 13 || r[12] != want {
			t.Errorf("%s: row %v, want state %s", name, r, want)
		}
	}
	if r := state["Trà Củ Chi"]; r[7] != "4" || r[4] != "Thị trấn Củ Chi" || r[5] != "Huyện Củ Chi" || r[11] != "19/12/2028" {
		t.Errorf("tea row = %v, want its 4★ certificate of 20/12/2025, valid until the end of 19/12/2028, in Thị trấn Củ Chi", r)
	}
	summary, _ := book.GetRows("Tổng hợp")
	if !strings.Contains(strings.Join(summary[0], " "), "Huyện Củ Chi") || summary[2][1] != "4" {
		t.Errorf("summary starts %v", summary[:3])
	}

	// Producers may not use officials' commands.
	farmer := h.user(5001)
	farmer.say("/status")
	farmer.expect("Lệnh này dành cho cán bộ")
	farmer.say("/moi")
	farmer.expect("Lệnh này dành cho cán bộ")
}

// TestInviteFromChat: a district official invites a commune official from
// the chat; the link binds once; the commune official sees only their
// commune.
func TestInviteFromChat(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{now: statusDay})
	u := seedCuChi(t, h)
	off := bind(t, h, 9301, u["cuchi"], ocop.RoleDistrict)

	off.say("/moi")
	off.expect("Anh/Chị mời cán bộ cho đơn vị nào?")
	kb := off.last().InlineKeyboard
	if len(kb) != 11 || kb[0][0].Text != "Huyện Củ Chi, Thành phố Hồ Chí Minh" {
		t.Fatalf("invite choices = %v, want the district and 10 communes", kb)
	}
	off.say("/moi an phu")
	off.expect("Lời mời cán bộ cấp xã của Xã An Phú", "https://t.me/ocop_test_bot?start=")
	code := regexp.MustCompile(`start=([A-Za-z0-9_-]+)`).FindStringSubmatch(off.lastText())[1]

	commune := h.user(9302)
	commune.say("/start " + code)
	commune.expect("cán bộ cấp xã của Xã An Phú")
	commune.say("/status")
	commune.expect("Xã An Phú — tình hình OCOP ngày 23/11/2026", "Sản phẩm OCOP còn hiệu lực: 1 (3★: 1 · 4★: 0 · 5★: 0)",
		"Sắp hết hạn trong 90 ngày: 1 sản phẩm", "Xã An Phú đã có sản phẩm OCOP.")
	// A unit that exists outside their scope is said to be so (and
	// audited), not "not found".
	commune.say("/status cu chi")
	commune.expect("«Huyện Củ Chi, Thành phố Hồ Chí Minh» không thuộc phạm vi của Anh/Chị", "Xã An Phú")
	// A commune official may not invite for the district above.
	commune.say("/moi huyen cu chi")
	commune.expect("không thuộc phạm vi của Anh/Chị")
	commune.say("/status khong co xa nay")
	commune.expect("Không tìm thấy đơn vị «khong co xa nay»")

	h.user(9303).say("/start " + code)
	h.user(9303).expect("đã được sử dụng")

	var audits int
	if err := h.db.Store.Pool().QueryRow(context.Background(),
		`SELECT count(*) FROM audit_log WHERE (action, actor_user) IN (('invite.created', 9301), ('invite.used', 9302), ('invite.refused', 9303))`).Scan(&audits); err != nil {
		t.Fatal(err)
	}
	if audits != 3 {
		t.Errorf("audit rows for the invitation = %d, want created, used, refused", audits)
	}
}

// TestCityStatus: the province official sees the city's rules over its
// units below on their last day, 30/6/2025, counted by hand: of 17 quận
// and TP Thủ Đức none has 3 products and none 1 of 4★… but Quận 1 has one
// 4★; of 210 phường one (Bến Nghé) has a product; of 5 huyện, Củ Chi has
// two of 4★ or more (the honey and the 5★ wine).
func TestCityStatus(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{now: statusDay})
	u := seedCuChi(t, h)
	off := bind(t, h, 9401, u["hcm"], ocop.RoleProvince)
	off.say("/status 30/06/2025")
	off.expect(
		"📊 Thành phố Hồ Chí Minh — tình hình OCOP ngày 30/06/2025",
		"Sản phẩm OCOP còn hiệu lực: 7 (3★: 4 · 4★: 2 · 5★: 1)",
		"• Quận, thành phố — ≥ 3 sản phẩm OCOP: 0/17 đạt",
		"• Quận, thành phố — khuyến khích ≥ 1 sản phẩm 4 sao trở lên: 1/17 đạt",
		"• Phường — khuyến khích ≥ 1 sản phẩm OCOP: 1/210 đạt",
		"• Huyện — bình quân ≥ 2 sản phẩm/đơn vị cấp xã: 0/5 đạt",
		"• Huyện — ≥ 2 sản phẩm 4 sao trở lên: 1/5 đạt",
		"Hồ sơ đăng ký chờ xét: 6",
	)
	off.say("/status")
	off.expect("Thành phố Hồ Chí Minh — tình hình OCOP ngày 23/11/2026", "• Phường, xã, đặc khu — khuyến khích ≥ 1 sản phẩm OCOP: 4/268 đạt")
	if strings.Contains(off.lastText(), "Quận, thành phố") {
		t.Error("the district-era rules are applied after 30/6/2025")
	}
	off.say("/status quan 1 30/06/2025")
	off.expect("Quận 1 — tình hình", "❌ ≥ 3 sản phẩm OCOP: hiện có 1, còn thiếu 2 sản phẩm", "⭐ Khuyến khích ≥ 1 sản phẩm 4 sao trở lên: đạt (1)")
}

// TestStatusAcrossTrees: with both unit trees and the merges imported, the
// producers registered in the three-level tree count in the two-level tree
// in force today (Xã An Phú and Xã Phú Mỹ Hưng became Xã An Nhơn Tây), and
// an official of a new unit asks about a day of the old tree through the
// old units wholly inside their own.
func TestStatusAcrossTrees(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{now: statusDay, twoLevel: true, merges: true})
	seedCuChi(t, h)
	newUnit := func(code string, level int) int64 { return unitOn(t, h, code, level, statusDay) }

	commune := bind(t, h, 9501, newUnit("27508", 3), ocop.RoleCommune)
	commune.say("/status")
	commune.expect("Xã An Nhơn Tây — tình hình OCOP ngày 23/11/2026", "Sản phẩm OCOP còn hiệu lực: 2 (3★: 1 · 4★: 1 · 5★: 0)",
		"Sắp hết hạn trong 90 ngày: 1 sản phẩm")
	commune.say("/status 01/03/2025")
	commune.expect("Anh/Chị chọn đơn vị:")
	commune.press("Xã An Phú, Huyện Củ Chi")
	commune.expect("Xã An Phú — tình hình OCOP ngày 01/03/2025", "Sản phẩm OCOP còn hiệu lực: 2 (3★: 2 · 4★: 0 · 5★: 0)")
	commune.say("/status tan thong hoi 01/03/2025") // merged into Xã Củ Chi, not theirs
	commune.expect("«Xã Tân Thông Hội, Huyện Củ Chi» không thuộc phạm vi của Anh/Chị")

	city := bind(t, h, 9502, newUnit("79", 1), ocop.RoleProvince)
	city.say("/status")
	city.expect("Thành phố Hồ Chí Minh — tình hình OCOP ngày 23/11/2026", "Sản phẩm OCOP còn hiệu lực: 6 (3★: 3 · 4★: 3 · 5★: 0)",
		"• Phường, xã, đặc khu — khuyến khích ≥ 1 sản phẩm OCOP: 5/168 đạt")
	if strings.Contains(city.lastText(), "Quận, thành phố") {
		t.Error("the two-level tree has no quận, yet their rule is shown")
	}
	city.say("/status 01/03/2025")
	var labels []string
	for _, row := range city.last().InlineKeyboard {
		labels = append(labels, row[0].Text)
	}
	if strings.Join(labels, "; ") != "Tỉnh Bà Rịa - Vũng Tàu; Tỉnh Bình Dương; Thành phố Hồ Chí Minh" {
		t.Fatalf("old provinces offered = %v", labels)
	}
	city.press("Thành phố Hồ Chí Minh")
	city.expect("Thành phố Hồ Chí Minh — tình hình OCOP ngày 01/03/2025", "Sản phẩm OCOP còn hiệu lực: 5 (3★: 3 · 4★: 1 · 5★: 1)",
		"• Quận, thành phố — ≥ 3 sản phẩm OCOP: 0/17 đạt")
}

// TestForgedButtonDataRefused: callback data the bot did not sign for the
// chat it is pressed in is refused before it is routed — data no button
// carried (the national workbook asked with an id of the other tree), and
// a real button of one official's chat pressed from another's — answered
// as a button that no longer works, audited, and nothing is sent.
func TestForgedButtonDataRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{twoLevel: true, merges: true, now: time.Date(2026, 12, 7, 9, 0, 0, 0, dates.Vietnam)})
	today := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	commune := bind(t, h, 9301, unitOn(t, h, "27508", 3, today), ocop.RoleCommune)
	province := bind(t, h, 9302, unitOn(t, h, "79", 1, today), ocop.RoleProvince)
	oldAnNhonTay := unitOn(t, h, "27508", 3, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC))

	province.say("/status")
	province.expect("Thành phố Hồ Chí Minh")
	msg, signed := province.find("📄 Xuất Excel")
	commune.say("/status")
	commune.expect("Xã An Nhơn Tây")
	own := commune.last().ID

	before := h.emu.MessageCount(commune.chatID())
	for _, data := range []string{
		"x|xl|" + strconv.FormatInt(oldAnNhonTay, 10) + "|20261207", // the attack, unsigned
		"x|xl|0|20261207",
		signed, // the province's own button, signed for the province's chat
		signed[:strings.LastIndexByte(signed, '~')] + "~AAAAAAAAAAA",
	} {
		h.waitDone(mustForge(t, h, commune, own, data))
	}
	if n := h.emu.MessageCount(commune.chatID()); n != before {
		t.Fatalf("forged presses got %d messages: %q", n-before, commune.lastText())
	}
	answers := h.emu.CallbackAnswers(commune.chatID())
	if len(answers) != 4 {
		t.Fatalf("%d presses answered, want 4", len(answers))
	}
	for _, a := range answers {
		if !a.Answered || !strings.Contains(a.Text, "Nút này thuộc tin nhắn cũ") {
			t.Errorf("forged press answered %+v, want the old-button toast", a)
		}
	}
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'scope.refused' AND actor_user = 9301 AND details->>'action' = 'button'`); n != 4 {
		t.Errorf("refusals audited: %d, want 4", n)
	}
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action LIKE 'export.%' AND actor_user = 9301`); n != 0 {
		t.Errorf("%d exports recorded for the commune official", n)
	}
	// The province's button still works in its own chat.
	h.waitDone(mustPress(t, h, province, msg, signed))
	province.expectSome("Thành phố Hồ Chí Minh")
	if province.last().DocumentFileID == "" {
		t.Fatal("the province's own workbook button sent no workbook")
	}
}
