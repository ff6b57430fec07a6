package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// hcmOffice is Ho Chi Minh City's controller in these tests.
var hcmOffice = flows.Controller{Name: "Văn phòng Điều phối Chương trình OCOP Thành phố Hồ Chí Minh",
	Contact: "028 3829 1234, ocop@tphcm.gov.vn"}

// noticeHarness is a harness on 1/12/2026 with both unit trees, Ho Chi
// Minh City's controller configured, and Xã Tân Thông Hội (three-level
// tree, merged into today's Xã Củ Chi).
func noticeHarness(t *testing.T, notify bool) (*harness, int64) {
	t.Helper()
	h := newHarness(t, harnessOptions{twoLevel: true, merges: true, notify: notify,
		now:         time.Date(2026, 12, 1, 9, 0, 0, 0, dates.Vietnam),
		controllers: flows.Controllers{ByProvince: map[string]flows.Controller{"79": hcmOffice}}})
	return h, unitOn(t, h, "27556", 3, time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC))
}

// expectRights checks that the chat's last message is the notice in full:
// the controller, the data and why, who sees it, that Telegram keeps the
// messages abroad, how long, and every right with its command.
func expectRights(c *user, controller string) {
	c.h.t.Helper()
	c.expect("Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15", "Nghị định số 356/2025/NĐ-CP",
		"Bên kiểm soát dữ liệu: "+controller,
		"Dữ liệu thu thập: tên chủ thể, người đại diện, số điện thoại, mã số thuế hoặc số CCCD, địa chỉ",
		"Mục đích: đăng ký OCOP", "Người được xem: cán bộ OCOP cấp xã và cấp tỉnh",
		"đi qua dịch vụ Telegram và được Telegram lưu trên máy chủ đặt ở nước ngoài", "Thời gian lưu",
		"xem dữ liệu bot lưu về mình: /dulieu", "sửa số điện thoại, người đại diện: /suathongtin",
		"rút lại sự đồng ý và xóa dữ liệu cá nhân: /xoadulieu", "khiếu nại: với "+controller, "Bộ Công an",
		"Phiên bản "+flows.ConsentVersion)
}

