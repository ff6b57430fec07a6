package report_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/ocopbot/ocopbot/flows/report"
)

// TestWriteCSVForExcel: every cell Excel would run as a formula is written
// behind a `'`, after a UTF-8 BOM; ReadTable gives back exactly the cells
// written, a cell that starts with the guard itself included.
func TestWriteCSVForExcel(t *testing.T) {
	t.Parallel()
	rows := [][]string{
		{"Tên chủ thể", "Sản phẩm", "Ghi chú"},
		{`=HYPERLINK("http://evil.example","Bấm")`, "+cmd|' /C calc'!A0", "@SUM(1+1)"},
		{"-2+3", "\t=1+1", "\r=1+1"},
		{"'=1+1", "'thường", "Hợp tác xã Đắk Lắk; mật ong"},
		{"", "=", "a=b"},
	}
	var buf bytes.Buffer
	if err := report.WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	body, ok := bytes.CutPrefix(buf.Bytes(), []byte("\xef\xbb\xbf"))
	if !ok {
		t.Fatalf("no UTF-8 BOM: %q", buf.String())
	}
	raw, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range raw {
		for _, c := range r {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("cell %q starts a formula", c)
			}
		}
	}
	if got, want := raw[1][0], `'=HYPERLINK("http://evil.example","Bấm")`; got != want {
		t.Errorf("cell written %q, want %q", got, want)
	}
	back, err := report.ReadTable("x.csv", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(back, rows, slices.Equal) {
		t.Errorf("read back:\n%q\nwant\n%q", back, rows)
	}
}
