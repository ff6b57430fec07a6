package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// A producer registered under a commune of the three-level tree reads, in
// /hoso today, the commune it was and the one it now belongs to, and each
// certificate with its last valid day (or the day it ended).
func TestRecordsOfAnOldCommune(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{twoLevel: true, merges: true,
		now: time.Date(2026, 12, 1, 9, 0, 0, 0, dates.Vietnam)})
	c := h.user(1401)
	old := unitOn(t, h, "27556", 3, time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC)) // Xã Tân Thông Hội, Huyện Củ Chi
	storagetest.AddProduct(t, h.db.Store, c.chatID(), old, "Mật ong Tân Thông", storagetest.Cert{Stars: 4, Decided: "2024-06-28"})
	storagetest.AddProduct(t, h.db.Store, c.chatID(), old, "Bánh tráng Tân Thông", storagetest.Cert{Stars: 3, Decided: "2023-03-15"})

	c.say("/hoso")
	c.expect("Anh/Chị có 2 hồ sơ", "Địa chỉ: Xã Tân Thông Hội (cũ), nay thuộc Xã Củ Chi, Thành phố Hồ Chí Minh",
		"Giấy chứng nhận OCOP 4 sao, hiệu lực đến hết ngày 27/06/2027",
		"Giấy chứng nhận OCOP 3 sao, hiệu lực đến hết ngày 14/03/2026 (đã hết hạn)")

	// In the tree in force, a commune is written with its province only.
	d := h.user(1402)
	today := unitOn(t, h, "27553", 3, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) // Xã Củ Chi
	storagetest.AddProduct(t, h.db.Store, d.chatID(), today, "Rau sạch Củ Chi")
	d.say("/hoso")
	d.expect("Địa chỉ: Xã Củ Chi, Thành phố Hồ Chí Minh")
	if got := d.lastText(); strings.Contains(got, "(cũ)") || strings.Contains(got, "Giấy chứng nhận") {
		t.Fatalf("a product of today's commune without certificate reads:\n%s", got)
	}
}
