package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestGenerateUnlinked generates a small set with half its producers
// unlinked into two databases: the same rows in both (the benchmarks'
// figures must not depend on the run), and the unlinked ones as a
// registry import leaves them, which is what the sweep holds reminders
// and tells officials for.
func TestGenerateUnlinked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	args := []string{"--producers", "2000", "--products", "4000", "--certificates", "6000", "--unlinked", "0.5"}
	var prints []string
	for range 2 {
		db := storagetest.NewDB(t)
		var out bytes.Buffer
		if err := generate(ctx, Config{DatabaseURL: db.URL}, args, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "2000 producers (") {
			t.Errorf("generate printed %q", out.String())
		}
		pool := db.Store.Pool()
		var unlinked, wrong, registered int
		if err := pool.QueryRow(ctx, `
SELECT count(*) FILTER (WHERE p.owner_user_id IS NULL),
       count(*) FILTER (WHERE CASE WHEN p.owner_user_id IS NULL
           THEN p.chat_id IS NOT NULL OR p.imported_at IS NULL OR p.name_key IS NULL
                OR p.province_code IS DISTINCT FROM (SELECT v.code FROM admin_units c JOIN admin_units d ON d.id = c.parent_id
                                                     JOIN admin_units v ON v.id = d.parent_id WHERE c.id = p.unit_id)
           ELSE p.chat_id IS DISTINCT FROM p.owner_user_id OR p.imported_at IS NOT NULL END),
       (SELECT count(*) FROM registrations g JOIN producers x ON x.id = g.producer_id WHERE x.owner_user_id IS NULL)
FROM producers p`).Scan(&unlinked, &wrong, &registered); err != nil {
			t.Fatal(err)
		}
		if unlinked < 900 || unlinked > 1100 || wrong > 0 || registered > 0 {
			t.Errorf("%d producers unlinked of 2000, %d not as generated, %d unlinked with registrations", unlinked, wrong, registered)
		}
		// Every row but the clock's columns.
		var print string
		if err := pool.QueryRow(ctx, `
SELECT md5(string_agg(x, E'\n' ORDER BY x)) FROM (
    SELECT concat_ws('|', 'p', id, owner_user_id, chat_id, kind, name, phone, tax_code, unit_id, province_code, name_key, imported_at) x FROM producers
    UNION ALL SELECT concat_ws('|', 'r', id, producer_id, name, subgroup_code, group_code, target_stars, name_key, imported_at) FROM products
    UNION ALL SELECT concat_ws('|', 'c', id, product_id, stars, score, decision_no, decision_date, valid_until, revoked_on, imported_at) FROM certificates
    UNION ALL SELECT concat_ws('|', 'g', code, producer_id, product_id, unit_id, status, submitted_at) FROM registrations) t`).Scan(&print); err != nil {
			t.Fatal(err)
		}
		prints = append(prints, print)
		if err := generate(ctx, Config{DatabaseURL: db.URL}, []string{"--unlinked", "1.5"}, &out); err == nil ||
			!strings.Contains(err.Error(), "from 0 to 1") {
			t.Errorf("--unlinked 1.5: %v", err)
		}
	}
	if prints[0] != prints[1] {
		t.Errorf("two runs generated different rows: %s, %s", prints[0], prints[1])
	}
}
