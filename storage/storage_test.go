package storage_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t) // already migrated from the template
	n, err := db.Store.Migrate(context.Background())
	if err != nil || n != 0 {
		t.Fatalf("second migrate applied %d (%v), want 0", n, err)
	}
	v, err := db.Store.SchemaVersion(context.Background())
	if err != nil || v != storage.LatestSchemaVersion() {
		t.Fatalf("schema version %d (%v), want %d", v, err, storage.LatestSchemaVersion())
	}
}

func importFile(t *testing.T, s *storage.Store, name string) storage.UnitImport {
	t.Helper()
	f, err := os.Open(storagetest.DataFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := s.ImportUnits(context.Background(), f)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return res
}

func TestImportUnitsBothShapes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t) // holds the three-level tree already
	res := importFile(t, db.Store, "vn-units-2025-03.csv")
	if res.Provinces != 63 || res.Districts != 696 || res.Communes != 10035 {
		t.Errorf("three-level import = %+v, want 63/696/10035", res)
	}
	before, _ := db.Store.CountUnits(ctx)
	importFile(t, db.Store, "vn-units-2025-03.csv") // idempotent
	if after, _ := db.Store.CountUnits(ctx); after != before || before != 63+696+10035 {
		t.Errorf("units after re-import %d, before %d, want %d", after, before, 63+696+10035)
	}

	old, err := db.Store.ActiveUnits(ctx, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	if err != nil || len(old) != before {
		t.Fatalf("with only the old tree, active units = %d (%v), want it all", len(old), err)
	}

	res = importFile(t, db.Store, "vn-units-2025-07.csv")
	if res.Provinces != 34 || res.Districts != 0 || res.Communes != 3321 {
		t.Errorf("two-level import = %+v, want 34/0/3321", res)
	}
	now, err := db.Store.ActiveUnits(ctx, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	if err != nil || len(now) != 34+3321 {
		t.Fatalf("active units in 2026 = %d (%v), want the two-level tree", len(now), err)
	}
	then, err := db.Store.ActiveUnits(ctx, time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC))
	if err != nil || len(then) != before {
		t.Fatalf("active units in 2024 = %d (%v), want the three-level tree", len(then), err)
	}
	// Communes of the two-level tree hang directly under their province.
	ix := ocop.NewUnitIndex(now)
	hcm := ix.SearchAll("ho chi minh", 1)
	if len(hcm) != 1 || hcm[0].Level != 1 {
		t.Fatalf("no HCMC province in the two-level tree: %+v", hcm)
	}
	if got, total := ix.Search("thu dau mot", hcm[0].ID, 3, 5, 0); total == 0 || got[0].Name != "Phường Thủ Dầu Một" {
		t.Fatalf("Phường Thủ Dầu Một not under HCMC: %+v", got)
	}
}

func TestImportUnitsRejectsUnknownShape(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	_, err := db.Store.ImportUnits(context.Background(), stringsReader("code,name\n01,Hà Nội\n"))
	if err == nil {
		t.Fatal("import of an unknown CSV shape succeeded")
	}
}

