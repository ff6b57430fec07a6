package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
)

// ErrFileType: a file that is neither .xlsx nor .csv.
var ErrFileType = errors.New("not an .xlsx or .csv file")

// ReadTable reads the rows of a CSV file (comma or semicolon separated, as
// Excel writes it in Vietnamese locales) or of an XLSX workbook's first
// sheet. XLSX dates come as day serials, which dates.Parse reads.
func ReadTable(name string, data []byte) ([][]string, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
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
