package report

import (
	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/locales"
)

// UnlinkedDigestWorkbook is the workbook of an official's daily digest of
// producers not linked to the bot: one row per producer, most urgent
// first, with whom to call.
func UnlinkedDigestWorkbook(d ocop.UnlinkedDigestNotice, p locales.Printer) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := p.T("xlsx.sheet_unlinked")
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	bold, date, err := headAndDate(f)
	if err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	for i, w := range []float64{6, 36, 28, 24, 16, 12, 20} {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, err
		}
	}
	var head []any
	for _, h := range []string{"xlsx.no_col", "xlsx.producer", "xlsx.commune", "xlsx.representative", "xlsx.phone", "xlsx.products_count", "xlsx.last_valid_day"} {
		head = append(head, excelize.Cell{StyleID: bold, Value: p.T(h)})
	}
	if err := sw.SetRow("A1", head); err != nil {
		return nil, err
	}
	for i, e := range d.Items {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, []any{i + 1, e.Producer, e.Commune, e.Representative, e.Phone, e.Products,
			excelize.Cell{StyleID: date, Value: ocop.LastValidDay(e.ValidUntil)}}); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
