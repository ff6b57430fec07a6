package flows_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/report"
	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/locales"
)

// The status oracle (issue 24): a random dataset — both unit trees and the
// merges between them, quotas with periods, registry imports with
// supersessions and certificates spanning 1/7/2025, council results,
// revocations, claims — is measured on random days (and on 30/6, 1/7 and
// 6/7/2025 and today) for the country, provinces, districts or former
// districts' areas, and communes, and every number is checked three ways:
// the status model (what measure builds, which reads the summary table
// product_spans) equals a recount written here from the tables themselves
// (certificates, products, producers, registrations, quotas: never
// product_spans) with its own quota arithmetic; and every surface an
// official reads — the chat text, the workbook, the chart, the weekly
// digest's expiring count — says what the model says. Then the data is
// written to again (certificates added and revoked, producers moved by a
// registry import and by hand, a product handed to another producer, new
// claims and quotas) and everything is checked again: that is what shows
// the summary table is kept right by its triggers.
//
// go test -run TestStatusOracle ./flows/ -oracle.seed=N repeats a run.

var (
	oracleSeed = flag.Uint64("oracle.seed", 0, "seed of TestStatusOracle's dataset and days (0: from the clock)")
	// The dataset's days run up to today: a seed alone replays a failure
	// only with the moment it ran at.
	oracleNow = flag.String("oracle.now", "", "the moment TestStatusOracle runs at, RFC 3339 (empty: now)")
)

// oracleReform is the day the two-level tree came into force (Nghị quyết
// 202/2025/QH15), written here rather than read from the atlas: a rule
// counts on a day only when that day and the rule's first day fall on the
// same side of it.
var oracleReform = ymd(2025, 7, 1)

