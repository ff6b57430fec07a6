package main

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestSeedDemo loads Ho Chi Minh City's units and the sample producers into
// an empty database once; a second start changes nothing.
func TestSeedDemo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	if _, err := db.Store.Pool().Exec(ctx, `TRUNCATE admin_units CASCADE`); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	file := storagetest.DataFile(t, "vn-units-2025-03.csv")
	for run := 1; run <= 2; run++ {
		if err := seedDemo(ctx, db.Store, file, log); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		units, _ := db.Store.CountUnits(ctx)
		var producers, regs, demo int
		err := db.Store.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM producers), (SELECT count(*) FROM registrations),
			(SELECT count(*) FROM producers WHERE name LIKE '%(demo)')`).Scan(&producers, &regs, &demo)
		if err != nil {
			t.Fatal(err)
		}
		// One city, its 22 districts and 273 communes; three producers, each
		// marked as demo, with one registration each.
		if units != 1+22+273 || producers != 3 || regs != 3 || demo != 3 {
			t.Fatalf("run %d: %d units, %d producers (%d marked demo), %d registrations", run, units, producers, demo, regs)
		}
	}
	if o, err := db.Store.OfficialByUser(ctx, demoOfficial); err != nil || o.Role != "district" {
		t.Fatalf("demo official: %+v (%v)", o, err)
	}
	if err := seedDemo(ctx, db.Store, "/no/such/file.csv", log); err != nil {
		t.Fatalf("units present: the file should not be needed: %v", err)
	}
}
