package flows

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/report/reporttest"
	"github.com/ocopbot/ocopbot/locales"
)

// TestImportFilesAsOfficesSaveThem: the three kinds of file the chat and
// the command line import, saved as Excel saves them in Vietnamese
// offices, are read with their separator and known for what they are:
// decimal commas and names with commas stay in their cells.
func TestImportFilesAsOfficesSaveThem(t *testing.T) {
	t.Parallel()
	kinds := []struct {
		name  string
		rows  [][]string
		isIt  func(rows [][]string) bool
		cell  string // a cell of the second row, as written
		index int
	}{
		{"results", [][]string{{"Mã hồ sơ", "Điểm", "Số quyết định", "Ngày quyết định"},
			{"OCOP-25-000001", "72,5", "12/QĐ-UBND", "01/02/2025"}},
			func(rows [][]string) bool { _, _, missing := findHeader(rows); return missing == nil }, "72,5", 1},
		{"quotas", [][]string{strings.Split(ocop.QuotaHeader, ","),
			{"79", "1", "below", "", "products", "1", "", "01/07/2025", "", "Quyết định số 12/QĐ-UBND, Thành phố Hồ Chí Minh"}},
			IsQuotaFile, "Quyết định số 12/QĐ-UBND, Thành phố Hồ Chí Minh", 9},
		{"registry", [][]string{RegistryColumns,
			{"Thành phố Hồ Chí Minh", "", "Xã Củ Chi", "Hợp tác xã Nông nghiệp Tân Thông Hội, Củ Chi", "HTX", "", "", "", "Mật ong",
				"1", "4", "72,5", "1/QĐ-UBND", "01/08/2025", ""}},
			IsRegistryFile, "Hợp tác xã Nông nghiệp Tân Thông Hội, Củ Chi", 3},
	}
	encodings := []struct {
		name, file string
		sep        rune
		encode     func(string) []byte
	}{
		{"Windows-1258, semicolons", "a.csv", ';', reporttest.Windows1258},
		{"Windows-1258, commas", "a.csv", ',', reporttest.Windows1258},
		{"UTF-16, tabs", "a.txt", '\t', func(s string) []byte { return reporttest.UTF16(s, unicode.LittleEndian) }},
		{"UTF-8 with BOM, semicolons", "a.csv", ';', func(s string) []byte { return []byte("\ufeff" + s) }},
	}
	var im Importer
	text, err := locales.Load(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	p := text.Printer("vi")
	for _, k := range kinds {
		for _, enc := range encodings {
			rows, refusal, err := im.readTable(context.Background(), enc.file, enc.encode(reporttest.CSV(k.rows, enc.sep)), p, "import.error.type")
			if err != nil || refusal != "" {
				t.Fatalf("%s, %s: %q, %v", k.name, enc.name, refusal, err)
			}
			if !k.isIt(rows) || len(rows) != 2 || len(rows[1]) <= k.index || rows[1][k.index] != k.cell {
				t.Errorf("%s, %s: read %q", k.name, enc.name, rows)
			}
			if !slices.Equal(rows[0], k.rows[0]) {
				t.Errorf("%s, %s: header %q", k.name, enc.name, rows[0])
			}
		}
	}
}
