package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// unitlessDB is a test database without the template's unit lists: the
// demo loads its own from the binary.
func unitlessDB(t *testing.T) *storagetest.DB {
	t.Helper()
	db := storagetest.NewDB(t)
	if _, err := db.Store.Pool().Exec(context.Background(), `TRUNCATE admin_units CASCADE`); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestSeedDemo loads Ho Chi Minh City in both trees from the units built
// into the binary, its two officials, the sample producers and the city's
// generated registry into an empty database once; a second start changes
// nothing.
func TestSeedDemo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := unitlessDB(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for run := 1; run <= 2; run++ {
		if err := seedDemo(ctx, db.Store, log); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		var oldTree, newTree, newProvinces, newCommunes, links int
		err := db.Store.Pool().QueryRow(ctx, `SELECT
			(SELECT count(*) FROM admin_units WHERE valid_from = '2000-01-01'),
			(SELECT count(*) FROM admin_units WHERE valid_from = '2025-07-01'),
			(SELECT count(*) FROM admin_units WHERE valid_from = '2025-07-01' AND level = 1),
			(SELECT count(*) FROM admin_units WHERE valid_from = '2025-07-01' AND level = 3),
			(SELECT count(*) FROM admin_unit_origins)`).Scan(&oldTree, &newTree, &newProvinces, &newCommunes, &links)
		if err != nil {
			t.Fatal(err)
		}
		// Today's city: 1 + 168 wards, communes and Đặc khu Côn Đảo; the
		// three-level city for history: 1 + 22 districts + 273 communes.
		if newProvinces != 1 || newCommunes != 168 || newTree != 169 || oldTree != 1+22+273 {
			t.Fatalf("run %d: today's tree %d units (%d provinces, %d communes), the old one %d; want 1 + 168 and 296",
				run, newTree, newProvinces, newCommunes, oldTree)
		}
		// Every old HCMC commune went into some new one.
		if links < 273 {
			t.Fatalf("run %d: %d merge links, want at least the old city's 273 communes", run, links)
		}
		// The four sample producers, registered in the chat (one on Zalo),
		// and the city's registry: its 67 producers, none linked to the bot yet.
		var producers, regs, demo, sample, imported, unlinked int
		err = db.Store.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM producers), (SELECT count(*) FROM registrations),
			(SELECT count(*) FROM producers WHERE name LIKE '%(demo)'),
			(SELECT count(*) FROM producers WHERE imported_at IS NULL AND owner_user_id IS NOT NULL),
			(SELECT count(*) FROM producers WHERE imported_at IS NOT NULL AND province_code = '79'),
			(SELECT count(*) FROM producers WHERE imported_at IS NOT NULL AND owner_user_id IS NULL)`).
			Scan(&producers, &regs, &demo, &sample, &imported, &unlinked)
		if err != nil {
			t.Fatal(err)
		}
		if producers != 4+67 || demo != producers || regs != 4 || sample != 4 || imported != 67 || unlinked != 67 {
			t.Fatalf("run %d: %d producers (%d marked demo; %d sample, %d imported of HCMC, %d unlinked), %d registrations; "+
				"want 4 sample and 67 imported and unlinked, all marked, and 4 registrations", run, producers, demo, sample, imported, unlinked, regs)
		}
		zalo, err := db.Store.ZaloChat(ctx, demoZaloProducer)
		if err != nil {
			t.Fatal(err)
		}
		if p, err := db.Store.ProducerByOwner(ctx, zalo); err != nil || p.Name != "HTX Trà Phú Hòa (demo)" {
			t.Fatalf("run %d: the Zalo user's producer: %+v (%v)", run, p, err)
		}
		// The registry: 191 products, 112 at 3★ and 79 at 4★, each with
		// one certificate decided from 2022 to mid-2024, loaded once.
		var products, certs, three, four, loads int
		var first, last string
		err = db.Store.Pool().QueryRow(ctx, `SELECT count(DISTINCT p.id), count(*), count(*) FILTER (WHERE c.stars = 3),
			count(*) FILTER (WHERE c.stars = 4), min(c.decision_date)::text, max(c.decision_date)::text,
			(SELECT count(*) FROM audit_log WHERE action = 'registry.imported')
			FROM products p JOIN certificates c ON c.product_id = p.id WHERE p.imported_at IS NOT NULL`).
			Scan(&products, &certs, &three, &four, &first, &last, &loads)
		if err != nil {
			t.Fatal(err)
		}
		if s := demoRegistryShape; products != s.products || certs != s.products || three != s.threeStar || four != s.fourStar ||
			first != "2022-03-15" || last != "2024-06-28" || loads != 1 {
			t.Fatalf("run %d: registry of %d products, %d certificates (3★ %d, 4★ %d) decided %s to %s, imported %d times; "+
				"want 191 products and certificates (112 and 79) decided 2022-03-15 to 2024-06-28, imported once",
				run, products, certs, three, four, first, last, loads)
		}
	}

	// The registry is the same file every time: its digest is what says
	// that a demo database has it.
	a, err := db.Store.Atlas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f1, err := demoRegistry(a)
	if err != nil {
		t.Fatal(err)
	}
	if f2, _ := demoRegistry(a); !bytes.Equal(f1, f2) {
		t.Fatal("the demo registry differs between two runs")
	}
	// Chị Hạnh, Xã Củ Chi's official, has records of her own; and the
	// phone the web chat offers finds one with /nhanhoso.
	var inCuChi int
	err = db.Store.Pool().QueryRow(ctx, `SELECT count(*) FROM producers p JOIN admin_unit_origins m ON m.old_unit_id = p.unit_id
		JOIN admin_units u ON u.id = m.unit_id WHERE p.imported_at IS NOT NULL AND u.code = '27553'`).Scan(&inCuChi)
	if err != nil || inCuChi < 3 {
		t.Fatalf("%d registry producers in today's Xã Củ Chi (%v), want at least 3", inCuChi, err)
	}
	if found, err := db.Store.UnclaimedByPhone(ctx, demoClaimPhone); err != nil || len(found) != 1 {
		t.Fatalf("unclaimed producers with the web chat's phone: %d (%v), want 1", len(found), err)
	}

	// The producers live in today's communes.
	rows, err := db.Store.Pool().Query(ctx, `SELECT u.name FROM producers p JOIN admin_units u ON u.id = p.unit_id
		WHERE u.valid_from = '2025-07-01' AND u.level = 3 ORDER BY u.name`)
	if err != nil {
		t.Fatal(err)
	}
	var communes []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		communes = append(communes, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"Phường Linh Xuân", "Xã Củ Chi", "Xã Phú Hòa Đông", "Xã Phú Hòa Đông"}; !slices.Equal(communes, want) {
		t.Fatalf("producers' communes in today's tree: %q, want %q", communes, want)
	}

	// A demo database of an earlier version had Anh Minh as Huyện Củ Chi's
	// official: the next start binds him to the city of today.
	cuchi, err := db.Store.UnitIDByCode(ctx, "783", 2, time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	code, err := db.Store.CreateInvite(ctx, cuchi, ocop.RoleDistrict, 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Store.RedeemInvite(ctx, code, 9002, 9002); err != nil {
		t.Fatal(err)
	}
	if err := seedDemo(ctx, db.Store, log); err != nil {
		t.Fatalf("start over an earlier demo database: %v", err)
	}

	// A province official of the city and a commune official of Xã Củ Chi,
	// both in today's tree.
	for _, tc := range []struct {
		user int64
		role ocop.Role
		unit string
	}{
		{9002, ocop.RoleProvince, "Thành phố Hồ Chí Minh"},
		{9004, ocop.RoleCommune, "Xã Củ Chi"},
	} {
		o, err := db.Store.OfficialByUser(ctx, tc.user)
		if err != nil {
			t.Fatalf("demo official %d: %v", tc.user, err)
		}
		var name, from string
		if err := db.Store.Pool().QueryRow(ctx, `SELECT name, valid_from::text FROM admin_units WHERE id = $1`, o.UnitID).Scan(&name, &from); err != nil {
			t.Fatal(err)
		}
		if o.Role != tc.role || name != tc.unit || from != "2025-07-01" {
			t.Errorf("demo official %d: %s of %s (tree from %s), want %s of %s in today's tree", tc.user, o.Role, name, from, tc.role, tc.unit)
		}
	}
}
