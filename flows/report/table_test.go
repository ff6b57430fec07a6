package report_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/flows/report"
	"github.com/ocopbot/ocopbot/flows/report/reporttest"
)

// sheet is an XLSX of rows rows of cols cells.
func sheet(rows, cols int, dimension bool) []byte {
	return reporttest.Bytes(func(w io.Writer) error {
		return reporttest.Sheet(w, rows, dimension, func(i int) []string {
			row := make([]string, cols)
			for j := range row {
				row[j] = "r" + strconv.Itoa(i+1) + "c" + strconv.Itoa(j+1)
			}
			return row
		})
	})
}

// wantLimit fails unless err refuses the file for what, with max.
func wantLimit(t *testing.T, err error, what string, max int64) {
	t.Helper()
	var over *report.LimitError
	if !errors.As(err, &over) || over.What != what || over.Max != max {
		t.Fatalf("err = %v, want the %s limit of %d", err, what, max)
	}
}

// roomy is a budget nothing in these tests reaches, to change one limit.
var roomy = report.Budget{Bytes: 1 << 30, Rows: 1 << 20, Columns: 1 << 14, Parts: 1000, Part: 1 << 30,
	Inflated: 1 << 31, Ratio: 1 << 20, InMemory: 1 << 30}

// TestReadTableRefusesTheBomb: the archive whose sheet inflates to 1 GiB
// from about 1 MB is refused from its central directory, in the chat and
// on the command line; lying about its size does not help.
func TestReadTableRefusesTheBomb(t *testing.T) {
	t.Parallel()
	bomb := reporttest.Bytes(func(w io.Writer) error { return reporttest.Bomb(w, 1<<30, 0, 1) })
	t.Logf("bomb: %d bytes inflating to 1 GiB", len(bomb))
	if int64(len(bomb)) > report.ChatBudget.Bytes {
		t.Fatalf("bomb of %d bytes: the test wants one under the chat's %d", len(bomb), report.ChatBudget.Bytes)
	}
	_, err := report.ReadTable(context.Background(), "bomb.xlsx", bomb, report.ChatBudget)
	wantLimit(t, err, report.LimitInflated, report.ChatBudget.Part)
	_, err = report.ReadTable(context.Background(), "bomb.xlsx", bomb, report.CommandBudget)
	wantLimit(t, err, report.LimitInflated, report.CommandBudget.Part)

	// Declared as 256 KiB: archive/zip stops inflating there (excelize
	// reads the cut sheet's rows without a word), so at most the 8,192
	// rows of 32 bytes that 256 KiB hold come out. Declared as 1 MiB: too
	// many rows.
	liar := reporttest.Bytes(func(w io.Writer) error { return reporttest.Bomb(w, 1<<30, 256<<10, 1) })
	rows, err := report.ReadTable(context.Background(), "bomb.xlsx", liar, report.ChatBudget)
	if err != nil && !errors.Is(err, report.ErrUnreadable) || len(rows) > 8192 {
		t.Fatalf("bomb declaring 256 KiB: %d rows, %v", len(rows), err)
	}
	liar = reporttest.Bytes(func(w io.Writer) error { return reporttest.Bomb(w, 1<<30, 1<<20, 1) })
	_, err = report.ReadTable(context.Background(), "bomb.xlsx", liar, report.ChatBudget)
	wantLimit(t, err, report.LimitRows, int64(report.ChatBudget.Rows))
}

