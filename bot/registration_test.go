package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows"
)

// walkProducer answers the producer part of a registration in the
// three-level tree, skipping the address line, ending at the product name
// step.
func walkProducer(c *user) {
	c.h.t.Helper()
	c.press("Hợp tác xã")
	c.expect("Bước 2/15", "Tên đầy đủ của chủ thể (như trên giấy đăng ký)?")
	c.say("Hợp tác xã Nông nghiệp Tân Thông")
	c.expect("Bước 3/15")
	c.say("Nguyễn Văn An")
	walkToAddressLine(c)
	c.press("Bỏ qua")
	c.expect("Bước 10/15", "Tên sản phẩm")
}

// walkToAddressLine answers the producer part in the three-level tree from
// the phone (step 4) to the commune, Xã Phú Mỹ Hưng of Huyện Củ Chi, ending
// at the address line step.
func walkToAddressLine(c *user) {
	c.h.t.Helper()
	c.expect("Bước 4/15", "Số điện thoại")
	if kb := c.last().ReplyKeyboard; len(kb) == 0 || !kb[0][0].RequestContact {
		c.h.t.Fatalf("phone step shows no contact-sharing button: %+v", kb)
	}
	c.shareContact("84912345678")
	c.expectSome("Đã lưu số điện thoại 0912345678")
	c.expect("Bước 5/15", "Mã số thuế")
	c.say("0100109106")
	c.expect("Bước 6/15", "tỉnh/thành phố")
	c.say("ho chi minh")
	c.press("Thành phố Hồ Chí Minh")
	c.expect("Bước 7/15", "quận/huyện nào của Thành phố Hồ Chí Minh")
	c.say("huyen cu chi")
	c.press("Huyện Củ Chi")
	c.expect("Bước 8/15", "Ở xã/phường/thị trấn nào của Huyện Củ Chi?") // the three-level tree's words
	c.say("PHU MY HUNG")
	c.press("Xã Phú Mỹ Hưng")
	c.expect("Bước 9/15", "Địa chỉ chi tiết trong Xã Phú Mỹ Hưng: thôn/ấp/tổ dân phố, số nhà")
}

// walkProduct answers the product part, ending at the summary.
func walkProduct(c *user, step, total int) {
	c.h.t.Helper()
	c.say("Mật ong rừng Củ Chi")
	c.expect(fmt.Sprintf("Bước %d/%d", step+1, total), "nhóm")
	c.press("1. Thực phẩm")
	c.expect(fmt.Sprintf("Bước %d/%d", step+2, total), "Thực phẩm")
	c.press("Mật ong và sản phẩm từ mật ong")
	c.expect(fmt.Sprintf("Bước %d/%d", step+3, total), "Mô tả ngắn")
	c.say("Mật ong nguyên chất thu hoạch từ rừng tràm, không pha đường.")
	c.expect(fmt.Sprintf("Bước %d/%d", step+4, total), "ảnh")
	c.sendPhoto()
	c.expect(fmt.Sprintf("Bước %d/%d", step+5, total), "mấy sao")
	c.press("4 ★")
	c.expect("kiểm tra lại", "Mật ong rừng Củ Chi", "Hạng sao: mong muốn 4★")
}

