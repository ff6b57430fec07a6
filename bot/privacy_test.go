package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// agree checks that the bot shows the personal-data notice (in Vietnamese
// or English) and agrees to it.
func (c *user) agree() {
	c.h.t.Helper()
	if strings.Contains(c.lastText(), "Law on Personal Data Protection No. 91/2025/QH15") {
		c.expect("Version " + flows.ConsentVersion)
		c.press("✅ I agree")
		c.expectSome("Thank you for agreeing.")
		return
	}
	c.expect("Luật Bảo vệ dữ liệu cá nhân", "Phiên bản "+flows.ConsentVersion)
	c.press("✅ Tôi đồng ý")
	c.expectSome("Cảm ơn Anh/Chị đã đồng ý.")
}

// consent records that the users agreed to the notice in force, as if
// they had pressed its button.
func (h *harness) consent(users ...*user) {
	h.t.Helper()
	for _, c := range users {
		if err := h.db.Store.GiveConsent(context.Background(), c.u.ID, flows.ConsentVersion, time.Now()); err != nil {
			h.t.Fatal(err)
		}
	}
}

// redisHolds reports the keys of the test's Redis prefix whose value
// contains any of values.
func (h *harness) redisHolds(values ...string) []string {
	h.t.Helper()
	ctx := context.Background()
	rdb := h.rdb.Client()
	keys, err := rdb.Keys(ctx, h.rdb.Prefix()+"*").Result()
	if err != nil {
		h.t.Fatal(err)
	}
	var found []string
	for _, k := range keys {
		var dump string
		switch typ := rdb.Type(ctx, k).Val(); typ {
		case "string":
			dump = rdb.Get(ctx, k).Val()
		case "hash":
			dump = fmt.Sprint(rdb.HGetAll(ctx, k).Val())
		case "list":
			dump = fmt.Sprint(rdb.LRange(ctx, k, 0, -1).Val())
		case "set":
			dump = fmt.Sprint(rdb.SMembers(ctx, k).Val())
		case "zset":
			dump = fmt.Sprint(rdb.ZRange(ctx, k, 0, -1).Val())
		case "stream":
			dump = fmt.Sprint(rdb.XRange(ctx, k, "-", "+").Val())
		case "none":
			// Gone since the listing: an outbox emptied meanwhile.
		default:
			h.t.Fatalf("key %s of type %s", k, typ)
		}
		for _, v := range values {
			if strings.Contains(dump, v) {
				found = append(found, k)
			}
		}
	}
	return found
}

// TestConsentBeforeRegistration: the notice comes before the first personal
// question; declining starts nothing; agreeing is stored with the notice's
// version and time and goes on; a new version of the notice asks again,
// also a producer who registered before.
func TestConsentBeforeRegistration(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.user(1601)
	consents := func(version string) int {
		return h.count(`SELECT count(*) FROM consents WHERE user_id = $1 AND version = $2 AND withdrawn_at IS NULL
AND agreed_at > now() - interval '1 hour'`, c.u.ID, version)
	}

	c.say("/start")
	c.press("📝 Đăng ký sản phẩm OCOP")
	c.expect("Luật Bảo vệ dữ liệu cá nhân", "tên chủ thể, người đại diện, số điện thoại, mã số thuế hoặc số CCCD, địa chỉ",
		"đăng ký OCOP", "cán bộ OCOP cấp xã và cấp tỉnh", "Thời gian lưu", "Phiên bản "+flows.ConsentVersion)
	for _, m := range c.replies() {
		if strings.Contains(m.Text, "Bước 1/") || strings.Contains(m.Text, "loại hình") {
			t.Fatalf("a question before the notice:\n%s", m.Text)
		}
	}
	c.say("Hợp tác xã")
	c.expectSome("vui lòng bấm «Tôi đồng ý» hoặc «Không đồng ý»")
	c.expect("Luật Bảo vệ dữ liệu cá nhân")
	if st := h.state(c); st == nil || st.Reg.Kind != "" {
		t.Fatalf("an answer was taken before consent: %+v", st)
	}

	c.press("Không đồng ý")
	c.expect("cần Anh/Chị đồng ý", "chưa bắt đầu đăng ký", "/dangky")
	if st := h.state(c); st != nil {
		t.Fatalf("state after declining = %+v, want none", st)
	}
	if n := h.count(`SELECT count(*) FROM consents WHERE user_id = $1`, c.u.ID); n != 0 {
		t.Fatalf("consents after declining: %d", n)
	}

	c.say("/dangky")
	c.agree()
	c.expect("Bước 1/15", "loại hình")
	if n := consents(flows.ConsentVersion); n != 1 {
		t.Fatalf("consents of version %s: %d, want 1", flows.ConsentVersion, n)
	}
	walkProducer(c)
	walkProduct(c, 10, 15)
	c.press("✅ Gửi đăng ký")
	c.expect("Đã gửi đăng ký sản phẩm")

	// Agreed already: no notice the second time.
	c.press("➕ Đăng ký sản phẩm khác")
	c.expect("Bước 1/6", "Tên sản phẩm")
	c.say("/huy")
	c.press("Có, hủy")

	// A new version of the notice (here: the user's agreement is to an
	// older one) asks again, also a producer with records.
	if _, err := h.db.Store.Pool().Exec(context.Background(), `UPDATE consents SET version = '2025-01' WHERE user_id = $1`, c.u.ID); err != nil {
		t.Fatal(err)
	}
	c.say("/dangky")
	c.agree()
	c.expect("Bước 1/6", "Tên sản phẩm")
	if consents(flows.ConsentVersion) != 1 || consents("2025-01") != 1 {
		t.Fatalf("consents: want the old and the new version")
	}
}

