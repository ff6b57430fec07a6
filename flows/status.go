package flows

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/report"
	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/flows/vntext"
	"github.com/ocopbot/ocopbot/locales"
)

// StatusRecords are what /status reads.
type StatusRecords interface {
	Quotas(ctx context.Context) ([]ocop.Quota, error)
	CommuneTallies(ctx context.Context, day, until time.Time, communes []int64) ([]ocop.CommuneTally, error)
	ExpiringProducts(ctx context.Context, day, until time.Time, communes []int64, limit int) ([]ocop.CertifiedProduct, error)
	PendingRegistrations(ctx context.Context, communes []int64) (int, error)
	CertifiedProducts(ctx context.Context, day time.Time, communes []int64) ([]ocop.CertifiedProduct, error)
	RenewalTally(ctx context.Context, day time.Time, communes []int64) (ocop.RenewalTally, error)
}

// expiringWindow is how far ahead /status looks for certificates ending.
const expiringWindow = 90 * 24 * time.Hour

// How much of a status fits a chat message; the rest is in the workbook.
const (
	statusChildren  = 10 // child units listed, furthest from target first
	statusEmpty     = 15 // communes with no product named
	statusExpiring  = 5  // expiring certificates listed
	statusDrillDown = 8  // child units offered as buttons
)

// ScopeCommunes is the communes an official answers for (nil: all).
func (e *Engine) ScopeCommunes(off ocop.Official) []int64 {
	if off.Role == ocop.RoleAdmin {
		return nil
	}
	return e.atlas.Sources(e.atlas.At(e.today()), off.UnitID)
}

// statusCommand answers /status [unit] [dd/mm/yyyy].
func (e *Engine) statusCommand(t *turn) error {
	off, ok, err := e.official(t)
	if !ok || err != nil {
		return err
	}
	args := strings.Fields(t.in.Text)
	day := e.today()
	if n := len(args); n > 0 && strings.ContainsAny(args[n-1], "/.-") && strings.ContainsAny(args[n-1], "0123456789") {
		d, ok := dates.Parse(args[n-1])
		if !ok {
			t.say(Reply{Text: t.p.T("status.bad_date", "Input", args[n-1])})
			return nil
		}
		day, args = d, args[:n-1]
	}
	tree := e.atlas.At(day)
	name := strings.Join(args, " ")
	if name == "" {
		roots := ocop.Roots(e.atlas, off, tree)
		switch {
		case off.Role == ocop.RoleAdmin:
			return e.showStatus(t, off, 0, day)
		case len(roots) == 1:
			return e.showStatus(t, off, roots[0].ID, day)
		case len(roots) == 0:
			t.say(Reply{Text: t.p.T("status.no_unit_then", "Date", dates.Format(day))})
			return nil
		}
		return e.chooseUnit(t, roots, "st", day)
	}
	switch found := e.findInScope(t, off, tree, name); len(found) {
	case 0:
		return nil
	case 1:
		return e.showStatus(t, off, found[0].ID, day)
	default:
		return e.chooseUnit(t, found, "st", day)
	}
}

// findInScope finds the units of tree named name that off may see, and
// says so when there is none. A name that is some unit's whole name, or its
// name without the kind word, picks that unit when it is the highest such
// ("cu chi" is Huyện Củ Chi, not Thị trấn Củ Chi); otherwise every match is
// returned, best first.
func (e *Engine) findInScope(t *turn, off ocop.Official, tree *units.Tree, name string) []units.Unit {
	var found []units.Unit
	for _, u := range tree.Units.SearchAll(name, 50) {
		if ocop.InScope(e.atlas, off, u.ID) {
			found = append(found, u)
		}
	}
	q := vntext.Fold(name)
	var exact []units.Unit
	for _, u := range found {
		_, bare := units.SplitUnitName(u.Name)
		if vntext.Fold(u.Name) == q || vntext.Fold(bare) == q {
			exact = append(exact, u)
		}
	}
	if len(exact) == 1 || len(exact) > 1 && exact[0].Level < exact[1].Level {
		return exact[:1] // SearchAll puts higher levels first among equals
	}
	if len(found) == 0 {
		t.say(Reply{Text: t.p.T("status.not_found", "Name", name)})
	}
	return found[:min(len(found), statusDrillDown)]
}