// TestCheckXLSXLimits: each limit of the archive, alone.
func TestCheckXLSXLimits(t *testing.T) {
	t.Parallel()
	small := sheet(30, 4, true)
	t.Run("bytes", func(t *testing.T) {
		b := roomy
		b.Bytes = int64(len(small)) - 1
		_, err := report.ReadTable(context.Background(), "a.xlsx", small, b)
		wantLimit(t, err, report.LimitBytes, b.Bytes)
	})
	for _, c := range []struct {
		name string
		set  func(*report.Budget)
		what string
		max  int64
	}{
		{"parts", func(b *report.Budget) { b.Parts = 4 }, report.LimitParts, 4},        // the sheet is the fifth
		{"part", func(b *report.Budget) { b.Part = 1000 }, report.LimitInflated, 1000}, // the sheet is bigger, the rest not
		{"total", func(b *report.Budget) { b.Inflated = 2000 }, report.LimitInflated, 2000},
		{"declared rows", func(b *report.Budget) { b.Rows = 29 }, report.LimitRows, 29},
		{"declared columns", func(b *report.Budget) { b.Columns = 3 }, report.LimitColumns, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := roomy
			c.set(&b)
			wantLimit(t, report.CheckXLSX(small, b), c.what, c.max)
		})
	}
	t.Run("ratio", func(t *testing.T) {
		bomb := reporttest.Bytes(func(w io.Writer) error { return reporttest.Bomb(w, 20<<20, 0, 0) })
		wantLimit(t, report.CheckXLSX(bomb, report.ChatBudget), report.LimitRatio, report.ChatBudget.Ratio)
		b := report.ChatBudget
		b.Ratio = 2000 // deflate gives at most about 1,032
		if err := report.CheckXLSX(bomb, b); err != nil {
			t.Fatalf("20 MiB sheet under every limit: %v", err)
		}
	})
	t.Run("within", func(t *testing.T) {
		b := roomy
		b.Rows, b.Columns = 30, 4
		if err := report.CheckXLSX(small, b); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("not a zip", func(t *testing.T) {
		if err := report.CheckXLSX([]byte("PK\x03\x04 broken"), roomy); !errors.Is(err, report.ErrUnreadable) {
			t.Fatalf("err = %v, want unreadable", err)
		}
	})
}

// TestReadTableCountsRowsAsTheyStream: a sheet that declares no dimension
// (or a false one) is refused at the first row or cell over budget.
func TestReadTableCountsRowsAsTheyStream(t *testing.T) {
	t.Parallel()
	undeclared := sheet(30, 4, false)
	if err := report.CheckXLSX(undeclared, report.Budget{Bytes: 1 << 20, Rows: 29, Columns: 3, Parts: 10, Part: 1 << 20, Inflated: 1 << 20, Ratio: 200, InMemory: 1 << 20}); err != nil {
		t.Fatalf("nothing declared: %v", err)
	}
	b := roomy
	b.Rows = 29
	_, err := report.ReadTable(context.Background(), "a.xlsx", undeclared, b)
	wantLimit(t, err, report.LimitRows, 29)
	b = roomy
	b.Columns = 3
	_, err = report.ReadTable(context.Background(), "a.xlsx", undeclared, b)
	wantLimit(t, err, report.LimitColumns, 3)
	b.Columns, b.Rows = 4, 30
	rows, err := report.ReadTable(context.Background(), "a.xlsx", undeclared, b)
	if err != nil || len(rows) != 30 || rows[29][3] != "r30c4" {
		t.Fatalf("30 rows within budget: %d rows, %v", len(rows), err)
	}
}

// TestReadTableBigSheet: the sheet of 200,000 rows is refused by the
// chat's and the command line's budgets, from its dimension or, without
// one, at the row over budget.
func TestReadTableBigSheet(t *testing.T) {
	t.Parallel()
	for _, declared := range []bool{true, false} {
		data := sheet(200_000, 1, declared)
		t.Logf("200,000 rows, dimension %v: %d bytes", declared, len(data))
		for _, b := range []report.Budget{report.ChatBudget, report.CommandBudget} {
			if !declared && b == report.CommandBudget {
				continue // 120,000 rows streamed under -race: seconds for what the chat's case shows
			}
			_, err := report.ReadTable(context.Background(), "big.xlsx", data, b)
			wantLimit(t, err, report.LimitRows, int64(b.Rows))
		}
	}
}

// TestReadTableStopsWithItsContext: a step's deadline or a shutdown ends
// the reading of a long file.
func TestReadTableStopsWithItsContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, data := range map[string][]byte{"a.xlsx": sheet(1000, 2, true), "a.csv": []byte(strings.Repeat("a,b\n", 1000))} {
		if _, err := report.ReadTable(ctx, name, data, roomy); !errors.Is(err, context.Canceled) {
			t.Errorf("%s read with an ended context: err = %v", name, err)
		}
	}
}

