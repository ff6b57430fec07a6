package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
)

// menuNames is the command menu chat shows a Vietnamese-speaking user, as
// Telegram resolves it (the chat's scope first, then the defaults).
func menuNames(h *harness, chat int64) []string {
	var names []string
	for _, c := range h.emu.MenuCommands(chat, "vi") {
		names = append(names, c.Command)
	}
	return names
}

// wantMenu checks a chat's command menu holds every command of want and
// none of unwanted.
func wantMenu(t *testing.T, h *harness, who string, chat int64, want, unwanted []string) {
	t.Helper()
	got := menuNames(h, chat)
	for _, c := range want {
		if !slices.Contains(got, c) {
			t.Errorf("%s's menu lacks /%s: %v", who, c, got)
		}
	}
	for _, c := range unwanted {
		if slices.Contains(got, c) {
			t.Errorf("%s's menu has /%s: %v", who, c, got)
		}
	}
}

// todayCuChi is Xã Củ Chi of the two-level tree: the commune that took in
// Xã Tân Thông Hội.
func todayCuChi(t *testing.T, h *harness) int64 {
	t.Helper()
	old := unitOn(t, h, "27556", 3, time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC))
	var id int64
	if err := h.db.Store.Pool().QueryRow(context.Background(),
		`SELECT unit_id FROM admin_unit_origins WHERE old_unit_id = $1 LIMIT 1`, old).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestOfficialsOwnBot: an official bound by an invitation gets their own