func ymd(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// The provinces the dataset lives in: Ho Chi Minh City, which took in Bình
// Dương and Bà Rịa – Vũng Tàu; Cà Mau, which took in Bạc Liêu; Lai Châu,
// merged with no other. Today's tree is loaded for these only, to keep the
// test quick; the three-level tree is the whole country's.
var (
	oracleOldProvinces = []string{"79", "74", "77", "96", "95", "12"}
	oracleNewProvinces = []string{"79", "96", "12"}
)

func TestStatusOracle(t *testing.T) {
	t.Parallel()
	seed := *oracleSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	var o *oracle
	t.Cleanup(func() {
		if t.Failed() && o != nil {
			t.Logf("seed %d: go test -run TestStatusOracle ./flows/ -oracle.seed=%d -oracle.now=%s", seed, seed, o.now.Format(time.RFC3339Nano))
		}
	})
	o = newOracle(t, seed)
	o.quotas(12)
	o.registry(45)
	o.chatProducers(18)
	o.revocations()
	o.claims()
	o.checkAll("after the first writes")

	o.laterWrites()
	o.checkAll("after the later writes")
}

// oracle is the test's dataset and what it checks with.
type oracle struct {
	t        *testing.T
	ctx      context.Context
	rng      *rand.Rand
	f        fixture
	atlas    *units.Atlas
	e        *flows.Engine
	p        locales.Printer
	now      time.Time
	today    time.Time
	old, new *units.Tree

	admin    *flows.Chat
	adminOff ocop.Official

	oldCommunes, newCommunes []units.Unit // of the dataset's provinces
	hot                      []units.Unit // former districts most producers are in
	hotOld, hotNew           []units.Unit // their communes in each tree

	seq       int              // tax codes, decision numbers, names
	regs      []*regProducer   // producers of the registry imports
	chatUsers []int64          // the users who registered producers in the chat
	regByTax  map[string]int64 // producer IDs by tax code
	nextUser  int64
	errors    int
	quotaRows int
}

type regProducer struct {
	tax, name string
	start     time.Time
	oldHome   units.Unit // its commune before 1/7/2025 (zero: it started after)
	newHome   units.Unit // its commune from 1/7/2025
	products  []string
	claimed   bool
}

func newOracle(t *testing.T, seed uint64) *oracle {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t)
	if _, err := f.store.LoadEmbeddedUnits(ctx, oracleNewProvinces...); err != nil {
		t.Fatal(err)
	}
	atlas, err := f.store.Atlas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	trees := atlas.Trees()
	if len(trees) != 2 || !trees[1].From.Equal(oracleReform) {
		t.Fatalf("want the two trees, the second from 1/7/2025; have %d", len(trees))
	}
	now := time.Now()
	if *oracleNow != "" {
		var err error
		if now, err = time.Parse(time.RFC3339Nano, *oracleNow); err != nil {
			t.Fatalf("-oracle.now: %v", err)
		}
	}
	o := &oracle{t: t, ctx: ctx, rng: rand.New(rand.NewPCG(seed, 24)), f: f, atlas: atlas, p: f.text.Printer("vi"),
		now: now, today: dates.LocalDay(now), old: &trees[0], new: &trees[1], regByTax: map[string]int64{}, nextUser: 70000}
	o.e = flows.New(flows.Config{Records: f.store, Atlas: atlas, Groups: f.groups, Text: f.text, Log: f.log,
		Now: func() time.Time { return now }})

	const admin = 9999
	code, err := f.store.CreateInvite(ctx, 0, ocop.RoleAdmin, 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if o.adminOff, err = f.store.RedeemInvite(ctx, code, admin, admin); err != nil {
		t.Fatal(err)
	}
	o.admin = &flows.Chat{ID: admin, UserID: admin, Locale: "vi"}

	var districts []units.Unit
	for _, code := range oracleOldProvinces {
		p, ok := o.old.Units.ByCode(code, 1)
		if !ok {
			t.Fatalf("no province %s in the three-level tree", code)
		}
		o.oldCommunes = append(o.oldCommunes, units.Communes(o.old.Units, p.ID)...)
		districts = append(districts, o.old.Units.Children(p.ID)...)
	}
	for _, code := range oracleNewProvinces {
		p, ok := o.new.Units.ByCode(code, 1)
		if !ok {
			t.Fatalf("no province %s in the two-level tree", code)
		}
		o.newCommunes = append(o.newCommunes, units.Communes(o.new.Units, p.ID)...)
	}
	// Most producers crowd into a few former districts, so that their
	// rules are met, missed and met again as the data changes.
	for _, i := range o.rng.Perm(len(districts))[:4] {
		d := districts[i]
		o.hot = append(o.hot, d)
		o.hotOld = append(o.hotOld, units.Communes(o.old.Units, d.ID)...)
		o.hotNew = append(o.hotNew, o.atlas.Area(o.new, d.ID)...)
	}
	return o
}

// --- the dataset -----------------------------------------------------------

// between is a day from a to b (both included; a when b is before a).
func (o *oracle) between(a, b time.Time) time.Time {
	n := int(b.Sub(a).Hours() / 24)
	if n <= 0 {
		return a
	}
	return a.AddDate(0, 0, o.rng.IntN(n+1))
}

// at is a moment of day in Vietnam, when something was recorded that day:
// often just after midnight or just before the next, when the day in UTC
// is another.
func (o *oracle) at(day time.Time) time.Time {
	hm := [][2]int{{0, 5}, {6, 59}, {9, 0}, {16, 30}, {23, 55}}[o.rng.IntN(5)]
	return time.Date(day.Year(), day.Month(), day.Day(), hm[0], hm[1], 0, 0, dates.Vietnam)
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (o *oracle) pick(list []units.Unit) units.Unit { return list[o.rng.IntN(len(list))] }

// commune picks a commune of the tree in force on day: mostly in the busy
// districts.
func (o *oracle) commune(day time.Time) units.Unit {
	hot, all := o.hotOld, o.oldCommunes
	if !day.Before(oracleReform) {
		hot, all = o.hotNew, o.newCommunes
	}
	if len(hot) > 0 && o.rng.IntN(10) < 7 {
		return o.pick(hot)
	}
	return o.pick(all)
}

// taxCode makes a new valid mã số thuế: nine digits and their check digit.
func (o *oracle) taxCode() string {
	for {
		o.seq++
		d := fmt.Sprintf("03%07d", o.seq)
		sum := 0
		for i, w := range [9]int{31, 29, 23, 19, 17, 13, 7, 5, 3} {
			sum += int(d[i]-'0') * w
		}
		if c := 10 - sum%11; c < 10 {
			return d + strconv.Itoa(c)
		}
	}
}

func (o *oracle) decisionNo() string {
	o.seq++
	return strconv.Itoa(o.seq) + "/QĐ-UBND"
}

func (o *oracle) exec(sql string, args ...any) {
	o.t.Helper()
	if _, err := o.f.store.Pool().Exec(o.ctx, sql, args...); err != nil {
		o.t.Fatalf("%s: %v", strings.Fields(sql)[0], err)
	}
}

// quotas imports a quota file of n random rules, as a province official
// would send it: on provinces of each tree (on the units below them of
// some kinds, or on the province itself), on districts before the reform,
// on former districts' areas after it, on communes; every metric, levels
// with halves, encouraged levels, periods open or closed, some running
// past 1/7/2025 (they count on the older tree's days only).
func (o *oracle) quotas(n int) {
	o.t.Helper()
	var b strings.Builder
	b.WriteString(ocop.QuotaHeader + "\n")
	seen := map[string]bool{}
	lastOld := oracleReform.AddDate(0, 0, -1)
	for len(seen) < n {
		metric := ocop.Metrics[o.rng.IntN(len(ocop.Metrics))]
		var code, applies, kinds string
		level := 1
		from := o.between(ymd(2022, 1, 1), ymd(2025, 6, 1))
		newTree := o.rng.IntN(2) == 0
		if newTree {
			from = o.between(oracleReform, o.today)
		}
		switch k := o.rng.IntN(10); {
		case k < 4: // a province's rule on the units below it
			code, applies = oracleOldProvinces[o.rng.IntN(len(oracleOldProvinces))], "below"
			pool := []string{"Huyện", "Quận", "Thị xã", "Thành phố", "Phường", "Xã", "Thị trấn"}
			if newTree {
				code = oracleNewProvinces[o.rng.IntN(len(oracleNewProvinces))]
				pool = []string{"Phường", "Xã", "Đặc khu"}
			}
			var ks []string
			for _, i := range o.rng.Perm(len(pool))[:o.rng.IntN(3)] {
				ks = append(ks, pool[i])
			}
			kinds = strings.Join(ks, "|")
		case k < 5: // a province's own rule
			code, applies = oracleNewProvinces[o.rng.IntN(len(oracleNewProvinces))], "self"
		case k < 8: // a district before the reform, its area after
			d := o.pick(o.hot)
			code, level, applies = d.Code, 2, []string{"self", "below"}[o.rng.IntN(2)]
		default: // a commune
			c := o.pick(o.hotOld)
			if newTree {
				c = o.pick(o.hotNew)
			}
			code, level, applies = c.Code, 3, "self"
		}
		var minimum, encouraged string
		levels := []string{"0", "1", "2", "3", "0.5", "1.5", "5"}
		minimum = levels[o.rng.IntN(len(levels))]
		if minimum == "0" || o.rng.IntN(2) == 0 {
			m, _ := strconv.ParseFloat(minimum, 64)
			encouraged = strconv.FormatFloat(m+[]float64{0.5, 1, 2}[o.rng.IntN(3)], 'f', -1, 64)
		}
		to := ""
		switch o.rng.IntN(3) {
		case 0:
			// open: an older tree's rule then runs on past the reform
		case 1:
			to = o.between(from, from.AddDate(2, 0, 0)).Format(time.DateOnly)
		default:
			if !newTree {
				to = lastOld.Format(time.DateOnly)
			}
		}
		key := fmt.Sprint(code, level, applies, kinds, metric, from)
		if seen[key] {
			continue
		}
		seen[key] = true
		o.quotaRows++
		fmt.Fprintf(&b, "%s,%d,%s,%s,%s,%s,%s,%s,%s,Quy tắc thử %d\n", code, level, applies, kinds, metric, minimum, encouraged,
			from.Format(time.DateOnly), to, o.quotaRows)
	}
	qi := flows.QuotaImport{Records: o.f.store, Importer: flows.Importer{Atlas: o.atlas, Now: func() time.Time { return o.now }}}
	rep, err := qi.Run(o.ctx, o.adminOff, "chi-tieu.csv", []byte(b.String()), o.p)
	if err != nil || len(rep.Errors) > 0 {
		o.t.Fatalf("quota import: %v %q\n%s", err, rep.Errors, b.String())
	}
}

// registryRow is a row of a registry file for producer r's product on
// day, its commune given by GSO codes in the tree of that day.
func (o *oracle) registryRow(r *regProducer, product string, stars int, day time.Time) string {
	home := r.newHome
	if day.Before(oracleReform) {
		home = r.oldHome
	}
	tree := o.new
	if day.Before(oracleReform) {
		tree = o.old
	}
	var province, district string
	for u, ok := tree.Units.Get(home.ParentID); ok; u, ok = tree.Units.Get(u.ParentID) {
		if u.Level == 2 {
			district = u.Code
		} else {
			province = u.Code
		}
	}
	return strings.Join([]string{province, district, home.Code, r.name, "HTX", r.tax, "", "", product, "1",
		strconv.Itoa(stars), "", o.decisionNo(), dates.Format(day), ""}, ",") + "\n"
}

// importRegistry imports rows as a province's registry file.
func (o *oracle) importRegistry(rows string) {
	o.t.Helper()
	ri := flows.RegistryImport{Records: o.f.store, Groups: o.f.groups, Importer: flows.Importer{Atlas: o.atlas, Now: func() time.Time { return o.now }}}
	file := registryHeader + rows
	rep, err := ri.Run(o.ctx, 0, nil, "so-bo.csv", []byte(file), o.p)
	if err != nil || len(rep.Errors) > 0 {
		o.t.Fatalf("registry import: %v %q\n%s", err, rep.Errors, file)
	}
	// A producer moved to another province has a twin there under the
	// same tax code (the registry keys producers by tax code within a
	// province): the map keeps one of them, the same one after every
	// import. Without an order it took whichever row the heap gave last,
	// which an update moves, and once in a while the test checked the
	// twin that was not moved.
	rs, err := o.f.store.Pool().Query(o.ctx, `SELECT tax_code, id FROM producers WHERE imported_at IS NOT NULL ORDER BY id`)
	if err != nil {
		o.t.Fatal(err)
	}
	var tax string
	var id int64
	if _, err := pgx.ForEachRow(rs, []any{&tax, &id}, func() error { o.regByTax[tax] = id; return nil }); err != nil {
		o.t.Fatal(err)
	}
}

// registry imports n producers of a province's registry: each with one or
// two products, each product decided one to three times (a newer decision
// supersedes the certificate in force), in its commune of the day's tree —
// a producer of before 1/7/2025 is in the commune its own merged into
// after it, or (sometimes) moved elsewhere. Each producer is recorded as
// imported on a random day.
func (o *oracle) registry(n int) {
	o.t.Helper()
	var rows strings.Builder
	// A producer of Bà Rịa – Vũng Tàu recognised before the reform whose
	// newer decision places it in Đặc khu Côn Đảo: a commune of today's
	// tree with no counterpart in the three-level tree (Huyện Côn Đảo had
	// no commune), so on the days before 1/7/2025 it is in no unit. Its
	// first certificate ends within 90 days of 30/6/2025: the country's
	// list of the soonest ending must leave it out as its count does.
	brvt, _ := o.old.Units.ByCode("77", 1)
	conDao, ok := o.new.Units.ByCode("26732", 3)
	if !ok {
		o.t.Fatal("no Đặc khu Côn Đảo in today's tree")
	}
	o.seq++
	island := &regProducer{tax: o.taxCode(), name: fmt.Sprintf("HTX Sổ bộ %d", o.seq), start: ymd(2025, 6, 30).AddDate(0, 0, 1+o.rng.IntN(85)).AddDate(-3, 0, 0),
		oldHome: o.pick(units.Communes(o.old.Units, brvt.ID)), newHome: conDao, products: []string{"Hải sản Côn Đảo"}}
	rows.WriteString(o.registryRow(island, island.products[0], 4, island.start))
	rows.WriteString(o.registryRow(island, island.products[0], 4, o.between(oracleReform, o.today)))
	o.regs = append(o.regs, island)
	for range n {
		o.seq++
		r := &regProducer{tax: o.taxCode(), name: fmt.Sprintf("HTX Sổ bộ %d", o.seq), start: o.between(ymd(2022, 1, 1), o.today.AddDate(0, 0, -30))}
		if r.start.Before(oracleReform) {
			r.oldHome = o.commune(r.start)
			if c, ok := o.atlas.CommuneIn(o.new, r.oldHome.ID); ok && o.rng.IntN(4) > 0 {
				r.newHome, _ = o.new.Units.Get(c)
			} else {
				r.newHome = o.commune(oracleReform)
			}
		} else {
			r.newHome = o.commune(r.start)
		}
		for k := range 1 + o.rng.IntN(2) {
			product := fmt.Sprintf("Đặc sản %d-%d", o.seq, k)
			r.products = append(r.products, product)
			day := earliest(r.start.AddDate(0, 0, o.rng.IntN(200)), o.today)
			decisions := 1 + o.rng.IntN(3)
			if r.oldHome.ID != 0 && o.rng.IntN(3) == 0 {
				// Decided 36 months, give or take, before a day checked:
				// its certificate ends within the 90 days /status looks
				// ahead, or just before them.
				anchors := []time.Time{ymd(2025, 6, 30), ymd(2025, 7, 6), o.today}
				ahead := o.rng.IntN(100) - 5
				if o.rng.IntN(2) == 0 {
					ahead = 89 + o.rng.IntN(3) // on the window's last day, or either side of it
				}
				day, decisions = anchors[o.rng.IntN(len(anchors))].AddDate(0, 0, ahead).AddDate(-3, 0, 0), 1
				if day.Before(ymd(2022, 1, 1)) || !day.Before(oracleReform) {
					day = r.start
				}
			}
			for range decisions {
				if day.After(o.today) {
					break
				}
				rows.WriteString(o.registryRow(r, product, 3+o.rng.IntN(3), day))
				day = day.AddDate(0, 0, 150+o.rng.IntN(750))
			}
		}
		o.regs = append(o.regs, r)
	}
	o.importRegistry(rows.String())
	for _, r := range o.regs {
		o.exec(`UPDATE producers SET imported_at = $2 WHERE tax_code = $1`, r.tax, o.at(o.between(ymd(2023, 1, 1), o.today)))
	}
}

// chatProducers registers n producers in the chat (each their own Telegram
// user), some with a second product, on random days in their commune of
// that day's tree; most registrations get a council result some months
// later (a score under 50 earns no certificate), some a second one that
// supersedes the first; the rest are still waiting.
func (o *oracle) chatProducers(n int) {
	o.t.Helper()
	for range n {
		o.nextUser++
		user := o.nextUser
		start := o.between(ymd(2022, 1, 1), o.today.AddDate(0, 0, -5))
		home := o.commune(start)
		var producer int64
		for k := range 1 + o.rng.IntN(2) {
			reg, err := o.f.store.SubmitRegistration(o.ctx, ocop.Submission{ActorID: user,
				Producer: ocop.Producer{ID: producer, OwnerUserID: user, ChatID: user, Kind: ocop.KindFarm, Name: fmt.Sprintf("Trang trại %d", user),
					Representative: "Lê Văn Tư", Phone: "0912345678", TaxCode: o.taxCode(), UnitID: home.ID},
				Product: ocop.Product{Name: fmt.Sprintf("Nông sản %d-%d", user, k), SubgroupCode: "1.1", Description: "Sản phẩm thử", TargetStars: 3}})
			if err != nil {
				o.t.Fatal(err)
			}
			producer = reg.ProducerID
			submitted := o.between(start, earliest(start.AddDate(0, 0, 20), o.today))
			o.exec(`UPDATE registrations SET submitted_at = $2 WHERE id = $1`, reg.ID, o.at(submitted))
			decided := submitted.AddDate(0, 0, 20+o.rng.IntN(380))
			for o.rng.IntN(3) > 0 && !decided.After(o.today) {
				score := float64(40 + o.rng.IntN(60))
				stars, _ := ocop.StarsFromScore(score)
				if _, err := o.f.store.RecordResults(o.ctx, []ocop.Result{{RegistrationID: reg.ID, ProductID: reg.ProductID, Code: reg.Code,
					Score: score, Stars: stars, DecisionNo: o.decisionNo(), DecisionDate: decided}}); err != nil {
					o.t.Fatal(err)
				}
				decided = decided.AddDate(0, 0, 300+o.rng.IntN(600))
			}
		}
		o.exec(`UPDATE producers SET created_at = $2 WHERE id = $1`, producer, o.at(start))
		o.chatUsers = append(o.chatUsers, user)
	}
}

// revocations ends some certificates early: registry ones by hand (an
// UPDATE, as an operator's correction would be), the chat's through
// RevokeCertificate; and records a few more through AddCertificate,
// overlapping those in force (the best stars count, and the latest end),
// one of them revoked from the start.
func (o *oracle) revocations() {
	o.t.Helper()
	type cert struct {
		id, product   int64
		decided, ends time.Time
	}
	rs, err := o.f.store.Pool().Query(o.ctx, `SELECT id, product_id, decision_date, valid_until FROM certificates WHERE revoked_on IS NULL ORDER BY id`)
	if err != nil {
		o.t.Fatal(err)
	}
	var certs []cert
	var c cert
	if _, err := pgx.ForEachRow(rs, []any{&c.id, &c.product, &c.decided, &c.ends}, func() error { certs = append(certs, c); return nil }); err != nil {
		o.t.Fatal(err)
	}
	if len(certs) == 0 {
		o.t.Fatal("the dataset has no certificate")
	}
	for _, i := range o.rng.Perm(len(certs))[:max(1, len(certs)/8)] {
		c := certs[i]
		o.exec(`UPDATE certificates SET revoked_on = $2 WHERE id = $1`, c.id, o.between(c.decided.AddDate(0, 0, 1), c.ends.AddDate(0, 0, -1)))
	}
	for k := range 6 {
		c := certs[o.rng.IntN(len(certs))]
		cert := ocop.Certificate{ProductID: c.product, Stars: 3 + o.rng.IntN(3), DecisionNo: o.decisionNo(),
			DecisionDate: o.between(c.decided, earliest(c.decided.AddDate(1, 0, 0), o.today))}
		if k == 0 {
			cert.RevokedOn = o.between(cert.DecisionDate.AddDate(0, 0, 1), cert.DecisionDate.AddDate(1, 0, 0))
		}
		if _, err := o.f.store.AddCertificate(o.ctx, cert, 0); err != nil {
			o.t.Fatal(err)
		}
	}
	o.revokeChat(2)
}

// revokeChat revokes, through the store, n certificates of the chat's
// products that are in force on a random day.
func (o *oracle) revokeChat(n int) {
	o.t.Helper()
	rs, err := o.f.store.Pool().Query(o.ctx, `
SELECT r.code, c.decision_date, c.valid_until FROM certificates c JOIN registrations r ON r.product_id = c.product_id
WHERE c.revoked_on IS NULL ORDER BY c.id`)
	if err != nil {
		o.t.Fatal(err)
	}
	type cert struct {
		code          string
		decided, ends time.Time
	}
	var certs []cert
	var c cert
	if _, err := pgx.ForEachRow(rs, []any{&c.code, &c.decided, &c.ends}, func() error { certs = append(certs, c); return nil }); err != nil {
		o.t.Fatal(err)
	}
	// One certificate a product: revoking it ends every certificate of
	// the product in force that day.
	done := map[string]bool{}
	for _, i := range o.rng.Perm(len(certs)) {
		c := certs[i]
		if len(done) == n || done[c.code] {
			continue
		}
		done[c.code] = true
		on := o.between(c.decided.AddDate(0, 0, 1), c.ends.AddDate(0, 0, -1))
		if err := o.f.store.RevokeCertificate(o.ctx, c.code, on, "Vi phạm cam kết", o.adminOff.UserID); err != nil {
			o.t.Fatalf("revoke %s on %s: %v", c.code, dates.Format(on), err)
		}
	}
}

// claims links some registry producers to the bot through their claim
// links, each on a random day after it was imported.
func (o *oracle) claims() {
	o.t.Helper()
	for _, r := range o.regs {
		if !r.claimed && o.rng.IntN(5) < 2 {
			o.claim(r, true)
		}
	}
}

// claim links r through a claim link, recorded as made at a random moment
// after its import (backdate), or at the test's now: never at the
// database's clock, which may already be on tomorrow's date in Vietnam.
func (o *oracle) claim(r *regProducer, backdate bool) {
	o.t.Helper()
	id, ok := o.regByTax[r.tax]
	if !ok {
		o.t.Fatalf("producer %s was not imported", r.name)
	}
	codes, err := o.f.store.CreateClaimLinks(o.ctx, []int64{id}, 0, time.Hour)
	if err != nil {
		o.t.Fatal(err)
	}
	o.nextUser++
	if _, err := o.f.store.OfferClaimLink(o.ctx, codes[0], o.nextUser); err != nil {
		o.t.Fatal(err)
	}
	if _, err := o.f.store.Claim(o.ctx, codes[0], o.nextUser, o.nextUser); err != nil {
		o.t.Fatal(err)
	}
	r.claimed = true
	claimed := o.now
	if backdate {
		var imported time.Time
		if err := o.f.store.Pool().QueryRow(o.ctx, `SELECT imported_at FROM producers WHERE id = $1`, id).Scan(&imported); err != nil {
			o.t.Fatal(err)
		}
		claimed = o.at(o.between(dates.LocalDay(imported), o.today))
	}
	o.exec(`UPDATE producers SET claimed_at = $2 WHERE id = $1`, id, claimed)
}

// laterWrites changes the data after the first checks, through the paths
// that write in production and by hand: the summary table must follow.
func (o *oracle) laterWrites() {
	o.t.Helper()
	// New decisions in a registry file for producers that move to another
	// commune of their province with them (the import moves a producer
	// whose newest decision names another unit; in another province the
	// same tax code would be another producer).
	var rows strings.Builder
	var moved []*regProducer
	for _, i := range o.rng.Perm(len(o.regs))[:3] {
		r := o.regs[i]
		var unit int64
		if err := o.f.store.Pool().QueryRow(o.ctx, `SELECT unit_id FROM producers WHERE id = $1`, o.regByTax[r.tax]).Scan(&unit); err != nil {
			o.t.Fatal(err)
		}
		id, _ := o.atlas.CommuneIn(o.new, unit)
		now, _ := o.new.Units.Get(id)
		for r.newHome.ID == now.ID || r.newHome.ParentID != now.ParentID {
			r.newHome = o.commune(o.today)
		}
		// Its newest decision, whichever way it was recorded: an older
		// one would not move it.
		var last time.Time
		if err := o.f.store.Pool().QueryRow(o.ctx, `
SELECT max(c.decision_date) FROM certificates c JOIN products pr ON pr.id = c.product_id WHERE pr.producer_id = $1`,
			o.regByTax[r.tax]).Scan(&last); err != nil {
			o.t.Fatal(err)
		}
		day := o.between(latest(last, oracleReform), o.today)
		rows.WriteString(o.registryRow(r, r.products[0], 3+o.rng.IntN(3), day))
		moved = append(moved, r)
	}
	if len(moved) > 0 {
		o.importRegistry(rows.String())
		for _, r := range moved {
			var unit int64
			if err := o.f.store.Pool().QueryRow(o.ctx, `SELECT unit_id FROM producers WHERE id = $1`, o.regByTax[r.tax]).Scan(&unit); err != nil {
				o.t.Fatal(err)
			}
			if unit != r.newHome.ID {
				o.t.Fatalf("the registry import left %s in unit %d, not %s (%d)", r.name, unit, r.newHome.Name, r.newHome.ID)
			}
		}
	}
	// A producer moved by hand (an operator's correction), one of the
	// chat's and one of a registry's, each to a commune of either tree.
	for _, id := range []int64{o.producerOf(o.chatUsers[o.rng.IntN(len(o.chatUsers))]), o.regByTax[o.regs[o.rng.IntN(len(o.regs))].tax]} {
		to := o.pick(o.hotOld)
		if o.rng.IntN(2) == 0 {
			to = o.pick(o.hotNew)
		}
		o.exec(`UPDATE producers SET unit_id = $2 WHERE id = $1`, id, to.ID)
	}
	// A certified product handed to another producer.
	var products, producers []int64
	for q, into := range map[string]*[]int64{`SELECT DISTINCT product_id FROM certificates ORDER BY 1`: &products,
		`SELECT id FROM producers ORDER BY 1`: &producers} {
		rs, err := o.f.store.Pool().Query(o.ctx, q)
		if err != nil {
			o.t.Fatal(err)
		}
		if *into, err = pgx.CollectRows(rs, pgx.RowTo[int64]); err != nil {
			o.t.Fatal(err)
		}
	}
	o.exec(`UPDATE products SET producer_id = $2 WHERE id = $1`, products[o.rng.IntN(len(products))], producers[o.rng.IntN(len(producers))])
	// Certificates revoked and added, a claim made today.
	o.revocations()
	for _, r := range o.regs {
		if !r.claimed {
			o.claim(r, false)
			break
		}
	}
	o.quotas(4)
}

func (o *oracle) producerOf(user int64) int64 {
	o.t.Helper()
	var id int64
	if err := o.f.store.Pool().QueryRow(o.ctx, `SELECT id FROM producers WHERE owner_user_id = $1`, user).Scan(&id); err != nil {
		o.t.Fatal(err)
	}
	return id
}

// --- the recount -----------------------------------------------------------

// dayCount is the recount of one day, from the tables: every product valid
// that day at its producer's commune, registrations waiting, producers
// linked and not, the rules in force — by commune of the day's tree.
type dayCount struct {
	day      time.Time
	tree     *units.Tree
	products []countedProduct // in the order the expiring list reads them
	communes map[int64]*communeCount
	quotas   []oracleQuota
}

type communeCount struct {
	stars                     [6]int
	expiring                  int
	pending, linked, unlinked int
}

type countedProduct struct {
	id       int64
	name     string
	commune  int64 // in the day's tree
	stars    int
	ends     time.Time
	expiring bool
}

// oracleQuota is a rule as stored, its levels exact.
type oracleQuota struct {
	id                  int64
	code                string
	level               int
	below               bool
	kinds               []string
	metric              string
	minimum, encouraged fraction
}

// fraction is a rule's level, exact: "1.5" is 15/10. What a level asks of
// a unit is rounded up in whole numbers, never through a float.
type fraction struct{ num, den int64 }

func parseFraction(t *testing.T, s string) fraction {
	t.Helper()
	whole, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		t.Fatalf("level %q: %v", s, err)
	}
	den := int64(1)
	for range frac {
		den *= 10
	}
	return fraction{n, den}
}

func (f fraction) set() bool { return f.num > 0 }

// times is ⌈f × n⌉.
func (f fraction) times(n int) int {
	if f.den == 0 {
		return 0
	}
	return int((f.num*int64(n) + f.den - 1) / f.den)
}

func (f fraction) float() float64 {
	if f.den == 0 {
		return 0
	}
	return float64(f.num) / float64(f.den)
}

// treeOn is the tree in force on day, by the reform's date.
func (o *oracle) treeOn(day time.Time) *units.Tree {
	if day.Before(oracleReform) {
		return o.old
	}
	return o.new
}

// recount counts day from the tables. A product counts on day with the
// best stars among its certificates valid then (decided on or before it,
// ending after it, not revoked by it) and is expiring when the latest end
// of those is within 90 days; a registration waits from its submission
// (Vietnam's date) until its council's decision; a producer is there from
// its import or its registration in the chat, linked from the latter or
// from its claim. Each is placed at its commune's counterpart in day's
// tree.
func (o *oracle) recount(day time.Time) *dayCount {
	o.t.Helper()
	dc := &dayCount{day: day, tree: o.treeOn(day), communes: map[int64]*communeCount{}}
	pool := o.f.store.Pool()
	endOfDay := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, dates.Vietnam)
	// A record of a commune with no counterpart in the day's tree (on the
	// days before 1/7/2025, Đặc khu Côn Đảo's) is in no unit of it: it
	// counts nowhere, the country included.
	nowhere := &communeCount{}
	place := func(unit int64) *communeCount {
		c, ok := o.atlas.CommuneIn(dc.tree, unit)
		if !ok {
			return nowhere
		}
		if dc.communes[c] == nil {
			dc.communes[c] = &communeCount{}
		}
		return dc.communes[c]
	}

	rows, err := pool.Query(o.ctx, `
SELECT p.unit_id, pr.id, pr.name, best.stars, best.ends, best.ends <= $1::date + 90
FROM products pr
JOIN producers p ON p.id = pr.producer_id
JOIN LATERAL (
    SELECT max(c.stars)::int AS stars, max(c.valid_until) AS ends
    FROM certificates c
    WHERE c.product_id = pr.id AND c.decision_date <= $1 AND $1 < c.valid_until
      AND (c.revoked_on IS NULL OR c.revoked_on > $1)
) best ON best.stars IS NOT NULL
ORDER BY best.ends, pr.name, pr.id`, day)
	if err != nil {
		o.t.Fatal(err)
	}
	var unit int64
	var cp countedProduct
	_, err = pgx.ForEachRow(rows, []any{&unit, &cp.id, &cp.name, &cp.stars, &cp.ends, &cp.expiring}, func() error {
		cc := place(unit)
		if cc == nowhere {
			return nil
		}
		cp.commune, _ = o.atlas.CommuneIn(dc.tree, unit)
		cc.stars[cp.stars]++
		if cp.expiring {
			cc.expiring++
		}
		dc.products = append(dc.products, cp)
		return nil
	})
	if err != nil {
		o.t.Fatal(err)
	}

	rows, err = pool.Query(o.ctx, `
SELECT r.unit_id FROM registrations r
WHERE r.submitted_at < $2
  AND NOT EXISTS (SELECT 1 FROM council_results cr WHERE cr.registration_id = r.id AND cr.decision_date <= $1)`, day, endOfDay)
	if err != nil {
		o.t.Fatal(err)
	}
	if _, err := pgx.ForEachRow(rows, []any{&unit}, func() error { place(unit).pending++; return nil }); err != nil {
		o.t.Fatal(err)
	}

	rows, err = pool.Query(o.ctx, `
SELECT unit_id, imported_at IS NULL OR coalesce(claimed_at < $1, false) FROM producers
WHERE coalesce(imported_at, created_at) < $1`, endOfDay)
	if err != nil {
		o.t.Fatal(err)
	}
	var linked bool
	if _, err := pgx.ForEachRow(rows, []any{&unit, &linked}, func() error {
		if c := place(unit); linked {
			c.linked++
		} else {
			c.unlinked++
		}
		return nil
	}); err != nil {
		o.t.Fatal(err)
	}

	rows, err = pool.Query(o.ctx, `
SELECT id, unit_code, unit_level, applies_to = 'below', kinds, metric, minimum::text, coalesce(encouraged::text, '0'), valid_from
FROM quotas WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to >= $1) ORDER BY id`, day)
	if err != nil {
		o.t.Fatal(err)
	}
	var q oracleQuota
	var minimum, encouraged string
	var from time.Time
	if _, err := pgx.ForEachRow(rows, []any{&q.id, &q.code, &q.level, &q.below, &q.kinds, &q.metric, &minimum, &encouraged, &from}, func() error {
		if from.Before(oracleReform) != day.Before(oracleReform) {
			return nil // set on the other tree's units
		}
		q.minimum, q.encouraged = parseFraction(o.t, minimum), parseFraction(o.t, encouraged)
		dc.quotas = append(dc.quotas, q)
		return nil
	}); err != nil {
		o.t.Fatal(err)
	}
	return dc
}

