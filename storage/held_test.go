package storage_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// heldRow is a reminder or expiry notice of a producer, as stored.
type heldRow struct {
	ID     int64  `db:"id"`
	Stage  int    `db:"stage"`
	Status string `db:"status"`
	ChatID *int64 `db:"chat_id"`
	Jobs   int    `db:"jobs"`
}

// producerNotices lists the reminders and expiry notices of a producer,
// most distant stage first, with how many jobs each has.
func producerNotices(t *testing.T, store *storage.Store, producer int64) []heldRow {
	t.Helper()
	rows, err := store.Pool().Query(context.Background(), `
SELECT n.id, r.stage, n.status, n.chat_id,
       (SELECT count(*) FROM river_job j WHERE j.kind = 'notify' AND (j.args->>'id')::bigint = n.id)::int AS jobs
FROM notifications n JOIN certificate_reminders r ON r.notification_id = n.id
WHERE n.producer_id = $1 ORDER BY r.stage DESC`, producer)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[heldRow])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// unlinkedNotices lists the officials' unreachable notices about the
// producer named, by chat, with how many have a job.
func unlinkedNotices(t *testing.T, store *storage.Store, producer string) (map[int64]int, int) {
	byChat, jobs, _ := unlinkedNoticesMore(t, store, producer)
	return byChat, jobs
}

