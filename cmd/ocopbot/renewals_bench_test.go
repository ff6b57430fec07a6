package main

import (
	"context"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// sweepStore is a copy of the national dataset the sweep may write to (the
// status benchmarks keep theirs untouched), dropped at the end.
func sweepStore(b *testing.B) *storage.Store {
	src := nationalStore(b)
	var name string
	if err := src.Pool().QueryRow(context.Background(), `SELECT current_database()`).Scan(&name); err != nil {
		b.Fatal(err)
	}
	src.Close() // a template must have no connections
	return storagetest.CloneDB(b, name).Store
}

// forgetReminders empties what sweeps wrote, for a sweep from scratch.
func forgetReminders(b *testing.B, store *storage.Store) {
	for _, q := range []string{
		`TRUNCATE certificate_reminders, official_digests, notifications, river_job`,
		`VACUUM ANALYZE certificate_reminders, notifications, river_job`,
	} {
		if _, err := store.Pool().Exec(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSweep measures the daily renewal sweep over the national dataset
// (300,000 certificates), with the default stages:
//
//   - first: the first sweep ever (or after a long outage), which queues
//     the due stage of every certificate within 90 days of its end;
//   - daily: the sweep of each following day, which queues that day's new
//     stages;
//   - idle: a day swept again, which finds nothing to queue.
//
// Each reports the median and the 99th percentile of a sweep (find, then
// queue with notifications and jobs) and the reminders queued per sweep.
//
//	go test -run '^$' -bench Sweep -benchtime 20x ./cmd/ocopbot/
func BenchmarkSweep(b *testing.B) {
	ctx := context.Background()
	store := sweepStore(b)
	stages := ocop.DefaultReminderStages
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	var certs int
	if err := store.Pool().QueryRow(ctx, `SELECT count(*) FROM certificates`).Scan(&certs); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d certificates", certs)
	sweep := func(b *testing.B, on time.Time) (time.Duration, int) {
		start := time.Now()
		n, err := store.SweepReminders(ctx, on, stages, 0)
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start), n.Reminders + n.Expired
	}
	b.Run("first", func(b *testing.B) {
		var took []time.Duration
		queued := 0
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			forgetReminders(b, store)
			b.StartTimer()
			d, n := sweep(b, day)
			took, queued = append(took, d), queued+n
		}
		b.ReportMetric(float64(queued)/float64(b.N), "reminders/op")
		reportLatency(b, took)
	})
	b.Run("daily", func(b *testing.B) {
		b.StopTimer()
		forgetReminders(b, store)
		sweep(b, day) // yesterday's sweep, done
		b.StartTimer()
		var took []time.Duration
		queued := 0
		for i := 0; i < b.N; i++ {
			d, n := sweep(b, day.AddDate(0, 0, 1+i))
			took, queued = append(took, d), queued+n
		}
		b.ReportMetric(float64(queued)/float64(b.N), "reminders/op")
		reportLatency(b, took)
	})
	b.Run("idle", func(b *testing.B) {
		var took []time.Duration
		for i := 0; i < b.N; i++ {
			d, n := sweep(b, day)
			if n != 0 {
				b.Fatalf("a day swept again queued %d", n)
			}
			took = append(took, d)
		}
		reportLatency(b, took)
	})
}

// BenchmarkEnqueueReminders measures queuing 10,000 reminders in one sweep
// (each with its notification and River job, in transactions of 2,000):
// 10,000 certificates decided on 1/10/2026, swept on 1/9/2029, 30 days
// before they end.
//
//	go test -run '^$' -bench EnqueueReminders -benchtime 5x ./cmd/ocopbot/
func BenchmarkEnqueueReminders(b *testing.B) {
	ctx := context.Background()
	db := storagetest.NewDB(b)
	storagetest.SeedResults(b, db.Store, 10_000, 300_000_000)
	day := time.Date(2029, 9, 1, 0, 0, 0, 0, time.UTC)
	var took []time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for _, q := range []string{`
DELETE FROM river_job WHERE kind = 'notify' AND (args->>'id')::bigint IN (SELECT notification_id FROM certificate_reminders)`, `
WITH r AS (DELETE FROM certificate_reminders RETURNING notification_id)
DELETE FROM notifications WHERE id IN (SELECT notification_id FROM r)`,
			`VACUUM ANALYZE certificate_reminders, notifications, river_job`,
		} {
			if _, err := db.Store.Pool().Exec(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start := time.Now()
		n, err := db.Store.SweepReminders(ctx, day, ocop.DefaultReminderStages, 0)
		took = append(took, time.Since(start))
		if err != nil || n.Reminders != 10_000 {
			b.Fatalf("queued %+v, %v; want 10,000", n, err)
		}
	}
	b.ReportMetric(10_000, "reminders/op")
	reportLatency(b, took)
}