// unitCount is a unit's recount: its products, communes, rules.
type unitCount struct {
	unit      units.Unit
	ancestors []units.Unit // parent first
	stars     [6]int
	expiring  int
	communes  int
	withAny   int // communes with a product
	rules     []ruleCount
	// required: what the largest minimum asks; gap: the largest
	// shortfall at the minimums; encouraged, encGap: the same at each
	// rule's encouraged level (its minimum where it sets none).
	required, gap, encouraged, encGap int
	hasMin, hasEnc                    bool
}

func (u *unitCount) recognised() int { return u.stars[3] + u.stars[4] + u.stars[5] }

// ruleCount is one rule on one unit: what it counts, what its levels ask
// and what is short of them.
type ruleCount struct {
	q                                  oracleQuota
	have, ask, short, encAsk, encShort int
}

// met is whether the rule is met: at its minimum, or at its encouraged
// level when it sets no minimum.
func (r ruleCount) met() bool {
	if r.q.minimum.set() {
		return r.short == 0
	}
	return r.encShort == 0
}

// scopeCount is the recount of a scope on a day.
type scopeCount struct {
	name      string
	root      *unitCount // nil for the country
	total     unitCount
	children  []*unitCount // in the tree's order
	empty     []int64
	rules     map[int64][2]int // quota → units meeting it, units it applies to
	pending   int
	linked    int
	unlinked  int
	expiring  []countedProduct // the soonest, as many as the status lists
	communeIn map[int64]bool
}

