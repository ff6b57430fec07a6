package bot_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// claimHarness is a harness on 1/12/2026 with both unit trees, and Xã Tân
// Thông Hội (Huyện Củ Chi, three-level tree), where the registry producers
// of these tests are.
func claimHarness(t *testing.T) (*harness, int64) {
	t.Helper()
	h := newHarness(t, harnessOptions{twoLevel: true, merges: true,
		now: time.Date(2026, 12, 1, 9, 0, 0, 0, dates.Vietnam)})
	return h, unitOn(t, h, "27556", 3, time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC))
}

// owner is the Telegram user a producer is linked to, 0 when none.
func owner(t *testing.T, h *harness, producer int64) int64 {
	t.Helper()
	var user *int64
	if err := h.db.Store.Pool().QueryRow(context.Background(), `SELECT owner_user_id FROM producers WHERE id = $1`, producer).Scan(&user); err != nil {
		t.Fatal(err)
	}
	if user == nil {
		return 0
	}
	return *user
}

// A producer of the registry shares its own phone with the contact button,
// sees its record and confirms; /hoso then shows its products. Someone else
// sharing the same number later finds nothing left to claim.
func TestClaimByOwnContact(t *testing.T) {
	t.Parallel()
	h, commune := claimHarness(t)
	p := storagetest.AddRegistryProducer(t, h.db.Store, commune, "HTX Mật ong Tân Thông", "0912345678",
		storagetest.Cert{Stars: 4, Decided: "2024-06-28"})
	c := h.user(1501)

	c.say("/start")
	c.press("🔗 Nhận hồ sơ OCOP đã có")
	c.agree()
	c.expect("bấm nút «📱 Gửi số điện thoại của tôi»")
	if kb := h.emu.Keyboard(c.chatID()); len(kb) == 0 || !kb[0][0].RequestContact {
		t.Fatalf("no contact-request button; keyboard: %+v", kb)
	}
	c.replies()
	c.shareContact("+84912345678")
	c.expect("Số điện thoại này khớp với hồ sơ sau", "🏷 HTX Mật ong Tân Thông",
		"📍 Xã Tân Thông Hội (cũ), nay thuộc Xã Củ Chi, Thành phố Hồ Chí Minh",
		"• Sản phẩm của HTX Mật ong Tân Thông: 4★, hiệu lực đến hết ngày 27/06/2027")
	if owner(t, h, p) != 0 {
		t.Fatal("the producer is claimed before the user confirmed")
	}
	c.press("✅ Đúng, đây là tôi")
	c.expectSome("Đã liên kết hồ sơ «HTX Mật ong Tân Thông»")
	c.expect("Sản phẩm OCOP của Anh/Chị", "Sản phẩm của HTX Mật ong Tân Thông: 4★, hiệu lực đến hết ngày 27/06/2027")
	if got := owner(t, h, p); got != c.u.ID {
		t.Fatalf("producer owner = %d, want %d", got, c.u.ID)
	}
	var chat *int64
	var audits int
	err := h.db.Store.Pool().QueryRow(context.Background(), `
SELECT chat_id, (SELECT count(*) FROM audit_log WHERE action = 'producer.claimed' AND entity_id = $1)
FROM producers WHERE id = $1 AND claimed_at IS NOT NULL`, p).Scan(&chat, &audits)
	if err != nil || chat == nil || *chat != c.chatID() || audits != 1 {
		t.Fatalf("claimed row: chat %v, audits %d, err %v; want chat %d and one audit row", chat, audits, err, c.chatID())
	}

	c.say("/hoso")
	c.expect("Sản phẩm của HTX Mật ong Tân Thông: 4★")
	c.say("/nhanhoso")
	c.expect("Tài khoản này đã liên kết với một chủ thể OCOP")

	d := h.user(1502)
	h.consent(d)
	d.shareContact("0912345678")
	d.expectSome("Không tìm thấy hồ sơ OCOP chưa liên kết nào có số điện thoại này")
}

