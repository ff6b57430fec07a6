package storage_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/units"
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

	// The tree in force on a day: the newest that had started, or the
	// oldest before them all.
	treeOn := func(day time.Time) *units.UnitIndex {
		t.Helper()
		atlas, err := db.Store.Atlas(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return atlas.At(day).Units
	}
	if old := treeOn(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)); old.Len() != before {
		t.Fatalf("with only the old tree, active units = %d, want it all", old.Len())
	}

	res = importFile(t, db.Store, "vn-units-2025-07.csv")
	if res.Provinces != 34 || res.Districts != 0 || res.Communes != 3321 {
		t.Errorf("two-level import = %+v, want 34/0/3321", res)
	}
	ix := treeOn(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	if ix.Len() != 34+3321 {
		t.Fatalf("active units in 2026 = %d, want the two-level tree", ix.Len())
	}
	if then := treeOn(time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC)); then.Len() != before {
		t.Fatalf("active units in 2024 = %d, want the three-level tree", then.Len())
	}
	// Communes of the two-level tree hang directly under their province.
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
// chat from concurrent workers: with the version check, no increment may be
// lost.
func TestConversationCompareAndSet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := storagetest.NewRedis(t, storage.RedisOptions{})
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; {
				s, err := r.Load(ctx, 77)
				if err != nil {
					t.Error(err)
					return
				}
				n, _ := strconv.Atoi(string(s.Data))
				_, err = r.Save(ctx, s, []byte(strconv.Itoa(n+1)), "vi", storage.StreamAck{}, nil)
				if errors.Is(err, storage.ErrStale) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				i++
			}
		}()
	}
	wg.Wait()
	s, err := r.Load(ctx, 77)
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Data) != strconv.Itoa(workers*each) || s.Version != workers*each || s.Locale != "vi" {
		t.Fatalf("after %d increments: data %q version %d locale %q", workers*each, s.Data, s.Version, s.Locale)
	}
	// A writer holding a stale version is refused, and its replies with it.
	stale := s
	if _, err := r.Save(ctx, s, []byte("x"), "vi", storage.StreamAck{}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Save(ctx, stale, []byte("y"), "vi", storage.StreamAck{}, [][]byte{[]byte("reply")}); !errors.Is(err, storage.ErrStale) {
		t.Fatalf("stale save: %v, want ErrStale", err)
	}
	if boxes := outboxes(t, r); len(boxes) != 0 {
		t.Fatalf("a refused write queued replies: %v", boxes)
	}
	// Clearing keeps version and locale.
	s, _ = r.Load(ctx, 77)
	if _, err := r.Save(ctx, s, nil, "en", storage.StreamAck{}, nil); err != nil {
		t.Fatal(err)
	}
	s, _ = r.Load(ctx, 77)
	if s.Data != nil || s.Locale != "en" || s.Version == 0 {
		t.Fatalf("after clear: %+v", s)
	}
}

// TestOutbox: replies committed with a state write are there for the next
// start until removed as delivered, by value, whatever else was appended.
func TestOutbox(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := storagetest.NewRedis(t, storage.RedisOptions{})
	s, _ := r.Load(ctx, 8)
	if _, err := r.Save(ctx, s, []byte("a"), "vi", storage.StreamAck{}, [][]byte{[]byte("one"), []byte("two")}); err != nil {
		t.Fatal(err)
	}
	s, _ = r.Load(ctx, 9)
	if _, err := r.Save(ctx, s, []byte("b"), "vi", storage.StreamAck{}, [][]byte{[]byte("three")}); err != nil {
		t.Fatal(err)
	}
	boxes := outboxes(t, r)
	if got := fmt.Sprintf("%s %s", boxes[8], boxes[9]); got != "[one two] [three]" {
		t.Fatalf("outboxes %s, want [one two] [three]", got)
	}
	err := r.RemoveDelivered(ctx, []storage.Delivered{{ChatID: 8, Entry: []byte("two")}, {ChatID: 9, Entry: []byte("three")}})
	if err != nil {
		t.Fatal(err)
	}
	boxes = outboxes(t, r)
	if len(boxes) != 1 || fmt.Sprintf("%s", boxes[8]) != "[one]" {
		t.Fatalf("after removal: %v, want chat 8 owing [one]", boxes)
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
	got, err := r.ReadUpdates(ctx, storage.PartitionOf(9), "g", "c1", 10, 10*time.Millisecond)
	if err != nil || len(got) != 1 || got[0].ChatID != 9 {
		t.Fatalf("read %+v (%v), want the one update", got, err)
	}
	// Unacknowledged, it is taken over by the partition's next holder.
	claimed, err := r.TakeOver(ctx, storage.PartitionOf(9), "g", "c2")
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claimed %d (%v), want 1", len(claimed), err)
	}
	if err := r.AckUpdate(ctx, "g", claimed[0]); err != nil {
		t.Fatal(err)
	}
	if n, _ := r.PendingUpdates(ctx); n != 0 {
		t.Fatalf("%d updates left after ack", n)
	}
}

