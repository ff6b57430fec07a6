package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
)

// ErrFileType: a file that is neither .xlsx nor .csv.
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

// ReadTable reads the rows of a CSV file (comma or semicolon separated, as
// Excel writes it in Vietnamese locales) or of an XLSX workbook's first
// sheet. XLSX dates come as day serials, which dates.Parse reads. A BOM
// and the guards WriteCSV put before formula-like cells are taken off
// (in a workbook too: one of our CSV files saved again as XLSX may carry
// them).
func ReadTable(name string, data []byte) ([][]string, error) {
	rows, err := readTable(name, data)
	for _, r := range rows {
		for i, c := range r {
			r[i] = unguard(c)
		}
	}
	return rows, err
}

func readTable(name string, data []byte) ([][]string, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		data = bytes.TrimPrefix(data, []byte(bom))
		r := csv.NewReader(bytes.NewReader(data))
		first, _, _ := bytes.Cut(data, []byte("\n"))
		if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
			r.Comma = ';'
		}
		r.FieldsPerRecord = -1
		rows, err := r.ReadAll()
		if err != nil {
			return nil, fmt.Errorf("read csv: %w", err)
		}
		return rows, nil
	case ".xlsx":
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("open xlsx: %w", err)
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, nil
		}
		rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("read xlsx: %w", err)
		}
		return rows, nil
	}
	return nil, ErrFileType
}
