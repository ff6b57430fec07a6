package main

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestSeedDemo loads Ho Chi Minh City in both trees from the units built
// into the binary, its two officials and the sample producers into an empty
// database once; a second start changes nothing.
func TestSeedDemo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	if _, err := db.Store.Pool().Exec(ctx, `TRUNCATE admin_units CASCADE`); err != nil {
		t.Fatal(err)
	}
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
		var producers, regs, demo int
		err = db.Store.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM producers), (SELECT count(*) FROM registrations),
			(SELECT count(*) FROM producers WHERE name LIKE '%(demo)')`).Scan(&producers, &regs, &demo)
		if err != nil {
			t.Fatal(err)
		}
		if producers != 3 || regs != 3 || demo != 3 {
			t.Fatalf("run %d: %d producers (%d marked demo), %d registrations; want 3 of each", run, producers, demo, regs)
		}
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
	if want := []string{"Phường Linh Xuân", "Xã Củ Chi", "Xã Phú Hòa Đông"}; !slices.Equal(communes, want) {
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
