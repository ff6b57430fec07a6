package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// Names typed without any diacritic are shown back once, to be kept with
// one press ("TNHH", a brand) or retyped with accents; what is typed while
// the question is on screen, or after choosing to retype, is taken as it
// comes. A person's name is written with its capitals.
func TestUnaccentedNamesAskedOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	c := h.user(1401)
	c.say("/dangky")
	c.agree()
	c.press("Doanh nghiệp")

	// Retyped with accents after pressing the button.
	c.say("Cong ty TNHH Che Bau Bang")
	c.expect("Bước 2/15", "Anh/Chị muốn giữ «Cong ty TNHH Che Bau Bang» hay viết có dấu?")
	c.press("✏️ Viết lại có dấu")
	c.expect("Bước 2/15", "gõ lại có dấu", "Tên đầy đủ của chủ thể")
	c.say("Công ty TNHH Chè Bàu Bàng")
	c.expect("Bước 3/15", "Họ và tên người đại diện")

	// Kept with one press, with the capitals of a person's name.
	c.say("nguyen van tu")
	c.expect("Bước 3/15", "Anh/Chị muốn giữ «Nguyen Van Tu» hay viết có dấu?")
	c.press("Giữ nguyên")
	c.expect("Bước 4/15", "Số điện thoại")
	// The name kept, typed again (going back), is not asked about again.
	c.say("Quay lại")
	c.expect("Bước 3/15", "Họ và tên người đại diện")
	c.say("NGUYEN VAN TU")
	walkToAddressLine(c)

	// The address line too; typed again while the question is shown: the
	// new text is the answer.
	c.say("ap Phu Loi")
	c.expect("Bước 9/15", "Anh/Chị muốn giữ «ap Phu Loi» hay viết có dấu?")
	if kb := c.last().InlineKeyboard; len(kb) != 3 || kb[0][0].Text != "Giữ nguyên" || kb[1][0].Text != "✏️ Viết lại có dấu" || kb[2][0].Text != "Quay lại" {
		t.Fatalf("buttons of the question: %+v", kb)
	}
	c.say("Ấp Phú Lợi")
	c.expect("Bước 10/15", "Tên sản phẩm")

	// Asked once: retyped still without accents, it is taken.
	c.say("Tra xanh")
	c.expect("Bước 10/15", "«Tra xanh»")
	c.press("✏️ Viết lại có dấu")
	c.say("Tra xanh Bau Bang")
	c.expect("Bước 11/15", "nhóm")
	c.press("1. Thực phẩm")
	c.press("Chè (trà)")
	c.say("Chè xanh Bàu Bàng, hái một tôm hai lá, sao bằng chảo gang.")
	c.press("Bỏ qua")
	c.press("4 ★")
	c.expect("kiểm tra lại", "Tên: Công ty TNHH Chè Bàu Bàng", "Người đại diện: Nguyen Van Tu",
		"Địa chỉ: Ấp Phú Lợi, Xã Phú Mỹ Hưng, Huyện Củ Chi, Thành phố Hồ Chí Minh", "Tên sản phẩm: Tra xanh Bau Bang")
	c.press("✅ Gửi đăng ký")
	c.expect("Mã hồ sơ: OCOP-")

	var name, rep, line, product string
	if err := h.db.Store.Pool().QueryRow(ctx, `
SELECT p.name, p.representative, p.address_line, pr.name FROM producers p JOIN products pr ON pr.producer_id = p.id
WHERE p.owner_user_id = $1`, c.chatID()).Scan(&name, &rep, &line, &product); err != nil {
		t.Fatal(err)
	}
	if name != "Công ty TNHH Chè Bàu Bàng" || rep != "Nguyen Van Tu" || line != "Ấp Phú Lợi" || product != "Tra xanh Bau Bang" {
		t.Fatalf("stored %q, %q, %q, %q", name, rep, line, product)
	}
}

// Capitals: a person's name gets one at each word, however it was typed; a
// producer's or product's name typed all in small letters gets its first;
// a name with diacritics is not asked about.
func TestNameCapitalsNormalised(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.user(1402)
	c.say("/dangky")
	c.agree()
	c.press("Hợp tác xã")
	c.say("hợp tác xã chè Bàu Bàng")
	c.expect("Bước 3/15")
	c.say("nguyễn văn tú")
	c.expect("Bước 4/15")
	st := h.state(c)
	if st.Reg.Name != "hợp tác xã chè Bàu Bàng" || st.Reg.Rep != "Nguyễn Văn Tú" {
		t.Fatalf("name %q, representative %q; want the name as typed (it has capitals), the representative «Nguyễn Văn Tú»",
			st.Reg.Name, st.Reg.Rep)
	}
	c.say("Quay lại")
	c.say("TRẦN THỊ BÌNH")
	c.expect("Bước 4/15")
	c.say("Quay lại")
	c.say("Quay lại")
	c.say("hợp tác xã chè bàu bàng")
	c.expect("Bước 4/15") // back to where the user was
	if st := h.state(c); st.Reg.Name != "Hợp tác xã chè bàu bàng" || st.Reg.Rep != "Trần Thị Bình" {
		t.Fatalf("name %q, representative %q; want «Hợp tác xã chè bàu bàng», «Trần Thị Bình»", st.Reg.Name, st.Reg.Rep)
	}
}