// TestNoticeNamesControllerAndRights: the notice under /dangky begins
// "Trước khi đăng ký"; under /nhanhoso and a claim link it says the record
// came from the province's registry instead; each names the controller —
// the province's office, with its contact, once the producer's province is
// known — abroad storage and every right with its command. A new version
// is asked again of a producer who agreed to an older one.
func TestNoticeNamesControllerAndRights(t *testing.T) {
	t.Parallel()
	h, commune := noticeHarness(t, false)
	ctx := context.Background()
	const generic = "Văn phòng Điều phối Chương trình OCOP tỉnh/thành phố nơi Anh/Chị sản xuất"

	// Registering: the province is not known yet.
	r := h.user(1901)
	r.say("/dangky")
	r.expect("🔒 Trước khi đăng ký")
	expectRights(r, generic)
	if strings.Contains(r.lastText(), "sổ theo dõi") {
		t.Errorf("the registration's notice speaks of the registry:\n%s", r.lastText())
	}

	// Claiming by phone: the registry's record, not "before registering".
	c := h.user(1902)
	c.say("/nhanhoso")
	c.expect("đã được " + generic + " chuyển vào bot từ sổ theo dõi chủ thể OCOP của tỉnh")
	expectRights(c, generic)
	if strings.Contains(c.lastText(), "Trước khi đăng ký") {
		t.Errorf("the claim's notice begins as registration's:\n%s", c.lastText())
	}

	// A claim link: the record's province is known, so is its office.
	p := storagetest.AddRegistryProducer(t, h.db.Store, commune, "HTX Tân Thông", "0912345678", storagetest.Cert{Stars: 4, Decided: "2024-06-28"})
	codes, err := h.db.Store.CreateClaimLinks(ctx, []int64{p}, 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	l := h.user(1903)
	l.say("/start " + codes[0])
	l.expect("📋 Hồ sơ này do " + hcmOffice.Name + " chuyển vào bot từ sổ theo dõi chủ thể OCOP của tỉnh")
	expectRights(l, hcmOffice.Name)
	l.expect("Bên kiểm soát dữ liệu: "+hcmOffice.Name+" — liên hệ: "+hcmOffice.Contact,
		"khiếu nại: với "+hcmOffice.Name+" ("+hcmOffice.Contact+")")
	if strings.Contains(l.lastText(), "Trước khi đăng ký") || strings.Contains(l.lastText(), "HTX Tân Thông") {
		t.Errorf("the link's notice:\n%s", l.lastText())
	}
	l.agree()
	l.expect("🏷 HTX Tân Thông")

	// A producer who agreed to the previous version is asked again, with
	// its province's office named.
	storagetest.AddProduct(t, h.db.Store, 1904, commune, "Mật ong rừng")
	if err := h.db.Store.GiveConsent(ctx, 1904, "2026-12", time.Now()); err != nil {
		t.Fatal(err)
	}
	o := h.user(1904)
	o.say("/dangky")
	o.expect("🔒 Trước khi đăng ký")
	expectRights(o, hcmOffice.Name)
	o.agree()
	o.expect("Bước 1/6")
	o.say("/huy")
	o.press("Có, hủy")

	// /dulieu names the office to ask or complain to.
	o.say("/dulieu")
	o.expect("/suathongtin", "/xoadulieu", "Bên kiểm soát dữ liệu, nơi Anh/Chị hỏi hoặc khiếu nại về dữ liệu của mình: "+
		hcmOffice.Name+" ("+hcmOffice.Contact+")")

	// In English, the same.
	e := h.user(1905)
	e.say("/ngonngu")
	e.press("English")
	e.say("/dangky")
	e.expect("Before you register", "Law on Personal Data Protection No. 91/2025/QH15", "Data controller: the OCOP Coordination Office",
		"which stores them on its servers outside Vietnam", "/dulieu", "/suathongtin", "/xoadulieu",
		"complain:", "Version "+flows.ConsentVersion)
}

// TestCorrectPhone: /suathongtin asks for consent to the notice in force,
// shows what is stored, refuses a malformed phone as registration does,
// saves a valid one after confirmation (audited without the numbers),
// tells the officials of the producer's commune, and /dulieu shows the new
// value; the representative is corrected the same way.
func TestCorrectPhone(t *testing.T) {
	t.Parallel()
	h, commune := noticeHarness(t, true)
	official := bind(t, h, 9901, todayCuChi(t, h), ocop.RoleCommune)
	const before, after = "0912345678", "0987000222"
	producer := storagetest.AddProduct(t, h.db.Store, 1911, commune, "Mật ong rừng")

	c := h.user(1911)
	c.say("/suathongtin")
	c.expect("🔒 Trước khi sửa thông tin")
	expectRights(c, hcmOffice.Name)
	c.agree()
	c.expect("Sửa thông tin của HTX Mật ong rừng", "Số điện thoại: "+before, "Người đại diện: Nguyễn Văn A")
	c.press("📞 Số điện thoại")
	c.expect("Số điện thoại hiện tại: " + before)
	if kb := h.emu.Keyboard(c.chatID()); len(kb) == 0 || !kb[0][0].RequestContact {
		t.Fatalf("no contact-request button; keyboard: %+v", kb)
	}
	c.say("12345")
	c.expectSome("Số điện thoại chưa đúng")
	c.say("0987 000 222")
	c.expect("Số điện thoại: " + before + " → " + after)
	c.press("💾 Lưu")
	c.expectSome("✅ Đã lưu. Số điện thoại: " + after + ".\nCán bộ OCOP cấp xã và cấp tỉnh đã được báo.")
	if st := h.state(c); st != nil {
		t.Errorf("conversation after saving: %+v", st)
	}

	if n := h.count(`SELECT count(*) FROM producers WHERE id = $1 AND phone = $2`, producer, after); n != 1 {
		t.Fatal("the phone was not corrected")
	}
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'personal_data.corrected' AND actor_user = 1911
AND entity_id = $1 AND details->>'field' = 'phone' AND details::text NOT LIKE '%'||$2||'%' AND details::text NOT LIKE '%'||$3||'%'`,
		producer, before, after); n != 1 {
		t.Errorf("audit rows of the correction without the numbers: %d, want 1", n)
	}
	h.waitFor("the commune's official told", func() bool {
		return strings.Contains(strings.Join(h.botTexts(official.chatID()), "\n"),
			"Chủ thể «HTX Mật ong rừng» đã tự sửa thông tin ngày 01/12/2026: Số điện thoại mới là "+after)
	})

	c.say("/dulieu")
	got := strings.Join(h.botTexts(c.chatID()), "\n")
	got = got[strings.LastIndex(got, "Dữ liệu bot đang lưu"):]
	if !strings.Contains(got, "Điện thoại: "+after) || strings.Contains(got, before) {
		t.Errorf("/dulieu after the correction:\n%s", got)
	}

	// The representative: checked as registration checks it.
	c.say("/suathongtin")
	c.press("👤 Người đại diện")
	c.expect("Người đại diện hiện tại: Nguyễn Văn A")
	c.say("A")
	c.expectSome("Ngắn quá")
	c.say("Trần Thị Bình")
	c.press("💾 Lưu")
	c.expectSome("✅ Đã lưu. Người đại diện: Trần Thị Bình.")
	if n := h.count(`SELECT count(*) FROM producers WHERE id = $1 AND representative = 'Trần Thị Bình' AND phone = $2`, producer, after); n != 1 {
		t.Error("the representative was not corrected")
	}

	// An erasure takes the corrected values out of the officials' notices.
	c.say("/xoadulieu")
	c.press("🗑 Xóa dữ liệu của tôi")
	c.expect("Đã xóa dữ liệu cá nhân")
	if n := h.count(`SELECT count(*) FROM notifications WHERE kind = 'corrected' AND (payload::text LIKE '%'||$1||'%'
OR payload::text LIKE '%Trần Thị Bình%')`, after); n != 0 {
		t.Errorf("%d officials' notices still hold the corrected values", n)
	}

	// Someone who manages no producer has nothing to correct.
	n := h.user(1912)
	n.say("/suathongtin")
	n.expect("Bot chưa có hồ sơ chủ thể nào của Anh/Chị để sửa")
}
