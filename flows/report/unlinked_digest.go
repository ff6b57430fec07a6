package report

import (
	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/locales"
)

// UnlinkedDigestWorkbook is the workbook of an official's daily digest:
// one row per producer to call (not linked to the bot, or blocked it),
// most urgent first, with whom to call; and a sheet of the answers to
// reminders that joined the digest, when there are any.
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
	rows := make([][]any, len(d.Items))
	for i, e := range d.Items {
		status := p.T("xlsx.status_unlinked")
		if e.Blocked {
			status = p.T("xlsx.status_blocked")
		}
		rows[i] = []any{i + 1, e.Producer, e.Commune, e.Representative, e.Phone, e.Products,
			excelize.Cell{StyleID: date, Value: ocop.LastValidDay(e.ValidUntil)}, status}
	}
	if err := writeSheet(f, sheet, bold, []float64{6, 36, 28, 24, 16, 12, 20, 20},
		[]string{"xlsx.no_col", "xlsx.producer", "xlsx.commune", "xlsx.representative", "xlsx.phone", "xlsx.products_count",
			"xlsx.last_valid_day", "xlsx.status"}, p, rows); err != nil {
		return nil, err
	}
	if len(d.Answers) > 0 {
		sheet := p.T("xlsx.sheet_answers")
		if _, err := f.NewSheet(sheet); err != nil {
			return nil, err
		}
		rows := make([][]any, len(d.Answers))
		for i, a := range d.Answers {
			previous := ""
			if a.Previous != "" {
				previous = AnswerLabel(p, a.Previous, 0)
			}
			rows[i] = []any{i + 1, a.Code, a.Product, a.Producer, a.Stars,
				excelize.Cell{StyleID: date, Value: ocop.LastValidDay(a.ValidUntil)}, AnswerLabel(p, a.Answer, a.TargetStars), previous}
		}
		if err := writeSheet(f, sheet, bold, []float64{6, 16, 32, 32, 10, 20, 28, 28},
			[]string{"xlsx.no_col", "xlsx.code", "xlsx.product", "xlsx.producer", "xlsx.stars", "xlsx.last_valid_day",
				"xlsx.answer", "xlsx.previous_answer"}, p, rows); err != nil {
			return nil, err
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeSheet streams a sheet: its column widths, a bold header of the
// locale's column names, and the rows.
func writeSheet(f *excelize.File, sheet string, bold int, widths []float64, head []string, p locales.Printer, rows [][]any) error {
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	cells := make([]any, len(head))
	for i, h := range head {
		cells[i] = excelize.Cell{StyleID: bold, Value: p.T(h)}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return err
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, r); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// AnswerLabel names a producer's answer to a reminder, with the rank
// asked for an upgrade.
func AnswerLabel(p locales.Printer, a ocop.RenewalAnswer, target int) string {
	if a == ocop.AnswerUpgrade && target > 0 {
		return p.T("renewal.answer.upgrade_to", "Target", target)
	}
	return p.T("renewal.answer." + string(a))
}
