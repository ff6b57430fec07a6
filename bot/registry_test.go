package bot_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/units"
)

// validTaxCode makes the n-th valid mã số thuế of a test file.
func validTaxCode(n int) string {
	weights := [9]int{31, 29, 23, 19, 17, 13, 7, 5, 3}
	for base := 30_000_0000 + n*13; ; base++ {
		d := fmt.Sprintf("%09d", base)
		sum := 0
		for i, w := range weights {
			sum += int(d[i]-'0') * w
		}
		if c := 10 - sum%11; c < 10 {
			return d + fmt.Sprint(c)
		}
	}
}

// hcmcRegistry builds a file shaped like HCMC's registry in its seeds: 191
// products of 67 producers, 79 at 4★ and 112 at 3★, 43 of the 4★ of 6
// producers by Quyết định 2388/QĐ-UBND of 28/06/2024, the others by
// decisions from 2022 to early 2024, in the city's communes of the time.
func hcmcRegistry(t *testing.T, h *harness) []byte {
	t.Helper()
	atlas, err := h.db.Store.Atlas(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tree := atlas.At(time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC)).Units
	city, ok := tree.ByCode("79", 1)
	if !ok {
		t.Fatal("no HCMC in the three-level tree")
	}
	type place struct{ district, commune units.Unit }
	var places []place
	for _, d := range tree.Children(city.ID) {
		for _, c := range tree.Children(d.ID) {
			places = append(places, place{d, c})
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	row := func(producer int, product, stars int, dno, day string) {
		pl := places[(producer*37)%len(places)]
		kind, name := "HTX", fmt.Sprintf("HTX Nông nghiệp số %d", producer+1)
		if producer%3 == 1 {
			kind, name = "Công ty TNHH", fmt.Sprintf("Công ty TNHH Thực phẩm số %d", producer+1)
		}
		_ = w.Write([]string{city.Name, pl.district.Name, pl.commune.Name, name, kind, validTaxCode(producer),
			"Nguyễn Văn A", fmt.Sprintf("09%08d", 1000+producer), fmt.Sprintf("Sản phẩm %d-%d", producer+1, product+1),
			fmt.Sprint(1 + product%6), fmt.Sprint(stars), "", dno, day, ""})
	}
	_ = w.Write([]string{"Tỉnh/Thành phố", "Quận/Huyện", "Xã/Phường", "Tên chủ thể", "Loại hình", "Mã số thuế",
		"Người đại diện", "Số điện thoại", "Tên sản phẩm", "Nhóm sản phẩm", "Hạng sao", "Điểm", "Số quyết định",
		"Ngày quyết định", "Cấp công nhận"})
	for p, n := range []int{8, 7, 7, 7, 7, 7} { // 43 products by 2388
		for k := range n {
			row(p, k, 4, "2388/QĐ-UBND", "28/06/2024")
		}
	}
	decisions := [][2]string{{"612/QĐ-UBND", "15/03/2022"}, {"3410/QĐ-UBND", "20/09/2022"}, {"1502/QĐ-UBND", "10/05/2023"},
		{"4480/QĐ-UBND", "12/12/2023"}, {"790/QĐ-UBND", "05/03/2024"}}
	made := 0
	for p := 6; p < 67; p++ {
		n := 2
		if p-6 < 26 {
			n = 3
		}
		for k := range n {
			stars := 3
			if made < 36 {
				stars = 4
			}
			d := decisions[made%len(decisions)]
			row(p, k, stars, d[0], d[1])
			made++
		}
	}
	w.Flush()
	if made != 148 {
		t.Fatalf("built %d products besides 2388's, want 148", made)
	}
	return buf.Bytes()
}

// TestRegistryImportInChat: a province official of HCMC sends a file with
// bad rows (nothing written, each listed), then the city's registry; /status
// of 30/09/2024 counts it, and the 43 certificates of 2388/QĐ-UBND get their
// 90-day reminder on 30/03/2027.
func TestRegistryImportInChat(t *testing.T) {
	t.Parallel()
	// The bot starts on 1/12/2026 before the reminders' hour: its own sweep
	// at start then sweeps nothing. Started after the hour, that sweep ran
	// whenever River elected its leader — under load after the import — and
	// gave certificates ending within 30 days of 1/12/2026 their reminders,
	// which this test does not expect (a flake of CI on a busy machine).
	now := time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC) // 01:00, 1/12/2026 in Vietnam
	h := newHarness(t, harnessOptions{twoLevel: true, merges: true, now: now, notify: true})
	city := bind(t, h, 9501, unitOn(t, h, "79", 1, now), ocop.RoleProvince)
	send := func(u *user, name string, data []byte) {
		t.Helper()
		h.waitDone(h.emu.SendDocument(u.chatID(), u.u, name, data))
	}
	file := hcmcRegistry(t, h)
	lines := strings.SplitAfter(string(file), "\n")
	bad := strings.Join(lines[:3], "") +
		"Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã Tân Thông Hộii,HTX X,HTX,,,,Gạo,1,3,,1/QĐ-UBND,01/02/2023,\n" +
		"Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã An Phú,HTX Y,HTX,0301234563,,,Gạo,1,3,,1/QĐ-UBND,01/02/2023,\n" +
		"Thành phố Hà Nội,Quận Ba Đình,Phường Phúc Xá,HTX Z,HTX,,,,Gạo,1,3,,1/QĐ-UBND,01/02/2023,\n" +
		lines[1]
	send(city, "danh-sach.csv", []byte(bad))
	city.expect("Tệp có 4 lỗi; chưa ghi dòng nào", "Dòng 4: không tìm thấy đơn vị cấp xã «Xã Tân Thông Hộii» (gần nhất: Xã Tân Thông Hội",
		"Dòng 5: Mã số thuế này không hợp lệ (sai chữ số kiểm tra)", "Dòng 6: đơn vị thuộc Thành phố Hà Nội, ngoài phạm vi", "Dòng 7: trùng với dòng 2")
	if n := h.count(`SELECT count(*) FROM producers`); n != 0 {
		t.Fatalf("%d producers after a bad file, want none", n)
	}

	send(city, "danh-sach.csv", file)
	city.expect("Đã nhập 191 dòng: chủ thể mới 67, cập nhật 0; sản phẩm mới 191; giấy chứng nhận mới 191, đã có 0, thay thế 0.")
	city.say("/status Hồ Chí Minh 30/09/2024")
	city.expectSome("Sản phẩm OCOP còn hiệu lực: 191 (3★: 112 · 4★: 79 · 5★: 0)")
	if n := h.count(`SELECT count(*) FROM producers WHERE province_code = '79' AND imported_at IS NOT NULL AND owner_user_id IS NULL`); n != 67 {
		t.Errorf("%d unclaimed imported producers of HCMC, want 67", n)
	}
	send(city, "danh-sach.csv", file)
	city.expect("Đã nhập 191 dòng: chủ thể mới 0, cập nhật 0; sản phẩm mới 0; giấy chứng nhận mới 0, đã có 191, thay thế 0.")

	// A commune official may not import a registry.
	commune := bind(t, h, 9502, unitOn(t, h, "26740", 3, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)), ocop.RoleCommune)
	send(commune, "danh-sach.csv", file)
	commune.expect("Chỉ cán bộ cấp tỉnh nhập được danh sách")

	// 30/03/2027 is 90 days before 28/06/2027, when 2388's certificates end.
	h.setClock(time.Date(2027, 3, 30, 3, 0, 0, 0, time.UTC))
	if err := h.procs[0].notifier.Sweep(context.Background(), time.Date(2027, 3, 30, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	h.waitFor("43 reminders of 2388", func() bool {
		return h.count(`SELECT count(*) FROM certificate_reminders r JOIN certificates c ON c.id = r.certificate_id
WHERE r.stage = 90 AND c.decision_no = '2388/QĐ-UBND'`) == 43
	})
	if n := h.count(`SELECT count(*) FROM certificate_reminders WHERE stage > 0`); n != 43 {
		t.Errorf("%d reminders on 30/03/2027, want only the 43 of 2388; by sweep day and stage: %s", n, h.text1(`
SELECT string_agg(due_on || ' stage ' || stage || ': ' || n, ', ') FROM (
    SELECT due_on, stage, count(*) AS n FROM certificate_reminders GROUP BY 1, 2 ORDER BY 1, 2) x`))
	}
	// Those of 05/03/2024 ended 25 days ago: an expiry notice, the catch-up
	// sending only the most urgent stage.
	if n := h.count(`SELECT count(*) FROM certificate_reminders r JOIN certificates c ON c.id = r.certificate_id
WHERE r.stage = 0 AND c.decision_date = '2024-03-05'`); n != 29 {
		t.Errorf("%d expiry notices of the decision of 05/03/2024, want 29", n)
	}
	// No producer has claimed its record yet: the reminders wait, held.
	if n := h.count(`SELECT count(*) FROM notifications WHERE kind IN ('reminder', 'expired') AND status = 'held' AND chat_id IS NULL`); n != 43+29 {
		t.Errorf("%d held reminders and expiry notices, want %d", n, 43+29)
	}
}