// TestClaimAsksConsent: /nhanhoso asks for consent before the contact, and
// a contact shared before agreeing is not read.
func TestClaimAsksConsent(t *testing.T) {
	t.Parallel()
	h, commune := claimHarness(t)
	storagetest.AddRegistryProducer(t, h.db.Store, commune, "HTX Mật ong Tân Thông", "0912345678")
	c := h.user(1611)
	c.shareContact("0912345678")
	c.expectSome("Bot chưa đọc số điện thoại")
	c.press("Không đồng ý")
	c.expect("chưa bắt đầu")
	c.say("/nhanhoso")
	c.agree()
	c.expect("bấm nút «📱 Gửi số điện thoại của tôi»")
	c.shareContact("0912345678")
	c.expect("Số điện thoại này khớp với hồ sơ sau", "HTX Mật ong Tân Thông")
}

// TestPersonalDataAccessAndErasure: /dulieu shows a producer what is
// stored about it and nothing of others; /xoadulieu, confirmed, erases the
// phone, the CCCD, the representative and the chat link in Postgres and the
// conversation in Redis, stops what was queued to the chat, tells the
// officials of the commune, and keeps the public record.
func TestPersonalDataAccessAndErasure(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{twoLevel: true, merges: true, notify: true,
		now: time.Date(2026, 12, 1, 9, 0, 0, 0, dates.Vietnam)})
	ctx := context.Background()
	pool := h.db.Store.Pool()
	oldCommune := unitOn(t, h, "27556", 3, time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC)) // Xã Tân Thông Hội
	var today int64                                                                      // Xã Củ Chi, which took it in
	if err := pool.QueryRow(ctx, `SELECT unit_id FROM admin_unit_origins WHERE old_unit_id = $1 LIMIT 1`, oldCommune).Scan(&today); err != nil {
		t.Fatal(err)
	}
	official := bind(t, h, 9801, today, ocop.RoleCommune)

	// A cooperative (its tax code is public) and a household (its CCCD is not).
	coop := storagetest.AddProduct(t, h.db.Store, 1701, oldCommune, "Mật ong rừng", storagetest.Cert{Stars: 4, Decided: "2024-06-28"})
	storagetest.AddProduct(t, h.db.Store, 1702, oldCommune, "Bánh tráng", storagetest.Cert{Stars: 3, Decided: "2024-06-28"})
	const cccd, phone = "079190000001", "0987000111"
	var household int64
	err := pool.QueryRow(ctx, `
UPDATE producers SET kind = 'household', name = 'Hộ kinh doanh Bảy Lúa', tax_code = '', citizen_id = $1, phone = $2,
       representative = 'Trần Thị Bảy'
WHERE owner_user_id = 1702 RETURNING id`, cccd, phone).Scan(&household)
	if err != nil {
		t.Fatal(err)
	}
	// A notification waiting for the household's chat (its job not run yet).
	var queued int64
	if err := pool.QueryRow(ctx, `
INSERT INTO notifications (kind, chat_id, producer_id, payload) VALUES ('revoked', 1702, $1, '{}') RETURNING id`, household).Scan(&queued); err != nil {
		t.Fatal(err)
	}

	a, b := h.user(1701), h.user(1702)
	a.say("/dulieu")
	got := strings.Join(h.botTexts(a.chatID()), "\n")
	for _, want := range []string{"Dữ liệu bot đang lưu", "HTX Mật ong rừng", "Hợp tác xã", "Nguyễn Văn A", "0912345678",
		"0100109106", "Xã Tân Thông Hội (cũ), nay thuộc Xã Củ Chi", "Mật ong rừng — Thực phẩm", "OCOP-",
		"Mật ong rừng, mong muốn 3★, ", // a registration's stars are the producer's wish
		"4 ★, Quyết định số 1/QĐ-UBND ngày 28/06/2024", "chưa đồng ý phiên bản nào", "Cuộc trò chuyện này", "/xoadulieu"} {
		if !strings.Contains(got, want) {
			t.Errorf("/dulieu lacks %q:\n%s", want, got)
		}
	}
	for _, other := range []string{"Bảy Lúa", cccd, phone, "Bánh tráng"} {
		if strings.Contains(got, other) {
			t.Errorf("/dulieu of one producer shows another's %q", other)
		}
	}

	// The household agrees, starts a product, then asks for erasure.
	b.say("/dangky")
	b.agree()
	b.expect("Bước 1/6")
	b.say("Bánh tráng phơi sương " + cccd)
	b.say("/dulieu")
	b.expectSome(cccd)
	got = strings.Join(h.botTexts(b.chatID()), "\n")
	for _, want := range []string{"Hộ kinh doanh Bảy Lúa", "CCCD chủ hộ: " + cccd, phone, "Trần Thị Bảy",
		"Phiên bản " + flows.ConsentVersion + ": đồng ý lúc"} {
		if !strings.Contains(got, want) {
			t.Errorf("/dulieu lacks %q:\n%s", want, got)
		}
	}
	b.say("/xoadulieu")
	b.expect("Sẽ xóa ngay", "số điện thoại", "Được giữ lại vì là hồ sơ công khai")
	b.press("🗑 Xóa dữ liệu của tôi")
	b.expect("Đã xóa dữ liệu cá nhân", "Được giữ lại vì là hồ sơ công khai: tên chủ thể «Hộ kinh doanh Bảy Lúa»",
		"giấy chứng nhận OCOP (1)", "Mã số thuế và số CCCD của hộ là thông tin cá nhân nên đã được xóa",
		"Cán bộ OCOP cấp xã đã được báo", "quyết định công nhận của UBND")

	// Postgres: the personal fields and the link are gone, the public record stays.
	if n := h.count(`SELECT count(*) FROM producers WHERE id = $1 AND owner_user_id IS NULL AND chat_id IS NULL
AND phone = '' AND citizen_id = '' AND tax_code = '' AND representative = '' AND erased_at IS NOT NULL
AND name = 'Hộ kinh doanh Bảy Lúa'`, household); n != 1 {
		t.Fatal("the household's personal data is still in producers")
	}
	if n := h.count(`SELECT count(*) FROM producers WHERE phone = $1 OR citizen_id = $2`, phone, cccd); n != 0 {
		t.Fatalf("%d producers still hold the phone or CCCD", n)
	}
	if n := h.count(`SELECT count(*) FROM certificates c JOIN products p ON p.id = c.product_id WHERE p.producer_id = $1`, household); n != 1 {
		t.Errorf("certificates kept: %d, want 1", n)
	}
	if n := h.count(`SELECT count(*) FROM registrations WHERE producer_id = $1`, household); n != 1 {
		t.Errorf("registrations kept: %d, want 1", n)
	}
	if n := h.count(`SELECT count(*) FROM chats WHERE chat_id = 1702`); n != 0 {
		t.Errorf("the chat's row stays")
	}
	if n := h.count(`SELECT count(*) FROM consents WHERE user_id = 1702 AND withdrawn_at IS NULL`); n != 0 {
		t.Errorf("the consent stands after the erasure")
	}
	if n := h.count(`SELECT count(*) FROM notifications WHERE id = $1 AND status = 'blocked' AND chat_id IS NULL`, queued); n != 1 {
		t.Errorf("the notification queued to the erased chat is not stopped")
	}
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'personal_data.erased' AND actor_user = 1702 AND entity_id = $1
AND details::text NOT LIKE '%'||$2||'%' AND details::text NOT LIKE '%'||$3||'%'`, household, phone, cccd); n != 1 {
		t.Errorf("audit rows of the erasure without personal values: %d, want 1", n)
	}

	// Redis: no conversation, and no personal value once the replies owed
	// have gone out.
	if st := h.state(b); st != nil {
		t.Errorf("conversation after the erasure: %+v", st)
	}
	h.waitFor("the outbox sent", func() bool { return len(h.redisHolds(cccd, phone)) == 0 })

	// The commune's official is told.
	h.waitFor("officials told", func() bool {
		return strings.Contains(strings.Join(h.botTexts(official.chatID()), "\n"),
			"Chủ thể «Hộ kinh doanh Bảy Lúa» đã yêu cầu xóa dữ liệu cá nhân ngày 01/12/2026")
	})

	// Afterwards: nothing of the household's is shown; registering asks
	// for consent again; the cooperative is untouched.
	b.say("/dulieu")
	b.expect("Bot chưa lưu hồ sơ chủ thể nào", "đã rút lại lúc")
	b.say("/dangky")
	b.expect("Luật Bảo vệ dữ liệu cá nhân")
	if owner(t, h, household) != 0 {
		t.Error("the household is still linked")
	}
	if n := h.count(`SELECT count(*) FROM producers p JOIN products pr ON pr.producer_id = p.id
WHERE pr.id = $1 AND p.owner_user_id = 1701 AND p.phone = '0912345678'`, coop); n != 1 {
		t.Error("another producer's data changed")
	}

	// A cooperative's tax code is a public record: it stays.
	a.say("/xoadulieu")
	a.press("🗑 Xóa dữ liệu của tôi")
	a.expect("Mã số thuế của tổ chức cũng được giữ")
	if n := h.count(`SELECT count(*) FROM producers p JOIN products pr ON pr.producer_id = p.id
WHERE pr.id = $1 AND p.owner_user_id IS NULL AND p.phone = '' AND p.tax_code = '0100109106'`, coop); n != 1 {
		t.Error("the cooperative's erasure: want no phone nor owner, the tax code kept")
	}
}
