package report

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/locales"
)

// Workbook writes the status as an XLSX workbook: a summary sheet (counts,
// targets, child units) and one row per product with its certificate.
func Workbook(d Data, p locales.Printer) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	summary, products := p.T("xlsx.sheet_summary"), p.T("xlsx.sheet_products")
	if err := f.SetSheetName("Sheet1", summary); err != nil {
		return nil, err
	}
	if _, err := f.NewSheet(products); err != nil {
		return nil, err
	}
	bold, date, err := headAndDate(f)
	if err != nil {
		return nil, err
	}
	if err := writeSummary(f, summary, bold, d, p); err != nil {
		return nil, fmt.Errorf("summary sheet: %w", err)
	}
	if err := writeProducts(f, products, bold, date, d, p); err != nil {
		return nil, fmt.Errorf("products sheet: %w", err)
	}
	if d.Unlinked != nil {
		if err := writeUnlinked(f, p.T("xlsx.sheet_unlinked"), bold, d, p); err != nil {
			return nil, fmt.Errorf("unlinked sheet: %w", err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func ptr[T any](v T) *T { return &v }

// headAndDate are the styles of a workbook's header row and of its dates.
func headAndDate(f *excelize.File) (bold, date int, err error) {
	if bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return 0, 0, err
	}
	date, err = f.NewStyle(&excelize.Style{CustomNumFmt: ptr("dd/mm/yyyy")})
	return bold, date, err
}

func writeSummary(f *excelize.File, sheet string, bold int, d Data, p locales.Printer) error {
	st := d.Status
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	row := 0
	put := func(style int, values ...any) error {
		row++
		cells := make([]any, len(values))
		for i, v := range values {
			cells[i] = excelize.Cell{StyleID: style, Value: v}
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		return sw.SetRow(cell, cells)
	}
	if err := sw.SetColWidth(1, 1, 40); err != nil {
		return err
	}
	if err := sw.SetColWidth(2, 11, 14); err != nil {
		return err
	}
	steps := [][]any{
		{bold, p.T("xlsx.title", "Unit", unitName(d, p), "Date", dates.Format(st.Day))},
		{0},
		{0, p.T("xlsx.recognised"), st.Tally.Recognised()},
		{0, "3★", st.Tally.Stars[3]},
		{0, "4★", st.Tally.Stars[4]},
		{0, "5★", st.Tally.Stars[5]},
		{0, p.T("xlsx.expiring"), st.Tally.Expiring},
		{0, p.T("xlsx.communes"), st.Communes},
		{0, p.T("xlsx.empty"), len(st.Empty)},
		{0, p.T("xlsx.pending"), d.Pending},
		{0, p.T("xlsx.linked"), d.Links.Linked},
		{0, p.T("xlsx.unlinked"), d.Links.Unlinked},
		{0},
	}
	// Every number below is one ocop.BuildStatus computed, as the message
	// shows it; a level a rule does not set is left blank, and an
	// encouraged level is never written as a shortfall.
	if len(st.Targets) > 0 {
		steps = append(steps, []any{bold, p.T("xlsx.target"), p.T("xlsx.minimum"), p.T("xlsx.encouraged"), p.T("xlsx.value"), p.T("xlsx.met"), p.T("xlsx.gap"), p.T("xlsx.encouraged_state")})
		for _, t := range st.Targets {
			hasMin, hasEnc := t.Quota.Minimum > 0, t.Quota.Encouraged > 0
			steps = append(steps, []any{0, p.T("metricname." + string(t.Quota.Metric)), blank(hasMin, t.Quota.Minimum), blank(hasEnc, t.Quota.Encouraged), t.Value,
				blank(hasMin, yesNo(p, t.Met)), blank(hasMin, t.Gap), blank(hasEnc, yesNo(p, t.EncouragedMet))})
		}
		if st.HasMinimum() {
			steps = append(steps, []any{0, p.T("xlsx.total_gap"), nil, nil, nil, nil, st.Gap})
		}
		steps = append(steps, []any{0})
	}
	if len(st.Children) > 0 {
		steps = append(steps, []any{bold, p.T("xlsx.unit"), p.T("xlsx.communes"), "3★", "4★", "5★", p.T("xlsx.recognised"), p.T("xlsx.required"), p.T("xlsx.gap"),
			p.T("xlsx.encouraged_required"), p.T("xlsx.encouraged_state")})
		for _, c := range st.Children {
			hasMin, hasEnc := c.HasMinimum(), c.HasEncouraged()
			steps = append(steps, []any{0, c.Unit.Name, c.Communes, c.Tally.Stars[3], c.Tally.Stars[4], c.Tally.Stars[5], c.Tally.Recognised(),
				blank(hasMin, c.Required), blank(hasMin, c.Gap), blank(hasEnc, c.Encouraged), blank(hasEnc, yesNo(p, c.EncouragedGap == 0))})
		}
	}
	for _, s := range steps {
		if err := put(s[0].(int), s[1:]...); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// blank is v when a rule sets the level it belongs to, an empty cell
// otherwise.
func blank(set bool, v any) any {
	if !set {
		return nil
	}
	return v
}

func yesNo(p locales.Printer, ok bool) string {
	if ok {
		return p.T("xlsx.yes")
	}
	return p.T("xlsx.no")
}

func writeProducts(f *excelize.File, sheet string, bold, date int, d Data, p locales.Printer) error {
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	widths := []float64{6, 36, 32, 18, 24, 24, 24, 8, 8, 20, 14, 14, 14, 28}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	// The address line comes last: columns officials' sheets and formulas
	// refer to by position keep their place.
	head := []string{"xlsx.no_col", "xlsx.product", "xlsx.producer", "xlsx.kind", "xlsx.commune", "xlsx.parent",
		"xlsx.group", "xlsx.stars", "xlsx.score", "xlsx.decision", "xlsx.decision_date", "xlsx.last_valid_day", "xlsx.state",
		"xlsx.address_line"}
	cells := make([]any, len(head))
	for i, h := range head {
		cells[i] = excelize.Cell{StyleID: bold, Value: p.T(h)}
	}
	if err := sw.SetRow("A1", cells, excelize.RowOpts{StyleID: bold}); err != nil {
		return err
	}
	groups := map[string]string{} // by group code: a registry's products name no sub-group
	for _, g := range d.Groups {
		groups[g.Code] = g.Name(p.Lang)
	}
	row := make([]any, len(head))
	for i, x := range d.Products {
		commune, parent := CommuneName(p, d.Atlas, x.UnitID, d.Status.Day)
		c := x.Certificate
		var score any
		if c.Score > 0 {
			score = c.Score
		}
		row[0], row[1], row[2] = i+1, x.Product, x.Producer
		row[3] = p.T("kind." + string(x.ProducerKind))
		row[4], row[5], row[6] = commune, parent, groups[x.GroupCode]
		row[7], row[8], row[9] = c.Stars, score, c.DecisionNo
		row[10] = excelize.Cell{StyleID: date, Value: c.DecisionDate}
		// The last valid day, as every text names a certificate's end.
		row[11] = excelize.Cell{StyleID: date, Value: ocop.LastValidDay(c.ValidUntil)}
		row[12] = p.T(certState(x))
		row[13] = blank(x.AddressLine != "", x.AddressLine)
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// certState names where a product's certificate stands on the day asked.
func certState(x ocop.CertifiedProduct) string {
	switch {
	case x.Valid:
		return "xlsx.state_valid"
	case !x.Certificate.RevokedOn.IsZero():
		return "xlsx.state_revoked"
	}
	return "xlsx.state_expired"
}