// chooseUnit asks which of several units the official means.
func (e *Engine) chooseUnit(t *turn, units []units.Unit, action string, day time.Time) error {
	rows := make([][]Button, 0, len(units))
	for _, u := range units {
		rows = append(rows, []Button{{Label: e.unitLabel(u), Data: globalData(action, strconv.FormatInt(u.ID, 10), dates.Compact(day))}})
	}
	t.say(Reply{Text: t.p.T("status.choose"), Buttons: rows})
	return nil
}

// unitLabel names a unit with its parent, so two communes of one name are
// told apart.
func (e *Engine) unitLabel(u units.Unit) string {
	if p, ok := e.atlas.Unit(u.ParentID); ok {
		return u.Name + ", " + p.Name
	}
	return u.Name
}

// statusButton handles the status buttons: drill down ("st"), chart ("ch")
// and workbook ("xl"), each "<unit>|<yyyymmdd>". The scope is checked again:
// buttons can be forged.
func (e *Engine) statusButton(t *turn, action, arg string) error {
	idText, dayText, _ := strings.Cut(arg, "|")
	id, err1 := strconv.ParseInt(idText, 10, 64)
	day, ok := dates.ParseCompact(dayText)
	if err1 != nil || !ok {
		return e.oldButton(t)
	}
	off, ok, err := e.official(t)
	if !ok || err != nil {
		return err
	}
	if id == 0 && off.Role != ocop.RoleAdmin || id != 0 && !ocop.InScope(e.atlas, off, id) {
		t.say(Reply{Text: t.p.T("status.out_of_scope")})
		return nil
	}
	t.res.ClearKeyboardOf = 0 // the status above stays usable
	switch action {
	case "st":
		return e.showStatus(t, off, id, day)
	case "ch":
		return e.sendChart(t, id, day)
	case "xl":
		return e.sendWorkbook(t, id, day)
	}
	return e.oldButton(t)
}

// measure builds the status of unit id (0: the country) on day.
func (e *Engine) measure(t *turn, id int64, day time.Time) (report.Data, error) {
	tree := e.atlas.At(day)
	sources := e.atlas.Sources(tree, id)
	until := day.Add(expiringWindow)
	tallies, err := e.records.CommuneTallies(t.ctx, day, until, sources)
	if err != nil {
		return report.Data{}, err
	}
	counts := make(map[int64]ocop.Tally, len(tallies))
	for _, ct := range tallies {
		if c, ok := e.atlas.CommuneIn(tree, ct.UnitID); ok {
			tl := counts[c]
			for s := range tl.Stars {
				tl.Stars[s] += ct.Tally.Stars[s]
			}
			tl.Expiring += ct.Tally.Expiring
			counts[c] = tl
		}
	}
	quotas, err := e.records.Quotas(t.ctx)
	if err != nil {
		return report.Data{}, err
	}
	return report.Data{
		Status:  ocop.BuildStatus(tree.Units, id, counts, quotas, day),
		Sources: sources,
		Until:   until,
		Tree:    tree,
		Atlas:   e.atlas,
	}, nil
}

