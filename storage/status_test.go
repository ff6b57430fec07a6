package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
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
	store, commune, exec := dayFixture(t)
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

// TestLinkTallyOnDay: a producer counts on day D if it was recorded by D
// (imported, or registered in the chat), and is linked on D if it was
// linked by D (a registry's producer by its claim, one registered in the
// chat from its registration), Vietnam's dates; the workbook's unlinked
// producers are those of D. The zero day counts the producers as they are
// now.
func TestLinkTallyOnDay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, commune, exec := dayFixture(t)
	imported := func(name, at string) int64 {
		t.Helper()
		p := storagetest.AddRegistryProducer(t, store, commune, name, "", storagetest.Cert{Stars: 3, Decided: "2023-05-01"})
		exec(`UPDATE producers SET imported_at = $2, created_at = $2 WHERE id = $1`, p, at)
		return p
	}
	// Claimed at 00:30 on 02/03/2025 in Vietnam, still 01/03 in UTC.
	claimedLate := imported("HTX Claimed Late", "2024-01-10 10:00+07")
	exec(`UPDATE producers SET owner_user_id = 9201, chat_id = 9201, claimed_at = '2025-03-02 00:30+07' WHERE id = $1`, claimedLate)
	imported("HTX Never Claimed", "2024-01-10 10:00+07")
	imported("HTX Imported Later", "2025-09-01 10:00+07")
	// Registered in the chat: linked from their registration.
	chat := func(owner int64, name, at string) {
		t.Helper()
		storagetest.AddProduct(t, store, owner, commune, name)
		exec(`UPDATE producers SET created_at = $2 WHERE owner_user_id = $1`, owner, at)
	}
	chat(9202, "Chat Early", "2024-06-01 10:00+07")
	chat(9203, "Chat Later", "2025-09-01 10:00+07")

	for _, c := range []struct {
		day      string
		want     ocop.LinkTally
		unlinked []string
	}{
		{"2024-01-09", ocop.LinkTally{}, nil},
		{"2025-03-01", ocop.LinkTally{Linked: 1, Unlinked: 2}, []string{"HTX Claimed Late", "HTX Never Claimed"}},
		{"2025-03-02", ocop.LinkTally{Linked: 2, Unlinked: 1}, []string{"HTX Never Claimed"}},
		{"2026-12-07", ocop.LinkTally{Linked: 3, Unlinked: 2}, []string{"HTX Imported Later", "HTX Never Claimed"}},
		{"", ocop.LinkTally{Linked: 3, Unlinked: 2}, []string{"HTX Imported Later", "HTX Never Claimed"}}, // now
	} {
		for _, communes := range [][]int64{{commune}, nil} {
			got, err := store.LinkTally(ctx, day(c.day), communes)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("links on %s (communes %v) = %+v, want %+v", c.day, communes, got, c.want)
			}
			list, err := store.UnlinkedProducers(ctx, day(c.day), communes)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, u := range list {
				names = append(names, u.Name)
			}
			if !slices.Equal(names, c.unlinked) {
				t.Errorf("unlinked on %s (communes %v) = %q, want %q", c.day, communes, names, c.unlinked)
			}
		}
	}
}

// dayFixture is a database of the test's own, Xã Tân Thông Hội (where the
// rows of the day tests go) and a way to write rows straight in SQL.
func dayFixture(t *testing.T) (*storage.Store, int64, func(q string, args ...any)) {
	t.Helper()
	store := storagetest.NewDB(t).Store
	commune, err := store.UnitIDByCode(context.Background(), "27556", 3, date("2024-06-28"))
	if err != nil {
		t.Fatal(err)
	}
	return store, commune, func(q string, args ...any) {
		t.Helper()
		if _, err := store.Pool().Exec(context.Background(), q, args...); err != nil {
			t.Fatal(err)
		}
	}
}
