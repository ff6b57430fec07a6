package flows

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/locales"
)

// StatusRecords are what /status reads.
type StatusRecords interface {
	Quotas(ctx context.Context) ([]ocop.Quota, error)
	CommuneTallies(ctx context.Context, day, until time.Time, communes []int64) ([]ocop.CommuneTally, error)
	ExpiringProducts(ctx context.Context, day, until time.Time, communes []int64, limit int) ([]ocop.CertifiedProduct, error)
	// PendingRegistrations counts the registrations waiting on day; the
	// zero day is now (see asOf).
	PendingRegistrations(ctx context.Context, day time.Time, communes []int64) (int, error)
	CertifiedProducts(ctx context.Context, day time.Time, communes []int64) ([]ocop.CertifiedProduct, error)
	RenewalTally(ctx context.Context, day time.Time, communes []int64) (ocop.RenewalTally, error)
}

// asOf is the day to read records stamped as they happened (a
// registration's submission, a producer's link) as of, for the report of
// day: the zero day (as things stand now) for today's or a later day's,
// so that what was recorded a moment ago counts even when the database's
// clock is ahead of ours; else day, read as it stood at its end.
func (e *Engine) asOf(day time.Time) time.Time {
	if day.Before(e.today()) {
		return day
	}
	return time.Time{}
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
	show := func(id int64) error {
		sc, ok, err := e.inScope(t, off, "st", id, day)
		if !ok || err != nil {
			return err
		}
		return e.showStatus(t, off, sc)
	}
	if name == "" {
		roots := ocop.Roots(e.atlas, off, tree)
		switch {
		case off.Role == ocop.RoleAdmin:
			return show(0)
		case len(roots) == 1:
			return show(roots[0].ID)
		case len(roots) == 0:
			t.say(Reply{Text: t.p.T("status.no_unit_then", "Date", dates.Format(day))})
			return nil
		}
		return e.chooseUnit(t, roots, "st", day)
	}
	switch areas := e.findAreas(off, tree, name); len(areas) {
	case 0:
	case 1:
		return show(-areas[0].ID)
	default:
		return e.chooseAreas(t, areas, day)
	}
	found, err := e.findInScope(t, off, tree, name, "st", day)
	switch len(found) {
	case 0:
		return err
	case 1:
		return show(found[0].ID)
	default:
		return e.chooseUnit(t, found, "st", day)
	}
}

// statusButton handles the status buttons: drill down ("st"), chart ("ch"),
// workbook ("xl") and claim links ("lk"), each "<unit>|<yyyymmdd>". The
// unit is resolved against the official's scope in the tree of that day
// before anything is read: buttons can be forged.
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
	sc, ok, err := e.inScope(t, off, action, id, day)
	if !ok || err != nil {
		return err
	}
	t.res.Closes = 0 // the status above stays usable
	switch action {
	case "st":
		return e.showStatus(t, off, sc)
	case "ch":
		return e.sendChart(t, sc)
	case "xl":
		return e.sendWorkbook(t, sc)
	case "lk":
		return e.sendClaimLinks(t, off, sc)
	}
	return e.oldButton(t)
}

// showStatus sends the status of a unit on a day.
func (e *Engine) showStatus(t *turn, off ocop.Official, sc scoped) error {
	id, day := sc.id, sc.day
	d, err := e.measure(t.ctx, t.p, sc)
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
		if st.Gap > 0 && len(st.Targets) > 1 {
			line(p.T("status.total_gap", "Count", st.Gap))
		}
	}
	if len(st.Targets) == 0 && len(st.Rules) == 0 {
		line("")
		line(p.T("status.no_target", "Date", dates.Format(day)))
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
			line(childLine(p, i+1, c))
		}
		if more := len(st.Children) - statusChildren; more > 0 {
			line(p.N("status.more_units", more))
		}
	}
	if st.Communes > 0 {
		line("")
		// A single commune-level unit is named, not counted: a commune
		// official's own.
		switch {
		case st.Communes == 1 && len(st.Empty) == 1:
			line(p.T("status.empty_one", "Unit", st.Empty[0].Name))
		case st.Communes == 1 && st.Unit.Level == 3:
			line(p.T("status.empty_none_one", "Unit", st.Unit.Name))
		case len(st.Empty) == 0:
			line(p.T("status.empty_none"))
		default:
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
		for _, x := range d.Expiring[:min(len(d.Expiring), statusExpiring)] {
			line(p.T("status.expiring_item", "Product", x.Product, "Stars", x.Certificate.Stars, "Unit", e.unitNameOn(p, x.UnitID, day),
				"End", certEnd(p, x.Certificate.ValidUntil, day)))
		}
	}
	if r := renewalStatus(p, d.Renewals); r != "" {
		line(r)
	}
	line(p.N("status.pending", d.Pending))
	line(p.T("status.linked", "Linked", d.Links.Linked, "Unlinked", d.Links.Unlinked))

	var rows [][]Choice
	var row []Choice
	for _, c := range st.Children[:min(len(st.Children), statusDrillDown)] {
		row = append(row, Choice{Label: c.Unit.Name, ID: globalData("st", idArg(c.Unit.ID), dates.Compact(day))})
		if len(row) == 2 {
			rows, row = append(rows, row), nil
		}
	}
	if row != nil {
		rows = append(rows, row)
	}
	arg := []string{idArg(id), dates.Compact(day)}
	if len(st.Children) > 0 {
		rows = append(rows, []Choice{
			{Label: p.T("button.chart"), ID: globalData("ch", arg...)},
			{Label: p.T("button.excel"), ID: globalData("xl", arg...)},
		})
	} else {
		rows = append(rows, []Choice{{Label: p.T("button.excel"), ID: globalData("xl", arg...)}})
	}
	if d.Links.Unlinked > 0 && mayPrintLinks(off, st) {
		rows = append(rows, []Choice{{Label: p.T("button.claim_links"), ID: globalData("lk", arg...)}})
	}
	sayLong(t, b.String(), rows)
	return nil
}

// childLine says where a child unit stands: what it lacks of its minimums,
// or that it meets them, or (never as a shortfall) the encouraged level it
// has not reached. It reads the numbers ocop.BuildStatus computed.
func childLine(p locales.Printer, n int, c ocop.UnitResult) string {
	args := []any{"N", n, "Unit", c.Unit.Name, "Count", c.Tally.Recognised()}
	switch {
	case c.Gap > 0:
		return p.T("status.child_gap", append(args, "Gap", c.Gap)...)
	case c.EncouragedGap > 0 && c.HasEncouraged():
		return p.T("status.child_encouraged", append(args, "Encouraged", c.Encouraged)...)
	case len(c.Targets) > 0:
		return p.T("status.child", args...)
	}
	return p.T("status.child_plain", args...)
}
