package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// BenchmarkUnlinkedDigestNational gives issue 26's figures for the whole
// country: the national set as registry imports would leave it (every
// producer unlinked), an official for every commune of both trees (the
// producers sit in the old tree's, and notices go to those and to today's
// commune they were merged into) and for every province of today's tree,
// then how many messages each official gets from the first sweep and from
// the next day's: before issue 26 (one per producer and stage held) and
// now (single notices up to ocop.UnlinkedThreshold producers, else one
// digest). It is a report more than a timing: it runs once, whatever
// -benchtime, generating the set in a database of its own first (minutes);
// the sweeps' times are among the metrics.
//
//	go test -run '^$' -bench UnlinkedDigestNational -benchtime 1x -timeout 60m ./cmd/ocopbot/
func BenchmarkUnlinkedDigestNational(b *testing.B) {
	if testing.Short() {
		b.Skip("generates the national set: minutes")
	}
	ctx := context.Background()
	db := storagetest.NewDB(b)
	pool := db.Store.Pool()
	// As `ocopbot migrate`: the template holds the old tree; today's and
	// the merges between them are what send notices to today's units.
	if _, err := db.Store.LoadEmbeddedUnits(ctx); err != nil {
		b.Fatal(err)
	}
	d := National
	d.Unlinked = 1
	start := time.Now()
	if _, err := generateData(ctx, db.Store, d); err != nil {
		b.Fatal(err)
	}
	b.Logf("national set generated with every producer unlinked in %s", time.Since(start).Round(time.Second))
	if _, err := pool.Exec(ctx, `
INSERT INTO officials (user_id, chat_id, unit_id, role)
SELECT 900000000 + row_number() OVER (ORDER BY id), 900000000 + row_number() OVER (ORDER BY id), id,
       CASE level WHEN 1 THEN 'province' ELSE 'commune' END
FROM admin_units
WHERE level = 3 OR level = 1 AND valid_from = (SELECT max(valid_from) FROM admin_units)`); err != nil {
		b.Fatal(err)
	}

	groups := []struct {
		name, metric string
		keep         func(officialMessages) bool
	}{
		{"province (today)", "province", officialMessages.isProvince},
		{"commune (today)", "", func(m officialMessages) bool { return m.isCommune() && !m.oldTree }},
		{"commune (old tree)", "", func(m officialMessages) bool { return m.isCommune() && m.oldTree }},
		{"commune (both)", "commune", officialMessages.isCommune},
		{"all officials", "", anyOfficial},
	}
	sweep := func(label, metric string, day time.Time) {
		b.Helper()
		start := time.Now()
		swept, err := db.Store.SweepReminders(ctx, day, ocop.DefaultReminderStages, 0)
		took := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		msgs, held := unlinkedMessages(b, pool, day)
		var out strings.Builder
		fmt.Fprintf(&out, "\n%s, %s (sweep took %s): %d reminders and %d expiry notices, %d held, for %d producers; "+
			"%d single notices queued, %d joined a digest, %d digests\n", label, day.Format(time.DateOnly),
			took.Round(time.Millisecond), swept.Reminders, swept.Expired, swept.Held, held, swept.Told, swept.Joined, swept.Digests)
		fmt.Fprintf(&out, "%-19s %9s %15s %15s %17s %19s %15s\n", "messages per", "officials", "told b → a",
			"max b → a", "median b → a", "median told b → a", "total b → a")
		for _, g := range groups {
			f := figuresOf(msgs, g.keep)
			fmt.Fprintf(&out, "%-19s %9d %15s %15s %17s %19s %15s\n", g.name, f.before.officials,
				fmt.Sprintf("%d → %d", f.before.told, f.after.told), fmt.Sprintf("%d → %d", f.before.max, f.after.max),
				fmt.Sprintf("%g → %g", f.before.median, f.after.median),
				fmt.Sprintf("%g → %g", f.before.medianTold, f.after.medianTold),
				fmt.Sprintf("%d → %d", f.before.total, f.after.total))
			if g.metric != "" {
				b.ReportMetric(float64(f.before.max), metric+"-"+g.metric+"-max-before")
				b.ReportMetric(float64(f.after.max), metric+"-"+g.metric+"-max-after")
			}
			if g.name == "all officials" {
				b.ReportMetric(float64(f.before.total), metric+"-total-before")
				b.ReportMetric(float64(f.after.total), metric+"-total-after")
				if f.before.total != swept.Told+swept.Joined {
					// A producer's reminders split between two batches
					// of the sweep are told of twice.
					fmt.Fprintf(&out, "the sweep wrote %d single notices where %d were counted before\n",
						swept.Told+swept.Joined, f.before.total)
				}
			}
		}
		b.ReportMetric(took.Seconds(), metric+"-sweep-s")
		// To stdout: a benchmark's log keeps ten lines.
		fmt.Print(out.String())
		// The officials' chats took today's messages.
		if _, err := pool.Exec(ctx, `UPDATE notifications SET status = 'sent' WHERE status = 'queued'`); err != nil {
			b.Fatal(err)
		}
	}
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	sweep("first sweep", "first", day)
	sweep("next day", "next", day.AddDate(0, 0, 1))
	// The day the producers still unlinked are listed again.
	sweep("a week later", "week", day.AddDate(0, 0, ocop.UnlinkedRepeatDays))
	// The timer ran over the generation too, so that a default -benchtime
	// does not call this again to fill a second: ns/op means nothing.
	b.ReportMetric(0, "ns/op")
}