// TestReadTableCSV: the same limits for CSV files.
func TestReadTableCSV(t *testing.T) {
	t.Parallel()
	data := []byte("\xef\xbb\xbfa;b;c\n1;2;3\n\n4;5;6\n")
	rows, err := report.ReadTable(context.Background(), "a.CSV", data, report.ChatBudget)
	if err != nil || !slices.EqualFunc(rows, [][]string{{"a", "b", "c"}, {"1", "2", "3"}, {"4", "5", "6"}}, slices.Equal) {
		t.Fatalf("rows %q, %v", rows, err)
	}
	b := roomy
	b.Rows = 2
	_, err = report.ReadTable(context.Background(), "a.csv", data, b)
	wantLimit(t, err, report.LimitRows, 2)
	b = roomy
	b.Columns = 2
	_, err = report.ReadTable(context.Background(), "a.csv", data, b)
	wantLimit(t, err, report.LimitColumns, 2)
	b = roomy
	b.Bytes = 10
	_, err = report.ReadTable(context.Background(), "a.csv", data, b)
	wantLimit(t, err, report.LimitBytes, 10)
	if _, err := report.ReadTable(context.Background(), "a.csv", []byte("a,\"b\n"), roomy); !errors.Is(err, report.ErrUnreadable) {
		t.Fatalf("bad quoting: err = %v", err)
	}
	if _, err := report.ReadTable(context.Background(), "a.pdf", data, roomy); !errors.Is(err, report.ErrFileType) {
		t.Fatalf("pdf: err = %v", err)
	}
}

// TestReadTableAsExcelWritesIt: a workbook written by excelize (shared
// strings, numbers, a gap between rows, formatted empty rows below the
// data, a second sheet) reads as before (report.ReadTable used GetRows): the first sheet, raw values,
// empty rows kept between rows with cells and dropped at the end.
func TestReadTableAsExcelWritesIt(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"Mã hồ sơ", "Điểm"})
	_ = f.SetSheetRow("Sheet1", "A3", &[]any{"OCOP-25-000001", 72.5})
	style, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	_ = f.SetCellStyle("Sheet1", "A4", "B3000", style) // formatted, empty
	_, _ = f.NewSheet("Khác")
	_ = f.SetCellValue("Khác", "A1", "x")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := report.ReadTable(context.Background(), "kq.xlsx", buf.Bytes(), report.ChatBudget)
	want := [][]string{{"Mã hồ sơ", "Điểm"}, nil, {"OCOP-25-000001", "72.5"}}
	if err != nil || !slices.EqualFunc(rows, want, slices.Equal) {
		t.Fatalf("rows %q, %v; want %q", rows, err, want)
	}
}

// TestReadTableLeavesNoTemporaryFile: a sheet over InMemory is streamed
// from a temporary file, which is gone once the file is read.
func TestReadTableLeavesNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	b := roomy
	b.InMemory = 64 << 10
	data := sheet(5000, 4, true)
	if n := partSize(t, data, "xl/worksheets/sheet1.xml"); n <= uint64(b.InMemory) {
		t.Fatalf("sheet of %d bytes does not spill", n)
	}
	rows, err := report.ReadTable(context.Background(), "a.xlsx", data, b)
	if err != nil || len(rows) != 5000 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	b.Rows = 100
	if _, err := report.ReadTable(context.Background(), "a.xlsx", sheet(5000, 4, false), b); err == nil {
		t.Fatal("5,000 rows read within 100")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func partSize(t *testing.T, data []byte, name string) uint64 {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			return f.UncompressedSize64
		}
	}
	t.Fatalf("no part %s", name)
	return 0
}

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
	back, err := report.ReadTable(t.Context(), "x.csv", buf.Bytes(), report.ChatBudget)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(back, rows, slices.Equal) {
		t.Errorf("read back:\n%q\nwant\n%q", back, rows)
	}
}