// showStatus sends the status of unit id (0: the country) on day.
func (e *Engine) showStatus(t *turn, off ocop.Official, id int64, day time.Time) error {
	d, err := e.measure(t, id, day)
	if err != nil {
		return err
	}
	expiring, err := e.records.ExpiringProducts(t.ctx, day, d.Until, d.Sources, statusExpiring)
	if err != nil {
		return err
	}
	pending, err := e.records.PendingRegistrations(t.ctx, d.Sources)
	if err != nil {
		return err
	}
	renewals, err := e.records.RenewalTally(t.ctx, day, d.Sources)
	if err != nil {
		return err
	}
	st := d.Status
	p := t.p
	var b strings.Builder
	line := func(s string) {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(s)
	}
	unitName := p.T("status.country")
	if id != 0 {
		unitName = st.Unit.Name
	}
	line(p.T("status.title", "Unit", unitName, "Date", dates.Format(day)))
	line(p.T("status.stars", "Total", st.Tally.Recognised(), "Three", st.Tally.Stars[3], "Four", st.Tally.Stars[4], "Five", st.Tally.Stars[5]))
	if len(st.Targets) > 0 {
		line("")
		line(p.T("status.targets"))
		for _, tg := range st.Targets {
			line(targetLine(p, tg))
		}
	}
	if len(st.Rules) > 0 {
		line("")
		line(p.T("status.rules"))
		for _, r := range st.Rules {
			target := targetName(p, r.Quota, r.Level())
			if r.Encouraged {
				target = p.T("status.encouraged", "Target", target)
			}
			line(p.T("status.rule", "Kinds", kindsLabel(p, r.Quota.Kinds), "Target", target, "Met", r.Met, "Units", r.Units))
		}
	}
	if len(st.Children) > 0 {
		line("")
		line(p.T("status.children"))
		for i, c := range st.Children[:min(len(st.Children), statusChildren)] {
			switch {
			case c.Gap > 0:
				line(p.T("status.child_gap", "N", i+1, "Unit", c.Unit.Name, "Count", c.Tally.Recognised(), "Gap", c.Gap))
			case len(c.Targets) > 0:
				line(p.T("status.child", "N", i+1, "Unit", c.Unit.Name, "Count", c.Tally.Recognised()))
			default:
				line(p.T("status.child_plain", "N", i+1, "Unit", c.Unit.Name, "Count", c.Tally.Recognised()))
			}
		}
		if more := len(st.Children) - statusChildren; more > 0 {
			line(p.N("status.more_units", more))
		}
	}
	if st.Communes > 0 {
		line("")
		if len(st.Empty) == 0 {
			line(p.T("status.empty_none"))
		} else {
			names := make([]string, 0, statusEmpty)
			for _, u := range st.Empty[:min(len(st.Empty), statusEmpty)] {
				names = append(names, u.Name)
			}
			if more := len(st.Empty) - statusEmpty; more > 0 {
				names = append(names, p.N("status.and_more", more))
			}
			line(p.N("status.empty", len(st.Empty), "Communes", st.Communes, "Names", strings.Join(names, ", ")))
		}
	}
	line("")
	if st.Tally.Expiring == 0 {
		line(p.T("status.expiring_none"))
	} else {
		line(p.N("status.expiring", st.Tally.Expiring))
		for _, x := range expiring {
			commune := ""
			if c, ok := e.atlas.Unit(x.UnitID); ok {
				commune = c.Name
			}
			line(p.T("status.expiring_item", "Product", x.Product, "Stars", x.Certificate.Stars, "Unit", commune,
				"Date", dates.Format(x.Certificate.ValidUntil)))
		}
	}
	if r := renewalStatus(p, renewals); r != "" {
		line(r)
	}
	line(p.N("status.pending", pending))

	var rows [][]Button
	var row []Button
	for _, c := range st.Children[:min(len(st.Children), statusDrillDown)] {
		row = append(row, Button{Label: c.Unit.Name, Data: globalData("st", strconv.FormatInt(c.Unit.ID, 10), dates.Compact(day))})
		if len(row) == 2 {
			rows, row = append(rows, row), nil
		}
	}
	if row != nil {
		rows = append(rows, row)
	}
	arg := []string{strconv.FormatInt(id, 10), dates.Compact(day)}
	if len(st.Children) > 0 {
		rows = append(rows, []Button{
			{Label: p.T("button.chart"), Data: globalData("ch", arg...)},
			{Label: p.T("button.excel"), Data: globalData("xl", arg...)},
		})
	} else {
		rows = append(rows, []Button{{Label: p.T("button.excel"), Data: globalData("xl", arg...)}})
	}
	sayLong(t, b.String(), rows)
	return nil
}