// applies is whether rule q is set on unit u, whose ancestors are anc: the
// unit itself, or one of the kinds of unit below it.
func (q oracleQuota) applies(u units.Unit, anc []units.Unit) bool {
	if !q.below {
		return u.Code == q.code && u.Level == q.level
	}
	if len(q.kinds) > 0 && !slices.Contains(q.kinds, u.Kind) {
		return false
	}
	return slices.ContainsFunc(anc, func(a units.Unit) bool { return a.Code == q.code && a.Level == q.level })
}

// count measures rule q on unit u: a "≥ N products of 4★ or more" rule
// counts those among u's products; an average per commune asks for that
// many products per commune, rounded up; a communes rule counts communes
// with a product. Its shortfall is max(0, what it asks − what it counts).
func (q oracleQuota) count(u *unitCount) ruleCount {
	r := ruleCount{q: q}
	ask := func(f fraction) int { return f.times(1) }
	switch q.metric {
	case "recognised":
		r.have = u.recognised()
	case "four_star":
		r.have = u.stars[4] + u.stars[5]
	case "avg_per_commune":
		r.have = u.recognised()
		ask = func(f fraction) int { return f.times(u.communes) }
	case "communes_with_product":
		r.have = u.withAny
	}
	r.ask, r.encAsk = ask(q.minimum), ask(q.encouraged)
	r.short, r.encShort = max(0, r.ask-r.have), max(0, r.encAsk-r.have)
	return r
}