// TestLastSeenUpdateID: the highest update_id the intake has marked seen,
// over every partition and only under its own prefix (demo mode numbers a
// restarted emulator's updates after it).
func TestLastSeenUpdateID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := storagetest.NewRedis(t, storage.RedisOptions{})
	other := storagetest.NewRedis(t, storage.RedisOptions{})
	if last, err := r.LastSeenUpdateID(ctx); err != nil || last != 0 {
		t.Fatalf("no update seen: %d (%v), want 0", last, err)
	}
	if _, err := other.EnqueueUpdate(ctx, 999, 9, []byte(`{"update_id":999}`)); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct{ id, chat int64 }{{7, 9}, {12, 3}, {5, 100}} {
		if _, err := r.EnqueueUpdate(ctx, u.id, u.chat, fmt.Appendf(nil, `{"update_id":%d}`, u.id)); err != nil {
			t.Fatal(err)
		}
	}
	if last, err := r.LastSeenUpdateID(ctx); err != nil || last != 12 {
		t.Fatalf("last seen: %d (%v), want 12", last, err)
	}
}

// TestEnqueueAndRead: the partition's reader queues updates and, in the
// same call, reads them with whatever was queued before and not read yet
// (a bot's own entry here), in order and for itself: its write then
// acknowledges them; a duplicate is neither queued nor read again.
func TestEnqueueAndRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := storagetest.NewRedis(t, storage.RedisOptions{})
	if err := r.EnsureGroup(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	const chat = 7
	part := storage.PartitionOf(chat)
	other := chat + 1 // another partition
	if err := r.EnqueueOwn(ctx, chat, "resume"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.EnqueueAndRead(ctx, part, []storage.Incoming{{UpdateID: 1, ChatID: int64(other)}}, storage.Reader{Group: "g", Consumer: "c"}, 10); err == nil {
		t.Fatal("an update of another partition was taken")
	}
	batch := []storage.Incoming{{UpdateID: 1, ChatID: chat, Payload: []byte(`{"update_id":1}`)}, {UpdateID: 2, ChatID: chat, Payload: []byte(`{"update_id":2}`)}}
	fresh, read, err := r.EnqueueAndRead(ctx, part, batch, storage.Reader{Group: "g", Consumer: "c"}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fresh, []bool{true, true}) {
		t.Fatalf("fresh %v, want both", fresh)
	}
	var got []string
	for _, q := range read {
		if q.ChatID != chat {
			t.Errorf("read an entry of chat %d, want %d", q.ChatID, chat)
		}
		got = append(got, q.Kind+string(q.Payload))
	}
	if want := []string{"resume{}", `{"update_id":1}`, `{"update_id":2}`}; !slices.Equal(got, want) {
		t.Fatalf("read %q, want %q", got, want)
	}
	// Read for c: nothing is left for another consumer, and c's write
	// acknowledges what it read.
	if again, err := r.ReadUpdates(ctx, part, "g", "d", 10, -1); err != nil || len(again) != 0 {
		t.Fatalf("another consumer read %d (%v), want none", len(again), err)
	}
	if _, err := r.Save(ctx, storage.Session{ChatID: chat}, []byte("s"), "vi", storage.StreamAck{Group: "g", StreamID: read[1].StreamID}, nil); err != nil {
		t.Fatalf("write acknowledging an update read: %v", err)
	}
	fresh, read, err = r.EnqueueAndRead(ctx, part, batch[1:], storage.Reader{Group: "g", Consumer: "c"}, 10)
	if err != nil || fresh[0] || len(read) != 0 {
		t.Fatalf("a duplicate: fresh %v, read %d (%v), want neither", fresh, len(read), err)
	}
	// Count bounds a read; the rest waits for the next.
	more := []storage.Incoming{{UpdateID: 3, ChatID: chat}, {UpdateID: 4, ChatID: chat}, {UpdateID: 5, ChatID: chat}}
	if _, read, err = r.EnqueueAndRead(ctx, part, more, storage.Reader{Group: "g", Consumer: "c"}, 2); err != nil || len(read) != 2 {
		t.Fatalf("read %d (%v), want 2", len(read), err)
	}
	if rest, err := r.ReadUpdates(ctx, part, "g", "c", 10, -1); err != nil || len(rest) != 1 {
		t.Fatalf("then read %d (%v), want the one left", len(rest), err)
	}
}

// TestSaveMany: writes of several chats in one round trip each get their
// own answer — written, stale, or handled already — and only the written
// ones change anything.
func TestSaveMany(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := storagetest.NewRedis(t, storage.RedisOptions{})
	if err := r.EnsureGroup(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	reader := storage.Reader{Group: "g", Consumer: "c"}
	var acks []storage.StreamAck
	for _, chat := range []int64{21, 22, 23} {
		_, read, err := r.EnqueueAndRead(ctx, storage.PartitionOf(chat), []storage.Incoming{{UpdateID: chat, ChatID: chat, Payload: []byte("{}")}}, reader, 10)
		if err != nil || len(read) != 1 {
			t.Fatalf("chat %d: read %d (%v)", chat, len(read), err)
		}
		acks = append(acks, storage.StreamAck{Group: "g", StreamID: read[0].StreamID})
	}
	// Chat 23's update was handled already by another worker.
	if _, err := r.Save(ctx, storage.Session{ChatID: 23}, []byte("other"), "vi", acks[2], nil); err != nil {
		t.Fatal(err)
	}
	res := r.SaveMany(ctx, []storage.Write{
		{Session: storage.Session{ChatID: 21}, Data: []byte("a"), Locale: "vi", Ack: acks[0], Out: [][]byte{[]byte("reply a")}},
		{Session: storage.Session{ChatID: 22, Version: 5}, Data: []byte("b"), Locale: "vi", Ack: acks[1], Out: [][]byte{[]byte("reply b")}},
		{Session: storage.Session{ChatID: 23, Version: 1}, Data: []byte("c"), Locale: "vi", Ack: acks[2], Out: [][]byte{[]byte("reply c")}},
	})
	if res[0].Err != nil || res[0].Version != 1 {
		t.Errorf("chat 21: %+v, want version 1", res[0])
	}
	if !errors.Is(res[1].Err, storage.ErrStale) {
		t.Errorf("chat 22 from a version it never had: %+v, want ErrStale", res[1])
	}
	if !errors.Is(res[2].Err, storage.ErrHandled) {
		t.Errorf("chat 23 whose update was handled: %+v, want ErrHandled", res[2])
	}
	for chat, want := range map[int64]string{21: "a", 22: "", 23: "other"} {
		s, err := r.Load(ctx, chat)
		if err != nil || string(s.Data) != want {
			t.Errorf("chat %d holds %q (%v), want %q", chat, s.Data, err, want)
		}
	}
	if boxes := outboxes(t, r); len(boxes) != 1 || fmt.Sprintf("%s", boxes[21]) != "[reply a]" {
		t.Errorf("outboxes %v, want chat 21's reply only", boxes)
	}
}

// TestSaveAcknowledgesItsUpdate covers an update's life in the queue: its
// state write acknowledges it; a copy claimed by a second worker is then
// refused before and at the write; a refused compare-and-set leaves the
// update pending for another try.
func TestSaveAcknowledgesItsUpdate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := storagetest.NewRedis(t, storage.RedisOptions{})
	if err := r.EnsureGroup(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	pending := func() int64 {
		n, err := r.PendingUpdates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, id := range []int64{1, 2} {
		if _, err := r.EnqueueUpdate(ctx, id, 5, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := r.ReadUpdates(ctx, storage.PartitionOf(5), "g", "a", 10, 10*time.Millisecond)
	if err != nil || len(got) != 2 {
		t.Fatalf("read %d (%v)", len(got), err)
	}
	first := storage.StreamAck{Group: "g", StreamID: got[0].StreamID}
	second := storage.StreamAck{Group: "g", StreamID: got[1].StreamID}

	// Worker A handles the first update; its write acknowledges it.
	a, err := r.Load(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	// Worker B claimed the same entry meanwhile and read the same state.
	bSess := a
	if _, err := r.Save(ctx, a, []byte("one"), "vi", first, [][]byte{[]byte("reply one")}); err != nil {
		t.Fatal(err)
	}
	if n := pending(); n != 1 {
		t.Fatalf("%d updates queued after the first was written, want 1", n)
	}
	// B's write is refused: its state is stale.
	if _, err := r.Save(ctx, bSess, []byte("one again"), "vi", first, [][]byte{[]byte("reply again")}); !errors.Is(err, storage.ErrStale) {
		t.Fatalf("second write of one update from a stale state: %v, want ErrStale", err)
	}

	// A stale write of the second update leaves it queued.
	s1, err := r.Load(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	stale := s1
	stale.Version--
	if _, err := r.Save(ctx, stale, []byte("two"), "vi", second, nil); !errors.Is(err, storage.ErrStale) {
		t.Fatalf("stale save: %v, want ErrStale", err)
	}
	if n := pending(); n != 1 {
		t.Fatalf("a refused write acknowledged its update: %d queued, want 1", n)
	}
	// Handled for real, then a late duplicate write, from a state read
	// after it, changes nothing.
	s2, err := r.Load(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Save(ctx, s2, []byte("two"), "vi", second, nil); err != nil {
		t.Fatal(err)
	}
	late, _ := r.Load(ctx, 5)
	if _, err := r.Save(ctx, late, []byte("twice"), "vi", second, [][]byte{[]byte("reply twice")}); !errors.Is(err, storage.ErrHandled) {
		t.Fatalf("write of an already acknowledged update: %v, want ErrHandled", err)
	}
	s3, _ := r.Load(ctx, 5)
	if string(s3.Data) != "two" || pending() != 0 {
		t.Fatalf("state %q, %d queued; want \"two\" and none", s3.Data, pending())
	}
	boxes := outboxes(t, r)
	if fmt.Sprintf("%s", boxes[5]) != "[reply one]" {
		t.Fatalf("outbox %q, want only the reply of the write that counted", boxes[5])
	}
}

func TestSubmitTwiceRegistersOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	sub := ocop.Submission{
		ActorID: 51, SubmissionID: "abc123",
		Producer: ocop.Producer{OwnerUserID: 51, ChatID: 51, Kind: ocop.KindFarm, Name: "Trang trại B",
			Representative: "C", Phone: "0912345678", TaxCode: "0100109106", UnitID: someCommune(t, db.Store)},
		Product: ocop.Product{Name: "Trứng gà", SubgroupCode: "1.1", Description: "Trứng gà thả vườn", TargetStars: 3},
	}
	first, err := db.Store.SubmitRegistration(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	again, err := db.Store.SubmitRegistration(ctx, sub)
	if err != nil || again.Code != first.Code {
		t.Fatalf("second submission: %+v (%v), want the first %s", again, err, first.Code)
	}
	// A new submission from the same owner as a "new producer" (a second
	// device) goes to the producer already there.
	sub.SubmissionID = "def456"
	other, err := db.Store.SubmitRegistration(ctx, sub)
	if err != nil || other.ProducerID != first.ProducerID || other.Code == first.Code {
		t.Fatalf("submission from a second device: %+v (%v)", other, err)
	}
	var regs, producers int
	_ = db.Store.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM registrations), (SELECT count(*) FROM producers)`).Scan(&regs, &producers)
	if regs != 2 || producers != 1 {
		t.Fatalf("%d registrations, %d producers; want 2 and 1", regs, producers)
	}
}

// TestSubmitForKnownProducer covers the one-statement path of a producer
// already there: the product, registration and audit row are written
// together; a resubmission writes nothing, not even a code number; a
// producer of someone else writes nothing either.
func TestSubmitForKnownProducer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	sub := ocop.Submission{ActorID: 53, SubmissionID: "first",
		Producer: ocop.Producer{OwnerUserID: 53, ChatID: 53, Kind: ocop.KindFarm, Name: "Trang trại F",
			Representative: "G", Phone: "0912345678", TaxCode: "0100109106", UnitID: someCommune(t, db.Store)},
		Product: ocop.Product{Name: "Mật ong", SubgroupCode: "1.1", Description: "Mật ong rừng", TargetStars: 4}}
	first, err := db.Store.SubmitRegistration(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	sub.Producer = ocop.Producer{ID: first.ProducerID}
	sub.SubmissionID = "second"
	sub.Product.Name = "Mật ong hoa cà phê"
	second, err := db.Store.SubmitRegistration(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	if second.ProducerID != first.ProducerID || second.ProductName != "Mật ong hoa cà phê" || second.TargetStars != 4 ||
		second.Status != ocop.StatusSubmitted || second.UnitID != someCommune(t, db.Store) || second.ProductID == 0 {
		t.Fatalf("second registration = %+v", second)
	}
	again, err := db.Store.SubmitRegistration(ctx, sub)
	if err != nil || again.ID != second.ID || again.Code != second.Code || again.ProductName != second.ProductName {
		t.Fatalf("resubmission: %+v (%v), want %+v", again, err, second)
	}
	stranger := sub
	stranger.ActorID, stranger.SubmissionID = 54, "stranger"
	if _, err := db.Store.SubmitRegistration(ctx, stranger); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("submission under another user's producer: %v, want ErrNotFound", err)
	}
	stranger.SubmissionID = ""
	if _, err := db.Store.SubmitRegistration(ctx, stranger); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("submission without an ID under another user's producer: %v, want ErrNotFound", err)
	}
	// Numbers are consecutive: neither the resubmission nor the refused
	// ones took one.
	sub.SubmissionID = "third"
	third, err := db.Store.SubmitRegistration(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	num := func(code string) int {
		n, err := strconv.Atoi(code[strings.LastIndex(code, "-")+1:])
		if err != nil {
			t.Fatalf("code %q: %v", code, err)
		}
		return n
	}
	if num(third.Code) != num(second.Code)+1 || num(second.Code) != num(first.Code)+1 {
		t.Fatalf("codes %s, %s, %s: not consecutive", first.Code, second.Code, third.Code)
	}
	var products, audits int
	var details string
	err = db.Store.Pool().QueryRow(ctx, `
SELECT (SELECT count(*) FROM products),
       (SELECT count(*) FROM audit_log WHERE action = 'registration.submitted'),
       (SELECT details::text FROM audit_log WHERE action = 'registration.submitted' AND entity_id = $1 AND actor_user = 53)`,
		second.ID).Scan(&products, &audits, &details)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`{"code": "%s", "product_id": %d}`, second.Code, second.ProductID)
	if products != 3 || audits != 3 || details != want {
		t.Fatalf("%d products, %d audit rows, details %s; want 3, 3 and %s", products, audits, details, want)
	}
}

func TestRegistrationCodesPastAMillion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	if _, err := db.Store.Pool().Exec(ctx, `SELECT setval('registration_code_seq', 999999)`); err != nil {
		t.Fatal(err)
	}
	sub := ocop.Submission{ActorID: 52,
		Producer: ocop.Producer{OwnerUserID: 52, ChatID: 52, Kind: ocop.KindFarm, Name: "Trang trại D",
			Representative: "E", Phone: "0912345678", TaxCode: "0100109106", UnitID: someCommune(t, db.Store)},
		Product: ocop.Product{Name: "Sữa", SubgroupCode: "1.1", Description: "Sữa bò tươi", TargetStars: 3}}
	reg, err := db.Store.SubmitRegistration(ctx, sub)
	if err != nil || !strings.HasSuffix(reg.Code, "-1000000") {
		t.Fatalf("code after 999999: %q (%v)", reg.Code, err)
	}
}

// TestIdentity: one read answers who a user is — official, producer,
// consent to the version asked — and each part as the separate reads do.
func TestIdentity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	s := db.Store
	who, err := s.Identity(ctx, 61, "v2")
	if err != nil || who.Official != nil || who.Producer != nil || who.Consented {
		t.Fatalf("identity of a stranger = %+v (%v), want nothing", who, err)
	}
	commune := someCommune(t, s)
	code, err := s.CreateInvite(ctx, commune, ocop.RoleCommune, 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RedeemInvite(ctx, code, 61, 610); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SubmitRegistration(ctx, ocop.Submission{ActorID: 61,
		Producer: ocop.Producer{OwnerUserID: 61, ChatID: 610, Kind: ocop.KindHousehold, Name: "Hộ bà Năm",
			Representative: "Năm", Phone: "0912345678", CitizenID: "001234567890", UnitID: commune},
		Product: ocop.Product{Name: "Mắm tép", SubgroupCode: "1.1", Description: "Mắm tép chua", TargetStars: 3}}); err != nil {
		t.Fatal(err)
	}
	if err := s.GiveConsent(ctx, 61, "v2", time.Now()); err != nil {
		t.Fatal(err)
	}
	who, err = s.Identity(ctx, 61, "v2")
	if err != nil {
		t.Fatal(err)
	}
	off, _ := s.OfficialByUser(ctx, 61)
	prod, _ := s.ProducerByOwner(ctx, 61)
	if who.Official == nil || *who.Official != off || who.Producer == nil || !who.Producer.CreatedAt.Equal(prod.CreatedAt) || !who.Consented {
		t.Fatalf("identity = %+v %+v %v, want official %+v, producer %+v, consented", who.Official, who.Producer, who.Consented, off, prod)
	}
	who.Producer.CreatedAt = prod.CreatedAt
	if *who.Producer != prod {
		t.Fatalf("producer %+v, want %+v", *who.Producer, prod)
	}
	if who, _ := s.Identity(ctx, 61, "v3"); !(who.Official != nil && who.Producer != nil && !who.Consented) {
		t.Fatalf("identity with a newer notice = %+v, want not consented", who)
	}
	if _, err := s.RevokeOfficial(ctx, 61, 0, "test"); err != nil {
		t.Fatal(err)
	}
	if who, _ := s.Identity(ctx, 61, "v2"); who.Official != nil || who.Producer == nil || !who.Consented {
		t.Fatalf("identity after the official was revoked = %+v, want producer and consent only", who)
	}
}

func TestInviteLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	s := db.Store
	district, err := s.UnitIDByCode(ctx, "783", 2, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) // Huyện Củ Chi
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateInvite(ctx, district, ocop.RoleCommune, 0, time.Hour); err == nil {
		t.Fatal("a commune role on a district was accepted")
	}
	code, err := s.CreateInvite(ctx, district, ocop.RoleDistrict, 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var stored int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM invites WHERE position($1::bytea IN code_hash) > 0`, []byte(code)).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("the code itself is stored (%d, %v)", stored, err)
	}
	// Five users race for one code: exactly one becomes the official.
	var wg sync.WaitGroup
	results := make([]error, 5)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, results[i] = s.RedeemInvite(ctx, code, int64(700+i), int64(700+i))
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range results {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ocop.ErrInviteUsed):
			t.Errorf("loser got %v, want ErrInviteUsed", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d users redeemed one code", won)
	}
	var officials int
	_ = s.Pool().QueryRow(ctx, `SELECT count(*) FROM officials WHERE unit_id = $1 AND role = 'district'`, district).Scan(&officials)
	if officials != 1 {
		t.Fatalf("%d officials bound", officials)
	}

	expired, _ := s.CreateInvite(ctx, district, ocop.RoleDistrict, 0, time.Hour)
	if _, err := s.Pool().Exec(ctx, `UPDATE invites SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RedeemInvite(ctx, expired, 800, 800); !errors.Is(err, ocop.ErrInviteExpired) {
		t.Fatalf("expired code: %v", err)
	}
	revoked, _ := s.CreateInvite(ctx, district, ocop.RoleDistrict, 0, time.Hour)
	if err := s.RevokeInvite(ctx, revoked, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RedeemInvite(ctx, revoked, 801, 801); !errors.Is(err, ocop.ErrInviteUnknown) {
		t.Fatalf("revoked code: %v", err)
	}
	if _, err := s.RedeemInvite(ctx, "made-up-code", 802, 802); !errors.Is(err, ocop.ErrInviteUnknown) {
		t.Fatalf("unknown code: %v", err)
	}
	if _, err := s.OfficialByUser(ctx, 801); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a refused user is an official: %v", err)
	}
	var audits int
	_ = s.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE entity = 'invite'`).Scan(&audits)
	// 3 created, 1 used, 4 refused races, 1 expired, 1 revoked, 1 refused revoked.
	if audits != 11 {
		t.Fatalf("%d invite audit rows, want 11", audits)
	}
}

// outboxes reads every partition's outboxes.
func outboxes(t *testing.T, r *storage.Redis) map[int64][][]byte {
	t.Helper()
	all := map[int64][][]byte{}
	for p := range storage.Partitions {
		boxes, err := r.Outboxes(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		for chat, es := range boxes {
			all[chat] = es
		}
	}
	return all
}