// targetName says what a target asks, for a level of it.
func targetName(p locales.Printer, q ocop.Quota, level float64) string {
	return p.T("metric."+string(q.Metric), "Min", number(p, level))
}

// targetLine says whether a unit meets a target and what it lacks.
func targetLine(p locales.Printer, tg ocop.Target) string {
	q := tg.Quota
	value := number(p, tg.Value)
	levels := []struct {
		level float64
		met   bool
		gap   int
		key   string
	}{
		{q.Minimum, tg.Met, tg.Gap, "status.target"},
		{q.Encouraged, tg.EncouragedMet, tg.EncouragedGap, "status.encouraged"},
	}
	var lines []string
	for _, l := range levels {
		switch {
		case l.level <= 0:
		case l.met:
			lines = append(lines, p.T(l.key+"_met", "Target", targetName(p, q, l.level), "Value", value))
		default:
			lines = append(lines, p.T(l.key+"_gap", "Target", targetName(p, q, l.level), "Value", value,
				"Gap", p.N("gap."+string(q.Metric), l.gap)))
		}
	}
	return strings.Join(lines, "\n")
}

// number prints 2 as "2" and 2.25 as "2,3" (vi) or "2.3" (en).
func number(p locales.Printer, v float64) string {
	if v == float64(int(v)) {
		return strconv.Itoa(int(v))
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if p.Lang == "vi" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// kindsLabel names unit kinds: "quận, thành phố".
func kindsLabel(p locales.Printer, kinds []string) string {
	if len(kinds) == 0 {
		return p.T("unitkind.any")
	}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = p.T("unitkind." + strings.ReplaceAll(k, " ", "_"))
	}
	s := strings.Join(names, ", ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// sendChart sends the bar chart of a unit's children against their target.
func (e *Engine) sendChart(t *turn, id int64, day time.Time) error {
	d, err := e.measure(t, id, day)
	if err != nil {
		return err
	}
	if len(d.Status.Children) == 0 {
		t.say(Reply{Text: t.p.T("status.no_chart")})
		return nil
	}
	png, err := report.Chart(d, t.p)
	if err != nil {
		return fmt.Errorf("draw chart: %w", err)
	}
	t.say(Reply{Text: t.p.T("status.chart_caption", "Unit", statusUnitName(t.p, d.Status), "Date", dates.Format(day)),
		Photo: &Upload{Name: "bieu-do.png", Data: png}})
	return nil
}

// sendWorkbook sends the XLSX workbook of a unit: a summary and one row per
// certified product.
func (e *Engine) sendWorkbook(t *turn, id int64, day time.Time) error {
	d, err := e.measure(t, id, day)
	if err != nil {
		return err
	}
	d.Products, err = e.records.CertifiedProducts(t.ctx, day, d.Sources)
	if err != nil {
		return err
	}
	d.Groups = e.groups
	xlsx, err := report.Workbook(d, t.p)
	if err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	name := "ocop-" + vntext.Slug(statusUnitName(t.p, d.Status)) + "-" + day.Format("2006-01-02") + ".xlsx"
	t.say(Reply{Text: t.p.T("status.excel_caption", "Unit", statusUnitName(t.p, d.Status), "Date", dates.Format(day), "Products", len(d.Products)),
		Document: &Upload{Name: name, Data: xlsx}})
	return nil
}

func statusUnitName(p locales.Printer, st ocop.Status) string {
	if st.Unit.ID == 0 {
		return p.T("status.country")
	}
	return st.Unit.Name
}
