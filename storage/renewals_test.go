package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// reminderLog is every reminder and expiry notice queued, per
// certificate: stage → the days it was queued on (one, if all is well),
// read from the notifications themselves, not from the reminders' keys.
func reminderLog(t *testing.T, store *storage.Store) map[int64]map[int][]time.Time {
	t.Helper()
	rows, err := store.Pool().Query(context.Background(), `
SELECT (n.payload->>'certificate_id')::bigint, (n.payload->>'stage')::int, r.due_on
FROM notifications n JOIN certificate_reminders r ON r.notification_id = n.id
WHERE n.kind IN ('reminder', 'expired')`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]map[int][]time.Time{}
	var cert int64
	var stage int
	var on time.Time
	if _, err := pgx.ForEachRow(rows, []any{&cert, &stage, &on}, func() error {
		if out[cert] == nil {
			out[cert] = map[int][]time.Time{}
		}
		out[cert][stage] = append(out[cert][stage], on)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var orphans int
	if err := store.Pool().QueryRow(context.Background(), `
SELECT count(*) FROM notifications n WHERE kind IN ('reminder', 'expired')
  AND NOT EXISTS (SELECT 1 FROM certificate_reminders r WHERE r.notification_id = n.id)`).Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orphans > 0 {
		t.Errorf("%d reminders without their row", orphans)
	}
	return out
}

func certificateIDs(t *testing.T, store *storage.Store) map[int64]time.Time {
	t.Helper()
	rows, err := store.Pool().Query(context.Background(), `SELECT id, valid_until FROM certificates`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]time.Time{}
	var id int64
	var until time.Time
	if _, err := pgx.ForEachRow(rows, []any{&id, &until}, func() error { out[id] = until; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRemindersOverThreeYears sweeps every day of three simulated years
// (1/1/2026–31/12/2028) from two processes at once, with a 113-day outage
// in 2026: every certificate gets each due stage exactly once, on its day;
// after the outage only the most urgent stage is sent; revoked, replaced
// and answered certificates stop being reminded; the expiry notice comes on
// the expiry day and the certificate stops counting then.
func TestRemindersOverThreeYears(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	other, err := storage.Open(ctx, db.URL) // a second process on the same database
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	commune, err := db.Store.UnitIDByCode(ctx, "27502", 3, date("2025-03-01"))
	if err != nil {
		t.Fatal(err)
	}
	// 50 certificates decided 20 days apart: they expire from 1/4/2026 to
	// 7/12/2028, each with all its stages inside the three years.
	products := make([]int64, 50)
	for i := range products {
		products[i] = storagetest.AddProduct(t, db.Store, int64(7000+i), commune, fmt.Sprintf("Sản phẩm %02d", i),
			storagetest.Cert{Stars: 3 + i%3, Decided: date("2023-04-01").AddDate(0, 0, 20*i).Format(time.DateOnly)})
	}
	revoked := storagetest.AddProduct(t, db.Store, 7100, commune, "Bị thu hồi", storagetest.Cert{Stars: 3, Decided: "2023-09-01", Revoked: "2025-01-10"})
	// Renewed before its end: the old certificate is replaced on 1/3/2026
	// (its 90-day reminder came before), the new one runs on.
	renewed := storagetest.AddProduct(t, db.Store, 7101, commune, "Đánh giá lại",
		storagetest.Cert{Stars: 3, Decided: "2023-05-02"}, storagetest.Cert{Stars: 4, Decided: "2026-03-01"})
	certs := certificateIDs(t, db.Store)
	byProduct := map[int64][]int64{}
	rows, _ := db.Store.Pool().Query(ctx, `SELECT product_id, id FROM certificates ORDER BY decision_date`)
	var pid, cid int64
	if _, err := pgx.ForEachRow(rows, []any{&pid, &cid}, func() error { byProduct[pid] = append(byProduct[pid], cid); return nil }); err != nil {
		t.Fatal(err)
	}
	// The owner of the 31st certificate answers "let it lapse" after its
	// 60-day reminder: no 30- or 7-day reminder, but the expiry notice.
	lapsing := byProduct[products[30]][0]
	lapseDay := certs[lapsing].AddDate(0, 0, -50)

	outage := [2]time.Time{date("2026-06-10"), date("2026-09-30")} // nothing sweeps on these days
	stages := ocop.DefaultReminderStages
	for day := date("2026-01-01"); day.Before(date("2029-01-01")); day = day.AddDate(0, 0, 1) {
		if !day.Before(outage[0]) && !day.After(outage[1]) {
			continue
		}
		if day.Equal(lapseDay) {
			if _, err := db.Store.AnswerRenewal(ctx, 7030, lapsing, ocop.AnswerLapse, day); err != nil {
				t.Fatal(err)
			}
		}
		var g errgroup.Group
		for _, s := range []*storage.Store{db.Store, other} {
			g.Go(func() error {
				_, err := s.SweepReminders(ctx, day, stages, 3)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatalf("sweep %s: %v", day.Format(time.DateOnly), err)
		}
	}

	log := reminderLog(t, db.Store)
	inOutage := func(d time.Time) bool { return !d.Before(outage[0]) && !d.After(outage[1]) }
	resume := outage[1].AddDate(0, 0, 1)
	end := date("2029-01-01")
	checked := 0
	for id, until := range certs {
		got := log[id]
		for stage, days := range got {
			if len(days) != 1 {
				t.Errorf("certificate %d: stage %d queued %d times", id, stage, len(days))
			}
		}
		switch {
		case id == byProduct[revoked][0]:
			if len(got) != 0 {
				t.Errorf("revoked certificate reminded: %v", got)
			}
			continue
		case id == byProduct[renewed][0]:
			if want := map[int][]time.Time{90: {until.AddDate(0, 0, -90)}}; !equalLog(got, want) {
				t.Errorf("replaced certificate: got %v, want only the 90-day reminder", got)
			}
			continue
		case id == lapsing:
			if want := map[int][]time.Time{90: {until.AddDate(0, 0, -90)}, 60: {until.AddDate(0, 0, -60)}, 0: {until}}; !equalLog(got, want) {
				t.Errorf("certificate let lapse: got %v, want %v", got, want)
			}
			continue
		}
		// What a daily sweep owes this certificate: each stage on its day
		// (within the three years), except that stages whose day fell in
		// the outage collapse into the most urgent one due on the day
		// sweeping resumed; an expiry older than 30 days is not news.
		want := map[int][]time.Time{}
		for _, s := range append(slices.Clone(stages), 0) {
			if on := until.AddDate(0, 0, -s); !inOutage(on) && on.Before(end) {
				want[s] = []time.Time{on}
			}
		}
		d := dueStage(int(until.Sub(resume).Hours()/24), stages)
		if d >= 0 && inOutage(until.AddDate(0, 0, -d)) && (d > 0 || until.After(resume.AddDate(0, 0, -ocop.ExpiredNoticeWindow))) {
			want[d] = []time.Time{resume}
		}
		if !equalLog(got, want) {
			t.Errorf("certificate %d (until %s): got %v, want %v", id, until.Format(time.DateOnly), got, want)
		}
		checked++
	}
	if checked != 50 { // 50, less the lapsing one, plus the renewal's new certificate
		t.Errorf("checked %d certificates, want 50", checked)
	}

	// One that expires on 18/10/2026: the outage swallowed its 90-, 60- and
	// 30-day stages; on 1/10 it had 17 days left: the 30-day reminder then,
	// not the 90-day one.
	eleventh := byProduct[products[10]][0]
	if !certs[eleventh].Equal(date("2026-10-18")) {
		t.Fatalf("11th certificate ends %s", certs[eleventh])
	}
	if want := map[int][]time.Time{30: {resume}, 7: {date("2026-10-11")}, 0: {date("2026-10-18")}}; !equalLog(log[eleventh], want) {
		t.Errorf("catch-up: got %v, want %v", log[eleventh], want)
	}

	// Each notification has its one job; nothing was queued twice.
	var notices, jobs, distinct int
	if err := db.Store.Pool().QueryRow(ctx, `
SELECT (SELECT count(*) FROM notifications WHERE kind IN ('reminder', 'expired')),
       (SELECT count(*) FROM river_job WHERE kind = 'notify'),
       (SELECT count(DISTINCT (payload->>'certificate_id', payload->>'stage')) FROM notifications WHERE kind IN ('reminder', 'expired'))`).
		Scan(&notices, &jobs, &distinct); err != nil {
		t.Fatal(err)
	}
	if notices != distinct || jobs != notices { // no official here to tell of the answer
		t.Errorf("%d reminders (%d distinct), %d jobs", notices, distinct, jobs)
	}

	// The expiry day is the first the certificate no longer counts.
	first := byProduct[products[0]][0]
	for _, tc := range []struct {
		day  time.Time
		want int
	}{{certs[first].AddDate(0, 0, -1), 1}, {certs[first], 0}} {
		tallies, err := db.Store.CommuneTallies(ctx, tc.day, tc.day, []int64{commune})
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, ct := range tallies {
			got += ct.Tally.Recognised()
		}
		// Other certificates are in force too; count this one's product.
		cps, err := db.Store.CertifiedProducts(ctx, tc.day, []int64{commune})
		if err != nil {
			t.Fatal(err)
		}
		valid := 0
		for _, cp := range cps {
			if cp.Certificate.ID == first && cp.Valid {
				valid = 1
			}
		}
		if valid != tc.want {
			t.Errorf("on %s the first certificate counts %d, want %d (commune counts %d)", tc.day.Format(time.DateOnly), valid, tc.want, got)
		}
	}
}

func equalLog(got, want map[int][]time.Time) bool {
	if len(got) != len(want) {
		return false
	}
	for s, days := range want {
		if !slices.EqualFunc(got[s], days, time.Time.Equal) {
			return false
		}
	}
	return true
}

// TestSweepCutShortLosesNothing: a sweep stopped between two of its
// transactions (here: its second batch waits on a lock and its context
// ends, as when a process is killed) keeps the first batch, and the next
// sweep queues the rest, each reminder once.
func TestSweepCutShortLosesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	storagetest.SeedResults(t, db.Store, 30, 8000) // 3★ decided 1/10/2026: valid until 1/10/2029
	day := date("2029-09-01")                      // 30 days left: the 30-day stage
	var ids []int64
	rows, _ := db.Store.Pool().Query(ctx, `SELECT id FROM certificates ORDER BY id`)
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&id}, func() error { ids = append(ids, id); return nil }); err != nil {
		t.Fatal(err)
	}
	// Another transaction holds the key of a certificate of the second
	// batch: the sweep commits the first ten, then waits.
	blocker, err := db.Store.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blocker.Exec(ctx, `
INSERT INTO certificate_reminders (certificate_id, stage, due_on, notification_id)
VALUES ($1, 30, $2, nextval(pg_get_serial_sequence('notifications', 'id')))`, ids[12], day); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var first ocop.Swept
	var firstErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		first, firstErr = db.Store.SweepReminders(sctx, day, ocop.DefaultReminderStages, 10)
	}()
	waitFor(t, func() bool {
		var waiting bool
		err := db.Store.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database())`).Scan(&waiting)
		return err == nil && waiting
	})
	cancel() // the process dies
	wg.Wait()
	_ = blocker.Rollback(ctx)
	if !errors.Is(firstErr, context.Canceled) || first.Reminders != 10 {
		t.Fatalf("first sweep: %+v, %v; want 10 queued, then cancelled", first, firstErr)
	}
	second, err := db.Store.SweepReminders(ctx, day, ocop.DefaultReminderStages, 10)
	if err != nil {
		t.Fatal(err)
	}
	if second.Reminders != 20 {
		t.Errorf("second sweep queued %d, want the 20 left", second.Reminders)
	}
	log := reminderLog(t, db.Store)
	for _, id := range ids {
		if days := log[id][30]; len(days) != 1 || len(log[id]) != 1 {
			t.Errorf("certificate %d: %v, want one 30-day reminder", id, log[id])
		}
	}
	var jobs int
	if err := db.Store.Pool().QueryRow(ctx, `SELECT count(*) FROM river_job j JOIN notifications n ON n.id = (j.args->>'id')::bigint WHERE n.kind = 'reminder'`).Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	if jobs != 30 {
		t.Errorf("%d reminder jobs, want 30", jobs)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 20 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// dueStage is, in Go, what the sweep's SQL decides: the reminder due when
// daysLeft days remain is the most urgent stage whose day has come (after
// an outage the earlier ones are skipped: no 90-day reminder at day 20), 0
// for the expiry notice when daysLeft ≤ 0, and -1 when no stage has come
// yet. stages is sorted as ocop.ReminderStages.
func dueStage(daysLeft int, stages []int) int {
	if daysLeft <= 0 {
		return 0
	}
	due := -1
	for _, s := range stages {
		if s >= daysLeft {
			due = s
		}
	}
	return due
}
