package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestCommunesNamedAsOnTheDay: a producer's commune is named as it stood
// on the report's day, on every surface of that day. Today (23/11/2026) a
// commune of the three-level tree is "Xã Tân Thông Hội (cũ), nay thuộc Xã
// Củ Chi" in /status's expiring list, the workbook's products and unlinked
// producers, and the claim-link workbook; on 01/03/2025, when it existed,
// it is plain "Xã Tân Thông Hội" under its district, and a commune of the
// two-level tree keeps its own name. Claim links are used from today: their
// workbook names communes as today whatever day the status was of.
func TestCommunesNamedAsOnTheDay(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{now: statusDay, twoLevel: true, merges: true})
	ctx := context.Background()
	oldCommune := unitOn(t, h, "27556", 3, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)) // Xã Tân Thông Hội, Huyện Củ Chi
	newCommune := unitOn(t, h, "27553", 3, statusDay)                                   // Xã Củ Chi, which took it in
	type C = storagetest.Cert
	storagetest.AddRegistryProducer(t, h.db.Store, oldCommune, "HTX Rau muống hữu cơ", "0912000301", C{Stars: 4, Decided: "2024-01-20"})
	storagetest.AddRegistryProducer(t, h.db.Store, oldCommune, "HTX Đan lát Tân Thông", "0912000302", C{Stars: 3, Decided: "2022-04-01"})
	storagetest.AddRegistryProducer(t, h.db.Store, newCommune, "Hộ kinh doanh Bảy Lúa", "0912000303", C{Stars: 3, Decided: "2022-05-01"})
	// Imported before the past day asked, so that its unlinked sheet lists them.
	if _, err := h.db.Store.Pool().Exec(ctx, `UPDATE producers SET imported_at = '2024-12-01 10:00+07'`); err != nil {
		t.Fatal(err)
	}
	const former = "Xã Tân Thông Hội (cũ), nay thuộc Xã Củ Chi"
	off := bind(t, h, 9901, unitOn(t, h, "79", 1, statusDay), ocop.RoleProvince)

	// sheet reads a workbook sheet's rows by their column 2 (product or
	// producer): column col and the one after.
	sheet := func(book *excelize.File, name string, col int) map[string][2]string {
		t.Helper()
		rows, err := book.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][2]string{}
		for _, r := range rows[1:] {
			r = append(r, "", "", "", "", "", "")
			out[r[1]] = [2]string{r[col], r[col+1]}
		}
		return out
	}
	want := func(what string, got map[string][2]string, key string, commune, parent string) {
		t.Helper()
		if g := got[key]; g[0] != commune || parent != "" && g[1] != parent {
			t.Errorf("%s: %s in %q, %q; want %q, %q", what, key, g[0], g[1], commune, parent)
		}
	}

	off.say("/status")
	off.expect("Thành phố Hồ Chí Minh — tình hình OCOP ngày 23/11/2026",
		"• Sản phẩm của HTX Rau muống hữu cơ (4★, "+former+") — hiệu lực đến hết ngày 19/01/2027")
	off.press("📄 Xuất Excel")
	book := workbook(t, h, off)
	products := sheet(book, "Sản phẩm", 4)
	want("today's products", products, "Sản phẩm của HTX Rau muống hữu cơ", former, "Thành phố Hồ Chí Minh")
	want("today's products", products, "Sản phẩm của Hộ kinh doanh Bảy Lúa", "Xã Củ Chi", "Thành phố Hồ Chí Minh")
	unlinked := sheet(book, "Chưa liên kết bot", 2)
	want("today's unlinked", unlinked, "HTX Rau muống hữu cơ", former, "Thành phố Hồ Chí Minh")
	want("today's unlinked", unlinked, "Hộ kinh doanh Bảy Lúa", "Xã Củ Chi", "Thành phố Hồ Chí Minh")
	off.press("🔗 In liên kết nhận hồ sơ (QR)")
	links := sheet(workbook(t, h, off), "Liên kết nhận hồ sơ", 2)
	want("claim links", links, "HTX Rau muống hữu cơ", former, "")
	want("claim links", links, "HTX Đan lát Tân Thông", former, "")
	want("claim links", links, "Hộ kinh doanh Bảy Lúa", "Xã Củ Chi", "")

	off.say("/status 01/03/2025")
	off.press("Thành phố Hồ Chí Minh")
	off.expect("Thành phố Hồ Chí Minh — tình hình OCOP ngày 01/03/2025",
		"• Sản phẩm của HTX Đan lát Tân Thông (3★, Xã Tân Thông Hội) — hiệu lực đến hết ngày 31/03/2025",
		"• Sản phẩm của Hộ kinh doanh Bảy Lúa (3★, Xã Củ Chi) — hiệu lực đến hết ngày 30/04/2025")
	if text := off.lastText(); strings.Contains(text, "(cũ)") {
		t.Errorf("01/03/2025 names a commune as former:\n%s", text)
	}
	off.press("📄 Xuất Excel")
	book = workbook(t, h, off)
	products = sheet(book, "Sản phẩm", 4)
	want("products of 01/03/2025", products, "Sản phẩm của HTX Rau muống hữu cơ", "Xã Tân Thông Hội", "Huyện Củ Chi")
	want("products of 01/03/2025", products, "Sản phẩm của Hộ kinh doanh Bảy Lúa", "Xã Củ Chi", "Thành phố Hồ Chí Minh")
	unlinked = sheet(book, "Chưa liên kết bot", 2)
	want("unlinked of 01/03/2025", unlinked, "HTX Đan lát Tân Thông", "Xã Tân Thông Hội", "Huyện Củ Chi")
	off.press("🔗 In liên kết nhận hồ sơ (QR)")
	links = sheet(workbook(t, h, off), "Liên kết nhận hồ sơ", 2)
	want("claim links printed from 01/03/2025", links, "HTX Đan lát Tân Thông", former, "")
}
