package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"
)

// ErrFileType: a file that is neither .xlsx nor a text table (.csv, .txt, .tsv).
var ErrFileType = errors.New("not an .xlsx or .csv file")

// bom is UTF-8's byte order mark: without it Excel reads a CSV file in the
// system's code page, and Vietnamese turns to mojibake.
const bom = "\ufeff"

// formulaStart are the first characters that make a spreadsheet read a
// cell as a formula (OWASP, CSV injection); a cell starting with the guard
// itself is guarded too, so that taking the guard off gives back exactly
// what was written.
const formulaStart = "=+-@\t\r'"

// textCell writes s so that a spreadsheet shows it as text: behind a `'`
// when it would start a formula.
func textCell(s string) string {
	if s != "" && strings.IndexByte(formulaStart, s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// unguard takes off the `'` textCell put before a cell.
func unguard(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.IndexByte(formulaStart, s[1]) >= 0 {
		return s[1:]
	}
	return s
}

// WriteCSV writes rows as a CSV file for Excel: UTF-8 with a BOM, every
// cell Excel would run as a formula (a name such as "=HYPERLINK(…)" or
// "@SUM(…)") written as text behind a `'`. ReadTable takes both off.
func WriteCSV(w io.Writer, rows [][]string) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cells := make([]string, 0, 16)
	for _, r := range rows {
		cells = cells[:0]
		for _, c := range r {
			cells = append(cells, textCell(c))
		}
		if err := cw.Write(cells); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// ErrUnreadable: a file that is not a spreadsheet we can read (a broken or
// hostile archive, bad CSV quoting).
var ErrUnreadable = errors.New("not a readable spreadsheet")

// What a LimitError says is over budget.
const (
	LimitBytes    = "bytes"    // the file as sent
	LimitInflated = "inflated" // an XLSX part, or all of them, inflated
	LimitParts    = "parts"    // entries of the archive
	LimitRatio    = "ratio"    // inflated:compressed of one part
	LimitRows     = "rows"
	LimitColumns  = "columns"
)

// A LimitError refuses a file over its Budget: What is one of the Limit
// constants, Max the budget.
type LimitError struct {
	What string
	Max  int64
}

func (e *LimitError) Error() string { return fmt.Sprintf("file over budget: %s > %d", e.What, e.Max) }

// Budget bounds what reading one table file may cost. An XLSX is judged
// from its zip central directory and the sheet's declared dimension before
// anything is inflated, and the rows are counted again as they stream (a
// dimension may lie; archive/zip refuses a part that inflates beyond its
// declared size, so sizes cannot).
type Budget struct {
	Bytes    int64 // the file as sent or stored
	Rows     int   // rows of the first sheet or CSV records, header included
	Columns  int   // cells of one row
	Parts    int   // entries of an XLSX archive
	Part     int64 // inflated bytes of one entry
	Inflated int64 // inflated bytes of all entries (excelize reads every one), or a text file's decoded bytes
	Ratio    int64 // inflated:compressed of an entry larger than ratioFloor
	// InMemory: excelize inflates a sheet larger than this to a temporary
	// file and streams the rows from it; Close removes it. Equal to Part,
	// nothing spills.
	InMemory int64
}

// ratioFloor: smaller parts are not judged by their ratio, whatever it is
// they cost little (a styles part of blanks compresses well).
const ratioFloor = 1 << 20

// ChatBudget reads the files officials send in the chat. A province has
// at most a few thousand producers (Hà Nội, the largest registry, had
// 2,711 products in 2024; HCMC 419): a registry with its certificates'
// history stays under 10,000 rows, and 20,000 leave twice that. Such a
// sheet is about 11 MB of XML with shared strings, 21 MB with inline
// strings, so 32 MB a part and 48 MB in all, kept in memory (no temporary
// file), cost the bot at most about 60 MB while one file is read; the file
// itself is well under 5 MB. Real workbooks have 10–30 parts and their
// sheets compress 5–30 times; a zip bomb's part, over 300 times. A text
// file decodes to at most 3 bytes of UTF-8 a byte (a code page's € or ₫;
// UTF-16 gives at most 3 for 2), 15 MB within the 48.
var ChatBudget = Budget{
	Bytes:    5 << 20,
	Rows:     20_000,
	Columns:  64,
	Parts:    256,
	Part:     32 << 20,
	Inflated: 48 << 20,
	Ratio:    200,
	InMemory: 32 << 20,
}

// CommandBudget reads the files of `ocopbot … import`: a national registry
// is about 100,000 rows (18,243 OCOP products in December 2025, with their
// history), and 120,000 leave a fifth more; a bigger file is imported in
// parts. Its sheet may reach 160 MB of XML: above 16 MB excelize streams it
// from a temporary file (removed at Close), so the process holds the rows
// and not the XML too. A text file of 64 MB decodes to at most 192 MB.
var CommandBudget = Budget{
	Bytes:    64 << 20,
	Rows:     120_000,
	Columns:  64,
	Parts:    256,
	Part:     160 << 20,
	Inflated: 192 << 20,
	Ratio:    200,
	InMemory: 16 << 20,
}

// checkEvery is how many rows are read between two looks at the context:
// a step's deadline or a shutdown stops a long file within milliseconds.
const checkEvery = 256

// ReadTable reads the rows of a text table (.csv, or .txt and .tsv as
// Excel saves "Unicode Text" and "Text (Tab delimited)"; readText) or of an
// XLSX workbook's first sheet, within b: a file over it is refused with a
// *LimitError, one that cannot be read with ErrUnreadable (ErrEncoding
// when its bytes are text in no encoding read here), before it costs more
// than b allows. known recognise the column names a header may hold (any
// of them): they tell a text file's separator. XLSX dates come as day
// serials, which dates.Parse reads. Trailing empty rows are dropped. Cells
// come in NFC, so that a name decomposed ("Củ Chi" as u and a combining
// hook, as Windows-1258 and some keyboards write it) equals the same name
// typed in the chat. A BOM and the guards WriteCSV puts before formula-like
// cells are taken off (in a workbook too: one of our CSV files saved again
// as XLSX may carry them).
func ReadTable(ctx context.Context, name string, data []byte, b Budget, known ...func(cell string) bool) ([][]string, error) {
	if int64(len(data)) > b.Bytes {
		return nil, &LimitError{What: LimitBytes, Max: b.Bytes}
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".txt", ".tsv":
		return readText(ctx, data, b, known)
	case ".xlsx":
		return readXLSX(ctx, data, b)
	}
	return nil, ErrFileType
}

// table gathers rows within the budget's rows and columns. Empty rows are
// held back until a row with cells follows them, so that a sheet formatted
// far below its data (empty rows up to 1,048,576) costs a count, not a
// slice per row, and is not refused for them.
type table struct {
	ctx   context.Context
	b     Budget
	rows  [][]string
	seen  int // rows read, empty ones included
	empty int // empty rows since the last one with cells
}

func (t *table) add(row []string) error {
	if t.seen++; t.seen%checkEvery == 0 {
		if err := t.ctx.Err(); err != nil {
			return fmt.Errorf("read table: %w", err)
		}
	}
	if len(row) == 0 {
		t.empty++
		return nil
	}
	if len(t.rows)+t.empty >= t.b.Rows {
		return &LimitError{What: LimitRows, Max: int64(t.b.Rows)}
	}
	if len(row) > t.b.Columns {
		return &LimitError{What: LimitColumns, Max: int64(t.b.Columns)}
	}
	for ; t.empty > 0; t.empty-- {
		t.rows = append(t.rows, nil)
	}
	for i, c := range row {
		row[i] = unguard(norm.NFC.String(c))
	}
	t.rows = append(t.rows, row)
	return nil
}

func readXLSX(ctx context.Context, data []byte, b Budget) ([][]string, error) {
	if err := CheckXLSX(data, b); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: b.Inflated, UnzipXMLSizeLimit: b.InMemory})
	if err != nil {
		return nil, fmt.Errorf("%w: open xlsx: %w", ErrUnreadable, err)
	}
	defer f.Close() // removes a sheet spilled to a temporary file
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fmt.Errorf("%w: read xlsx: %w", ErrUnreadable, err)
	}
	defer rows.Close()
	t := table{ctx: ctx, b: b}
	for rows.Next() {
		row, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("%w: read xlsx row: %w", ErrUnreadable, err)
		}
		if err := t.add(row); err != nil {
			return nil, err
		}
	}
	if err := rows.Error(); err != nil {
		return nil, fmt.Errorf("%w: read xlsx: %w", ErrUnreadable, err)
	}
	return t.rows, nil
}
