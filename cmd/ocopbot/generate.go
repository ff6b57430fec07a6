package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/ocopbot/ocopbot/storage"
)

// Dataset is the size of a generated dataset.
type Dataset struct {
	Producers, Products, Certificates int
}

// National is DESIGN.md's whole-country scale.
var National = Dataset{Producers: 100_000, Products: 200_000, Certificates: 300_000}

// generate fills DATABASE_URL (units already imported) with producers,
// products and certificates for benchmarks:
//
//	ocopbot generate [--producers 100000] [--products 200000] [--certificates 300000]
func generate(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	d := National
	fs.IntVar(&d.Producers, "producers", d.Producers, "producers")
	fs.IntVar(&d.Products, "products", d.Products, "products")
	fs.IntVar(&d.Certificates, "certificates", d.Certificates, "certificates (at most 2 per product)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	store, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	start := time.Now()
	if err := generateData(ctx, store, d); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "generate: %d producers, %d products, %d certificates in %s\n",
		d.Producers, d.Products, d.Certificates, time.Since(start).Round(time.Millisecond))
	return nil
}

// generateData writes the dataset inside Postgres (generate_series), which
// is seconds where a row-by-row client would take minutes. It is
// deterministic: values come from hashes of the row number. Producers are
// spread over the communes of the oldest tree, a few communes holding many
// (a squared hash over the communes in hashed order), as real OCOP
// producers cluster in some communes of every province; half the products have a
// second, later certificate (a renewal, sometimes an upgrade); one in a
// hundred certificates was revoked; one registration in twenty is waiting
// for review.
func generateData(ctx context.Context, store *storage.Store, d Dataset) error {
	if d.Certificates > 2*d.Products || d.Certificates < d.Products || d.Products < d.Producers {
		return fmt.Errorf("generate: want producers ≤ products ≤ certificates ≤ 2 × products")
	}
	var n int
	if err := store.Pool().QueryRow(ctx, `SELECT count(*) FROM producers WHERE owner_user_id >= 1000000000`).Scan(&n); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("generate: the database already holds %d generated producers", n)
	}
	steps := []struct {
		what string
		sql  string
		args []any
	}{
		{"producers", `
WITH c AS (
    SELECT array_agg(id ORDER BY hashint8(id)) AS ids, count(*) AS n FROM admin_units
    WHERE level = 3 AND valid_from = (SELECT min(valid_from) FROM admin_units))
INSERT INTO producers (owner_user_id, chat_id, kind, name, representative, phone, tax_code, unit_id)
SELECT 1000000000 + g, 1000000000 + g,
       (ARRAY['enterprise','cooperative','coop_group','farm','household'])[1 + g % 5],
       'Chủ thể ' || g, 'Người đại diện ' || g, '09' || lpad((g % 100000000)::text, 8, '0'), lpad(g::text, 10, '0'),
       c.ids[1 + floor(c.n * power((abs(hashint8(g)) % 1000000) / 1000000.0, 2))::int]
FROM generate_series(1, $1::bigint) g, c`, []any{d.Producers}},
		{"products", `
WITH p AS (SELECT min(id) AS first FROM producers WHERE owner_user_id >= 1000000000),
     s AS (SELECT array_agg(code ORDER BY code) AS codes, array_agg(group_code ORDER BY code) AS groups, count(*) AS n
           FROM product_subgroups)
INSERT INTO products (producer_id, name, subgroup_code, group_code, description, target_stars)
SELECT p.first + CASE WHEN g <= $2 THEN g - 1 ELSE abs(hashint8(g)) % $2 END,
       'Sản phẩm ' || g, s.codes[1 + g % s.n], s.groups[1 + g % s.n], 'Mô tả sản phẩm ' || g, 3 + g % 3
FROM generate_series(1, $1::bigint) g, p, s`, []any{d.Products, d.Producers}},
		{"registrations", `
INSERT INTO registrations (code, producer_id, product_id, unit_id, status, submitted_at)
SELECT 'GEN-' || pr.id, pr.producer_id, pr.id, p.unit_id,
       CASE WHEN pr.id % 20 = 0 THEN 'submitted' ELSE 'evaluated' END, '2019-01-01'::timestamptz + (pr.id % 2500) * interval '1 day'
FROM products pr JOIN producers p ON p.id = pr.producer_id WHERE p.owner_user_id >= 1000000000`, nil},
		{"certificates", `
WITH pr AS (
    SELECT pr.id, row_number() OVER (ORDER BY pr.id) AS k FROM products pr
    JOIN producers p ON p.id = pr.producer_id WHERE p.owner_user_id >= 1000000000),
first AS (
    SELECT id, k, 3 + abs(hashint8(k)) % 3 AS stars,
           CASE WHEN k <= $1 THEN date '2019-01-01' + (abs(hashint8(k * 7)) % 1400)::int
                ELSE date '2020-01-01' + (abs(hashint8(k * 7)) % 2500)::int END AS decided
    FROM pr)
INSERT INTO certificates (product_id, stars, score, decision_no, decision_date, valid_until, revoked_on)
SELECT id, stars, 50 + stars * 8, k || '/QĐ-UBND', decided, (decided + interval '36 months')::date,
       CASE WHEN k % 100 = 0 THEN decided + 400 END
FROM first
UNION ALL
SELECT id, least(5, stars + (k % 4 = 0)::int), 55 + stars * 8, k || '/QĐ-UBND-TL', (decided + interval '36 months')::date,
       (decided + interval '72 months')::date, NULL
FROM first WHERE k <= $1`, []any{d.Certificates - d.Products}},
		{"statistics", `VACUUM ANALYZE`, nil}, // as autovacuum would have: index-only scans need the visibility map
	}
	for _, s := range steps {
		if _, err := store.Pool().Exec(ctx, s.sql, s.args...); err != nil {
			return fmt.Errorf("generate %s: %w", s.what, err)
		}
	}
	return nil
}