// standing measures every rule set on u, and what u lacks: the largest
// shortfall of its minimums (a product counts for every rule at once, so
// shortfalls are never added up), encouraged levels apart.
func (u *unitCount) standing(quotas []oracleQuota) {
	for _, q := range quotas {
		if !q.applies(u.unit, u.ancestors) {
			continue
		}
		r := q.count(u)
		u.rules = append(u.rules, r)
		if q.minimum.set() {
			u.hasMin = true
			u.required, u.gap = max(u.required, r.ask), max(u.gap, r.short)
		}
		if q.encouraged.set() {
			u.hasEnc = true
			u.encouraged, u.encGap = max(u.encouraged, r.encAsk), max(u.encGap, r.encShort)
		} else {
			u.encouraged, u.encGap = max(u.encouraged, r.ask), max(u.encGap, r.short)
		}
	}
}

// expect recounts scope id (0: the country, negative: a former district's
// area) on dc's day, rolling the communes up through the day's tree.
func (o *oracle) expect(dc *dayCount, id int64) scopeCount {
	tree := dc.tree
	sc := scopeCount{rules: map[int64][2]int{}, communeIn: map[int64]bool{}, name: "Cả nước"}
	children := tree.Units.Children
	var root units.Unit
	var rootAnc []units.Unit
	switch {
	case id < 0:
		d, _ := o.atlas.Unit(-id)
		area := o.atlas.Area(tree, -id)
		root = units.Unit{ID: id, Code: d.Code, Level: d.Level, Kind: d.Kind, Name: d.Name}
		if len(area) > 0 {
			prov, _ := tree.Units.Get(area[0].ParentID)
			rootAnc = []units.Unit{prov}
		}
		children = func(u int64) []units.Unit {
			if u == id {
				return area
			}
			return nil
		}
		sc.name = "khu vực " + d.Name
	case id > 0:
		root, _ = tree.Units.Get(id)
		for p, ok := tree.Units.Get(root.ParentID); ok; p, ok = tree.Units.Get(p.ParentID) {
			rootAnc = append(rootAnc, p)
		}
		sc.name = root.Name
	}
	var walk func(u units.Unit, anc []units.Unit, depth int) *unitCount
	walk = func(u units.Unit, anc []units.Unit, depth int) *unitCount {
		uc := &unitCount{unit: u, ancestors: anc}
		if u.Level == 3 {
			uc.communes = 1
			sc.communeIn[u.ID] = true
			if c := dc.communes[u.ID]; c != nil {
				uc.stars, uc.expiring = c.stars, c.expiring
				sc.pending += c.pending
				sc.linked += c.linked
				sc.unlinked += c.unlinked
			}
			if uc.recognised() > 0 {
				uc.withAny = 1
			} else {
				sc.empty = append(sc.empty, u.ID)
			}
		}
		below := append([]units.Unit{u}, anc...)
		for _, c := range children(u.ID) {
			cc := walk(c, below, depth+1)
			for s := range uc.stars {
				uc.stars[s] += cc.stars[s]
			}
			uc.expiring += cc.expiring
			uc.communes += cc.communes
			uc.withAny += cc.withAny
		}
		uc.standing(dc.quotas)
		if depth > 0 {
			for _, r := range uc.rules {
				m := sc.rules[r.q.id]
				m[1]++
				if r.met() {
					m[0]++
				}
				sc.rules[r.q.id] = m
			}
		}
		if depth == 1 {
			sc.children = append(sc.children, uc)
		}
		return uc
	}
	if id == 0 {
		for _, p := range tree.Units.Children(0) {
			pc := walk(p, nil, 1)
			for s := range sc.total.stars {
				sc.total.stars[s] += pc.stars[s]
			}
			sc.total.expiring += pc.expiring
			sc.total.communes += pc.communes
		}
	} else {
		sc.root = walk(root, rootAnc, 0)
		sc.total = *sc.root
	}
	for _, p := range dc.products {
		if p.expiring && sc.communeIn[p.commune] && len(sc.expiring) < 10 {
			sc.expiring = append(sc.expiring, p)
		}
	}
	return sc
}

// ranked are the children as a status lists them: the largest shortfall
// first, then the fewest products, ties in the tree's order.
func (sc scopeCount) ranked() []*unitCount {
	out := slices.Clone(sc.children)
	slices.SortStableFunc(out, func(a, b *unitCount) int {
		if a.gap != b.gap {
			return b.gap - a.gap
		}
		return a.recognised() - b.recognised()
	})
	return out
}

func (sc scopeCount) child(name string) *unitCount {
	for _, c := range sc.children {
		if c.unit.Name == name {
			return c
		}
	}
	return nil
}

// --- the checks ------------------------------------------------------------

func (o *oracle) errorf(format string, args ...any) {
	o.t.Helper()
	o.errors++
	o.t.Errorf(format, args...)
	if o.errors >= 30 {
		o.t.Fatal("too many differences; stopping")
	}
}

// days are the days checked: the last of the three-level tree, the first
// of the two-level one, the first after the reform's edge, today, a random
// day from 2022 to two months ahead, and a day on which (or the day after
// which) something was recorded — a registration, an import, a claim —
// often close to midnight, when Vietnam's date is not UTC's.
func (o *oracle) days() []time.Time {
	days := []time.Time{ymd(2025, 6, 30), ymd(2025, 7, 6), ymd(2025, 7, 1), o.today, o.between(ymd(2022, 6, 1), o.today.AddDate(0, 2, 0))}
	rs, err := o.f.store.Pool().Query(o.ctx, `
SELECT submitted_at FROM registrations UNION ALL
SELECT unnest(ARRAY[imported_at, claimed_at, created_at]) FROM producers`)
	if err != nil {
		o.t.Fatal(err)
	}
	stamps, err := pgx.CollectRows(rs, pgx.RowTo[*time.Time])
	if err != nil {
		o.t.Fatal(err)
	}
	stamps = slices.DeleteFunc(stamps, func(t *time.Time) bool { return t == nil })
	return append(days, dates.LocalDay(*stamps[o.rng.IntN(len(stamps))]).AddDate(0, 0, -o.rng.IntN(2)))
}