func TestRegistrationHappyPath(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	c := h.user(1001)

	c.say("/start")
	c.expect("Xin chào Anh/Chị", "OCOP")
	c.press("📝 Đăng ký sản phẩm OCOP")
	c.agree()
	c.expect("Bước 1/15", "loại hình")
	walkProducer(c)
	walkProduct(c, 10, 15)
	c.expect("Hợp tác xã Nông nghiệp Tân Thông", "Nguyễn Văn An", "0912345678", "0100109106",
		"Xã Phú Mỹ Hưng, Huyện Củ Chi, Thành phố Hồ Chí Minh", "Thực phẩm › Mật ong", "Ảnh: có")
	c.press("✅ Gửi đăng ký")
	c.expect("Đã gửi đăng ký sản phẩm «Mật ong rừng Củ Chi»", "Mã hồ sơ: OCOP-")

	// Producer, product and registration are in Postgres, linked.
	var kind, phone, tax, unit, product, status, code string
	var stars int
	err := h.db.Store.Pool().QueryRow(ctx, `
SELECT p.kind, p.phone, p.tax_code, u.name, pr.name, pr.target_stars, r.status, r.code
FROM registrations r JOIN producers p ON p.id = r.producer_id JOIN products pr ON pr.id = r.product_id
JOIN admin_units u ON u.id = r.unit_id WHERE p.owner_user_id = $1`, c.chatID()).
		Scan(&kind, &phone, &tax, &unit, &product, &stars, &status, &code)
	if err != nil {
		t.Fatalf("registration not stored: %v", err)
	}
	want := []string{"cooperative", "0912345678", "0100109106", "Xã Phú Mỹ Hưng", "Mật ong rừng Củ Chi", "submitted"}
	got := []string{kind, phone, tax, unit, product, status}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("stored field %d = %q, want %q", i, got[i], want[i])
		}
	}
	if stars != 4 || !strings.Contains(c.lastText(), code) {
		t.Errorf("stars %d code %q; reply %q", stars, code, c.lastText())
	}
	var audits int
	if err := h.db.Store.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE actor_user = $1`, c.chatID()).Scan(&audits); err != nil || audits != 2 {
		t.Errorf("audit rows = %d (%v), want 2", audits, err)
	}
	// The conversation is cleared only after the commit.
	if st := h.state(c); st != nil {
		t.Errorf("state after submit = %+v, want none", st)
	}

	c.say("/hoso")
	c.expect("Anh/Chị có 1 hồ sơ", "Mật ong rừng Củ Chi", code, "(mong muốn 4★)", "chờ UBND cấp xã xem xét")

	// A further product skips the producer's details.
	c.press("➕ Đăng ký sản phẩm khác")
	c.expect("Bước 1/6", "Tên sản phẩm")
	walkProduct(c, 1, 6)
	if strings.Contains(c.lastText(), "CHỦ THỂ") {
		t.Errorf("summary of a further product repeats the producer:\n%s", c.lastText())
	}
	c.press("✅ Gửi đăng ký")
	c.say("/hoso")
	c.expect("Anh/Chị có 2 hồ sơ")

	// Another user sees none of it.
	other := h.user(1002)
	other.say("/hoso")
	other.expect("chưa có hồ sơ nào")
}

func (h *harness) state(c *user) *flows.State {
	h.t.Helper()
	sess, err := h.rdb.Load(context.Background(), c.chatID())
	if err != nil {
		h.t.Fatalf("load chat: %v", err)
	}
	st, err := flows.DecodeState(sess.Data)
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

func TestRegistrationBadInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.user(2001)
	c.say("/dangky")
	c.agree()
	c.expect("Bước 1/15")

	cases := []struct {
		name  string
		send  func()
		reply string // in the explanation
		step  string // still asked afterwards
	}{
		{"text at a button step", func() { c.say("xin chào") }, "chọn một mục", "Bước 1/15"},
		{"typed label picks the button", func() { c.say("hop tac xa") }, "Tên đầy đủ của chủ thể (như trên giấy đăng ký)?", "Bước 2/15"},
		{"sticker where text is expected", func() { c.sendSticker() }, "bằng chữ", "Bước 2/15"},
		{"photo where text is expected", func() { c.sendPhoto() }, "bằng chữ", "Bước 2/15"},
		{"name too long", func() { c.say(strings.Repeat("Hợp tác xã ", 30)) }, "tối đa 200 ký tự", "Bước 2/15"},
		{"name too short", func() { c.say("A") }, "Ngắn quá", "Bước 2/15"},
		{"good name", func() { c.say("HTX Tân Thông") }, "Bước 3/15", "Bước 3/15"},
		{"good representative", func() { c.say("Trần Thị Bình") }, "Bước 4/15", "Bước 4/15"},
		{"phone wrong length", func() { c.say("09123") }, "Số điện thoại chưa đúng", "Bước 4/15"},
		{"phone not mobile", func() { c.say("0212345678") }, "không phải số di động", "Bước 4/15"},
		{"phone typed with +84", func() { c.say("+84 912 345 678") }, "0912345678", "Bước 5/15"},
		{"tax code checksum", func() { c.say("0100109107") }, "sai chữ số kiểm tra", "Bước 5/15"},
		{"tax code letters", func() { c.say("MST01001") }, "10 chữ số", "Bước 5/15"},
		{"branch tax code", func() { c.say("0100109106-001") }, "Bước 6/15", "Bước 6/15"},
		{"unknown province", func() { c.say("khong co tinh nay") }, "Không tìm thấy «khong co tinh nay»", "Bước 6/15"},
	}
	for _, tc := range cases {
		c.replies()
		tc.send()
		c.expectSome(tc.reply)
		c.expect(tc.step)
	}

	// A button from an old message: the province list asked before the
	// search that found nothing is still on screen (the search's results
	// took the place of the list asked again, the one the search answered);
	// its buttons must not act any more.
	c.say("ha noi")
	c.press("Thành phố Hà Nội")
	c.expect("Bước 7/15")
	msgID, data := c.find("Tỉnh An Giang")
	if msgID == c.last().ID {
		t.Fatalf("the province list is still the last message:\n%s", c.lastText())
	}
	c.replies()
	c.pressOn(msgID, data) // a button of the list shown before the search
	c.expectSome("tin nhắn cũ")
	c.expect("Bước 7/15")

	c.say("ba dinh")
	c.press("Quận Ba Đình")
	c.say("truc bach")
	c.press("Phường Trúc Bạch")
	c.expect("Bước 9/15", "thôn/ấp")
	c.press("Bỏ qua")
	c.expect("Bước 10/15")
	c.say("Trà sen Tây Hồ")
	c.press("1. Thực phẩm")
	c.press("Chè (trà)")
	c.replies()
	c.say("ngon")
	c.expectSome("ít nhất 10 ký tự")
	c.say("Trà ướp sen Bách Diệp hồ Tây, mỗi bông sen ướp một lạng trà.")
	c.expect("Bước 14/15")
	c.replies()
	c.say("ảnh đây")
	c.expectSome("gửi một ảnh")
	c.press("Bỏ qua")
	c.press("5 ★")
	c.replies()
	c.say("ok")
	c.expectSome("chọn một mục")
	c.expect("kiểm tra lại", "Ảnh: không", "0100109106-001")
}

func TestRegistrationBackEditCancel(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.user(3001)
	c.say("/dangky")
	c.agree()
	c.press("Doanh nghiệp")
	c.say("Công ty TNHH Thực phẩm Sạch")
	c.expect("Bước 3/15")
	c.press("Quay lại")
	c.expect("Bước 2/15")
	c.say("Công ty TNHH Nông sản Xanh")
	c.expect("Bước 3/15") // back to where the user was
	c.say("Lê Văn Cường")
	c.expect("Bước 4/15")
	c.say("Quay lại") // typed on the contact keyboard
	// The question of the step before takes the contact keyboard away: it
	// says how to go back instead of showing the button.
	c.expect("Bước 3/15", "Muốn sửa bước trước, Anh/Chị gõ «Quay lại».")
	if m := c.last(); !m.RemoveKeyboard || len(m.InlineKeyboard) != 0 || h.emu.Keyboard(c.chatID()) != nil {
		t.Fatalf("the contact keyboard is still shown after leaving the phone step: %+v", m)
	}
	c.say("Lê Văn Cường")
	c.say("0987654321")
	c.say("0100109106")
	c.say("ha noi")
	c.press("Thành phố Hà Nội")
	c.say("ba dinh")
	c.press("Quận Ba Đình")
	c.say("phuc xa")
	c.press("Phường Phúc Xá")
	c.say("Số 5, tổ dân phố 3")
	walkProduct(c, 10, 15)
	c.expect("Số 5, tổ dân phố 3, Phường Phúc Xá, Quận Ba Đình, Thành phố Hà Nội")

	// Edit the product name from the summary: back to the summary after.
	c.press("✏️ Tên sản phẩm")
	c.expect("Bước 10/15")
	c.say("Mật ong hoa nhãn")
	c.expect("kiểm tra lại", "Mật ong hoa nhãn")
	// Edit the address: a new province asks district and commune again.
	c.press("✏️ Địa chỉ")
	c.say("ho chi minh")
	c.press("Thành phố Hồ Chí Minh")
	c.expect("Bước 7/15")
	c.say("cu chi")
	c.press("Huyện Củ Chi")
	c.say("an phu")
	c.press("Xã An Phú")
	// The hamlet and house number were the old commune's: asked again.
	c.expect("Bước 9/15", "Xã An Phú")
	c.press("Bỏ qua")
	c.expect("kiểm tra lại", "Xã An Phú, Huyện Củ Chi, Thành phố Hồ Chí Minh", "Công ty TNHH Nông sản Xanh")
	if strings.Contains(c.lastText(), "tổ dân phố 3") {
		t.Errorf("the old commune's address line is kept:\n%s", c.lastText())
	}

	// Cancel asks first; "no" keeps everything.
	c.say("/huy")
	c.expect("có chắc muốn hủy")
	c.press("Không, tiếp tục")
	c.expect("kiểm tra lại", "Mật ong hoa nhãn")
	c.say("/huy")
	c.press("Có, hủy")
	c.expectSome("Đã hủy đăng ký")
	if st := h.state(c); st != nil {
		t.Fatalf("state after cancel = %+v", st)
	}
	c.say("/start")
	c.expect("Xin chào")
	var n int
	if err := h.db.Store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM producers`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("producers after cancel = %d (%v), want 0", n, err)
	}
}

