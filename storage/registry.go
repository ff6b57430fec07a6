package storage

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// ImportRegistry writes a province's checked registry rows in one
// transaction (issue 15): producers, products and certificates, found by
// their identity (ocop.RegistryRow) and written when new; a newer decision
// ends the certificate in force of its product from its date, as a council
// result does; the same rows twice change nothing. The rows go to the
// server in three COPYs and are merged by set-based statements, so a
// national file is a handful of round trips. sha is the file's SHA-256,
// kept in the audit row; actor the Telegram user (0: the command line).
func (s *Store) ImportRegistry(ctx context.Context, rows []ocop.RegistryRow, sha string, actor int64) (ocop.RegistryImported, error) {
	var done ocop.RegistryImported
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return ocop.RegistryImported{}, fmt.Errorf("registry import: %w", err)
	}
	defer conn.Release()
	// The staging tables of a national file outgrow the default 8 MB of
	// local buffers; a session that has used temporary tables already keeps
	// its size, so the error is of no interest.
	_, _ = conn.Exec(ctx, `SET temp_buffers = '256MB'`)
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		done = ocop.RegistryImported{}
		// Two imports of one province never interleave.
		var provinces []string
		for _, r := range rows {
			if !slices.Contains(provinces, r.ProvinceCode) {
				provinces = append(provinces, r.ProvinceCode)
			}
		}
		slices.Sort(provinces)
		for _, p := range provinces {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('ocop.registry.' || $1))`, p); err != nil {
				return fmt.Errorf("lock registry of province %s: %w", p, err)
			}
		}
		if _, err := tx.Exec(ctx, `
CREATE TEMP TABLE reg_producers (pkey text PRIMARY KEY, province_code text, unit_id bigint, kind text, name text,
    name_key text, tax_code text, citizen_id text, representative text, phone text, decided date, id bigint,
    fresh bool NOT NULL DEFAULT false) ON COMMIT DROP;
CREATE TEMP TABLE reg_products (pkey text, name_key text, name text, group_code text, target_stars smallint,
    producer_id bigint, id bigint, PRIMARY KEY (pkey, name_key)) ON COMMIT DROP;
CREATE TEMP TABLE reg_certs (pkey text, name_key text, stars smallint, score numeric(5,2), decision_no text,
    decision_date date, valid_until date, product_id bigint) ON COMMIT DROP`); err != nil {
			return fmt.Errorf("create registry tables: %w", err)
		}
		// The latest decision's row says what a producer or product is now.
		sorted := slices.Clone(rows)
		slices.SortStableFunc(sorted, func(a, b ocop.RegistryRow) int { return b.DecisionDate.Compare(a.DecisionDate) })
		var producers, products, certs [][]any
		seenP, seenPr := map[string]bool{}, map[string]int{}
		for _, r := range sorted {
			pk := r.ProducerKey()
			if !seenP[pk] {
				seenP[pk] = true
				producers = append(producers, []any{pk, r.ProvinceCode, r.CommuneID, string(r.Kind), r.Name, r.NameKey,
					r.TaxCode, r.CitizenID, r.Representative, r.Phone, r.DecisionDate})
			}
			prk := pk + "\x00" + r.ProductKey
			if i, ok := seenPr[prk]; !ok {
				seenPr[prk] = len(products)
				products = append(products, []any{pk, r.ProductKey, r.Product, r.GroupCode, int16(r.Stars)})
			} else if st := products[i][4].(int16); int16(r.Stars) > st {
				products[i][4] = int16(r.Stars)
			}
			var score *float64
			if r.Score > 0 {
				score = &r.Score
			}
			certs = append(certs, []any{pk, r.ProductKey, int16(r.Stars), score, r.DecisionNo, r.DecisionDate,
				ocop.CertificateExpiry(r.DecisionDate)})
		}
		for _, c := range []struct {
			table string
			cols  []string
			rows  [][]any
		}{
			{"reg_producers", []string{"pkey", "province_code", "unit_id", "kind", "name", "name_key", "tax_code", "citizen_id", "representative", "phone", "decided"}, producers},
			{"reg_products", []string{"pkey", "name_key", "name", "group_code", "target_stars"}, products},
			{"reg_certs", []string{"pkey", "name_key", "stars", "score", "decision_no", "decision_date", "valid_until"}, certs},
		} {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
				return fmt.Errorf("copy %s: %w", c.table, err)
			}
		}
		steps := []struct {
			what string
			sql  string
			n    *int
		}{
			{"analyze", `ANALYZE reg_producers; ANALYZE reg_products; ANALYZE reg_certs`, nil},
			{"find producers by tax code", `
UPDATE reg_producers r SET id = p.id FROM (
    -- one producer per tax code, deterministically: a claimed one first
    SELECT DISTINCT ON (province_code, tax_code) id, province_code, tax_code FROM producers
    WHERE tax_code <> '' ORDER BY province_code, tax_code, owner_user_id IS NULL, id) p
