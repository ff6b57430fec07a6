package storage_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"

	"golang.org/x/sync/errgroup"
)

// TestProductSpansFollowEveryWrite: the counts /status reads from
// product_spans (kept by triggers) equal a recount straight over the
// certificates, on every day around every certificate's dates, after each
// kind of write that can change a product's standing — certificates added
// in one statement and one by one, revoked, superseded (ended early),
// deleted, a product moved to another producer and a producer to another
// commune. Random, with the seed printed on failure.
func TestProductSpansFollowEveryWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, commune, exec := dayFixture(t)
	other, err := store.UnitIDByCode(ctx, "27553", 3, date("2024-06-28"))
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("seed %d", seed)

	var products []int64
	for i := range 12 {
		products = append(products, storagetest.AddProduct(t, store, int64(9300+i), commune, fmt.Sprintf("Sản phẩm %d", i)))
	}
	someDay := func() time.Time { return date("2022-01-01").AddDate(0, 0, rng.IntN(5*365)) }
	addCerts := func(n int) {
		// One INSERT of many rows: the statement trigger refreshes them at once.
		for range n {
			p := products[rng.IntN(len(products))]
			d := someDay()
			end := ocop.CertificateExpiry(d)
			exec(`INSERT INTO certificates (product_id, stars, decision_no, decision_date, valid_until) VALUES ($1, $2, 'x', $3, $4)`,
				p, 3+rng.IntN(3), d, end)
		}
	}
	check := func(stage string) {
		t.Helper()
		var days []time.Time
		rows, err := store.Pool().Query(ctx, `SELECT DISTINCT d FROM certificates c,
			LATERAL (VALUES (c.decision_date), (c.valid_until), (c.revoked_on)) v(d) WHERE d IS NOT NULL`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var d time.Time
			if err := rows.Scan(&d); err != nil {
				t.Fatal(err)
			}
			days = append(days, d.AddDate(0, 0, -1), d, d.AddDate(0, 0, 1))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		for _, day := range days {
			until := day.AddDate(0, 0, 90)
			got, err := store.CommuneTallies(ctx, day, until, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := recount(t, store, day, until)
			if g, w := tallyText(got), tallyText(want); g != w {
				t.Fatalf("seed %d, after %s, on %s: counts from product_spans\n%s\nrecount\n%s", seed, stage, day.Format(time.DateOnly), g, w)
			}
			list, err := store.ExpiringProducts(ctx, day, until, []int64{commune, other}, 100)
			if err != nil {
				t.Fatal(err)
			}
			expiring := 0
			for _, ct := range want {
				expiring += ct.Tally.Expiring
			}
			if len(list) != expiring {
				t.Fatalf("seed %d, after %s, on %s: %d products listed expiring, %d counted", seed, stage, day.Format(time.DateOnly), len(list), expiring)
			}
		}
	}

	addCerts(20)
	check("certificates added in one statement")
	for range 4 {
		p := products[rng.IntN(len(products))]
		if _, err := store.AddCertificate(ctx, ocop.Certificate{ProductID: p, Stars: 4, DecisionNo: "2/QĐ", DecisionDate: someDay()}, 0); err != nil {
			t.Fatal(err)
		}
	}
	check("certificates added one by one")
	exec(`UPDATE certificates SET revoked_on = decision_date + 200 WHERE id IN (SELECT id FROM certificates ORDER BY id LIMIT 5)`)
	check("revocations")
	exec(`UPDATE certificates SET valid_until = decision_date + 400 WHERE id IN (SELECT id FROM certificates ORDER BY id DESC LIMIT 3)`)
	check("certificates ended early")
	exec(`DELETE FROM certificates WHERE id IN (SELECT id FROM certificates ORDER BY id LIMIT 2 OFFSET 7)`)
	check("certificates deleted")
	exec(`UPDATE producers SET unit_id = $1 WHERE id IN (SELECT producer_id FROM products WHERE id = ANY($2))`, other, products[:4])
	check("producers moved to another commune")
	exec(`UPDATE products SET producer_id = (SELECT producer_id FROM products WHERE id = $1) WHERE id = $2`, products[0], products[8])
	check("a product moved to another producer")
	exec(`UPDATE certificates SET score = 70`) // no standing changes
	check("an update of other columns")

	// Writers of one product at once: each refresh waits for the other's
	// commit and recounts from it, none is lost.
	var g errgroup.Group
	for w := range 4 {
		g.Go(func() error {
			for i := range 5 {
				c := ocop.Certificate{ProductID: products[1], Stars: 3 + (w+i)%3, DecisionNo: "3/QĐ",
					DecisionDate: date("2023-01-01").AddDate(0, 0, 97*w+13*i)}
				if _, err := store.AddCertificate(ctx, c, 0); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	check("concurrent certificates of one product")
}

// recount counts certified products per commune on day straight over the
// tables: each product's best stars among its certificates valid on day,
// expiring when the latest valid_until of those is by until.
func recount(t *testing.T, store *storage.Store, day, until time.Time) []ocop.CommuneTally {
	t.Helper()
	rows, err := store.Pool().Query(context.Background(), `
SELECT p.unit_id, b.stars, count(*)::int, (count(*) FILTER (WHERE b.until <= $2))::int
FROM (
    SELECT c.product_id, max(c.stars) AS stars, max(c.valid_until) AS until
    FROM certificates c
    WHERE c.decision_date <= $1 AND c.valid_until > $1 AND (c.revoked_on IS NULL OR c.revoked_on > $1)
    GROUP BY c.product_id
) b
JOIN products pr ON pr.id = b.product_id
JOIN producers p ON p.id = pr.producer_id
GROUP BY 1, 2`, day, until)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	by := map[int64]*ocop.CommuneTally{}
	var out []ocop.CommuneTally
	for rows.Next() {
		var unit int64
		var stars, n, expiring int
		if err := rows.Scan(&unit, &stars, &n, &expiring); err != nil {
			t.Fatal(err)
		}
		if by[unit] == nil {
			by[unit] = &ocop.CommuneTally{UnitID: unit}
		}
		by[unit].Tally.Stars[stars] += n
		by[unit].Tally.Expiring += expiring
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, ct := range by {
		out = append(out, *ct)
	}
	return out
}

// tallyText writes tallies in one order, to compare and to show.
func tallyText(ts []ocop.CommuneTally) string {
	lines := make([]string, 0, len(ts))
	for _, ct := range ts {
		lines = append(lines, fmt.Sprintf("commune %d: 3★ %d, 4★ %d, 5★ %d, expiring %d",
			ct.UnitID, ct.Tally.Stars[3], ct.Tally.Stars[4], ct.Tally.Stars[5], ct.Tally.Expiring))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