func TestRegistrationResumesAfterRestart(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.user(4001)
	c.say("/dangky")
	c.agree()
	c.press("Trang trại")
	c.say("Trang trại Bò sữa Phước Thạnh")
	c.say("Phạm Văn Dũng")
	c.say("0912345678")
	c.expect("Bước 5/15")

	h.restart()

	c.say("/start")
	c.expect("đang đăng ký dở", "Mã số thuế")
	c.press("▶️ Tiếp tục")
	c.expect("Bước 5/15")
	c.say("0100109106")
	c.expect("Bước 6/15")
	// "Start over" from the resume question starts a fresh registration.
	c.say("/dangky")
	c.press("🔄 Bắt đầu lại")
	c.expect("Bước 1/15")
}

func TestDuplicateUpdateHandledOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.user(5001)
	c.say("/dangky")
	c.agree()
	c.press("Hợp tác xã")
	c.replies()
	raw := fmt.Sprintf(`{"update_id": 7000000001, "message": {"message_id": 9001, "date": 1763880000,
		"chat": {"id": %d, "type": "private"}, "from": {"id": %d, "is_bot": false, "first_name": "A"},
		"text": "HTX Dịch vụ Nông nghiệp Bình Mỹ"}}`, c.chatID(), c.chatID())
	for i := 0; i < 3; i++ {
		if _, err := h.emu.InjectUpdate([]byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	h.waitDone(7000000001)
	h.waitDups(2)
	c.say("/start") // a later update: everything before it is handled
	if got := len(c.replies()); got != 2 {
		t.Errorf("bot sent %d messages for one update delivered 3 times and /start, want 2", got)
	}
	st := h.state(c)
	if st.Step != "rep" || st.Reg.Name != "HTX Dịch vụ Nông nghiệp Bình Mỹ" {
		t.Fatalf("state = %s %+v, want the name answered once and the representative asked", st.Step, st.Reg)
	}
}

// TestUnreadableUpdatePassedOver: an update the bot cannot read, in a batch
// with others, is skipped alone and confirmed to Telegram, even as the last
// of its batch (else Telegram sends it again forever); the others are
// answered.
func TestUnreadableUpdatePassedOver(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.user(5101)
	good := fmt.Sprintf(`{"update_id": 7100000001, "message": {"message_id": 9101, "date": 1763880000,
		"chat": {"id": %d, "type": "private"}, "from": {"id": %d, "is_bot": false, "first_name": "A"},
		"text": "/start"}}`, c.chatID(), c.chatID())
	bad := fmt.Sprintf(`{"update_id": 7100000002, "message": {"message_id": "chín", "date": 1763880000,
		"chat": {"id": %d, "type": "private"}, "text": "/start"}}`, c.chatID())
	h.stopAll() // both wait in one batch for the bot's next poll
	for _, raw := range []string{good, bad} {
		if _, err := h.emu.InjectUpdate([]byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	h.restart()
	h.waitDone(7100000001)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.emu.Wait(ctx, func() bool { return h.emu.PendingUpdates() == 0 }); err != nil {
		t.Fatalf("%d updates still unconfirmed: the unreadable one is sent again and again", h.emu.PendingUpdates())
	}
	if got := len(c.replies()); got != 1 {
		t.Fatalf("bot sent %d messages, want 1: the answer to /start", got)
	}
}

func TestConcurrentUpdatesOfOneChat(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.user(6001)
	c.say("/dangky")
	c.agree()
	c.press("Hợp tác xã")
	// Two answers arrive together: they must be applied one after the other.
	a := h.emu.SendText(c.chatID(), c.u, "HTX Rau sạch Phú Lộc")
	b := h.emu.SendText(c.chatID(), c.u, "Võ Thị Hạnh")
	h.waitDone(a)
	h.waitDone(b)
	st := h.state(c)
	if st.Step != "phone" || st.Reg.Name != "HTX Rau sạch Phú Lộc" || st.Reg.Rep != "Võ Thị Hạnh" {
		t.Fatalf("state = %s %+v, want name then representative, now at phone", st.Step, st.Reg)
	}
}

// Two bot processes share Redis: a burst of updates of one chat is applied
// exactly once each, whichever process takes them.
func TestTwoProcessesShareAChat(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{workers: 4})
	h.start(harnessOptions{workers: 4, noPoll: true})
	c := h.user(6101)
	c.say("/dangky")
	c.agree()
	c.press("Doanh nghiệp")
	before := h.version(c)
	const n = 40
	ids := make([]int64, n)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i] = h.emu.SendText(c.chatID(), c.u, fmt.Sprintf("Tên thử %02d", i))
		}()
	}
	wg.Wait()
	for _, id := range ids {
		h.waitDone(id)
	}
	if got := h.version(c) - before; got != n {
		t.Fatalf("state version moved by %d for %d updates: updates lost or applied twice", got, n)
	}
}

