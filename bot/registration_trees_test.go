package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
)

// In December 2026 the two-level tree is in force: a registration asks the
// province, then the ward, commune or special zone — no district — in 14
// steps, and the producer is stored in today's commune.
func TestRegistrationInTodaysTree(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{twoLevel: true, merges: true,
		now: time.Date(2026, 12, 1, 9, 0, 0, 0, dates.Vietnam)})
	c := h.user(1301)
	c.say("/dangky")
	c.agree()
	c.expect("Bước 1/14", "loại hình")
	c.press("Hợp tác xã")
	c.expect("Bước 2/14")
	c.say("Hợp tác xã Nông nghiệp Củ Chi")
	c.expect("Bước 3/14")
	c.say("Nguyễn Văn An")
	c.expect("Bước 4/14", "Số điện thoại")
	c.shareContact("84912345678")
	c.expect("Bước 5/14", "Mã số thuế")
	c.say("0100109106")
	c.expect("Bước 6/14", "tỉnh/thành phố")
	c.say("ho chi minh")
	c.press("Thành phố Hồ Chí Minh")
	c.expect("Bước 7/14", "Thành phố Hồ Chí Minh")
	// Names of today's tree, typed without accents: a commune of the former
	// Huyện Củ Chi, a ward of the former Bình Dương, a special zone of the
	// former Bà Rịa – Vũng Tàu.
	for typed, found := range map[string]string{"an nhon tay": "Xã An Nhơn Tây", "thu dau mot": "Phường Thủ Dầu Một", "con dao": "Đặc khu Côn Đảo"} {
		c.say(typed)
		c.expect("Bước 7/14")
		c.find(found)
	}
	c.say("cu chi")
	c.press("Xã Củ Chi")
	c.expect("Bước 8/14", "Địa chỉ chi tiết trong Xã Củ Chi")
	c.say("Ấp Bàu Tre")
	c.expect("Bước 9/14", "Tên sản phẩm")
	walkProduct(c, 9, 14)
	c.expect("Ấp Bàu Tre, Xã Củ Chi, Thành phố Hồ Chí Minh")
	c.press("✅ Gửi đăng ký")
	c.expect("Mã hồ sơ: OCOP-")
	storedInToday(t, h, c, "Xã Củ Chi")
}

// A conversation on a day before the reform (a test clock in 2024) is
// answered in the three-level tree: province, district, commune.
func TestRegistrationInThreeLevelTree(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{twoLevel: true, merges: true,
		now: time.Date(2024, 6, 28, 9, 0, 0, 0, dates.Vietnam)})
	c := h.user(1302)
	c.say("/dangky")
	c.agree()
	c.expect("Bước 1/15", "loại hình")
	walkProducer(c)
	walkProduct(c, 10, 15)
	c.expect("Xã Phú Mỹ Hưng, Huyện Củ Chi, Thành phố Hồ Chí Minh")
	c.press("✅ Gửi đăng ký")
	c.expect("Mã hồ sơ: OCOP-")
	var unit, district string
	if err := h.db.Store.Pool().QueryRow(context.Background(), `
SELECT u.name, d.name FROM producers p JOIN admin_units u ON u.id = p.unit_id JOIN admin_units d ON d.id = u.parent_id
WHERE p.owner_user_id = $1`, c.chatID()).Scan(&unit, &district); err != nil {
		t.Fatal(err)
	}
	if unit != "Xã Phú Mỹ Hưng" || district != "Huyện Củ Chi" {
		t.Fatalf("producer stored in %s, %s; want Xã Phú Mỹ Hưng, Huyện Củ Chi", unit, district)
	}
}
