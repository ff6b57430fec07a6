package bot_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/storage"
)

// A registration stored in Redis by the previous release — its answers a
// map of strings, no schema version — resumes where it was after the
// upgrade: the user continues at the stars step, is asked the address line
// (a step added since), the summary shows the old answers, and the
// registration is submitted with them.
func TestOldFormStateResumes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	c := h.user(7101)
	province, district, commune, communeName := firstCommune(t, h)
	old := fmt.Sprintf(`{"f":"reg","s":"stars","n":14,"a":{"kind":"farm","name":"Trang trại Hoa Lan",`+
		`"rep":"Nguyễn Văn An","phone":"0912345678","tax":"0100109106","province":"%d","district":"%d",`+
		`"commune":"%d","pname":"Mật ong rừng U Minh","group":"1","subgroup":"1.1",`+
		`"desc":"Mật ong rừng nguyên chất, thu hoạch thủ công","photo":"-"},`+
		`"id":"0123456789abcdef01234567","t0":"2026-11-20T08:00:00Z","t1":"2026-11-20T08:10:00Z"}`,
		province, district, commune)
	// Written as an earlier release kept it, unpartitioned, in a Redis that
	// release used (no layout marker): the next start moves it under its
	// partition. The harness's bot stops first: still starting, it would
	// otherwise set the marker after these writes.
	h.stopAll()
	if err := h.rdb.Client().Del(ctx, h.rdb.Prefix()+"layout").Err(); err != nil {
		t.Fatal(err)
	}
	if err := h.rdb.Client().HSet(ctx, h.rdb.Prefix()+fmt.Sprintf("chat:%d", c.chatID()), "v", 7, "d", old, "l", "vi").Err(); err != nil {
		t.Fatal(err)
	}
	h.restart()

	c.say("/start")
	c.expect("đăng ký dở ở bước «Hạng sao»")
	c.press("▶️ Tiếp tục")
	// Begun before the notice existed: it is asked, then the step.
	c.agree()
	c.expect("Bước 15/15")
	c.say("4 sao")
	c.expect("Bước 9/15", "thôn/ấp")
	c.press("Bỏ qua")
	c.expect("Trang trại Hoa Lan", "Nguyễn Văn An", "0912345678", "0100109106", communeName, "Mật ong rừng U Minh", "mong muốn 4★")
	c.press("✅ Gửi đăng ký")
	c.expect("Đã gửi đăng ký sản phẩm «Mật ong rừng U Minh»")

	var name, product string
	var stars int
	var unit int64
	if err := h.db.Store.Pool().QueryRow(ctx, `
		SELECT pr.name, pr.unit_id, p.name, p.target_stars FROM products p JOIN producers pr ON pr.id = p.producer_id
		WHERE pr.owner_user_id = $1`, c.chatID()).Scan(&name, &unit, &product, &stars); err != nil {
		t.Fatal(err)
	}
	if name != "Trang trại Hoa Lan" || unit != commune || product != "Mật ong rừng U Minh" || stars != 4 {
		t.Fatalf("stored %q in unit %d, product %q %d★; want the old answers, commune %d, 4★", name, unit, product, stars, commune)
	}
	if st := h.state(c); st != nil {
		t.Fatalf("state left after submitting: %+v", st)
	}
}

// firstCommune is a commune of the three-level tree, with its district and
// province, for states written by hand.
func firstCommune(t *testing.T, h *harness) (province, district, commune int64, name string) {
	t.Helper()
	if err := h.db.Store.Pool().QueryRow(context.Background(), `
		SELECT p.id, d.id, x.id, x.name FROM admin_units x
		JOIN admin_units d ON d.id = x.parent_id JOIN admin_units p ON p.id = d.parent_id
		WHERE x.level = 3 AND d.level = 2 ORDER BY x.id LIMIT 1`).Scan(&province, &district, &commune, &name); err != nil {
		t.Fatal(err)
	}
	return province, district, commune, name
}

// A registration saved at its summary before the address line step
// existed resumes at that step (repair: a summary shows only what was all
// asked) and goes back to the summary with the line, which is submitted.
func TestStateBeforeAddressLineResumes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	c := h.user(7102)
	province, district, commune, communeName := firstCommune(t, h)
	saved := fmt.Sprintf(`{"v":2,"f":"reg","s":"summary","n":16,"reg":{"kind":"farm","name":"Trang trại Hoa Lan",`+
		`"rep":"Nguyễn Văn An","phone":"0912345678","tax":"0100109106","province":%d,"district":%d,"commune":%d,`+
		`"pname":"Mật ong rừng U Minh","group":"1","subgroup":"1.1","desc":"Mật ong rừng nguyên chất, thu hoạch thủ công",`+
		`"nophoto":true,"stars":4,"consent":%q},"id":"0123456789abcdef01234568","t0":"2026-11-20T08:00:00Z","t1":"2026-11-20T08:10:00Z"}`,
		province, district, commune, flows.ConsentVersion)
	if _, err := h.rdb.Save(ctx, storage.Session{ChatID: c.chatID()}, []byte(saved), "vi", storage.StreamAck{}, nil); err != nil {
		t.Fatal(err)
	}

	c.say("/start")
	c.expect("đăng ký dở ở bước «Thôn/ấp, số nhà»")
	c.press("▶️ Tiếp tục")
	c.expect("Bước 9/15", "Địa chỉ chi tiết trong "+communeName)
	c.say("Ấp 3")
	c.expect("kiểm tra lại", "Trang trại Hoa Lan", "Địa chỉ: Ấp 3, "+communeName, "mong muốn 4★")
	c.press("✅ Gửi đăng ký")
	c.expect("Đã gửi đăng ký sản phẩm «Mật ong rừng U Minh»")
	if got := h.text1(`SELECT address_line FROM producers WHERE owner_user_id = $1`, c.chatID()); got != "Ấp 3" {
		t.Fatalf("address line stored %q, want «Ấp 3»", got)
	}
}
