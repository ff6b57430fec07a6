package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/storage"
)

// Registration's unit steps know the names of before 1/7/2025: most
// producers still give their old province, district and commune. These
// tests walk a registration in December 2026 (the two-level tree in force,
// the three-level one and the merges loaded) to the province step.

// formerHarness is a harness of today's tree with the older tree and the
// merges, and a user at the province step of a registration.
func formerHarness(t *testing.T, id int64) (*harness, *user) {
	t.Helper()
	h := newHarness(t, harnessOptions{twoLevel: true, merges: true,
		now: time.Date(2026, 12, 1, 9, 0, 0, 0, dates.Vietnam)})
	c := h.user(id)
	c.say("/dangky")
	c.agree()
	c.press("Hợp tác xã")
	c.say("Hợp tác xã Nông nghiệp Tân Thông Hội")
	c.say("Nguyễn Văn An")
	c.shareContact("84912345678")
	c.say("0100109106")
	c.expect("Bước 6/14", "tỉnh/thành phố nào")
	return h, c
}

// toCommuneStep answers the province step with Ho Chi Minh City.
func toCommuneStep(c *user) {
	c.h.t.Helper()
	c.say("ho chi minh")
	c.press("Thành phố Hồ Chí Minh")
	c.expect("Bước 7/14", "của Thành phố Hồ Chí Minh")
}

// submitIn answers the product steps, submits, and checks the producer was
// stored in commune of today's tree, as the summary said.
func submitIn(t *testing.T, h *harness, c *user, commune string) {
	t.Helper()
	c.expect("Bước 8/14", "Địa chỉ chi tiết trong "+commune)
	c.press("Bỏ qua")
	c.expect("Bước 9/14", "Tên sản phẩm")
	walkProduct(c, 9, 14)
	c.expect(commune + ", Thành phố Hồ Chí Minh")
	c.press("✅ Gửi đăng ký")
	c.expect("Mã hồ sơ: OCOP-")
	storedInToday(t, h, c, commune)
}

// storedInToday checks the producer of c's chat was stored in commune of
// today's tree.
func storedInToday(t *testing.T, h *harness, c *user, commune string) {
	t.Helper()
	var unit string
	var from time.Time
	if err := h.db.Store.Pool().QueryRow(context.Background(), `
SELECT u.name, u.valid_from FROM producers p JOIN admin_units u ON u.id = p.unit_id WHERE p.owner_user_id = $1`,
		c.chatID()).Scan(&unit, &from); err != nil {
		t.Fatal(err)
	}
	if unit != commune || from.Before(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("producer stored in %s of the tree from %s; want %s of today's tree", unit, dates.Format(from), commune)
	}
}

// pickFormer presses the button of a unit found by its former name, old,
// and checks the reply says today's unit, now, was recorded.
func pickFormer(c *user, old, now string) {
	c.h.t.Helper()
	c.replies()
	c.press(old + " (cũ) → nay thuộc " + now)
	c.expectSome(old + " nay thuộc " + now + " — đã ghi " + now + ".")
}

// expectButtons checks the newest bot message shows every label.
func expectButtons(c *user, labels ...string) {
	c.h.t.Helper()
	have := "|" + buttonLabels(c.last().InlineKeyboard) + "|"
	for _, l := range labels {
		if !strings.Contains(have, "|"+l+"|") {
			c.h.t.Fatalf("chat %d: no button %q; buttons:\n%s\nmessage:\n%s", c.chatID(), l, strings.ReplaceAll(have, "|", "\n"), c.lastText())
		}
	}
}

// An old province at the province step offers the province it went into,
// and an old commune at the commune step the commune it was merged into;
// picking them records today's units and says so. Each prompt's example
// is of its own level, and so is the one of "not found".
func TestFormerNamesAtProvinceAndCommuneSteps(t *testing.T) {
	t.Parallel()
	h, c := formerHarness(t, 1401)
	c.expect("(ví dụ: an giang)", "Gõ tên tỉnh cũ (trước 1/7/2025) cũng được.")
	c.replies()
	c.say("khong co tinh nay")
	c.expectSome("Không tìm thấy «khong co tinh nay». Anh/Chị gõ lại một phần tên, không cần dấu (ví dụ: an giang)")

	c.say("binh duong")
	c.expect("Bước 6/14", "Tìm «binh duong»: 1 kết quả.")
	pickFormer(c, "Tỉnh Bình Dương", "Thành phố Hồ Chí Minh")
	c.expect("Bước 7/14", "xã/phường/đặc khu nào của Thành phố Hồ Chí Minh", "(ví dụ: an dong)",
		"Gõ tên cũ trước 1/7/2025 (xã, phường, thị trấn, huyện) cũng được.")

	c.replies()
	c.say("khong co xa nay")
	c.expectSome("Không tìm thấy «khong co xa nay». Anh/Chị gõ lại một phần tên, không cần dấu (ví dụ: an dong)")
	c.say("tan thong hoi")
	c.expect("Bước 7/14", "Tìm «tan thong hoi»: 1 kết quả.")
	pickFormer(c, "Xã Tân Thông Hội", "Xã Củ Chi")
	submitIn(t, h, c, "Xã Củ Chi")
}