// A number matching several producers offers them all; the one pressed is
// claimed, the others stay free.
func TestClaimSeveralMatches(t *testing.T) {
	t.Parallel()
	h, commune := claimHarness(t)
	a := storagetest.AddRegistryProducer(t, h.db.Store, commune, "HTX Tân Thông", "0987654321", storagetest.Cert{Stars: 3, Decided: "2023-03-15"})
	b := storagetest.AddRegistryProducer(t, h.db.Store, commune, "Hộ kinh doanh Bảy Lúa", "0987654321")
	c, e := h.user(1511), h.user(1512) // a family sharing one phone
	h.consent(c, e)
	e.shareContact("0987654321")
	c.shareContact("0987654321")
	c.expect("Số điện thoại này khớp với 2 chủ thể", "🏷 HTX Tân Thông", "🏷 Hộ kinh doanh Bảy Lúa",
		"• Sản phẩm của HTX Tân Thông: 3★, hiệu lực đến hết ngày 14/03/2026 (đã hết hạn)",
		"• Sản phẩm của Hộ kinh doanh Bảy Lúa: chưa có giấy chứng nhận còn hiệu lực")
	c.press("✅ Hộ kinh doanh Bảy Lúa")
	c.expectSome("Đã liên kết hồ sơ «Hộ kinh doanh Bảy Lúa»")
	if owner(t, h, b) != c.u.ID || owner(t, h, a) != 0 {
		t.Fatalf("owners: %d %d; want only the pressed one claimed", owner(t, h, a), owner(t, h, b))
	}
	// The same producer offered to another chat is not taken twice.
	e.press("✅ Hộ kinh doanh Bảy Lúa")
	e.expect("Hồ sơ này đã được một tài khoản khác liên kết")
	c.say("/nhanhoso")
	c.expect("Tài khoản này đã liên kết với một chủ thể OCOP")
}

// A number that matches nothing says whom to ask and offers registration;
// someone else's contact and a typed number are refused; a made-up link
// claims nothing.
func TestClaimRefusals(t *testing.T) {
	t.Parallel()
	h, commune := claimHarness(t)
	p := storagetest.AddRegistryProducer(t, h.db.Store, commune, "HTX Tân Thông", "0912345678")
	c := h.user(1521)
	h.consent(c)

	c.shareContact("0933333333")
	c.expectSome("liên hệ cán bộ phụ trách OCOP cấp xã")
	c.press("📝 Đăng ký sản phẩm")

	for _, tc := range []struct {
		name  string
		owner int64
	}{{"another user's contact", 9999}, {"a contact without a Telegram user", 0}} {
		d := h.user(1522)
		h.waitDone(h.emu.ShareOtherContact(d.chatID(), d.u, "0912345678", tc.owner))
		d.expect("Đây không phải số điện thoại của chính tài khoản này")
		if strings.Contains(d.lastText(), "HTX Tân Thông") {
			t.Errorf("%s: the record is shown:\n%s", tc.name, d.lastText())
		}
	}
	d := h.user(1523)
	d.say("0912345678")
	d.expect("Bot không nhận hồ sơ theo số điện thoại gõ tay")
	if kb := h.emu.Keyboard(d.chatID()); len(kb) == 0 || !kb[0][0].RequestContact {
		t.Fatalf("no contact-request button after a typed number; keyboard: %+v", kb)
	}
	d.say("/start c" + strings.Repeat("A", 24))
	d.expect("Liên kết này không hợp lệ hoặc đã bị thu hồi")
	if owner(t, h, p) != 0 {
		t.Fatal("a refused contact claimed the producer")
	}
}