func someCommune(t *testing.T, s *storage.Store) int64 {
	t.Helper()
	var id int64
	err := s.Pool().QueryRow(context.Background(), `SELECT id FROM admin_units WHERE level = 3 ORDER BY id LIMIT 1`).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSubmitRegistrationIsAtomic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	sub := ocop.Submission{
		ActorID: 42,
		Producer: ocop.Producer{OwnerUserID: 42, ChatID: 42, Kind: ocop.KindFarm, Name: "Trang trại A",
			Representative: "B", Phone: "0912345678", TaxCode: "0100109106", UnitID: someCommune(t, db.Store)},
		Product: ocop.Product{Name: "Sữa bò", SubgroupCode: "9.9", Description: "Sữa tươi nguyên chất", TargetStars: 3},
	}
	// An unknown sub-group fails the product insert: the producer written
	// just before must roll back with it.
	if _, err := db.Store.SubmitRegistration(ctx, sub); err == nil {
		t.Fatal("registration with an unknown sub-group succeeded")
	}
	if _, err := db.Store.ProducerByOwner(ctx, 42); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("producer after a failed submission: %v, want ErrNotFound", err)
	}
	sub.Product.SubgroupCode = "1.1"
	reg, err := db.Store.SubmitRegistration(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	if reg.Status != ocop.StatusSubmitted || reg.Code == "" {
		t.Fatalf("registration = %+v", reg)
	}
	// The owner's second product reuses the producer; another user cannot.
	p, err := db.Store.ProducerByOwner(ctx, 42)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Store.SubmitRegistration(ctx, ocop.Submission{ActorID: 43, Producer: ocop.Producer{ID: p.ID}, Product: sub.Product}); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("another user registering under producer %d: %v, want ErrNotFound", p.ID, err)
	}
	reg2, err := db.Store.SubmitRegistration(ctx, ocop.Submission{ActorID: 42, Producer: ocop.Producer{ID: p.ID}, Product: sub.Product})
	if err != nil || reg2.Code == reg.Code {
		t.Fatalf("second registration %+v (%v)", reg2, err)
	}
	regs, err := db.Store.RegistrationsByOwner(ctx, 42)
	if err != nil || len(regs) != 2 {
		t.Fatalf("registrations of owner = %d (%v), want 2", len(regs), err)
	}
	if regs, _ := db.Store.RegistrationsByOwner(ctx, 43); len(regs) != 0 {
		t.Fatalf("another user sees %d registrations", len(regs))
	}
}

// TestConversationCompareAndSet runs many read-modify-write cycles on one
// chat from concurrent workers: with the lock and the version check, no
// increment may be lost.
func TestConversationCompareAndSet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := storagetest.NewRedis(t, storage.RedisOptions{LockTTL: 5 * time.Second})
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; {
				s, err := r.Lock(ctx, 77)
				if errors.Is(err, storage.ErrBusy) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				n, _ := strconv.Atoi(string(s.Data))
				if _, err := r.Save(ctx, s, []byte(strconv.Itoa(n+1)), "vi", storage.StreamAck{}); err != nil {
					t.Error(err)
					return
				}
				i++
			}
		}()
	}
	wg.Wait()
	s, err := r.Lock(ctx, 77)
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Data) != strconv.Itoa(workers*each) || s.Version != workers*each || s.Locale != "vi" {
		t.Fatalf("after %d increments: data %q version %d locale %q", workers*each, s.Data, s.Version, s.Locale)
	}
	// A writer holding a stale version is refused.
	stale := s
	if _, err := r.Save(ctx, s, []byte("x"), "vi", storage.StreamAck{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Save(ctx, stale, []byte("y"), "vi", storage.StreamAck{}); !errors.Is(err, storage.ErrStale) {
		t.Fatalf("stale save: %v, want ErrStale", err)
	}
	// Clearing keeps version and locale.
	s, _ = r.Lock(ctx, 77)
	if _, err := r.Save(ctx, s, nil, "en", storage.StreamAck{}); err != nil {
		t.Fatal(err)
	}
	s, _ = r.Lock(ctx, 77)
	if s.Data != nil || s.Locale != "en" || s.Version == 0 {
		t.Fatalf("after clear: %+v", s)
	}
}

func TestEnqueueDeduplicates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := storagetest.NewRedis(t, storage.RedisOptions{})
	if err := r.EnsureGroup(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false, false} {
		fresh, err := r.EnqueueUpdate(ctx, 555, 9, []byte(`{"update_id":555}`))
		if err != nil || fresh != want {
			t.Fatalf("enqueue #%d: fresh %v (%v), want %v", i, fresh, err, want)
		}
	}
	got, err := r.ReadUpdates(ctx, "g", "c1", 10, 10*time.Millisecond)
	if err != nil || len(got) != 1 || got[0].ChatID != 9 {
		t.Fatalf("read %+v (%v), want the one update", got, err)
	}
	// Unacknowledged, it is claimed by another consumer once idle.
	claimed, err := r.ClaimStale(ctx, "g", "c2", 0)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claimed %d (%v), want 1", len(claimed), err)
	}
	if err := r.AckUpdate(ctx, "g", claimed[0].StreamID); err != nil {
		t.Fatal(err)
	}
	if n, _ := r.PendingUpdates(ctx); n != 0 {
		t.Fatalf("%d updates left after ack", n)
	}
}
