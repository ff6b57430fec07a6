package flows

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/report"
	"github.com/ocopbot/ocopbot/flows/vntext"
	"github.com/ocopbot/ocopbot/locales"

	"golang.org/x/sync/errgroup"
)

// What a status is made of (counts by commune, targets, quotas) and its
// forms besides the message: the chart and the workbook.

// expiringListed is how many of the products ending soonest a status
// keeps: the digest lists 10, the chat the first 5.
const expiringListed = 10

// measure builds the status model of a scope on a day: every number and
// list that a surface shows of it — the chat text and its buttons, the
// chart, the workbook, the claim links, the weekly digest — is read from
// this one value and never counted again. Its reads are independent and
// run at once: the slowest, not their sum, is what the official waits for.
func (e *Engine) measure(ctx context.Context, p locales.Printer, sc scoped) (report.Data, error) {
	id, day, tree := sc.id, sc.day, sc.tree
	ix, sources := tree.Units, e.atlas.Sources(tree, id)
	if id < 0 {
		d, _ := e.atlas.Unit(-id)
		areaIx, communes := e.areaIndex(p, tree, d)
		ix = areaIx
		sources = []int64{} // not nil, which means every commune
		for _, c := range communes {
			sources = append(sources, e.atlas.Sources(tree, c.ID)...)
		}
	}
	d := report.Data{Sources: sources, Until: day.Add(expiringWindow), Atlas: e.atlas}
	var (
		tallies []ocop.CommuneTally
		all     []ocop.Quota
		// What the country's reads of every record take in from communes
		// no unit of tree holds: taken out again below (see unplacedOf).
		outPending int
		outLinks   ocop.LinkTally
		outRenew   ocop.RenewalTally
	)
	unplaced := e.unplacedOf(sc)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		tallies, err = e.records.CommuneTallies(gctx, day, d.Until, sources)
		return err
	})
	g.Go(func() (err error) {
		all, err = e.records.Quotas(gctx)
		return err
	})
	g.Go(func() (err error) {
		d.Expiring, err = e.records.ExpiringProducts(gctx, day, d.Until, sources, expiringListed)
		return err
	})
	g.Go(func() (err error) {
		d.Pending, err = e.records.PendingRegistrations(gctx, e.asOf(day), sources)
		return err
	})
	g.Go(func() (err error) {
		d.Renewals, err = e.records.RenewalTally(gctx, day, sources)
		return err
	})
	g.Go(func() (err error) {
		d.Links, err = e.records.LinkTally(gctx, e.asOf(day), sources)
		return err
	})
	if len(unplaced) > 0 {
		out := slices.Collect(maps.Keys(unplaced))
		g.Go(func() (err error) {
			outPending, err = e.records.PendingRegistrations(gctx, e.asOf(day), out)
			return err
		})
		g.Go(func() (err error) {
			outRenew, err = e.records.RenewalTally(gctx, day, out)
			return err
		})
		g.Go(func() (err error) {
			outLinks, err = e.records.LinkTally(gctx, e.asOf(day), out)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return report.Data{}, err
	}
	if len(unplaced) > 0 {
		d.Pending -= outPending
		d.Links.Linked, d.Links.Unlinked = d.Links.Linked-outLinks.Linked, d.Links.Unlinked-outLinks.Unlinked
		r := &d.Renewals
		r.Reevaluate, r.Upgrade, r.Lapse = r.Reevaluate-outRenew.Reevaluate, r.Upgrade-outRenew.Upgrade, r.Lapse-outRenew.Lapse
		r.Unanswered, r.Unreachable = r.Unanswered-outRenew.Unanswered, r.Unreachable-outRenew.Unreachable
		// The soonest ending, of the products counted: read again past
		// those left out when one of them was among the first.
		left := 0
		for _, ct := range tallies {
			if unplaced[ct.UnitID] {
				left += ct.Tally.Expiring
			}
		}
		if slices.ContainsFunc(d.Expiring, func(x ocop.CertifiedProduct) bool { return unplaced[x.UnitID] }) {
			list, err := e.records.ExpiringProducts(ctx, day, d.Until, sources, expiringListed+left)
			if err != nil {
				return report.Data{}, err
			}
			list = slices.DeleteFunc(list, func(x ocop.CertifiedProduct) bool { return unplaced[x.UnitID] })
			d.Expiring = list[:min(len(list), expiringListed)]
		}
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
	// A rule applies only to the units of the tree in force when it starts:
	// a code of one tree may name another unit in the next.
	var quotas []ocop.Quota
	for _, q := range all {
		if e.atlas.At(q.From).From.Equal(tree.From) {
			quotas = append(quotas, q)
		}
	}
	d.Status = ocop.BuildStatus(ix, id, counts, quotas, day)
	return d, nil
}

// unplacedOf is the communes whose records a report of sc must leave out
// although it reads them: the country reads every record (its sources are
// nil, so that it is one pass over the tables), and those of communes that
// no commune of sc's tree took in (units.Atlas.Unplaced: on the days
// before 1/7/2025, producers since moved to an island special zone such
// as Đặc khu Côn Đảo) are in none of its units. Left in, the country would
// count producers and registrations that none of its provinces counts,
// and list products its own count leaves out. Any other scope reads only
// its own communes: nil.
func (e *Engine) unplacedOf(sc scoped) map[int64]bool {
	if sc.id != 0 {
		return nil
	}
	ids := e.atlas.Unplaced(sc.tree)
	if len(ids) == 0 {
		return nil
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out
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
		case l.key == "status.encouraged":
			// Encouragement, never a shortfall: no "còn thiếu".
			lines = append(lines, p.T(l.key+"_gap", "Target", targetName(p, q, l.level), "Value", value))
		default:
			lines = append(lines, p.T(l.key+"_gap", "Target", targetName(p, q, l.level), "Value", value,
				"Gap", p.N("gap."+string(q.Metric), l.gap)))
		}
	}
	return strings.Join(lines, "\n")
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
func (e *Engine) sendChart(t *turn, sc scoped) error {
	day := sc.day
	d, err := e.measure(t.ctx, t.p, sc)
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
func (e *Engine) sendWorkbook(t *turn, sc scoped) error {
	day := sc.day
	d, err := e.measure(t.ctx, t.p, sc)
	if err != nil {
		return err
	}
	d.Products, err = e.records.CertifiedProducts(t.ctx, day, d.Sources)
	if err != nil {
		return err
	}
	d.Groups = e.groups
	if d.Unlinked, err = e.records.UnlinkedProducers(t.ctx, e.asOf(day), d.Sources); err != nil {
		return err
	}
	// The sheets list what the summary counts.
	if out := e.unplacedOf(sc); out != nil {
		d.Products = slices.DeleteFunc(d.Products, func(x ocop.CertifiedProduct) bool { return out[x.UnitID] })
		d.Unlinked = slices.DeleteFunc(d.Unlinked, func(u ocop.UnlinkedProducer) bool { return out[u.UnitID] })
	}
	if d.Unlinked == nil {
		d.Unlinked = []ocop.UnlinkedProducer{}
	}
	xlsx, err := report.Workbook(d, t.p)
	if err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	if err := e.recordExport(t, ocop.ExportStatusWorkbook, sc, len(d.Unlinked), len(d.Products)); err != nil {
		return err
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

// DigestExpiring is what the weekly digest of off says on day of the
// certificates ending within 90 days: the status model's count of
// expiring products and its soonest of them, for each unit /status offers
// off on that day (the country for an administrator), added up; at most
// limit (up to 10) of them listed. The
// digest counts nothing itself: an official reading it beside /status sees
// the same numbers.
func (e *Engine) DigestExpiring(ctx context.Context, off ocop.Official, day time.Time, limit int) (int, []ocop.CertificateItem, error) {
	var ids []int64
	if off.Role == ocop.RoleAdmin {
		ids = []int64{0}
	}
	for _, u := range ocop.Roots(e.atlas, off, e.atlas.At(day)) {
		ids = append(ids, u.ID)
	}
	p := e.text.Printer(locales.Default)
	count := 0
	var soonest []ocop.CertifiedProduct
	for _, id := range ids {
		sc, ok := e.resolveScope(off, id, day)
		if !ok {
			continue
		}
		d, err := e.measure(ctx, p, sc)
		if err != nil {
			return 0, nil, err
		}
		count += d.Status.Tally.Expiring
		soonest = append(soonest, d.Expiring...)
	}
	slices.SortStableFunc(soonest, func(a, b ocop.CertifiedProduct) int {
		return cmp.Or(a.Certificate.ValidUntil.Compare(b.Certificate.ValidUntil), cmp.Compare(a.Product, b.Product))
	})
	items := make([]ocop.CertificateItem, 0, limit)
	for _, x := range soonest[:min(len(soonest), limit)] {
		items = append(items, ocop.CertificateItem{Product: x.Product, Producer: x.Producer,
			Stars: x.Certificate.Stars, ValidUntil: x.Certificate.ValidUntil})
	}
	return count, items, nil
}
