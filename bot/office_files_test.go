package bot_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/report/reporttest"
)

// TestOfficeFilesInChat: files as offices save them. A province official
// of HCMC sends a registry row whose household CCCD has its birth year to
// come, as Excel on a Vietnamese Windows saves "CSV (Comma delimited)"
// (Windows-1258, its tone marks combining, semicolons): the row is refused
// in the words the chat uses. The city's registry in the same form is
// imported, its names stored in NFC; the same registry saved as "Unicode
// Text" (UTF-16 with tabs, .txt) reads as the same names and changes
// nothing. A file typed in VNI is answered with how to save it.
func TestOfficeFilesInChat(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC) // 1/12/2026 in Vietnam: a CCCD of 2027 is to come
	h := newHarness(t, harnessOptions{twoLevel: true, merges: true, now: now})
	city := bind(t, h, 9801, unitOn(t, h, "79", 1, now), ocop.RoleProvince)
	send := func(name string, data []byte) {
		t.Helper()
		h.waitDone(h.emu.SendDocument(city.chatID(), city.u, name, data))
	}
	rows, err := csv.NewReader(bytes.NewReader(hcmcRegistry(t, h))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}

	first := rows[1] // a commune of the city as it stood in 2023
	household := []string{first[0], first[1], first[2], "Hộ kinh doanh Lê Văn Tư", "Hộ kinh doanh", "079 227 001 234",
		"Lê Văn Tư", "", "Bánh tráng phơi sương", "1", "3", "", "12/QĐ-UBND", "01/02/2023", ""}
	send("danh-sach.csv", reporttest.Windows1258(reporttest.CSV([][]string{rows[0], household}, ';')))
	city.expect("Tệp có 1 lỗi; chưa ghi dòng nào",
		"Dòng 2: Số CCCD không hợp lệ: năm sinh (chữ số thứ 4 đến 6) ở sau năm nay. Anh/Chị kiểm tra lại giúp.")

	cp1258 := reporttest.Windows1258(reporttest.CSV(rows, ';'))
	if bytes.IndexByte(cp1258, 0xd2) < 0 { // the hook of "Củ", "Thủ Đức"
		t.Fatal("the Windows-1258 file has no combining hook")
	}
	send("danh-sach.csv", cp1258)
	city.expect("Đã nhập 191 dòng: chủ thể mới 67, cập nhật 0; sản phẩm mới 191; giấy chứng nhận mới 191, đã có 0, thay thế 0.")
	if n := h.count(`SELECT count(*) FROM producers WHERE name = $1`, "Công ty TNHH Thực phẩm số 2"); n != 1 {
		t.Errorf("%d producers named as typed in NFC, want 1", n)
	}
	if n := h.count(`SELECT count(*) FROM producers WHERE name IS NOT NFC NORMALIZED OR representative IS NOT NFC NORMALIZED`); n != 0 {
		t.Errorf("%d producers stored with decomposed names", n)
	}

	send("danh-sach.txt", reporttest.UTF16(reporttest.CSV(rows, '\t'), unicode.LittleEndian))
	city.expect("Đã nhập 191 dòng: chủ thể mới 0, cập nhật 0; sản phẩm mới 0; giấy chứng nhận mới 0, đã có 191, thay thế 0.")

	vni, err := charmap.Windows1252.NewEncoder().String(strings.Repeat("Coâng ty TNHH Caø pheâ Vieät Nam;Xaõ Cuû Chi;Thaønh phoá Hoà Chí Minh\r\n", 5))
	if err != nil {
		t.Fatal(err)
	}
	send("danh-sach.csv", []byte(vni))
	city.expect("Không đọc được chữ trong tệp", "Tệp → Lưu thành (File → Save As)", "CSV UTF-8 (Comma delimited)")
}
