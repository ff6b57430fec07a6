package report_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/unicode/norm"

	"github.com/ocopbot/ocopbot/flows/report"
	"github.com/ocopbot/ocopbot/flows/report/reporttest"
	"github.com/ocopbot/ocopbot/storage/unitdata"
)

// Tables as offices write them: Vietnamese names with every kind of mark
// (the hook of "Củ", the dot of "Hợp", ư ơ đ ă), cells holding the other
// separators, a quote, and a title row above the header.
var (
	vietTable = [][]string{
		{"DANH SÁCH SẢN PHẨM OCOP NĂM 2024"},
		{"Tỉnh/Thành phố", "Xã/Phường", "Tên chủ thể", "Tên sản phẩm", "Hạng sao"},
		{"Thành phố Hồ Chí Minh", "Xã Củ Chi", "Hợp tác xã Nông nghiệp Tân Thông Hội", "Mật ong hoa cà phê, rừng ngập mặn", "4"},
		{"Tỉnh Đắk Lắk", "Phường Buôn Ma Thuột", "Công ty TNHH Cà phê Ưu Việt", `Cà phê bột "rang xay"; gói 500 g`, "3"},
		{"Thành phố Hà Nội", "Xã Bát Tràng", "Hộ kinh doanh Nguyễn Thị Thương", "Gốm sứ\tmen lam", "5"},
		{"Tỉnh Quảng Ninh", "Đặc khu Cô Tô", "Tổ hợp tác Hải sản Mỹ Lợi", "Chả mực giã tay", "4"},
	}
	// A table Windows-1252 holds: the Vietnamese letters of Latin-1 only.
	latinTable = [][]string{
		{"Mã", "Tên", "Xã", "Ghi chú"},
		{"1", "Bình Chánh", "Xã Tây Ninh", "Cà Mau; Hòa Bình"},
		{"2", "Phú Yên", "Xã Trà Vinh", "Chánh, Thành"},
	}
)

// columnNames recognises the header names of both tables, as the imports
// recognise theirs.
func columnNames(cell string) bool {
	return slices.Contains(vietTable[1], cell) || slices.Contains(latinTable[0], cell)
}

func encodeWith(t *testing.T, e interface{ String(string) (string, error) }, s string) []byte {
	t.Helper()
	out, err := e.String(s)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(out)
}

// encodings are the ways offices' files come: name, file name, the table
// it can hold, and its bytes.
var encodings = []struct {
	name, file string
	rows       [][]string
	encode     func(t *testing.T, s string) []byte
}{
	{"UTF-8", "a.csv", vietTable, func(_ *testing.T, s string) []byte { return []byte(s) }},
	{"UTF-8 decomposed", "a.csv", vietTable, func(_ *testing.T, s string) []byte { return []byte(norm.NFD.String(s)) }},
	{"UTF-8 with BOM", "a.csv", vietTable, func(_ *testing.T, s string) []byte { return []byte("\ufeff" + s) }},
	{"UTF-16LE with BOM", "a.txt", vietTable, func(_ *testing.T, s string) []byte { return reporttest.UTF16(s, unicode.LittleEndian) }},
	{"UTF-16BE with BOM", "a.csv", vietTable, func(_ *testing.T, s string) []byte { return reporttest.UTF16(s, unicode.BigEndian) }},
	{"Windows-1258", "a.csv", vietTable, func(_ *testing.T, s string) []byte { return reporttest.Windows1258(s) }},
	{"Windows-1252", "a.csv", latinTable, func(t *testing.T, s string) []byte {
		return encodeWith(t, charmap.Windows1252.NewEncoder(), s)
	}},
}

// TestReadTableAsOfficesSaveIt: each encoding with each separator reads as
// the table written, in NFC, whether the reader knows the header's names
// or not.
func TestReadTableAsOfficesSaveIt(t *testing.T) {
	t.Parallel()
	for _, enc := range encodings {
		for _, sep := range []rune{',', ';', '\t'} {
			t.Run(enc.name+" "+strings.ReplaceAll(string(sep), "\t", "tab"), func(t *testing.T) {
				t.Parallel()
				data := enc.encode(t, reporttest.CSV(enc.rows, sep))
				if enc.name == "Windows-1258" && !slices.ContainsFunc(data, func(c byte) bool { return strings.IndexByte("\xcc\xd2\xde\xec\xf2", c) >= 0 }) {
					t.Fatalf("no combining tone mark in %q", data)
				}
				for _, known := range [][]func(string) bool{{columnNames}, nil} {
					rows, err := report.ReadTable(context.Background(), enc.file, data, report.ChatBudget, known...)
					if err != nil {
						t.Fatal(err)
					}
					if !slices.EqualFunc(rows, enc.rows, slices.Equal) {
						t.Fatalf("known names %v: read\n%q\nwant\n%q", known != nil, rows, enc.rows)
					}
				}
			})
		}
	}
}

