package storage_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"testing"

	"github.com/ocopbot/ocopbot/flows/units/unitstest"
	"github.com/ocopbot/ocopbot/storage/storagetest"
	"github.com/ocopbot/ocopbot/storage/unitdata"
)

// TestLoadEmbeddedUnitsFillsWhatIsMissing starts from a database holding
// the three-level tree only (an upgraded deployment): the load adds today's
// tree and the merges, leaves the old tree alone, and a second load does
// nothing.
func TestLoadEmbeddedUnitsFillsWhatIsMissing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t) // the three-level tree, from the template
	load, err := db.Store.LoadEmbeddedUnits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if load.ThreeLevel != nil {
		t.Errorf("three-level tree loaded again: %+v", *load.ThreeLevel)
	}
	if load.TwoLevel == nil || load.TwoLevel.Provinces != 34 || load.TwoLevel.Districts != 0 || load.TwoLevel.Communes != 3321 {
		t.Errorf("two-level tree: %+v, want 34/0/3321", load.TwoLevel)
	}
	if !load.MergesLoaded || load.Merges < 10_000 {
		t.Errorf("merges: loaded %v, %d links; want every old commune linked", load.MergesLoaded, load.Merges)
	}
	if n, _ := db.Store.CountUnits(ctx); n != 63+696+10_035+34+3_321 {
		t.Errorf("%d units stored, want both trees", n)
	}
	again, err := db.Store.LoadEmbeddedUnits(ctx)
	if err != nil || !again.Empty() {
		t.Errorf("second load: %+v (%v), want nothing loaded", again, err)
	}
}

// TestEmbeddedUnitsMatchSharedData keeps the copy built into the binary
// equal to the public lists in ../shared/data: when a list there is
// updated, refresh storage/unitdata (gzip -9 -n).
func TestEmbeddedUnitsMatchSharedData(t *testing.T) {
	t.Parallel()
	if !unitstest.SharedData() {
		t.Skip("no shared/data above the working directory: nothing to compare the embedded copies with")
	}
	for _, name := range []string{unitdata.ThreeLevel, unitdata.TwoLevel, unitdata.Merges} {
		r, err := unitdata.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		embedded, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		shared, err := os.ReadFile(storagetest.DataFile(t, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(embedded, shared) {
			t.Errorf("%s: the embedded copy (%d bytes) differs from shared/data's (%d bytes)", name, len(embedded), len(shared))
		}
	}
}
