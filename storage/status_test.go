package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// day is a report's day, "" for the zero day: as things stand now.
func day(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	return date(s)
}

// TestPendingRegistrationsOnDay: a registration waits on day D if it was
// submitted on or before D (Vietnam's date) and not decided by D — a
// registration submitted after D, or decided before it, does not count on
// D, one decided after D does. The zero day counts those waiting now.
func TestPendingRegistrationsOnDay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	store := db.Store
	commune, err := store.UnitIDByCode(ctx, "27556", 3, date("2024-06-28"))
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := store.Pool().Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	decide := func(product int64, on string) {
		t.Helper()
		var r ocop.Result
		if err := store.Pool().QueryRow(ctx, `SELECT id, code, product_id FROM registrations WHERE product_id = $1`, product).
			Scan(&r.RegistrationID, &r.Code, &r.ProductID); err != nil {
			t.Fatal(err)
		}
		r.Score, r.Stars, r.DecisionNo, r.DecisionDate = 60, 3, "7/QĐ-UBND", date(on)
		if _, err := store.RecordResults(ctx, []ocop.Result{r}); err != nil {
			t.Fatal(err)
		}
	}
	// Every dossier AddProduct seeds is submitted on 21/08/2019.
	early := storagetest.AddProduct(t, store, 9101, commune, "Trà sen")   // decided 15/01/2025
	late := storagetest.AddProduct(t, store, 9102, commune, "Mắm tôm")    // decided 01/06/2025
	future := storagetest.AddProduct(t, store, 9103, commune, "Bánh tét") // submitted 07/12/2026, undecided
	midnight := storagetest.AddProduct(t, store, 9104, commune, "Nem")    // submitted 02/03/2025 00:30 in Vietnam
	// Marked decided without a result, as the generator leaves it: decided
	// by its certificate, 01/02/2025.
	bare := storagetest.AddProduct(t, store, 9105, commune, "Mật ong", storagetest.Cert{Stars: 3, Decided: "2025-02-01"})
	decide(early, "2025-01-15")
	decide(late, "2025-06-01")
	exec(`UPDATE registrations SET submitted_at = '2026-12-07 09:00+07' WHERE product_id = $1`, future)
	exec(`UPDATE registrations SET submitted_at = '2025-03-02 00:30+07' WHERE product_id = $1`, midnight)
	exec(`UPDATE registrations SET status = 'evaluated' WHERE product_id = $1`, bare)

	for _, c := range []struct {
		day  string
		want int
	}{
		{"2025-01-14", 3}, // early, late, bare
		{"2025-01-15", 2}, // late, bare: early decided that day
		{"2025-03-01", 1}, // late: midnight is submitted on 02/03 in Vietnam (01/03 in UTC), future later
		{"2025-03-02", 2}, // late, midnight
		{"2025-06-01", 1}, // midnight
		{"2026-12-07", 2}, // midnight, future
		{"", 2},           // now: midnight, future
	} {
		for _, communes := range [][]int64{{commune}, nil} {
			n, err := store.PendingRegistrations(ctx, day(c.day), communes)
			if err != nil {
				t.Fatal(err)
			}
			if n != c.want {
				t.Errorf("pending on %s (communes %v) = %d, want %d", c.day, communes, n, c.want)
			}
		}
	}
}