WHERE r.tax_code <> '' AND p.tax_code = r.tax_code AND p.province_code = r.province_code`, nil},
			{"find producers by CCCD", `
UPDATE reg_producers r SET id = p.id FROM (
    SELECT DISTINCT ON (province_code, citizen_id) id, province_code, citizen_id FROM producers
    WHERE citizen_id <> '' ORDER BY province_code, citizen_id, owner_user_id IS NULL, id) p
WHERE r.id IS NULL AND r.citizen_id <> '' AND p.citizen_id = r.citizen_id AND p.province_code = r.province_code`, nil},
			{"find producers by name", `
UPDATE reg_producers r SET id = p.id FROM producers p
WHERE r.id IS NULL AND r.tax_code = '' AND r.citizen_id = '' AND p.unit_id = r.unit_id AND p.name_key = r.name_key`, nil},
			// A producer with neither tax code nor CCCD may have moved to
			// the commune its commune was merged into (a newer decision) or
			// come from it: the same name there is the same producer.
			{"find producers by name across the merges", `
UPDATE reg_producers r SET id = p.id FROM admin_unit_origins m, producers p
WHERE r.id IS NULL AND r.tax_code = '' AND r.citizen_id = '' AND m.old_unit_id = r.unit_id AND p.unit_id = m.unit_id AND p.name_key = r.name_key;
UPDATE reg_producers r SET id = p.id FROM admin_unit_origins m, producers p
WHERE r.id IS NULL AND r.tax_code = '' AND r.citizen_id = '' AND m.unit_id = r.unit_id AND p.unit_id = m.old_unit_id AND p.name_key = r.name_key`, nil},
			// A producer's unit moves only to a unit given with a decision
			// at least as recent as the one its unit came with (its latest
			// certificate's, or its registration's in the bot) and never to
			// a unit of an older tree: an older certificate imported late
			// must not send a producer of today's Xã Củ Chi back to "Xã Tân
			// Thông Hội (cũ)".
			{"keep newer units", `
UPDATE reg_producers r SET unit_id = p.unit_id
FROM producers p
JOIN admin_units cur ON cur.id = p.unit_id
CROSS JOIN LATERAL (
    SELECT max(c.decision_date) AS decided FROM products pr JOIN certificates c ON c.product_id = pr.id
    WHERE pr.producer_id = p.id) known,
admin_units nu
WHERE p.id = r.id AND nu.id = r.unit_id AND p.unit_id <> r.unit_id
  AND (nu.valid_from < cur.valid_from
       OR r.decided < greatest(known.decided, CASE WHEN p.imported_at IS NULL THEN p.created_at::date END))`, nil},
			{"update producers", `
UPDATE producers p SET name = r.name, name_key = r.name_key, kind = r.kind, unit_id = r.unit_id,
    representative = CASE WHEN r.representative <> '' THEN r.representative ELSE p.representative END,
    phone = CASE WHEN r.phone <> '' THEN r.phone ELSE p.phone END, updated_at = now()
FROM reg_producers r
WHERE p.id = r.id AND (p.name, coalesce(p.name_key, ''), p.kind, p.unit_id) IS DISTINCT FROM (r.name, r.name_key, r.kind, r.unit_id)
   OR p.id = r.id AND (r.representative <> '' AND r.representative <> p.representative OR r.phone <> '' AND r.phone <> p.phone)`, &done.ProducersUpdated},
			{"number new producers", `UPDATE reg_producers SET id = nextval('producers_id_seq'), fresh = true WHERE id IS NULL`, &done.ProducersNew},
			{"insert producers", `
INSERT INTO producers (id, kind, name, representative, phone, tax_code, citizen_id, unit_id, province_code, name_key, imported_at)
SELECT id, kind, name, representative, phone, tax_code, citizen_id, unit_id, province_code, name_key, now()
FROM reg_producers WHERE fresh`, nil},
			{"find products", `
UPDATE reg_products r SET producer_id = p.id FROM reg_producers p WHERE p.pkey = r.pkey;
UPDATE reg_products r SET id = pr.id FROM products pr WHERE pr.producer_id = r.producer_id AND pr.name_key = r.name_key`, nil},
			{"update products", `
UPDATE products pr SET name = r.name, group_code = r.group_code FROM reg_products r
WHERE pr.id = r.id AND (pr.name, pr.group_code) IS DISTINCT FROM (r.name, r.group_code)`, nil},
			{"number new products", `UPDATE reg_products SET id = nextval('products_id_seq') WHERE id IS NULL`, &done.ProductsNew},
			{"insert products", `
INSERT INTO products (id, producer_id, name, group_code, target_stars, name_key, imported_at)
SELECT r.id, r.producer_id, r.name, r.group_code, r.target_stars, r.name_key, now()
FROM reg_products r WHERE NOT EXISTS (SELECT 1 FROM products pr WHERE pr.id = r.id)`, nil},
			{"find certificates", `