// scopes are the units checked on dc's day: the country, Ho Chi Minh City
// and another province of the day's tree, a busy district (its area after
// the reform), a commune with products and one at random.
func (o *oracle) scopes(dc *dayCount) []int64 {
	provinces := oracleOldProvinces
	if dc.tree == o.new {
		provinces = oracleNewProvinces
	}
	hcmc, _ := dc.tree.Units.ByCode("79", 1)
	other, _ := dc.tree.Units.ByCode(provinces[1+o.rng.IntN(len(provinces)-1)], 1)
	district := o.pick(o.hot).ID
	if dc.tree == o.new {
		district = -district
	}
	busy := o.commune(dc.day).ID
	if len(dc.products) > 0 {
		busy = dc.products[o.rng.IntN(len(dc.products))].commune
	}
	return []int64{0, hcmc.ID, other.ID, district, busy, o.commune(dc.day).ID}
}

func (o *oracle) checkAll(phase string) {
	o.t.Helper()
	days := o.days()
	chartOn := o.rng.IntN(len(days)) // the day the chart sent is checked
	charted := false
	for i, day := range days {
		dc := o.recount(day)
		for _, id := range o.scopes(dc) {
			want := o.expect(dc, id)
			label := fmt.Sprintf("%s: %s on %s", phase, want.name, dates.Format(day))
			d, ok, err := o.e.StatusModel(o.ctx, o.adminOff, id, day)
			if err != nil || !ok {
				o.t.Fatalf("%s: model: ok %v, %v", label, ok, err)
			}
			o.compareModel(label, d, want)
			o.checkChat(label, id, day, want)
			o.checkWorkbook(label, id, day, want)
			o.checkChart(label, id, day, d, want, i == chartOn && id != 0 && !charted)
			charted = charted || i == chartOn && id != 0
			o.checkDigest(label, dc, id)
		}
		// An official of the other tree's Ho Chi Minh City: the digest adds
		// up every unit of the day's tree within theirs.
		other := o.old
		if dc.tree == o.old {
			other = o.new
		}
		hcmc, _ := other.Units.ByCode("79", 1)
		o.checkDigest(fmt.Sprintf("%s: %s of the other tree on %s", phase, hcmc.Name, dates.Format(day)), dc, hcmc.ID)
	}
}

// compareModel: the status model equals the recount, number by number.
func (o *oracle) compareModel(label string, d report.Data, want scopeCount) {
	o.t.Helper()
	st := d.Status
	if st.Tally.Stars != want.total.stars || st.Tally.Expiring != want.total.expiring {
		o.errorf("%s: the model counts %v (%d expiring), the recount %v (%d expiring)", label, st.Tally.Stars[3:], st.Tally.Expiring,
			want.total.stars[3:], want.total.expiring)
	}
	if st.Communes != want.total.communes {
		o.errorf("%s: the model has %d communes, the recount %d", label, st.Communes, want.total.communes)
	}
	var empty []int64
	for _, u := range st.Empty {
		empty = append(empty, u.ID)
	}
	if !slices.Equal(slices.Sorted(slices.Values(empty)), slices.Sorted(slices.Values(want.empty))) {
		only := func(a, b []int64) []int64 {
			return slices.DeleteFunc(slices.Clone(a), func(id int64) bool { return slices.Contains(b, id) })
		}
		o.errorf("%s: the model has %d communes with no product, the recount %d; only the model's: %v, only the recount's: %v",
			label, len(empty), len(want.empty), only(empty, want.empty), only(want.empty, empty))
	}
	if d.Pending != want.pending || d.Links.Linked != want.linked || d.Links.Unlinked != want.unlinked {
		o.errorf("%s: the model says %d pending, %d linked, %d unlinked; the recount %d, %d, %d", label,
			d.Pending, d.Links.Linked, d.Links.Unlinked, want.pending, want.linked, want.unlinked)
	}
	var gotExp, wantExp []string
	for _, x := range d.Expiring {
		gotExp = append(gotExp, fmt.Sprintf("%d until %s", x.ProductID, x.Certificate.ValidUntil.Format(time.DateOnly)))
	}
	for _, x := range want.expiring {
		wantExp = append(wantExp, fmt.Sprintf("%d until %s", x.id, x.ends.Format(time.DateOnly)))
	}
	if !slices.Equal(gotExp, wantExp) {
		o.errorf("%s: the model's soonest expiring %q, the recount's %q", label, gotExp, wantExp)
	}
	if want.root != nil {
		o.compareStanding(label+", the unit itself", st.Standing, want.root)
	}
	if len(st.Children) != len(want.children) {
		o.errorf("%s: the model has %d child units, the recount %d", label, len(st.Children), len(want.children))
	}
	byID := map[int64]*unitCount{}
	for _, c := range want.children {
		byID[c.unit.ID] = c
	}
	for i, c := range st.Children {
		w := byID[c.Unit.ID]
		if w == nil {
			o.errorf("%s: the model's child %s (%d) is not the recount's", label, c.Unit.Name, c.Unit.ID)
			continue
		}
		clabel := label + ", " + c.Unit.Name
		if c.Tally.Stars != w.stars || c.Tally.Expiring != w.expiring || c.Communes != w.communes {
			o.errorf("%s: the model counts %v (%d expiring) in %d communes, the recount %v (%d) in %d", clabel,
				c.Tally.Stars[3:], c.Tally.Expiring, c.Communes, w.stars[3:], w.expiring, w.communes)
		}
		o.compareStanding(clabel, c.Standing, w)
		if i > 0 {
			p := st.Children[i-1]
			if p.Gap < c.Gap || p.Gap == c.Gap && p.Tally.Recognised() > c.Tally.Recognised() {
				o.errorf("%s: listed after %s (short %d, %d products) though short %d with %d products", clabel,
					p.Unit.Name, p.Gap, p.Tally.Recognised(), c.Gap, c.Tally.Recognised())
			}
		}
	}
	rules := map[int64][2]int{}
	for _, r := range st.Rules {
		rules[r.Quota.ID] = [2]int{r.Met, r.Units}
	}
	if fmt.Sprint(rules) != fmt.Sprint(want.rules) {
		o.errorf("%s: rules below (quota: met, units): the model %v, the recount %v", label, rules, want.rules)
	}
}

// compareStanding: a unit's targets in the model equal the recount's.
func (o *oracle) compareStanding(label string, s ocop.Standing, w *unitCount) {
	o.t.Helper()
	if s.Required != w.required || s.Gap != w.gap || s.Encouraged != w.encouraged || s.EncouragedGap != w.encGap ||
		s.HasMinimum() != w.hasMin || s.HasEncouraged() != w.hasEnc {
		o.errorf("%s: the model asks %d, short %d (encouraged %d, short %d); the recount %d, short %d (encouraged %d, short %d)",
			label, s.Required, s.Gap, s.Encouraged, s.EncouragedGap, w.required, w.gap, w.encouraged, w.encGap)
	}
	if len(s.Targets) != len(w.rules) {
		o.errorf("%s: %d targets in the model, %d rules in the recount", label, len(s.Targets), len(w.rules))
		return
	}
	for i, tg := range s.Targets {
		r := w.rules[i]
		if tg.Quota.ID != r.q.id || tg.Required != r.ask || tg.Gap != r.short || tg.EncouragedRequired != r.encAsk || tg.EncouragedGap != r.encShort {
			o.errorf("%s: rule %d (%s): the model asks %d, short %d, encouraged %d, short %d; the recount (rule %d) %d, %d, %d, %d",
				label, tg.Quota.ID, tg.Quota.Metric, tg.Required, tg.Gap, tg.EncouragedRequired, tg.EncouragedGap, r.q.id, r.ask, r.short, r.encAsk, r.encShort)
		}
	}
}

// press presses a status button for unit id on day as the administrator
// and returns the answer, a long message's parts joined.
func (o *oracle) press(action string, id int64, day time.Time) flows.Reply {
	o.t.Helper()
	_, res := handle(o.t, o.e, o.admin, nil, flows.Input{Kind: flows.InputButton, MessageID: 1,
		Data: "x|" + action + "|" + strconv.FormatInt(id, 10) + "|" + dates.Compact(day)})
	if len(res.Replies) == 0 {
		o.t.Fatalf("%s %d %s: no answer", action, id, dates.Format(day))
	}
	r := res.Replies[0]
	for _, more := range res.Replies[1:] {
		r.Text += "\n" + more.Text
		if more.Document != nil {
			r.Document = more.Document
		}
		if more.Photo != nil {
			r.Photo = more.Photo
		}
	}
	return r
}

var (
	oracleRuleLine = regexp.MustCompile(`(?m)^• .+: (\d+)/(\d+) đạt$`)
	oracleGapWords = regexp.MustCompile(`còn thiếu (\d+)`)
	oracleTotalGap = regexp.MustCompile(`(?m)^→ Cần thêm ít nhất (\d+) sản phẩm`)
)