// A printed claim link works once; a second use, an expired link and a
// revoked one are refused.
func TestClaimByLink(t *testing.T) {
	t.Parallel()
	h, commune := claimHarness(t)
	ctx := context.Background()
	p := storagetest.AddRegistryProducer(t, h.db.Store, commune, "HTX Tân Thông", "0912345678", storagetest.Cert{Stars: 4, Decided: "2024-06-28"})
	q := storagetest.AddRegistryProducer(t, h.db.Store, commune, "HTX Phú Hòa", "0912000000")
	codes, err := h.db.Store.CreateClaimLinks(ctx, []int64{p, q, q}, 0, 60*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	expired, err := h.db.Store.CreateClaimLinks(ctx, []int64{q}, 0, -time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	// A claim through a printed link asks for consent to the notice first,
	// saying where the record came from; the record is shown only after.
	c := h.user(1531)
	c.say("/start " + codes[0])
	c.expect("Hồ sơ này do", "chuyển vào bot từ sổ theo dõi chủ thể OCOP của tỉnh")
	if strings.Contains(c.lastText(), "HTX Tân Thông") {
		t.Fatalf("the record is shown before consent:\n%s", c.lastText())
	}
	c.agree()
	c.expect("Liên kết này dành cho hồ sơ sau", "🏷 HTX Tân Thông", "4★, hiệu lực đến hết ngày 27/06/2027")
	c.press("✅ Đúng, đây là tôi")
	c.expectSome("Đã liên kết hồ sơ «HTX Tân Thông»")
	if owner(t, h, p) != c.u.ID {
		t.Fatal("the link did not claim the producer")
	}

	c.say("/dulieu")
	c.expect("Phiên bản " + flows.ConsentVersion)

	d := h.user(1532)
	h.consent(d)
	d.say("/start " + codes[0])
	d.expect("Liên kết này đã được sử dụng")
	d.say("/start " + expired[0])
	d.expect("Liên kết này đã hết hạn")
	if err := h.db.Store.RevokeClaimLink(ctx, codes[1], 0); err != nil {
		t.Fatal(err)
	}
	d.say("/start " + codes[1])
	d.expect("Liên kết này không hợp lệ hoặc đã bị thu hồi")
	// Opened, then used elsewhere before the press: the press is refused.
	d.say("/start " + codes[2])
	d.expect("🏷 HTX Phú Hòa")
	e := h.user(1533)
	h.consent(e)
	e.say("/start " + codes[2])
	e.press("✅ Đúng, đây là tôi")
	d.press("✅ Đúng, đây là tôi")
	d.expect("Liên kết này đã được sử dụng")
	if owner(t, h, q) != e.u.ID {
		t.Fatalf("owner of HTX Phú Hòa = %d, want %d", owner(t, h, q), e.u.ID)
	}
}

// workbook opens the document of the chat's last bot message.
func workbook(t *testing.T, h *harness, c *user) *excelize.File {
	t.Helper()
	doc := c.last()
	data, ok := h.emu.FileBytes(doc.DocumentFileID)
	if doc.DocumentFileID == "" || !ok {
		t.Fatalf("no document in the last message:\n%s", doc.Text)
	}
	book, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return book
}

// A province's /status counts its producers linked to the bot and not, its
// workbook lists the unlinked ones with their phones, and its officials
// print a link with a QR code for each unlinked producer; a producer opening
// its link claims its record.
func TestStatusLinkedProducers(t *testing.T) {
	t.Parallel()
	h, commune := claimHarness(t)
	ctx := context.Background()
	today := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	newCommune := unitOn(t, h, "27553", 3, today) // Xã Củ Chi, two-level tree
	a := storagetest.AddRegistryProducer(t, h.db.Store, commune, "HTX Tân Thông", "0912345678", storagetest.Cert{Stars: 4, Decided: "2024-06-28"})
	storagetest.AddRegistryProducer(t, h.db.Store, commune, "HTX Phú Hòa", "0912000000")
	storagetest.AddRegistryProducer(t, h.db.Store, newCommune, "Hộ kinh doanh Bảy Lúa", "0987654321", storagetest.Cert{Stars: 3, Decided: "2025-09-01"})
	codes, err := h.db.Store.CreateClaimLinks(ctx, []int64{a}, 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p := h.user(1541)
	h.consent(p)
	p.say("/start " + codes[0])
	p.press("✅ Đúng, đây là tôi")

	off := bind(t, h, 1540, unitOn(t, h, "79", 1, today), ocop.RoleProvince)
	off.say("/status")
	off.expect("Chủ thể đã liên kết với bot: 1; chưa liên kết: 2")

	off.press("📄 Xuất Excel")
	book := workbook(t, h, off)
	rows, err := book.GetRows("Chưa liên kết bot")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][5] != "Số điện thoại" {
		t.Fatalf("unlinked sheet: %q; want a header and 2 producers", rows)
	}
	got := map[string]string{}
	for _, r := range rows[1:] {
		got[r[1]] = r[5]
	}
	if got["HTX Phú Hòa"] != "0912000000" || got["Hộ kinh doanh Bảy Lúa"] != "0987654321" {
		t.Fatalf("unlinked producers and phones: %v", got)
	}

	off.press("🔗 In liên kết nhận hồ sơ (QR)")
	if got := off.last().Caption; !strings.Contains(got, "Liên kết nhận hồ sơ cho 2 chủ thể chưa liên kết của Thành phố Hồ Chí Minh") ||
		!strings.Contains(got, "hết hạn ngày 30/01/2027") {
		t.Fatalf("links caption: %q", got)
	}
	book = workbook(t, h, off)
	rows, err = book.GetRows("Liên kết nhận hồ sơ")
	if err != nil {
		t.Fatal(err)
	}
	pics, err := book.GetPictureCells("Liên kết nhận hồ sơ")
	if err != nil || len(rows) != 3 || len(pics) != 2 {
		t.Fatalf("links sheet: %q, pictures %v (%v); want 2 rows with a QR code each", rows, pics, err)
	}
	var link string
	for _, r := range rows[1:] {
		if r[1] == "Hộ kinh doanh Bảy Lúa" {
			link = r[4]
		}
	}
	code, ok := strings.CutPrefix(link, "https://t.me/ocop_test_bot?start=")
	if !ok {
		t.Fatalf("link of Hộ kinh doanh Bảy Lúa = %q", link)
	}
	var audits int
	if err := h.db.Store.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'claim_links.created'
AND actor_user = 1540 AND details->>'count' = '2' AND details::text NOT LIKE '%0912%'`).Scan(&audits); err != nil || audits != 1 {
		t.Fatalf("audit rows of the printed links: %d (%v), want 1 without phones", audits, err)
	}
	q := h.user(1542)
	h.consent(q)
	q.say("/start " + code)
	q.expect("🏷 Hộ kinh doanh Bảy Lúa")
	q.press("✅ Đúng, đây là tôi")
	off.say("/status")
	off.expect("Chủ thể đã liên kết với bot: 2; chưa liên kết: 1")

	// The day before, as it stood then: the three imported on 01/11/2026,
	// neither claim made yet (both were made after 30/11/2026 on any clock).
	if _, err := h.db.Store.Pool().Exec(ctx, `UPDATE producers SET imported_at = '2026-11-01 10:00+07' WHERE imported_at IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	off.say("/status 30/11/2026")
	off.expect("ngày 30/11/2026", "Chủ thể đã liên kết với bot: 0; chưa liên kết: 3")
	off.press("📄 Xuất Excel")
	if rows, err := workbook(t, h, off).GetRows("Chưa liên kết bot"); err != nil || len(rows) != 4 {
		t.Fatalf("unlinked sheet of 30/11/2026: %q (%v); want a header and 3 producers", rows, err)
	}
}

// A claim's confirmation is valid only for the user it was offered to: the
// confirmation button made for one chat, pressed from another — its data
// copied as it is, or a forged press with the code — claims nothing, and a
// user who never agreed to the notice is asked to first.
func TestClaimConfirmationBoundToItsUser(t *testing.T) {
	t.Parallel()
	h, commune := claimHarness(t)
	p := storagetest.AddRegistryProducer(t, h.db.Store, commune, "HTX Mật ong Tân Thông", "0912345678",
		storagetest.Cert{Stars: 4, Decided: "2024-06-28"})
	a, b := h.user(8101), h.user(8102)
	h.consent(a)
	a.shareContact("+84912345678")
	a.expect("Số điện thoại này khớp với hồ sơ sau", "🏷 HTX Mật ong Tân Thông")
	msg, signed := a.find("✅ Đúng, đây là tôi")

	// 8102 has a message of the bot to press from.
	b.say("/start")
	bMsg := b.last().ID
	code := strings.TrimPrefix(signed[:strings.LastIndexByte(signed, '~')], "x|cl|")
	for _, data := range []string{signed, "x|cl|" + code} {
		h.waitDone(mustForge(t, h, b, bMsg, data))
		if owner(t, h, p) != 0 {
			t.Fatalf("chat 8102 pressing %q claimed 8101's record", data)
		}
		if got := b.lastText(); strings.Contains(got, "HTX Mật ong Tân Thông") || strings.Contains(got, "Đã liên kết") {
			t.Fatalf("chat 8102 pressing %q: %q", data, got)
		}
	}
	if got := h.emu.CallbackAnswers(b.chatID()); len(got) < 2 {
		t.Fatalf("the refused presses were not answered: %+v", got)
	}
	if n := h.count(`SELECT count(*) FROM consents WHERE user_id = 8102`); n != 0 {
		t.Fatalf("8102 has %d consents, never having agreed", n)
	}
	// Storage refuses the code too, for anyone but the user it was offered to.
	if _, err := h.db.Store.Claim(context.Background(), code, 8102, 8102); !errors.Is(err, ocop.ErrClaimUnknown) {
		t.Fatalf("claim by another user: %v, want ErrClaimUnknown", err)
	}
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'claim.refused' AND actor_user = 8102`); n != 1 {
		t.Fatalf("refused claims audited: %d, want 1", n)
	}
	// The user it was made for still can.
	h.waitDone(mustPress(t, h, a, msg, signed))
	a.expectSome("Đã liên kết hồ sơ «HTX Mật ong Tân Thông»")
	if owner(t, h, p) != a.u.ID {
		t.Fatalf("owner = %d, want %d", owner(t, h, p), a.u.ID)
	}
}

func mustForge(t *testing.T, h *harness, c *user, msg int, data string) int64 {
	t.Helper()
	id, err := h.emu.ForgeButton(c.chatID(), c.u, msg, data)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func mustPress(t *testing.T, h *harness, c *user, msg int, data string) int64 {
	t.Helper()
	id, err := h.emu.PressButton(c.chatID(), c.u, msg, data)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