// A commune split among several new ones offers each of them; the one
// picked is recorded.
func TestFormerCommuneSplitOffersEachSuccessor(t *testing.T) {
	t.Parallel()
	h, c := formerHarness(t, 1402)
	toCommuneStep(c)
	// Phường Sơn Kỳ (Quận Tân Phú) went, in part, into three wards.
	c.say("son ky")
	c.expect("Tìm «son ky»: 3 kết quả.")
	expectButtons(c, "Phường Sơn Kỳ (cũ) → nay thuộc Phường Bình Hưng Hòa",
		"Phường Sơn Kỳ (cũ) → nay thuộc Phường Tân Sơn Nhì",
		"Phường Sơn Kỳ (cũ) → nay thuộc Phường Tây Thạnh")
	pickFormer(c, "Phường Sơn Kỳ", "Phường Tây Thạnh")
	submitIn(t, h, c, "Phường Tây Thạnh")
}

// "cu chi" at the commune step is today's Xã Củ Chi, and may also mean the
// old Huyện Củ Chi, whose today's communes are offered too; "cuchi" and
// "Củ Chi" find the same.
func TestFormerDistrictOffersItsCommunes(t *testing.T) {
	t.Parallel()
	h, c := formerHarness(t, 1403)
	toCommuneStep(c)
	want := []string{
		"Xã Củ Chi",
		"Thị trấn Củ Chi (cũ) → nay thuộc Xã Tân An Hội",
		"Xã An Nhơn Tây (khu vực huyện Củ Chi cũ)",
		"Xã Bình Mỹ (khu vực huyện Củ Chi cũ)",
		"Xã Nhuận Đức (khu vực huyện Củ Chi cũ)",
		"Xã Phú Hòa Đông (khu vực huyện Củ Chi cũ)",
		"Xã Thái Mỹ (khu vực huyện Củ Chi cũ)",
	}
	for _, typed := range []string{"cu chi", "cuchi", "Củ Chi", "CUCHI"} {
		c.say(typed)
		c.expect("Bước 7/14", "Tìm «"+typed+"»: 7 kết quả.")
		expectButtons(c, want...)
	}
	// Named as a district, the district's area comes first, Xã Củ Chi in it.
	c.say("huyen cu chi")
	expectButtons(c, "Xã Củ Chi (khu vực huyện Củ Chi cũ)", "Xã Tân An Hội (khu vực huyện Củ Chi cũ)")
	c.replies()
	c.press("Xã An Nhơn Tây (khu vực huyện Củ Chi cũ)")
	submitIn(t, h, c, "Xã An Nhơn Tây")
}

// A conversation saved before former names were searched — at the commune
// step, "cu chi" typed, in the state's form of then — resumes with the new
// list: today's Xã Củ Chi and the communes of the old Huyện Củ Chi.
func TestSavedSearchResumesWithFormerNames(t *testing.T) {
	t.Parallel()
	h, c := formerHarness(t, 1404)
	toCommuneStep(c)
	ctx := context.Background()
	sess, err := h.rdb.Load(ctx, c.chatID())
	if err != nil {
		t.Fatal(err)
	}
	st := h.state(c)
	saved := fmt.Sprintf(`{"v":2,"f":"reg","s":"commune","n":%d,"q":"cu chi","id":"0123456789abcdef01234567",`+
		`"t0":"2026-11-30T08:00:00Z","t1":"2026-11-30T08:10:00Z","reg":{"kind":"cooperative",`+
		`"name":"Hợp tác xã Nông nghiệp Tân Thông Hội","rep":"Nguyễn Văn An","phone":"0912345678","tax":"0100109106",`+
		`"province":%d,"consent":%q}}`, st.Seq, st.Reg.Province, flows.ConsentVersion)
	// Written while no bot runs, as by the release before: a running bot
	// holds the chat's state in memory (bot/dispatch.go's mailboxes).
	h.stopAll()
	if _, err := h.rdb.Save(ctx, sess, []byte(saved), "vi", storage.StreamAck{}, nil); err != nil {
		t.Fatal(err)
	}
	h.restart()
	c.say("/start")
	c.expect("đăng ký dở")
	c.press("▶️ Tiếp tục")
	c.expect("Bước 7/14", "Tìm «cu chi»: 7 kết quả.")
	expectButtons(c, "Xã Củ Chi", "Xã An Nhơn Tây (khu vực huyện Củ Chi cũ)")
	c.press("Thị trấn Củ Chi (cũ) → nay thuộc Xã Tân An Hội")
	c.expect("Bước 8/14")
	if got := h.state(c).Reg.Commune; got == 0 {
		t.Fatal("no commune recorded")
	}
}