func (h *harness) version(c *user) int64 {
	h.t.Helper()
	sess, err := h.rdb.Load(context.Background(), c.chatID())
	if err != nil {
		h.t.Fatal(err)
	}
	return sess.Version
}

func TestEnglishRegistration(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.user(7001)
	c.say("/start")
	c.press("🌐 English")
	c.expect("Hello! This is the OCOP assistant")
	c.press("📝 Register an OCOP product")
	c.agree()
	c.expect("Step 1/15", "What kind of producer")
	c.press("Registered household business")
	c.say("Hộ kinh doanh Bánh tráng Bà Tư")
	c.say("Nguyễn Thị Tư")
	c.shareContact("+84 912 345 678")
	c.expect("Step 5/15", "citizen ID")
	c.say("079123456789")
	c.expect("Step 6/15")
	c.say("tay ninh")
	c.press("Tỉnh Tây Ninh")
	c.say("trang bang")
	c.press("Trảng Bàng")
	c.say("trang bang")
	c.press("Phường Trảng Bàng")
	c.expect("Step 9/15", "Address within Phường Trảng Bàng")
	c.press("Skip")
	c.say("Bánh tráng phơi sương")
	c.press("1. Food")
	c.press("Rice, cereals")
	c.say("Rice paper dried in the night dew, a Trảng Bàng speciality.")
	c.press("Skip")
	c.press("3 ★")
	c.expect("Please check your answers", "Owner's citizen ID: 079123456789")
	c.press("✅ Submit")
	c.expect("Registration code: OCOP-")

	// The choice is remembered across a restart.
	h.restart()
	c.say("/start")
	c.expect("Hello!")
	c.say("/hoso")
	c.expect("You have 1 application:")
}