// unlinkedNoticesMore is unlinkedNotices, with the products each notice
// names beyond its first, per chat.
func unlinkedNoticesMore(t *testing.T, store *storage.Store, producer string) (map[int64]int, int, map[int64][]string) {
	t.Helper()
	rows, err := store.Pool().Query(context.Background(), `
SELECT n.chat_id, n.payload,
       (SELECT count(*) FROM river_job j WHERE j.kind = 'notify' AND (j.args->>'id')::bigint = n.id)::int
FROM notifications n WHERE n.kind = 'unreachable' AND n.payload->>'producer' = $1`, producer)
	if err != nil {
		t.Fatal(err)
	}
	byChat := map[int64]int{}
	more := map[int64][]string{}
	jobs := 0
	var chat int64
	var payload []byte
	var j int
	if _, err := pgx.ForEachRow(rows, []any{&chat, &payload, &j}, func() error {
		var u ocop.UnreachableNotice
		if err := json.Unmarshal(payload, &u); err != nil {
			return err
		}
		if u.Reason != ocop.UnreachableUnlinked || u.Phone == "" || u.Representative == "" {
			t.Errorf("officials' notice %+v: want reason %q with representative and phone", u, ocop.UnreachableUnlinked)
		}
		byChat[chat]++
		jobs += j
		for _, m := range u.More {
			more[chat] = append(more[chat], m.Product)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return byChat, jobs, more
}

// claim links a producer to a chat as the claim does, releasing its held
// notifications in the same transaction.
func claim(t *testing.T, store *storage.Store, producer, chat int64) int {
	t.Helper()
	var n int
	err := store.WithTx(context.Background(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(context.Background(), `
UPDATE producers SET owner_user_id = $2, chat_id = $2, claimed_at = now() WHERE id = $1`, producer, chat); err != nil {
			return err
		}
		var err error
		n, err = store.ReleaseHeld(context.Background(), tx, producer, chat)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSweepHoldsRemindersOfUnlinkedProducers: imported certificates (no
// registration) are swept like any other, with the catch-up rule; the
// reminders of a producer that has not claimed its record are held, with
// no chat and no job, and the officials of its commune and of the unit
// above are told once per reminder, with its representative and phone;
// /giahan's list names it as not linked. A claimed imported producer gets
// its reminder like a registered one.
func TestSweepHoldsRemindersOfUnlinkedProducers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, commune := heldSetup(t)
	if _, err := db.Store.Pool().Exec(ctx, `
INSERT INTO officials (user_id, chat_id, unit_id, role)
SELECT 9001, 9001, $1, 'commune' UNION ALL SELECT 9002, 9002, parent_id, 'district' FROM admin_units WHERE id = $1`, commune); err != nil {
		t.Fatal(err)
	}
	// All three expire on 1/4/2026.
	cert := storagetest.Cert{Stars: 3, Decided: "2023-04-01"}
	unlinked := storagetest.AddRegistryProducer(t, db.Store, commune, "HTX Chưa Liên Kết", "0912000001", cert)
	claimed := storagetest.AddRegistryProducer(t, db.Store, commune, "HTX Đã Liên Kết", "0912000002", cert)
	if _, err := db.Store.Pool().Exec(ctx, `UPDATE producers SET owner_user_id = 8802, chat_id = 8802, claimed_at = now() WHERE id = $1`, claimed); err != nil {
		t.Fatal(err)
	}
	storagetest.AddProduct(t, db.Store, 8803, commune, "Đăng ký qua bot", cert)
	// The unlinked producer's second product, recognised by the same decision.
	var second int64
	if err := db.Store.Pool().QueryRow(ctx, `
INSERT INTO products (producer_id, name, group_code, target_stars, name_key, imported_at)
VALUES ($1, 'Rau muống', '1', 3, 'rau muong', now()) RETURNING id`, unlinked).Scan(&second); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Store.AddCertificate(ctx, ocop.Certificate{ProductID: second, Stars: 4, DecisionNo: "1/QĐ-UBND", DecisionDate: date("2023-04-01")}, 0); err != nil {
		t.Fatal(err)
	}

	// 40 days left on the first sweep after the import: only the 60-day
	// stage, the most urgent due, for each.
	first := date("2026-02-20")
	for range 2 { // the same day twice changes nothing
		if _, err := db.Store.SweepReminders(ctx, first, ocop.DefaultReminderStages, 2); err != nil {
			t.Fatal(err)
		}
	}
	got := producerNotices(t, db.Store, unlinked)
	if len(got) != 2 {
		t.Fatalf("unlinked producer's reminders: %+v, want two (one per product)", got)
	}
	for _, g := range got {
		if g.Stage != 60 || g.Status != ocop.NoticeHeld || g.ChatID != nil || g.Jobs != 0 {
			t.Fatalf("unlinked producer's reminders: %+v, want 60-day ones, held, no chat, no job", got)
		}
	}
	got = producerNotices(t, db.Store, claimed)
	if len(got) != 1 || got[0].Stage != 60 || got[0].Status != ocop.NoticeQueued || got[0].ChatID == nil || *got[0].ChatID != 8802 || got[0].Jobs != 1 {
		t.Fatalf("claimed producer's reminders: %+v, want one 60-day, queued to 8802 with its job", got)
	}
	byChat, jobs, more := unlinkedNoticesMore(t, db.Store, "HTX Chưa Liên Kết")
	if len(more[9001]) != 1 || more[9001][0] != "Rau muống" {
		t.Errorf("the commune's notice names %v beyond its first product, want [Rau muống]", more[9001])
	}
	if byChat[9001] != 1 || byChat[9002] != 1 || len(byChat) != 2 || jobs != 2 {
		t.Fatalf("officials told %v with %d jobs, want once each of 9001 and 9002 (one notice for both products), with jobs", byChat, jobs)
	}
	if byChat, _ := unlinkedNotices(t, db.Store, "HTX Đã Liên Kết"); len(byChat) != 0 {
		t.Errorf("officials told of a claimed producer: %v", byChat)
	}

	// The 30-day stage: held too, officials told again (once).
	thirty := date("2026-03-02")
	if n, err := db.Store.SweepReminders(ctx, thirty, ocop.DefaultReminderStages, 0); err != nil || n.Held != 2 || n.Reminders != 4 {
		t.Fatalf("30-day sweep: %+v, %v; want 4 reminders, 2 held", n, err)
	}
	if byChat, _ := unlinkedNotices(t, db.Store, "HTX Chưa Liên Kết"); byChat[9001] != 2 || byChat[9002] != 2 {
		t.Errorf("officials told %v after the 30-day stage, want twice each", byChat)
	}

	list, total, err := db.Store.UnreachableProducers(ctx, thirty, []int64{commune}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if total != 2 || len(list) != 2 || list[0].Producer != "HTX Chưa Liên Kết" || list[0].Reason != ocop.UnreachableUnlinked ||
		list[0].Phone != "0912000001" || list[0].Stage != 30 || list[0].Code != "" {
		t.Errorf("unreachable producers: %+v (total %d), want the unlinked one's two products, 30-day stage, no code", list, total)
	}
	tally, err := db.Store.RenewalTally(ctx, thirty, []int64{commune})
	if err != nil {
		t.Fatal(err)
	}
	if tally.Unreachable != 2 || tally.Unanswered != 2 {
		t.Errorf("tally %+v, want 2 unreachable (unlinked), 2 unanswered", tally)
	}
}

// TestReleaseHeld: the claim queues the held reminder still meaningful —
// the most urgent — with its job and the new chat, settles the older one
// as failed, and a second release does nothing. An expiry notice held for
// more than 30 days is dropped; a recent one is sent.
func TestReleaseHeld(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, commune := heldSetup(t)
	reminded := storagetest.AddRegistryProducer(t, db.Store, commune, "HTX Nhắc", "0912000011", storagetest.Cert{Stars: 4, Decided: "2023-04-01"})
	lateExpiry := storagetest.AddRegistryProducer(t, db.Store, commune, "HTX Hết Hạn Lâu", "0912000012", storagetest.Cert{Stars: 3, Decided: "2023-03-01"})
	freshExpiry := storagetest.AddRegistryProducer(t, db.Store, commune, "HTX Vừa Hết Hạn", "0912000013", storagetest.Cert{Stars: 3, Decided: "2023-03-15"})
	for _, d := range []string{"2026-02-20", "2026-03-02", "2026-03-15"} {
		if _, err := db.Store.SweepReminders(ctx, date(d), ocop.DefaultReminderStages, 0); err != nil {
			t.Fatal(err)
		}
	}
	// The expiry notice of 1/3/2026 was held 31 days ago.
	if _, err := db.Store.Pool().Exec(ctx, `
UPDATE notifications SET created_at = now() - interval '31 days' WHERE producer_id = $1 AND kind = 'expired'`, lateExpiry); err != nil {
		t.Fatal(err)
	}
	if got := producerNotices(t, db.Store, reminded); len(got) != 2 || got[0].Status != ocop.NoticeHeld || got[1].Status != ocop.NoticeHeld {
		t.Fatalf("before the claim: %+v, want the 60- and 30-day reminders held", got)
	}

	if n := claim(t, db.Store, reminded, 8811); n != 1 {
		t.Errorf("released %d, want 1 (the 30-day reminder)", n)
	}
	got := producerNotices(t, db.Store, reminded)
	want := []heldRow{{Stage: 60, Status: ocop.NoticeFailed, Jobs: 0}, {Stage: 30, Status: ocop.NoticeQueued, Jobs: 1}}
	for i, w := range want {
		if i >= len(got) || got[i].Stage != w.Stage || got[i].Status != w.Status || got[i].Jobs != w.Jobs ||
			got[i].ChatID == nil || *got[i].ChatID != 8811 {
			t.Errorf("after the claim: %+v, want %+v with chat 8811", got, want)
			break
		}
	}
	// Once: a second claim (or a retry) finds nothing held.
	if n, err := releaseAgain(db.Store, reminded, 8811); err != nil || n != 0 {
		t.Errorf("second release: %d, %v; want 0", n, err)
	}
	if got := producerNotices(t, db.Store, reminded); got[1].Jobs != 1 {
		t.Errorf("second release enqueued again: %+v", got)
	}

	if n := claim(t, db.Store, lateExpiry, 8812); n != 0 {
		t.Errorf("expiry notice held 31 days: released %d, want 0", n)
	}
	// Its 30-day reminder, superseded by the expiry notice, is dropped too.
	if got := producerNotices(t, db.Store, lateExpiry); len(got) != 2 || got[1].Stage != 0 ||
		got[0].Status != ocop.NoticeFailed || got[1].Status != ocop.NoticeFailed || got[0].Jobs+got[1].Jobs != 0 {
		t.Errorf("expiry notice held 31 days: %+v, want it and the 30-day reminder dropped (failed, no job)", got)
	}
	if n := claim(t, db.Store, freshExpiry, 8813); n != 1 {
		t.Errorf("recent expiry notice: released %d, want 1", n)
	}
	if got := producerNotices(t, db.Store, freshExpiry); len(got) != 2 || got[1].Stage != 0 ||
		got[1].Status != ocop.NoticeQueued || got[1].Jobs != 1 || got[0].Status != ocop.NoticeFailed {
		t.Errorf("recent expiry notice: %+v, want it queued with its job, the 30-day reminder dropped", got)
	}
}

func releaseAgain(store *storage.Store, producer, chat int64) (int, error) {
	var n int
	err := store.WithTx(context.Background(), func(tx pgx.Tx) error {
		var err error
		n, err = store.ReleaseHeld(context.Background(), tx, producer, chat)
		return err
	})
	return n, err
}

// TestSweepDuringClaim: a sweep that runs while a claim's transaction has
// linked the producer's chat but not committed waits for it and sends the
// reminder to the new chat: nothing is left held.
func TestSweepDuringClaim(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, commune := heldSetup(t)
	producer := storagetest.AddRegistryProducer(t, db.Store, commune, "HTX Đang Liên Kết", "0912000021", storagetest.Cert{Stars: 3, Decided: "2023-04-01"})
	tx, err := db.Store.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // committed below; a failed test rolls back
	if _, err := tx.Exec(ctx, `UPDATE producers SET owner_user_id = 8821, chat_id = 8821, claimed_at = now() WHERE id = $1`, producer); err != nil {
		t.Fatal(err)
	}
	if n, err := db.Store.ReleaseHeld(ctx, tx, producer, 8821); err != nil || n != 0 {
		t.Fatalf("release before any reminder: %d, %v", n, err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := db.Store.SweepReminders(ctx, date("2026-03-02"), ocop.DefaultReminderStages, 0)
		done <- err
	}()
	waitFor(t, func() bool {
		var waiting bool
		err := db.Store.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database())`).Scan(&waiting)
		return err == nil && waiting
	})
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := producerNotices(t, db.Store, producer)
	if len(got) != 1 || got[0].Status != ocop.NoticeQueued || got[0].ChatID == nil || *got[0].ChatID != 8821 || got[0].Jobs != 1 {
		t.Errorf("reminder swept during the claim: %+v, want queued to 8821 with its job", got)
	}
}

// heldSetup is a database of the test's own and the commune (Xã An Phú,
// Huyện Củ Chi) its registry producers live in.
func heldSetup(t *testing.T) (*storagetest.DB, int64) {
	t.Helper()
	db := storagetest.NewDB(t)
	commune, err := db.Store.UnitIDByCode(context.Background(), "27502", 3, date("2025-03-01"))
	if err != nil {
		t.Fatal(err)
	}
	return db, commune
}