// The thôn/ấp and house number: a step after the commune, skippable, with
// back on both sides; shown and edited from the summary, stored, shown in
// /hoso, /dulieu and the officials' workbook, and erased with the personal
// data.
func TestAddressLine(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	pool := h.db.Store.Pool()
	c := h.user(1403)
	c.say("/dangky")
	c.agree()
	c.press("Hợp tác xã")
	c.say("Hợp tác xã Nông nghiệp Tân Thông")
	c.say("Nguyễn Văn An")
	walkToAddressLine(c)
	if kb := c.last().InlineKeyboard; len(kb) != 2 || kb[0][0].Text != "Bỏ qua" {
		t.Fatalf("the address line step's buttons: %+v; want skip and back", kb)
	}

	// Back to the commune, and forward again.
	c.press("Quay lại")
	c.expect("Bước 8/15", "Huyện Củ Chi")
	c.say("phu my hung")
	c.press("Xã Phú Mỹ Hưng")
	c.expect("Bước 9/15", "thôn/ấp")
	c.press("Bỏ qua")
	c.expect("Bước 10/15", "Tên sản phẩm")
	// Back from the product's name to the step skipped, and fill it.
	c.press("Quay lại")
	c.expect("Bước 9/15", "thôn/ấp")
	c.say("Số 12, ấp Phú Lợi")
	c.expect("Bước 10/15", "Tên sản phẩm")
	walkProduct(c, 10, 15)
	c.expect("Địa chỉ: Số 12, ấp Phú Lợi, Xã Phú Mỹ Hưng, Huyện Củ Chi, Thành phố Hồ Chí Minh")

	// Edited from the summary: changed, removed, given again.
	c.press("✏️ Thôn/ấp, số nhà")
	c.expect("Bước 9/15", "thôn/ấp")
	c.say("Số 14, ấp Phú Lợi")
	c.expect("kiểm tra lại", "Địa chỉ: Số 14, ấp Phú Lợi, Xã Phú Mỹ Hưng, Huyện Củ Chi")
	c.press("✏️ Thôn/ấp, số nhà")
	c.press("Bỏ qua")
	c.expect("kiểm tra lại", "Địa chỉ: Xã Phú Mỹ Hưng, Huyện Củ Chi")
	c.press("✏️ Thôn/ấp, số nhà")
	c.say("Số 14, ấp Phú Lợi")
	c.expect("kiểm tra lại", "Địa chỉ: Số 14, ấp Phú Lợi, Xã Phú Mỹ Hưng")
	c.press("✅ Gửi đăng ký")
	c.expect("Mã hồ sơ: OCOP-")
	if got := h.text1(`SELECT address_line FROM producers WHERE owner_user_id = $1`, c.chatID()); got != "Số 14, ấp Phú Lợi" {
		t.Fatalf("address line stored %q", got)
	}

	const address = "Địa chỉ: Số 14, ấp Phú Lợi, Xã Phú Mỹ Hưng, Huyện Củ Chi, Thành phố Hồ Chí Minh"
	c.say("/hoso")
	c.expect("Anh/Chị có 1 hồ sơ", address)
	c.say("/dulieu")
	if got := strings.Join(h.botTexts(c.chatID()), "\n"); !strings.Contains(got[strings.LastIndex(got, "Dữ liệu bot đang lưu"):], address) {
		t.Errorf("/dulieu lacks %q:\n%s", address, got)
	}

	// The officials' workbook: the product once recognised, and a producer
	// of the registry not linked yet.
	var product, commune int64
	if err := pool.QueryRow(ctx, `SELECT pr.id, p.unit_id FROM products pr JOIN producers p ON p.id = pr.producer_id WHERE p.owner_user_id = $1`,
		c.chatID()).Scan(&product, &commune); err != nil {
		t.Fatal(err)
	}
	today := dates.LocalDay(time.Now())
	if _, err := h.db.Store.AddCertificate(ctx, ocop.Certificate{ProductID: product, Stars: 4, DecisionNo: "12/QĐ-UBND",
		DecisionDate: today.AddDate(0, -1, 0)}, 0); err != nil {
		t.Fatal(err)
	}
	unlinked := storagetest.AddRegistryProducer(t, h.db.Store, commune, "HTX Rau sạch Phú Lợi", "0912000777")
	if _, err := pool.Exec(ctx, `UPDATE producers SET address_line = 'Ấp Phú Lợi' WHERE id = $1`, unlinked); err != nil {
		t.Fatal(err)
	}
	off := bind(t, h, 9403, unitOn(t, h, "79", 1, today), ocop.RoleProvince)
	off.say("/status")
	off.press("📄 Xuất Excel")
	book := workbook(t, h, off)
	column := func(sheet, row, header, want string) {
		t.Helper()
		rows, err := book.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		col := -1
		for i, h := range rows[0] {
			if h == header {
				col = i
			}
		}
		for _, r := range rows[1:] {
			if len(r) > 1 && r[1] == row {
				if col < 0 || col >= len(r) || r[col] != want {
					t.Errorf("%s: %s has %v under %v, want %q in column %q", sheet, row, r, rows[0], want, header)
				}
				return
			}
		}
		t.Errorf("%s has no row %q: %v", sheet, row, rows)
	}
	column("Sản phẩm", "Mật ong rừng Củ Chi", "Thôn/ấp, số nhà", "Số 14, ấp Phú Lợi")
	column("Chưa liên kết bot", "HTX Rau sạch Phú Lợi", "Thôn/ấp, số nhà", "Ấp Phú Lợi")

	// A house number locates a home: it goes with the personal data.
	c.say("/xoadulieu")
	c.press("dữ liệu của tôi")
	if n := h.count(`SELECT count(*) FROM producers WHERE name = 'Hợp tác xã Nông nghiệp Tân Thông' AND address_line = '' AND erased_at IS NOT NULL`); n != 1 {
		t.Fatal("the address line stays after erasing the personal data")
	}
}