func TestTwoLevelUnitTree(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{twoLevel: true})
	c := h.user(8001)
	c.say("/dangky")
	c.agree()
	c.press("Hợp tác xã")
	c.expect("Bước 2/14") // no district step since 1/7/2025
	c.say("HTX Thủ Dầu Một")
	c.say("Nguyễn Văn Một")
	c.say("0912345678")
	c.say("0100109106")
	c.say("ho chi minh")
	c.press("Thành phố Hồ Chí Minh")
	c.expect("Bước 7/14", "xã/phường/đặc khu nào của Thành phố Hồ Chí Minh")
	c.say("thu dau mot")
	c.press("Phường Thủ Dầu Một")
	c.expect("Bước 8/14", "thôn/ấp")
	c.press("Bỏ qua")
	c.expect("Bước 9/14", "Tên sản phẩm")
}

func TestCommandMenuIsLocalised(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for lang, want := range map[string]string{"vi": "Đăng ký chủ thể và sản phẩm OCOP", "en": "Register a business and product", "": "Đăng ký chủ thể và sản phẩm OCOP"} {
		cmds := h.emu.Commands(lang)
		found := false
		for _, c := range cmds {
			if c.Command == "dangky" && c.Description == want {
				found = true
			}
		}
		if len(cmds) != 10 || !found {
			t.Errorf("commands for %q = %+v, want 10 with dangky = %q", lang, cmds, want)
		}
	}
}

func TestWebhookChecksSecret(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const secret = "s3cret-token-for-tests"
	srv := httptestServer(t, h.procs[0].bot.WebhookHandler(secret))
	body := fmt.Sprintf(`{"update_id": 8100000001, "message": {"message_id": 1, "date": 1763880000,
		"chat": {"id": 8101, "type": "private"}, "from": {"id": 8101, "is_bot": false, "first_name": "A"}, "text": "/start"}}`)
	for _, tc := range []struct {
		name, secret string
		want         int
	}{
		{"no secret", "", http.StatusUnauthorized},
		{"wrong secret", "guess-guess-guess", http.StatusUnauthorized},
		{"right secret", secret, http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		if tc.secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", tc.secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
	h.waitDone(8100000001)
	if msgs := h.emu.BotMessages(8101); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Xin chào") {
		t.Fatalf("webhook update answered with %+v", msgs)
	}
}
