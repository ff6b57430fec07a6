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
	// Unlinked is the share of producers (0 to 1) left as a province's
	// registry import leaves them, not linked to the bot: the officials'
	// notices of issue 26 are about them.
	Unlinked float64
}

// National is DESIGN.md's whole-country scale.
var National = Dataset{Producers: 100_000, Products: 200_000, Certificates: 300_000}

// generate fills DATABASE_URL (units already imported) with producers,
// products and certificates for benchmarks:
//
//	ocopbot generate [--producers 100000] [--products 200000] [--certificates 300000] [--unlinked 0]
func generate(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	d := National
	fs.IntVar(&d.Producers, "producers", d.Producers, "producers")
	fs.IntVar(&d.Products, "products", d.Products, "products")
	fs.IntVar(&d.Certificates, "certificates", d.Certificates, "certificates (at most 2 per product)")
	fs.Float64Var(&d.Unlinked, "unlinked", 0, "share of producers imported from a registry and not linked to the bot (0 to 1)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	store, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	start := time.Now()
	unlinked, err := generateData(ctx, store, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "generate: %d producers (%d not linked to the bot), %d products, %d certificates in %s\n",
		d.Producers, unlinked, d.Products, d.Certificates, time.Since(start).Round(time.Millisecond))
	return nil
}

// generatedProducer is the condition of a producer (alias p) being one
// generate wrote: a linked one has a user ID from 1,000,000,000 up (no test
// or demo user has one); an unlinked one has no user, and the folded name
// generate's names fold to ("Chủ thể 17" → "chu the 17"), which no
// registry's producer bears.
const generatedProducer = `(p.owner_user_id >= 1000000000 OR p.owner_user_id IS NULL AND p.name_key LIKE 'chu the %')`

// generatedImport is when the registry import that brought the unlinked
// producers happened: a fixed instant, so that the dataset is the same on
// every run, the day after the latest decision it holds (2020-01-01 +
// 2,499 days, below).
const generatedImport = `timestamptz '2026-11-05 09:00:00+07'`

// generateData writes the dataset inside Postgres (generate_series), which
// is seconds where a row-by-row client would take minutes, and returns how
// many producers it left unlinked. It is deterministic: values come from
// hashes of the row number. Producers are spread over the communes of the
// oldest tree, a few communes holding many (a squared hash over the
// communes in hashed order), as real OCOP producers cluster in some
// communes of every province; half the products have a second, later
// certificate (a renewal, sometimes an upgrade); one in a hundred
// certificates was revoked; one registration in twenty is waiting for
// review. A share d.Unlinked of the producers, drawn by another hash, is
// as ImportRegistry leaves a province's registry: no Telegram user nor
// chat, the province and folded name it is found by, imported products
// and certificates, and no registration in the bot.
func generateData(ctx context.Context, store *storage.Store, d Dataset) (int, error) {
	if d.Certificates > 2*d.Products || d.Certificates < d.Products || d.Products < d.Producers {
		return 0, fmt.Errorf("generate: want producers ≤ products ≤ certificates ≤ 2 × products")
	}
	if !(d.Unlinked >= 0 && d.Unlinked <= 1) {
		return 0, fmt.Errorf("generate: want a share of unlinked producers from 0 to 1, not %g", d.Unlinked)
	}
	var n int
	if err := store.Pool().QueryRow(ctx, `SELECT count(*) FROM producers p WHERE `+generatedProducer).Scan(&n); err != nil {
		return 0, fmt.Errorf("generate: %w", err)
	}
	if n > 0 {
		return 0, fmt.Errorf("generate: the database already holds %d generated producers", n)
	}
	steps := []struct {
		what string
		sql  string
		args []any
	}{
		// The producer of row g is unlinked when a hash of -g (not g's,
		// which chose its commune) falls in the share: the unlinked are
		// spread over the communes as the others are. Its province is the
		// unit above its commune's district, or above the commune in the
		// two-level tree. ORDER BY keeps the IDs in the order of g, which
		// the products' producers are counted in.
		{"producers", `
WITH c AS (
    SELECT array_agg(id ORDER BY hashint8(id)) AS ids, count(*) AS n FROM admin_units
    WHERE level = 3 AND valid_from = (SELECT min(valid_from) FROM admin_units)),
g AS (
    SELECT g, c.ids[1 + floor(c.n * power((abs(hashint8(g)) % 1000000) / 1000000.0, 2))::int] AS unit_id,
           abs(hashint8(-g)::bigint) % 1000000 < $2::float8 * 1000000 AS unlinked
    FROM generate_series(1, $1::bigint) g, c)
INSERT INTO producers (owner_user_id, chat_id, kind, name, representative, phone, tax_code, unit_id,
                       province_code, name_key, imported_at)
SELECT CASE WHEN NOT g.unlinked THEN 1000000000 + g.g END, CASE WHEN NOT g.unlinked THEN 1000000000 + g.g END,
       (ARRAY['enterprise','cooperative','coop_group','farm','household'])[1 + g.g % 5],
       'Chủ thể ' || g.g, 'Người đại diện ' || g.g, '09' || lpad((g.g % 100000000)::text, 8, '0'), lpad(g.g::text, 10, '0'),
       g.unit_id, CASE WHEN g.unlinked THEN CASE WHEN up.level = 1 THEN up.code ELSE pv.code END END,
       CASE WHEN g.unlinked THEN 'chu the ' || g.g END, CASE WHEN g.unlinked THEN ` + generatedImport + ` END
FROM g
JOIN admin_units cm ON cm.id = g.unit_id
JOIN admin_units up ON up.id = cm.parent_id
LEFT JOIN admin_units pv ON pv.id = up.parent_id
ORDER BY g.g`, []any{d.Producers, d.Unlinked}},
		{"products", `
WITH p AS (SELECT min(id) AS first FROM producers p WHERE ` + generatedProducer + `),
     s AS (SELECT array_agg(code ORDER BY code) AS codes, array_agg(group_code ORDER BY code) AS groups, count(*) AS n
           FROM product_subgroups),
     g AS (SELECT g, p.first + CASE WHEN g <= $2 THEN g - 1 ELSE abs(hashint8(g)) % $2 END AS producer_id
           FROM generate_series(1, $1::bigint) g, p)
INSERT INTO products (producer_id, name, subgroup_code, group_code, description, target_stars, name_key, imported_at)
SELECT g.producer_id, 'Sản phẩm ' || g.g, s.codes[1 + g.g % s.n], s.groups[1 + g.g % s.n], 'Mô tả sản phẩm ' || g.g, 3 + g.g % 3,
       CASE WHEN o.imported_at IS NOT NULL THEN 'san pham ' || g.g END, o.imported_at
FROM g JOIN producers o ON o.id = g.producer_id, s
ORDER BY g.g`, []any{d.Products, d.Producers}},
		{"registrations", `
INSERT INTO registrations (code, producer_id, product_id, unit_id, status, submitted_at)
SELECT 'GEN-' || pr.id, pr.producer_id, pr.id, p.unit_id,
       CASE WHEN pr.id % 20 = 0 THEN 'submitted' ELSE 'evaluated' END, '2019-01-01'::timestamptz + (pr.id % 2500) * interval '1 day'
FROM products pr JOIN producers p ON p.id = pr.producer_id WHERE p.owner_user_id >= 1000000000`, nil},
		{"certificates", `
WITH pr AS (
    SELECT pr.id, row_number() OVER (ORDER BY pr.id) AS k, pr.imported_at FROM products pr
    JOIN producers p ON p.id = pr.producer_id WHERE ` + generatedProducer + `),
first AS (
    SELECT id, k, imported_at, 3 + abs(hashint8(k)) % 3 AS stars,
           CASE WHEN k <= $1 THEN date '2019-01-01' + (abs(hashint8(k * 7)) % 1400)::int
                ELSE date '2020-01-01' + (abs(hashint8(k * 7)) % 2500)::int END AS decided
    FROM pr)
INSERT INTO certificates (product_id, stars, score, decision_no, decision_date, valid_until, revoked_on, imported_at)
SELECT id, stars, 50 + stars * 8, k || '/QĐ-UBND', decided, (decided + interval '36 months')::date,
       CASE WHEN k % 100 = 0 THEN decided + 400 END, imported_at
FROM first
UNION ALL
SELECT id, least(5, stars + (k % 4 = 0)::int), 55 + stars * 8, k || '/QĐ-UBND-TL', (decided + interval '36 months')::date,
       (decided + interval '72 months')::date, NULL, imported_at
FROM first WHERE k <= $1`, []any{d.Certificates - d.Products}},
		{"statistics", `VACUUM ANALYZE`, nil}, // as autovacuum would have: index-only scans need the visibility map
	}
	for _, s := range steps {
		if _, err := store.Pool().Exec(ctx, s.sql, s.args...); err != nil {
			return 0, fmt.Errorf("generate %s: %w", s.what, err)
		}
	}
	if err := store.Pool().QueryRow(ctx, `SELECT count(*) FROM producers p WHERE p.owner_user_id IS NULL AND `+generatedProducer).
		Scan(&n); err != nil {
		return 0, fmt.Errorf("generate: count unlinked producers: %w", err)
	}
	return n, nil
}