UPDATE reg_certs c SET product_id = r.id FROM reg_products r WHERE r.pkey = c.pkey AND r.name_key = c.name_key`, nil},
			{"insert certificates", `
INSERT INTO certificates (product_id, stars, score, decision_no, decision_date, valid_until, imported_at)
SELECT c.product_id, c.stars, c.score, c.decision_no, c.decision_date, c.valid_until, now() FROM reg_certs c
WHERE NOT EXISTS (SELECT 1 FROM certificates x
    WHERE x.product_id = c.product_id AND x.decision_no = c.decision_no AND x.decision_date = c.decision_date)`, &done.CertificatesNew},
			// A newer decision ends the certificate in force on its date,
			// from that date (as recordResult does for a council result).
			{"end superseded certificates", `
UPDATE certificates c SET revoked_on = n.next
FROM (SELECT x.id, (SELECT min(y.decision_date) FROM certificates y
                     WHERE y.product_id = x.product_id AND y.decision_date > x.decision_date) AS next
      FROM certificates x WHERE x.product_id IN (SELECT product_id FROM reg_certs) AND x.revoked_on IS NULL) n
WHERE c.id = n.id AND n.next IS NOT NULL AND n.next < c.valid_until`, &done.Superseded},
		}
		for _, st := range steps {
			tag, err := tx.Exec(ctx, st.sql)
			if err != nil {
				return fmt.Errorf("registry import: %s: %w", st.what, err)
			}
			if st.n != nil {
				*st.n = int(tag.RowsAffected())
			}
		}
		done.Unchanged = len(certs) - done.CertificatesNew
		return audit(ctx, tx, actor, "registry.imported", "registry", 0, map[string]any{
			"sha256": sha, "rows": len(rows), "provinces": provinces,
			"producers_new": done.ProducersNew, "producers_updated": done.ProducersUpdated, "products_new": done.ProductsNew,
			"certificates_new": done.CertificatesNew, "superseded": done.Superseded})
	})
	if err != nil {
		return ocop.RegistryImported{}, err
	}
	return done, nil
}

// RegistryFileImported reports whether a registry file with this SHA-256
// was imported before, as its audit row records. Demo mode imports its
// generated registry only when not: importing it again would change no
// count, but would give back a phone or a representative a demo user had
// since corrected or erased.
func (s *Store) RegistryFileImported(ctx context.Context, sha string) (bool, error) {
	var done bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM audit_log WHERE action = 'registry.imported' AND details->>'sha256' = $1)`,
		sha).Scan(&done)
	if err != nil {
		return false, fmt.Errorf("find registry import: %w", err)
	}
	return done, nil
}

// registryEntryRow is a row of RegistryEntries.
type registryEntryRow struct {
	CommuneID      int64     `db:"unit_id"`
	Kind           string    `db:"kind"`
	Name           string    `db:"name"`
	TaxCode        string    `db:"tax_code"`
	CitizenID      string    `db:"citizen_id"`
	Representative string    `db:"representative"`
	Phone          string    `db:"phone"`
	Product        string    `db:"product"`
	GroupCode      string    `db:"group_code"`
	Stars          int16     `db:"stars"`
	Score          *float64  `db:"score"`
	DecisionNo     string    `db:"decision_no"`
	DecisionDate   time.Time `db:"decision_date"`
}

func (r registryEntryRow) entry() ocop.RegistryEntry {
	return ocop.RegistryEntry{CommuneID: r.CommuneID, Kind: ocop.ProducerKind(r.Kind), Name: r.Name, TaxCode: r.TaxCode,
		CitizenID: r.CitizenID, Representative: r.Representative, Phone: r.Phone, Product: r.Product,
		GroupCode: r.GroupCode, Stars: int(r.Stars), Score: deref(r.Score), DecisionNo: r.DecisionNo,
		DecisionDate: r.DecisionDate}
}

// RegistryEntries lists the certificates of a province (its GSO code; ""
// every province), those valid on day when day is not zero, else all, in
// the order of their decisions.
func (s *Store) RegistryEntries(ctx context.Context, province string, day time.Time) ([]ocop.RegistryEntry, error) {
	var on *time.Time
	if !day.IsZero() {
		on = &day
	}
	out, err := collectRows(ctx, s.pool, registryEntryRow.entry, `
SELECT p.unit_id, p.kind, p.name, p.tax_code, p.citizen_id, p.representative, p.phone, pr.name AS product,
       pr.group_code, c.stars, c.score::float8 AS score, c.decision_no, c.decision_date
FROM certificates c JOIN products pr ON pr.id = c.product_id JOIN producers p ON p.id = pr.producer_id
WHERE ($1 = '' OR p.province_code = $1)
  AND ($2::date IS NULL OR c.decision_date <= $2 AND c.valid_until > $2 AND (c.revoked_on IS NULL OR c.revoked_on > $2))
ORDER BY c.decision_date, c.id`, province, on)
	if err != nil {
		return nil, fmt.Errorf("read registry of %q: %w", province, err)
	}
	return out, nil
}
