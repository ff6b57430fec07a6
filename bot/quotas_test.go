package bot_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestQuotaPeriods: HCMC on the reform's edge with both trees and the
// merges. On 30/6/2025 the district rules of 1943/QĐ-UBND (three-level
// tree); on 1/7/2025 today's encouraged commune rule only, and a province
// without rules says so; /status Củ Chi on 01/12/2026 is the former
// district's area, counting a product of an old commune and one of a new
// commune, with its chart and workbook; a rule file sent in the chat by the
// province replaces today's rule and sets one for the area; a bad file
// writes nothing and lists every bad line.
func TestQuotaPeriods(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	h := newHarness(t, harnessOptions{now: now, twoLevel: true, merges: true})
	seedCuChi(t, h)
	newUnit := func(code string, level int) int64 { return unitOn(t, h, code, level, now) }
	// A product registered in today's Xã Thái Mỹ (which absorbed three
	// communes of Huyện Củ Chi).
	storagetest.AddProduct(t, h.db.Store, 5101, newUnit("27526", 3), "Bưởi Thái Mỹ", storagetest.Cert{Stars: 3, Decided: "2026-02-01"})
	city := bind(t, h, 9601, newUnit("79", 1), ocop.RoleProvince)

	city.say("/status 30/06/2025")
	city.press("Thành phố Hồ Chí Minh")
	city.expect("Thành phố Hồ Chí Minh — tình hình OCOP ngày 30/06/2025",
		"• Quận, thành phố — ≥ 3 sản phẩm OCOP: 0/17 đạt",
		"• Phường — khuyến khích ≥ 1 sản phẩm OCOP: 1/210 đạt",
		"• Huyện — bình quân ≥ 2 sản phẩm/đơn vị cấp xã: 0/5 đạt")
	city.say("/status cu chi 30/06/2025")
	city.expect("Huyện Củ Chi — tình hình OCOP ngày 30/06/2025", "❌ bình quân ≥ 2 sản phẩm/đơn vị cấp xã")

	city.say("/status 01/07/2025")
	city.expect("Thành phố Hồ Chí Minh — tình hình OCOP ngày 01/07/2025",
		"• Phường, xã, đặc khu — khuyến khích ≥ 1 sản phẩm OCOP: 4/168 đạt")
	for _, gone := range []string{"Quận, thành phố", "Huyện —", "Chưa có chỉ tiêu"} {
		if strings.Contains(city.lastText(), gone) {
			t.Errorf("status of 01/07/2025 shows %q", gone)
		}
	}
	hanoi := bind(t, h, 9602, newUnit("01", 1), ocop.RoleProvince)
	hanoi.say("/status 01/07/2025")
	hanoi.expect("Thành phố Hà Nội — tình hình OCOP ngày 01/07/2025", "Chưa có chỉ tiêu cho đơn vị này vào ngày 01/07/2025.")
	hanoi.say("/status cu chi")
	hanoi.expect("không thuộc phạm vi của Anh/Chị")

	// The former district's area: 7 communes of today; the honey and the
	// bananas (old Xã Phú Mỹ Hưng, Xã An Phú → Xã An Nhơn Tây), the tea
	// (Thị trấn Củ Chi → Xã Tân An Hội), the mushrooms (Xã Tân Thông Hội →
	// Xã Củ Chi) and the pomelos of Xã Thái Mỹ; Hóc Môn's product is not.
	area := []string{"📊 Khu vực huyện Củ Chi cũ — tình hình OCOP ngày 01/12/2026",
		"Sản phẩm OCOP còn hiệu lực: 5 (3★: 3 · 4★: 2 · 5★: 0)",
		"• Phường, xã, đặc khu — khuyến khích ≥ 1 sản phẩm OCOP: 4/7 đạt",
		"Đơn vị cấp xã chưa có sản phẩm: 3/7 — Xã Bình Mỹ, Xã Nhuận Đức, Xã Phú Hòa Đông"}
	city.say("/status Củ Chi 01/12/2026")
	city.expect(area...)
	city.say("/status huyen cu chi")
	city.expect(area...)
	city.say("/status xa cu chi")
	city.expect("📊 Xã Củ Chi — tình hình OCOP ngày 01/12/2026", "Sản phẩm OCOP còn hiệu lực: 1 (3★: 1")

	city.say("/status cu chi")
	city.press("📈 Biểu đồ")
	if c := city.last(); c.PhotoFileID == "" || !strings.Contains(c.Caption, "Khu vực huyện Củ Chi cũ") {
		t.Fatalf("no chart of the area: %+v", c)
	}
	city.press("📄 Xuất Excel")
	doc := city.last()
	if doc.DocumentName != "ocop-khu-vuc-huyen-cu-chi-cu-2026-12-01.xlsx" {
		t.Fatalf("workbook = %+v", doc)
	}
	data, _ := h.emu.FileBytes(doc.DocumentFileID)
	book, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	rows, _ := book.GetRows("Sản phẩm")
	if len(rows) != 8 { // header + six products of old Củ Chi + the pomelos
		t.Fatalf("product sheet has %d rows, want 8: %v", len(rows), rows)
	}
	// Drill down from the area into one of its communes.
	city.say("/status cu chi")
	first := city.last().InlineKeyboard[0][0]
	city.press(first.Text)
	city.expect(first.Text + " — tình hình OCOP ngày 01/12/2026")

	// A bad rule file: nothing written, every bad line listed.
	before, _ := h.db.Store.Quotas(context.Background())
	bad := storage.QuotaHeader + "\n" +
		"79,1,below,Phường|Xã,recognised,1,,2026-01-01,,KH 99/KH-UBND\n" +
		"79,1,below,Phường,stars,1,,2026-01-01,,KH 99/KH-UBND\n" +
		"01,1,self,,recognised,5,,2026-01-01,,KH 99/KH-UBND\n" +
		"783,2,self,,recognised,10,,2026-13-01,,KH 99/KH-UBND\n"
	h.waitDone(h.emu.SendDocument(city.chatID(), city.u, "chi-tieu.csv", []byte(bad)))
	city.expect("Tệp có 3 lỗi; chưa ghi dòng nào", "Dòng 3: chỉ số «stars» không có",
		"Dòng 4: Thành phố Hà Nội không thuộc phạm vi của Anh/Chị.", "Dòng 5: ngày bắt đầu «2026-13-01» không đúng")
	if after, _ := h.db.Store.Quotas(context.Background()); len(after) != len(before) {
		t.Fatalf("a refused file wrote %d rules", len(after)-len(before))
	}

	// The province's own rules from 2026: they end today's seeded rule the
	// day before, and set a target on the area of former Huyện Củ Chi.
	good := storage.QuotaHeader + "\n" +
		"79,1,below,Phường|Xã|Đặc khu,recognised,1,2,2026-01-01,,KH 99/KH-UBND\n" +
		"783,2,self,,recognised,10,,01/01/2026,,KH 99/KH-UBND\n"
	h.waitDone(h.emu.SendDocument(city.chatID(), city.u, "chi-tieu.csv", []byte(good)))
	city.expect("Đã ghi 2 chỉ tiêu; 1 chỉ tiêu cũ")
	city.say("/status cu chi")
	city.expect("Khu vực huyện Củ Chi cũ — tình hình OCOP ngày 01/12/2026",
		"❌ ≥ 10 sản phẩm OCOP: hiện có 5, còn thiếu 5 sản phẩm",
		"• Phường, xã, đặc khu — ≥ 1 sản phẩm OCOP: 4/7 đạt")
	if strings.Contains(city.lastText(), "khuyến khích ≥ 1 sản phẩm OCOP") {
		t.Error("the seeded rule still shows beside the province's")
	}
	city.say("/status 01/07/2025")
	city.expect("• Phường, xã, đặc khu — khuyến khích ≥ 1 sản phẩm OCOP: 4/168 đạt")

	// A commune official may not send rules.
	commune := bind(t, h, 9603, newUnit("27553", 3), ocop.RoleCommune)
	h.waitDone(h.emu.SendDocument(commune.chatID(), commune.u, "chi-tieu.csv", []byte(good)))
	commune.expect("Chỉ cán bộ cấp tỉnh mới đặt chỉ tiêu")
	var audits int
	if err := h.db.Store.Pool().QueryRow(context.Background(),
		`SELECT count(*) FROM audit_log WHERE action = 'quotas.imported' AND actor_user = 9601`).Scan(&audits); err != nil {
		t.Fatal(err)
	}
	if audits != 1 {
		t.Errorf("audit rows = %d, want 1", audits)
	}
}