// checkChat: /status's message says the recount's numbers.
func (o *oracle) checkChat(label string, id int64, day time.Time, want scopeCount) {
	o.t.Helper()
	text := o.press("st", id, day).Text
	fail := func(format string, args ...any) {
		o.t.Helper()
		o.errorf("%s, chat: %s\n%s", label, fmt.Sprintf(format, args...), firstLines(text, 40))
	}
	tl := want.total
	if s := fmt.Sprintf("Sản phẩm OCOP còn hiệu lực: %d (3★: %d · 4★: %d · 5★: %d)", tl.recognised(), tl.stars[3], tl.stars[4], tl.stars[5]); !strings.Contains(text, s) {
		fail("no %q", s)
	}
	// The unit's own rules: one line a level, "còn thiếu" only for a
	// minimum short, and what it lacks in all, the largest shortfall.
	if want.root != nil && len(want.root.rules) > 0 {
		_, section, _ := strings.Cut(text, "Chỉ tiêu của đơn vị:\n")
		section, _, _ = strings.Cut(section, "\n\n")
		var gotGaps, wantGaps []string
		for _, m := range oracleGapWords.FindAllStringSubmatch(section, -1) {
			gotGaps = append(gotGaps, m[1])
		}
		lines, marks := 0, map[string]int{}
		for _, r := range want.root.rules {
			if r.q.minimum.set() {
				lines++
				if r.short > 0 {
					wantGaps = append(wantGaps, strconv.Itoa(r.short))
					marks["❌"]++
				} else {
					marks["✅"]++
				}
			}
			if r.q.encouraged.set() {
				lines++
				if r.encShort > 0 {
					marks["☆"]++
				} else {
					marks["⭐"]++
				}
			}
		}
		if total := oracleTotalGap.FindStringSubmatch(section); want.root.gap > 0 && len(want.root.rules) > 1 {
			lines++
			if total == nil || total[1] != strconv.Itoa(want.root.gap) {
				fail("what it lacks in all: %q, want %d", total, want.root.gap)
			}
		} else if total != nil {
			fail("says it lacks %s in all, want no such line", total[1])
		}
		slices.Sort(gotGaps)
		slices.Sort(wantGaps)
		if !slices.Equal(gotGaps, wantGaps) {
			fail("its rules are short of %q, want %q", gotGaps, wantGaps)
		}
		if n := len(strings.Split(section, "\n")); n != lines {
			fail("%d lines of rules, want %d", n, lines)
		}
		for mark, n := range marks {
			if got := strings.Count(section, mark); got != n {
				fail("%d lines %s, want %d", got, mark, n)
			}
		}
	}
	var gotRules, wantRules []string
	for _, m := range oracleRuleLine.FindAllStringSubmatch(text, -1) {
		gotRules = append(gotRules, m[1]+"/"+m[2])
	}
	for _, r := range want.rules {
		wantRules = append(wantRules, fmt.Sprintf("%d/%d", r[0], r[1]))
	}
	slices.Sort(gotRules)
	slices.Sort(wantRules)
	if !slices.Equal(gotRules, wantRules) {
		fail("rules below met %q, want %q", gotRules, wantRules)
	}
	// The child units listed: the first ten as the recount ranks them
	// (their shortfall and products in that order), each with its own
	// numbers, and the count of the rest.
	ranked := want.ranked()
	lines := childLine.FindAllStringSubmatch(text, -1)
	if len(lines) != min(len(ranked), 10) {
		fail("%d child units listed, want %d", len(lines), min(len(ranked), 10))
	}
	for i, m := range lines {
		c := want.child(m[1])
		if c == nil {
			fail("lists %q, no child unit of the recount", m[1])
			continue
		}
		var line string
		switch {
		case c.gap > 0:
			line = fmt.Sprintf("%s: %d sản phẩm, còn thiếu %d", c.unit.Name, c.recognised(), c.gap)
		case c.encGap > 0 && c.hasEnc:
			line = fmt.Sprintf("%s: %d sản phẩm (khuyến khích %d, chưa đạt)", c.unit.Name, c.recognised(), c.encouraged)
		case len(c.rules) > 0:
			line = fmt.Sprintf("%s: %d sản phẩm ✅", c.unit.Name, c.recognised())
		default:
			line = fmt.Sprintf("%s: %d sản phẩm", c.unit.Name, c.recognised())
		}
		if got := strings.SplitN(m[0], ". ", 2)[1]; got != line {
			fail("%q, want %q", got, line)
		}
		if i < len(ranked) && (ranked[i].gap != c.gap || ranked[i].recognised() != c.recognised()) {
			fail("child %d is %s (short %d, %d products), want one short %d with %d products", i+1, c.unit.Name, c.gap,
				c.recognised(), ranked[i].gap, ranked[i].recognised())
		}
	}
	if more := len(ranked) - 10; more > 0 && !strings.Contains(text, fmt.Sprintf("… và %d đơn vị khác (xem tệp Excel)", more)) {
		fail("does not count the %d other units", more)
	}
	switch {
	case tl.communes == 0:
	case tl.communes == 1 && len(want.empty) == 1:
		// One commune-level unit is named, not counted.
		u, _ := o.atlas.Unit(want.empty[0])
		if s := u.Name + " chưa có sản phẩm OCOP."; !strings.Contains(text, s) {
			fail("no %q", s)
		}
	case tl.communes == 1 && want.root != nil && want.root.unit.Level == 3:
		if s := want.root.unit.Name + " đã có sản phẩm OCOP."; !strings.Contains(text, s) {
			fail("no %q", s)
		}
	case len(want.empty) == 0:
		if !strings.Contains(text, "Mọi đơn vị cấp xã đều đã có sản phẩm OCOP.") {
			fail("does not say every commune-level unit has a product")
		}
	default:
		if s := fmt.Sprintf("Đơn vị cấp xã chưa có sản phẩm: %d/%d — ", len(want.empty), tl.communes); !strings.Contains(text, s) {
			fail("no %q", s)
		}
	}
	if tl.expiring == 0 {
		if !strings.Contains(text, "Không có chứng nhận nào hết hạn trong 90 ngày tới.") {
			fail("does not say nothing expires")
		}
	} else {
		if s := fmt.Sprintf("Sắp hết hạn trong 90 ngày: %d sản phẩm", tl.expiring); !strings.Contains(text, s) {
			fail("no %q", s)
		}
		for _, x := range want.expiring[:min(len(want.expiring), 5)] {
			if !strings.Contains(text, "• "+x.name+" (") {
				fail("does not list %s, ending soonest", x.name)
			}
		}
	}
	for _, s := range []string{fmt.Sprintf("Hồ sơ đăng ký chờ xét: %d", want.pending),
		fmt.Sprintf("Chủ thể đã liên kết với bot: %d; chưa liên kết: %d", want.linked, want.unlinked)} {
		if !strings.Contains(text, s) {
			fail("no %q", s)
		}
	}
}