// TestReadTableTellsWindowsCodePages: the bytes where 1258 and 1252 differ
// are read in the right one; "Xã" of a 1252 file stays "Xã" (1258 would
// make it "Xă"), "Củ" of a 1258 file is "Củ" (1252: "CuÒ").
func TestReadTableTellsWindowsCodePages(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		data []byte
		want string
	}{
		{reporttest.Windows1258("Xã Củ Chi"), "Xã Củ Chi"},
		{reporttest.Windows1258("Phường Đông Hưng Thuận"), "Phường Đông Hưng Thuận"},
		{reporttest.Windows1258("Hồ Chí Minh"), "Hồ Chí Minh"},
		{reporttest.Windows1258("Giò lụa chả quế"), "Giò lụa chả quế"},
		{reporttest.Windows1258("Giá 50.000₫"), "Giá 50.000₫"},
		{[]byte("X\xe3 B\xecnh Ch\xe1nh"), "Xã Bình Chánh"},
		{[]byte("H\xf2a B\xecnh"), "Hòa Bình"},
	} {
		rows, err := report.ReadTable(context.Background(), "a.csv", append(c.data, '\n'), report.ChatBudget)
		if err != nil || len(rows) != 1 || rows[0][0] != c.want {
			t.Errorf("%q read as %q, %v; want %q", c.data, rows, err, c.want)
		}
	}
}

// TestReadTableRefusesUnknownText: text in an encoding not read here is
// refused as such, for the answer to say how to save it.
func TestReadTableRefusesUnknownText(t *testing.T) {
	t.Parallel()
	vni := strings.Repeat("Coâng ty TNHH Caø pheâ Vieät Nam,Xaõ Cuû Chi,Thaønh phoá Hoà Chí Minh\n", 5)
	utf16 := encodeWith(t, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder(), "Mã hồ sơ\tĐiểm\nOCOP-25-000001\t72\n")
	for name, data := range map[string][]byte{
		"VNI":                 encodeWith(t, charmap.Windows1252.NewEncoder(), vni),
		"UTF-16 without BOM":  utf16,
		"binary":              []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00\x00"),                  // an .xls
		"NUL after the start": append(bytes.Repeat([]byte(strings.Repeat("a", 30)+",b\n"), 4096), 0, '\n'), // past what is sniffed
	} {
		_, err := report.ReadTable(context.Background(), "a.csv", data, report.ChatBudget)
		if !errors.Is(err, report.ErrEncoding) || !errors.Is(err, report.ErrUnreadable) {
			t.Errorf("%s: err = %v, want ErrEncoding", name, err)
		}
	}
	// A loan word or two in a file of ASCII is no reason to refuse it.
	rows, err := report.ReadTable(context.Background(), "a.csv", []byte("Name,Note\nCaf\xe9 Nam,\n"), report.ChatBudget)
	if err != nil || rows[1][0] != "Café Nam" {
		t.Errorf("a 1252 file with one loan word: %q, %v", rows, err)
	}
}

// TestReadTableBudgetsDecodedText: the budget holds on the text decoded,
// not only on the bytes sent: a Windows-1258 file whose text outgrows
// Inflated is refused, as is a UTF-16 file of more rows than allowed; the
// bytes sent are judged before anything is decoded.
func TestReadTableBudgetsDecodedText(t *testing.T) {
	t.Parallel()
	data := reporttest.Windows1258(strings.Repeat("Xã Củ Chi;Hợp tác xã Nông nghiệp Tân Thông Hội;Mật ong\r\n", 2000))
	decoded, err := charmap.Windows1258.NewDecoder().Bytes(data)
	if err != nil || len(decoded) <= len(data) {
		t.Fatalf("decoded %d bytes from %d (%v): the test wants text that outgrows its file", len(decoded), len(data), err)
	}
	b := roomy
	b.Bytes, b.Inflated = int64(len(data)), int64(len(data))
	_, err = report.ReadTable(context.Background(), "a.csv", data, b)
	wantLimit(t, err, report.LimitInflated, b.Inflated)
	b.Inflated = int64(len(decoded))
	if rows, err := report.ReadTable(context.Background(), "a.csv", data, b); err != nil || len(rows) != 2000 {
		t.Fatalf("within the budget: %d rows, %v", len(rows), err)
	}

	utf16 := reporttest.UTF16(strings.Repeat("Xã\tCủ Chi\r\n", 3000), unicode.LittleEndian)
	b = roomy
	b.Rows = 2999
	_, err = report.ReadTable(context.Background(), "a.txt", utf16, b)
	wantLimit(t, err, report.LimitRows, 2999)
	b = roomy
	b.Bytes = int64(len(utf16)) - 1
	_, err = report.ReadTable(context.Background(), "a.txt", utf16, b)
	wantLimit(t, err, report.LimitBytes, b.Bytes)
}

// TestReadTableEveryUnitNameInWindows1258: the country's unit list before
// 1/7/2025 (10,040 rows, every name of its provinces, districts and
// communes) saved in Windows-1258 reads as the same list in UTF-8.
func TestReadTableEveryUnitNameInWindows1258(t *testing.T) {
	t.Parallel()
	r, err := unitdata.Open(unitdata.ThreeLevel)
	if err != nil {
		t.Fatal(err)
	}
	text, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	want, err := report.ReadTable(context.Background(), "units.csv", text, report.ChatBudget)
	if err != nil || len(want) != 10_041 {
		t.Fatalf("UTF-8: %d rows, %v", len(want), err)
	}
	got, err := report.ReadTable(context.Background(), "units.csv", reporttest.Windows1258(string(text)), report.ChatBudget)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		for i := range min(len(got), len(want)) {
			if !slices.Equal(got[i], want[i]) {
				t.Fatalf("row %d read as %q, want %q", i+1, got[i], want[i])
			}
		}
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
}
