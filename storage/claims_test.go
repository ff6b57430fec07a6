package storage_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// Two links of one producer pressed at once by two users: one claims it,
// the other is told it is taken; the phone finds it no more.
func TestClaimIsCompareAndSet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	commune, err := db.Store.UnitIDByCode(ctx, "27556", 3, time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	p := storagetest.AddRegistryProducer(t, db.Store, commune, "HTX Tân Thông", "0912345678", storagetest.Cert{Stars: 4, Decided: "2024-06-28"})
	found, err := db.Store.UnclaimedByPhone(ctx, "0912345678")
	if err != nil || len(found) != 1 || found[0].ProducerID != p || len(found[0].Products) != 1 || found[0].Products[0].Stars != 4 {
		t.Fatalf("by phone: %+v, %v; want the producer with its 4★ product", found, err)
	}
	codes, err := db.Store.CreateClaimLinks(ctx, []int64{p, p}, 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// Printed links: each opened by the user who then confirms it (only
	// the user a link was offered to may).
	for i, code := range codes {
		if _, err := db.Store.OfferClaimLink(ctx, code, int64(100+i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Store.Claim(ctx, codes[0], 101, 101); !errors.Is(err, ocop.ErrClaimUnknown) {
		t.Fatalf("claim by a user the link was not offered to: %v, want ErrClaimUnknown", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() { _, errs[i] = db.Store.Claim(ctx, codes[i], int64(100+i), int64(100+i)) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ocop.ErrClaimTaken):
			t.Fatalf("claim: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d claims won (%v), want 1", won, errs)
	}
	if found, err := db.Store.UnclaimedByPhone(ctx, "0912345678"); err != nil || len(found) != 0 {
		t.Fatalf("after the claim, by phone: %+v, %v", found, err)
	}
	tally, err := db.Store.LinkTally(ctx, dates.LocalDay(time.Now()), []int64{commune})
	if err != nil || tally != (ocop.LinkTally{Linked: 1}) {
		t.Fatalf("tally = %+v, %v", tally, err)
	}
}