// checkWorkbook: the workbook's summary, rules and child units, read back,
// are the recount's; its sheets list the products valid and the producers
// unlinked that the summary counts.
func (o *oracle) checkWorkbook(label string, id int64, day time.Time, want scopeCount) {
	o.t.Helper()
	r := o.press("xl", id, day)
	if r.Document == nil {
		o.t.Fatalf("%s: no workbook: %q", label, r.Text)
	}
	book, err := excelize.OpenReader(bytes.NewReader(r.Document.Data))
	if err != nil {
		o.t.Fatal(err)
	}
	defer book.Close()
	rows, err := book.GetRows("Tổng hợp", excelize.Options{RawCellValue: true})
	if err != nil {
		o.t.Fatal(err)
	}
	fail := func(format string, args ...any) {
		o.t.Helper()
		o.errorf("%s, workbook: %s", label, fmt.Sprintf(format, args...))
	}
	cell := func(r []string, i int) string {
		if i >= 0 && i < len(r) {
			return r[i]
		}
		return ""
	}
	value := func(name string) string {
		for _, r := range rows {
			if cell(r, 0) == name {
				return cell(r, 1)
			}
		}
		return "(none)"
	}
	tl := want.total
	for name, n := range map[string]int{"Sản phẩm OCOP còn hiệu lực": tl.recognised(), "3★": tl.stars[3], "4★": tl.stars[4],
		"5★": tl.stars[5], "Hết hạn trong 90 ngày": tl.expiring, "Số đơn vị cấp xã": tl.communes, "Đơn vị cấp xã chưa có sản phẩm": len(want.empty),
		"Hồ sơ đăng ký chờ xét": want.pending, "Chủ thể đã liên kết bot": want.linked, "Chủ thể chưa liên kết bot": want.unlinked} {
		if got := value(name); got != strconv.Itoa(n) {
			fail("%s: %s, want %d", name, got, n)
		}
	}
	blank := func(set bool, v string) string {
		if !set {
			return ""
		}
		return v
	}
	yes := func(ok bool) string {
		if ok {
			return "Đạt"
		}
		return "Chưa đạt"
	}
	num := func(s string) float64 {
		f, _ := strconv.ParseFloat(s, 64)
		return f
	}
	table := func(head string) [][]string {
		var out [][]string
		in := false
		for _, r := range rows {
			switch {
			case cell(r, 0) == head:
				in = true
			case in && len(r) == 0:
				return out
			case in:
				out = append(out, r)
			}
		}
		return out
	}
	if want.root != nil {
		targets := table("Chỉ tiêu")
		var total []string
		if n := len(targets); n > 0 && strings.HasPrefix(cell(targets[n-1], 0), "Cần thêm") {
			total, targets = targets[n-1], targets[:n-1]
		}
		if len(targets) != len(want.root.rules) {
			fail("%d rules of the unit, want %d", len(targets), len(want.root.rules))
		}
		for i, tr := range targets[:min(len(targets), len(want.root.rules))] {
			r := want.root.rules[i]
			mn, en := r.q.minimum.set(), r.q.encouraged.set()
			if num(cell(tr, 1)) != r.q.minimum.float() || num(cell(tr, 2)) != r.q.encouraged.float() ||
				cell(tr, 4) != blank(mn, yes(r.short == 0)) || cell(tr, 5) != blank(mn, strconv.Itoa(r.short)) ||
				cell(tr, 6) != blank(en, yes(r.encShort == 0)) {
				fail("rule row %q; want minimum %v, encouraged %v, short %d, encouraged short %d", tr, r.q.minimum.float(),
					r.q.encouraged.float(), r.short, r.encShort)
			}
		}
		if got, wantTotal := cell(total, len(total)-1), blank(want.root.hasMin, strconv.Itoa(want.root.gap)); got != wantTotal {
			fail("lacks %q in all, want %q", got, wantTotal)
		}
	}
	children := table("Đơn vị")
	if len(children) != len(want.children) {
		fail("%d child units, want %d", len(children), len(want.children))
	}
	for _, cr := range children {
		c := want.child(cell(cr, 0))
		if c == nil {
			fail("child %q is not the recount's", cell(cr, 0))
			continue
		}
		w := []string{c.unit.Name, strconv.Itoa(c.communes), strconv.Itoa(c.stars[3]), strconv.Itoa(c.stars[4]), strconv.Itoa(c.stars[5]),
			strconv.Itoa(c.recognised()), blank(c.hasMin, strconv.Itoa(c.required)), blank(c.hasMin, strconv.Itoa(c.gap)),
			blank(c.hasEnc, strconv.Itoa(c.encouraged)), blank(c.hasEnc, yes(c.encGap == 0))}
		for len(cr) < len(w) {
			cr = append(cr, "")
		}
		if !slices.Equal(cr[:len(w)], w) {
			fail("child row %q, want %q", cr, w)
		}
	}
	products, err := book.GetRows("Sản phẩm", excelize.Options{RawCellValue: true})
	if err != nil {
		o.t.Fatal(err)
	}
	valid := 0
	for _, r := range products[1:] {
		if cell(r, 12) == "Còn hiệu lực" {
			valid++
		}
	}
	if valid != tl.recognised() {
		fail("%d products valid on the products sheet, want %d", valid, tl.recognised())
	}
	unlinked, err := book.GetRows("Chưa liên kết bot", excelize.Options{RawCellValue: true})
	if err != nil {
		o.t.Fatal(err)
	}
	if len(unlinked)-1 != want.unlinked {
		fail("%d producers on the unlinked sheet, want %d", len(unlinked)-1, want.unlinked)
	}
}

// checkChart: the chart's rows, read back from where the bars and markers
// were laid out, are the recount's child units: ranked by shortfall then
// products, each bar as long as its products of those stars, each target
// marker at what its rule asks. With sent, the chart the bot sends is also
// checked to be the model's drawn (rendering is what costs: once a phase).
func (o *oracle) checkChart(label string, id int64, day time.Time, d report.Data, want scopeCount, sent bool) {
	o.t.Helper()
	if sent {
		r := o.press("ch", id, day)
		png, err := report.Chart(d, o.p)
		if err != nil {
			o.t.Fatal(err)
		}
		switch {
		case len(want.children) == 0 && r.Photo != nil:
			o.errorf("%s: a chart of a unit with no child unit", label)
		case len(want.children) > 0 && (r.Photo == nil || !bytes.Equal(r.Photo.Data, png)):
			o.errorf("%s: the chart sent is not the model's", label)
		}
	}
	if len(want.children) == 0 {
		return
	}
	rows, more := report.ChartRows(d, o.p)
	type mark struct {
		kind string
		at   int
	}
	marksOf := func(c *unitCount) []mark {
		var out []mark
		for _, r := range c.rules {
			if r.q.metric == "communes_with_product" {
				continue // communes, not products: not drawn
			}
			switch {
			case r.q.minimum.set() && r.q.metric == "four_star":
				out = append(out, mark{"four-star", r.ask})
			case r.q.minimum.set():
				out = append(out, mark{"minimum", r.ask})
			case r.q.encouraged.set():
				out = append(out, mark{"encouraged", r.encAsk})
			}
		}
		return out
	}
	var eligible []*unitCount
	for _, c := range want.children {
		if c.recognised() > 0 || slices.ContainsFunc(marksOf(c), func(m mark) bool { return m.kind != "encouraged" }) {
			eligible = append(eligible, c)
		}
	}
	if len(rows) != min(len(eligible), 30) || more != len(want.children)-len(rows) {
		o.errorf("%s, chart: %d rows and %d more, want %d of %d units", label, len(rows), more, min(len(eligible), 30), len(want.children))
	}
	key := func(c *unitCount) [2]int { return [2]int{c.gap, c.recognised()} }
	var last *unitCount
	for _, row := range rows {
		c := want.child(row.Unit)
		if c == nil {
			o.errorf("%s, chart: a row %q of no child unit", label, row.Unit)
			continue
		}
		if last != nil && (key(last)[0] < key(c)[0] || key(last)[0] == key(c)[0] && key(last)[1] < key(c)[1]) {
			o.errorf("%s, chart: %s (short %d, %d products) drawn below %s (short %d, %d products)", label, c.unit.Name, c.gap,
				c.recognised(), last.unit.Name, last.gap, last.recognised())
		}
		last = c
		for s := 3; s <= 5; s++ {
			if got := math.Round(row.Stars[s]); got != float64(c.stars[s]) || math.Abs(row.Stars[s]-got) > 0.01 {
				o.errorf("%s, chart: %s's %d★ bar is %.3f products long, want %d", label, c.unit.Name, s, row.Stars[s], c.stars[s])
			}
		}
		var got []mark
		for _, m := range row.Targets {
			got = append(got, mark{m.Kind, int(math.Round(m.At))})
			if math.Abs(m.At-math.Round(m.At)) > 0.01 {
				o.errorf("%s, chart: %s's %s marker at %.3f products", label, c.unit.Name, m.Kind, m.At)
			}
		}
		wantMarks := marksOf(c)
		cmpMark := func(a, b mark) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) }
		slices.SortFunc(got, cmpMark)
		slices.SortFunc(wantMarks, cmpMark)
		if !slices.Equal(got, wantMarks) {
			o.errorf("%s, chart: %s's markers %v, want %v", label, c.unit.Name, got, wantMarks)
		}
	}
	// Units left out rank no higher than the last drawn.
	if last != nil && len(eligible) > len(rows) {
		for _, c := range eligible {
			if !slices.ContainsFunc(rows, func(r report.ChartRow) bool { return r.Unit == c.unit.Name }) &&
				(c.gap > last.gap || c.gap == last.gap && c.recognised() > last.recognised()) {
				o.errorf("%s, chart: %s (short %d, %d products) left out, %s drawn", label, c.unit.Name, c.gap, c.recognised(), last.unit.Name)
			}
		}
	}
}

// checkDigest: the weekly digest of an official of unit id (the country
// for 0, the district for an area) counts the expiring products of every
// unit of the day's tree /status offers them, as the recount does.
func (o *oracle) checkDigest(label string, dc *dayCount, id int64) {
	o.t.Helper()
	off := ocop.Official{UserID: 1, ChatID: 1, Role: ocop.RoleAdmin}
	if id != 0 {
		u, _ := o.atlas.Unit(max(id, -id))
		off.UnitID, off.Role = u.ID, []ocop.Role{1: ocop.RoleProvince, 2: ocop.RoleDistrict, 3: ocop.RoleCommune}[u.Level]
	}
	want := 0
	if off.Role == ocop.RoleAdmin {
		want = o.expect(dc, 0).total.expiring
	}
	for _, u := range ocop.Roots(o.atlas, off, dc.tree) {
		want += o.expect(dc, u.ID).total.expiring
	}
	got, items, err := o.e.DigestExpiring(o.ctx, off, dc.day, 10)
	if err != nil {
		o.t.Fatal(err)
	}
	if got != want || len(items) != min(want, 10) {
		o.errorf("%s, digest: %d expiring (%d listed), want %d", label, got, len(items), want)
	}
}