// confirmation (worded for their level), greeting, /trogiup, buttons and
// command menu (the chat's scope), of their role; a producer keeps the
// default menu and its /trogiup lists every producer command; a unit that
// exists outside a commune official's scope is said to be so, and audited;
// a revoked official's /start puts the producer's menu back.
func TestOfficialsOwnBot(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{twoLevel: true, merges: true,
		now: time.Date(2026, 12, 1, 9, 0, 0, 0, dates.Vietnam)})
	ctx := context.Background()
	producerOnly := []string{"dangky", "hoso", "nhanhoso", "suathongtin"}
	officialOnly := []string{"status", "moi", "thongbao", "giahan"}

	// A producer: the default menu, the producer's help.
	p := h.user(8801)
	p.say("/start")
	p.expect("Xin chào Anh/Chị! Đây là trợ lý OCOP")
	wantMenu(t, h, "a producer", p.chatID(), append([]string{"start", "dulieu", "xoadulieu", "huy", "ngonngu", "trogiup"}, producerOnly...),
		append([]string{"ketqua", "bantin"}, officialOnly...))
	p.say("/trogiup")
	for _, c := range append([]string{"/dulieu", "/xoadulieu", "/huy", "/ngonngu"}, "/dangky", "/hoso", "/nhanhoso", "/suathongtin") {
		p.expect(c + " — ")
	}
	for _, c := range []string{"/status", "/moi", "/ketqua", "/thongbao", "/giahan", "/bantin"} {
		if strings.Contains(p.lastText(), c) {
			t.Errorf("a producer's /trogiup offers %s:\n%s", c, p.lastText())
		}
	}

	// A commune official: bound, told what they see without "units below".
	cuchi := todayCuChi(t, h)
	c := bind(t, h, 8802, cuchi, ocop.RoleCommune)
	c.expect("cán bộ cấp xã của Xã Củ Chi", "Anh/Chị xem được tình hình OCOP, chủ thể và sản phẩm của Xã Củ Chi")
	if strings.Contains(c.lastText(), "trực thuộc") {
		t.Errorf("a commune official is told of units below:\n%s", c.lastText())
	}
	wantMenu(t, h, "a commune official", c.chatID(), append([]string{"start", "bantin", "huy", "ngonngu", "trogiup"}, officialOnly...),
		append([]string{"ketqua"}, producerOnly...))
	c.say("/start")
	c.expect("dành cho cán bộ OCOP cấp xã của Xã Củ Chi", "/trogiup")
	if m := c.last(); !hasButton(m, "📊 Tình hình OCOP") || hasButton(m, "📝 Đăng ký sản phẩm OCOP") || hasButton(m, "📝 Ghi kết quả đánh giá") {
		t.Errorf("a commune official's /start buttons: %+v", m.InlineKeyboard)
	}
	c.say("/trogiup")
	c.expect("Các lệnh dành cho cán bộ OCOP cấp xã của Xã Củ Chi", "/status — ", "/moi — ", "/thongbao — ", "/giahan — ", "/bantin — ", "/trogiup — ")
	for _, cmd := range []string{"/dangky", "/nhanhoso", "/ketqua"} {
		if strings.Contains(c.lastText(), cmd) {
			t.Errorf("a commune official's /trogiup offers %s:\n%s", cmd, c.lastText())
		}
	}
	c.press("📊 Tình hình OCOP")
	c.expect("Xã Củ Chi — tình hình OCOP ngày 01/12/2026")

	// A unit that exists, outside the commune: said so, not "not found".
	c.say("/status an nhon tay")
	c.expect("«Xã An Nhơn Tây, Thành phố Hồ Chí Minh» không thuộc phạm vi của Anh/Chị", "Xã Củ Chi")
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'scope.refused' AND actor_user = 8802
AND entity_id IN (SELECT u.id FROM admin_units u JOIN admin_units p ON p.id = u.parent_id
  WHERE u.name = 'Xã An Nhơn Tây' AND p.name = 'Thành phố Hồ Chí Minh')`); n != 1 {
		t.Errorf("audit rows of the refusal: %d, want 1", n)
	}
	c.say("/status xa khong co that")
	c.expect("Không tìm thấy đơn vị «xa khong co that»")

	// A province official: the results and the digest too.
	hcm := unitOn(t, h, "79", 1, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	v := bind(t, h, 8803, hcm, ocop.RoleProvince)
	v.expect("cán bộ cấp tỉnh của Thành phố Hồ Chí Minh", "của từng xã, phường, đặc khu thuộc Thành phố Hồ Chí Minh")
	wantMenu(t, h, "a province official", v.chatID(), append([]string{"ketqua", "bantin"}, officialOnly...), producerOnly)
	v.say("/trogiup")
	v.expect("/ketqua — ", "/bantin — ", "/status — ")

	// The menu follows the chat's language.
	v.say("/ngonngu")
	v.press("English")
	if m := h.emu.MenuCommands(v.chatID(), "vi"); len(m) == 0 || m[1] != (emulator.BotCommand{Command: "status", Description: "Your unit's OCOP status"}) {
		t.Errorf("a province official's menu in English: %+v", m)
	}

	// Revoked: the first official's command they try puts the producer's
	// menu back, and the next /start is a producer's.
	if _, err := h.db.Store.RevokeOfficial(ctx, 8802, 0, "test"); err != nil {
		t.Fatal(err)
	}
	c.say("/status")
	c.expect("Lệnh này dành cho cán bộ quản lý OCOP")
	wantMenu(t, h, "a revoked official", c.chatID(), producerOnly, officialOnly)
	c.say("/start")
	c.expect("Xin chào Anh/Chị! Đây là trợ lý OCOP (Mỗi xã một sản phẩm).")
	if !hasButton(c.last(), "📝 Đăng ký sản phẩm OCOP") {
		t.Errorf("a revoked official's /start buttons: %+v", c.last().InlineKeyboard)
	}

	// The administrator has no unit, so no digest: no /bantin.
	admin := bind(t, h, 8804, 0, ocop.RoleAdmin)
	wantMenu(t, h, "the administrator", admin.chatID(), officialOnly, []string{"bantin"})
	admin.say("/bantin")
	admin.expect("tài khoản quản trị không nhận bản tin")
}

// hasButton reports whether m shows a button labelled label.
func hasButton(m emulator.Message, label string) bool {
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if b.Text == label {
				return true
			}
		}
	}
	return false
}
