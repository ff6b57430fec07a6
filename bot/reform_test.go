package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// The reform of 1/7/2025 seen by officials: the roles that remain, the
// authority on the reform's edge, and results that cannot predate their
// dossier.

// TestDistrictOfficialAfterReform: a district official bound before the
// reform keeps read-only access: they are told once that new work goes
// through the commune or the province, may not invite, may not record a
// result dated from 1/7/2025, and still see /status. A district
// invitation for a unit of today's tree is refused with the reason.
func TestDistrictOfficialAfterReform(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{twoLevel: true, merges: true, now: statusDay})
	ctx := context.Background()
	u := seedCuChi(t, h)
	district := bind(t, h, 9601, u["cuchi"], ocop.RoleDistrict)
	district.replies()

	const notice = "Từ ngày 01/07/2025 không còn cấp huyện"
	district.say("/status")
	district.expectSome(notice)
	if strings.Contains(district.lastText(), notice) || strings.Contains(district.lastText(), "dành cho cán bộ") {
		t.Fatalf("/status was not answered after the notice: %q", district.lastText())
	}
	if n := h.count(`SELECT count(*) FROM officials WHERE user_id = 9601 AND reform_noticed_at IS NOT NULL`); n != 1 {
		t.Fatalf("notice not stored")
	}
	district.say("/thongbao")
	for _, m := range district.replies() {
		if strings.Contains(m.Text, notice) {
			t.Fatalf("told twice: %q", m.Text)
		}
	}

	district.say("/moi")
	district.expect("cán bộ cấp huyện không mời thêm cán bộ được nữa", "cấp xã hoặc cấp tỉnh")
	district.say("/moi xa cu chi")
	district.expect("không mời thêm cán bộ được nữa")

	p := storagetest.AddProduct(t, h.db.Store, 6601, u["tanthonghoi"], "Rau Tân Thông Hội")
	send := func(name string, data []byte) {
		t.Helper()
		h.waitDone(h.emu.SendDocument(district.chatID(), district.u, name, data))
	}
	send("ket-qua.csv", []byte("Mã hồ sơ;Điểm;Số quyết định;Ngày quyết định\n"+h.codeOf(p)+";65;9/QĐ-UBND;01/07/2025\n"))
	district.expect("Dòng 2: Theo Quyết định số 148/QĐ-TTg, sản phẩm 3 sao do cấp tỉnh công nhận; cấp huyện công nhận: không công nhận sao nào")
	// Its history stays theirs: a 3★ of 30/6/2025 is the district's.
	send("ket-qua.csv", []byte("Mã hồ sơ;Điểm;Số quyết định;Ngày quyết định\n"+h.codeOf(p)+";65;9/QĐ-UBND;30/06/2025\n"))
	district.expect("Đã ghi 1 kết quả (1 giấy chứng nhận)")

	// Today's tree has no district: a district invitation for its units is
	// refused, whatever their level.
	for _, id := range []int64{unitOn(t, h, "79", 1, statusDay), unitOn(t, h, "27553", 3, statusDay)} {
		if _, err := h.db.Store.CreateInvite(ctx, id, ocop.RoleDistrict, 0, time.Hour); !errors.Is(err, ocop.ErrRoleAbolished) {
			t.Errorf("district invitation for unit %d of today's tree: %v, want ErrRoleAbolished", id, err)
		}
	}
}

// TestReformEdgeAuthority: decisions dated 1–5/7/2025 fall under 148
// (until 1489 on 6/7) with no district left: the province records 3★.
// Checked on the boundaries, in a file and in the chat.
func TestReformEdgeAuthority(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{twoLevel: true, merges: true, now: statusDay})
	u := seedCuChi(t, h)
	province := bind(t, h, 9701, unitOn(t, h, "79", 1, statusDay), ocop.RoleProvince)
	var codes []string
	for i := range 5 {
		p := storagetest.AddProduct(t, h.db.Store, int64(6700+i), u["anphu"], fmt.Sprintf("Sản phẩm biên %d", i))
		codes = append(codes, h.codeOf(p))
	}
	send := func(rows string) {
		t.Helper()
		h.waitDone(h.emu.SendDocument(province.chatID(), province.u, "ket-qua.csv", []byte("Mã hồ sơ;Điểm;Số quyết định;Ngày quyết định\n"+rows)))
	}
	send(codes[0] + ";65;1/QĐ-UBND;30/06/2025\n" + codes[1] + ";65;1/QĐ-UBND;01/07/2025\n" +
		codes[2] + ";75;1/QĐ-UBND;05/07/2025\n" + codes[3] + ";65;1/QĐ-UBND;06/07/2025\n")
	province.expect("Tệp có 1 lỗi", "Dòng 2: Theo Quyết định số 148/QĐ-TTg, sản phẩm 3 sao do cấp huyện công nhận; cấp tỉnh công nhận: 4★")
	send(codes[1] + ";65;1/QĐ-UBND;01/07/2025\n" + codes[2] + ";75;1/QĐ-UBND;05/07/2025\n" + codes[3] + ";65;1/QĐ-UBND;06/07/2025\n")
	province.expect("Đã ghi 3 kết quả (3 giấy chứng nhận)")
	if n := h.count(`SELECT count(*) FROM certificates WHERE decision_date IN ('2025-07-01', '2025-07-05', '2025-07-06')`); n != 3 {
		t.Fatalf("certificates on the edge: %d, want 3", n)
	}

	// The chat: 1/7 taken, 30/6 refused for 3★.
	province.say("/ketqua " + codes[4])
	province.say("65")
	province.say("2/QĐ-UBND")
	province.say("01/07/2025")
	province.expect("3 sao", "01/07/2025")
	province.press("✅ Ghi kết quả")
	province.expect("Đã ghi kết quả hồ sơ " + codes[4] + ": 3 sao")
	province.say("/ketqua " + codes[0])
	province.say("65")
	province.say("3/QĐ-UBND")
	province.replies()
	province.say("30/06/2025")
	province.expectSome("Theo Quyết định số 148/QĐ-TTg, sản phẩm 3 sao do cấp huyện công nhận")
}

// TestResultBeforeDossier: a decision dated before the dossier was
// submitted is refused with the reason, in the chat and in a file.
func TestResultBeforeDossier(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{now: statusDay})
	u := seedCuChi(t, h)
	p := storagetest.AddProduct(t, h.db.Store, 6801, u["anphu"], "Nấm An Phú")
	if _, err := h.db.Store.Pool().Exec(context.Background(), `UPDATE registrations SET submitted_at = '2026-11-01 09:00+07' WHERE product_id = $1`, p); err != nil {
		t.Fatal(err)
	}
	code := h.codeOf(p)
	district := bind(t, h, 9801, u["cuchi"], ocop.RoleDistrict)
	district.say("/ketqua " + code)
	district.say("65")
	district.say("5/QĐ-UBND")
	district.replies()
	district.say("31/12/2023")
	district.expectSome("Ngày quyết định 31/12/2023 trước ngày nộp hồ sơ (01/11/2026)")
	district.expect("ngày ký quyết định")

	h.waitDone(h.emu.SendDocument(district.chatID(), district.u, "ket-qua.csv",
		[]byte("Mã hồ sơ;Điểm;Số quyết định;Ngày quyết định\n"+code+";65;5/QĐ-UBND;31/12/2023\n")))
	district.expect("Dòng 2: Ngày quyết định 31/12/2023 trước ngày nộp hồ sơ (01/11/2026)")
	if n := h.count(`SELECT count(*) FROM council_results`); n != 0 {
		t.Fatalf("council results: %d, want none", n)
	}
}
