package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestUnlinkedDigestDemoRegistry measures what the first sweeps after the
// demo's registry import (Ho Chi Minh City, 67 producers, none linked)
// send the officials: an official of every commune with producers and of
// the city. Before issue 26 each was told once per producer and stage
// held (counted here from the held reminders); now each gets at most
// ocop.UnlinkedThreshold single notices, or one digest.
func TestUnlinkedDigestDemoRegistry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	if _, err := db.Store.Pool().Exec(ctx, `TRUNCATE admin_units CASCADE`); err != nil {
		t.Fatal(err)
	}
	if err := seedDemo(ctx, db.Store, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	pool := db.Store.Pool()
	// An official for every commune with registry producers, and the city's
	// (the demo's own two officials stay).
	if _, err := pool.Exec(ctx, `
INSERT INTO officials (user_id, chat_id, unit_id, role)
SELECT 800000 + row_number() OVER (ORDER BY u), 800000 + row_number() OVER (ORDER BY u), u, 'commune'
FROM (SELECT DISTINCT unit_id AS u FROM producers WHERE imported_at IS NOT NULL) c`); err != nil {
		t.Fatal(err)
	}
	var officials, communeOfficials int
	if err := pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE role = 'commune') FROM officials WHERE revoked_at IS NULL`).
		Scan(&officials, &communeOfficials); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	swept, err := db.Store.SweepReminders(ctx, day, ocop.DefaultReminderStages, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Before: each official of the producer's commune and of the city was
	// told once per producer and stage held.
	var cityBefore, communeMax, totalBefore, heldProducers int
	if err := pool.QueryRow(ctx, `
WITH h AS (
    SELECT DISTINCT p.id, p.unit_id, r.stage FROM certificate_reminders r
    JOIN notifications n ON n.id = r.notification_id AND n.status = 'held'
    JOIN certificates c ON c.id = r.certificate_id JOIN products pr ON pr.id = c.product_id JOIN producers p ON p.id = pr.producer_id),
per AS (
    SELECT o.chat_id, o.role, count(h.id) AS n FROM officials o
    LEFT JOIN h ON o.role = 'province' OR h.unit_id = o.unit_id
    WHERE o.revoked_at IS NULL GROUP BY o.chat_id, o.role)
SELECT coalesce(max(n) FILTER (WHERE role = 'province'), 0), coalesce(max(n) FILTER (WHERE role = 'commune'), 0),
       coalesce(sum(n), 0), (SELECT count(DISTINCT id) FROM h) FROM per`).Scan(&cityBefore, &communeMax, &totalBefore, &heldProducers); err != nil {
		t.Fatal(err)
	}
	after := func() (city, communeMax, total, digests int) {
		t.Helper()
		if err := pool.QueryRow(ctx, `
WITH m AS (
    SELECT o.role, n.chat_id, count(*) AS n, count(*) FILTER (WHERE n.kind = $1) AS d
    FROM notifications n JOIN officials o ON o.chat_id = n.chat_id
    WHERE n.kind IN ($1, $2) AND n.status = 'queued' GROUP BY o.role, n.chat_id)
SELECT coalesce(max(n) FILTER (WHERE role = 'province'), 0), coalesce(max(n) FILTER (WHERE role = 'commune'), 0),
       coalesce(sum(n), 0), coalesce(sum(d), 0) FROM m`, ocop.NoticeUnlinkedDigest, ocop.NoticeUnreachable).
			Scan(&city, &communeMax, &total, &digests); err != nil {
			t.Fatal(err)
		}
		return
	}
	city, communeAfter, total, digests := after()
	t.Logf("first sweep of %s: %d reminders and %d expiry notices held for %d producers; %d officials (%d of communes)",
		day.Format(time.DateOnly), swept.Reminders, swept.Expired, heldProducers, officials, communeOfficials)
	t.Logf("messages per city official: before %d → after %d", cityBefore, city)
	t.Logf("messages per commune official: before at most %d → after at most %d", communeMax, communeAfter)
	t.Logf("messages to officials in all: before %d → after %d (%d digests; the sweep wrote %d single notices, %d joined a digest)",
		swept.Told+swept.Joined, total, digests, swept.Told, swept.Joined)
	if swept.Told+swept.Joined < totalBefore || total != swept.Told+swept.Digests {
		t.Errorf("swept %+v; counted %d before, %d after", swept, totalBefore, total)
	}
	if heldProducers <= ocop.UnlinkedThreshold || city != 1 {
		t.Errorf("the city's officials get %d messages for %d held producers, want one digest", city, heldProducers)
	}
	if communeAfter > ocop.UnlinkedThreshold && communeAfter != 1 {
		t.Errorf("a commune official gets %d messages", communeAfter)
	}

	// The next day: nothing new is due; the officials still with more
	// than the threshold unlinked get one digest, as a reminder.
	if _, err := pool.Exec(ctx, `UPDATE notifications SET status = 'sent' WHERE status = 'queued'`); err != nil {
		t.Fatal(err)
	}
	swept, err = db.Store.SweepReminders(ctx, day.AddDate(0, 0, 1), ocop.DefaultReminderStages, 0)
	if err != nil {
		t.Fatal(err)
	}
	city, communeAfter, total, digests = after()
	t.Logf("next day: per city official %d, per commune official at most %d, %d in all (%d digests; %d single notices, before: none)",
		city, communeAfter, total, digests, swept.Told+swept.Joined)
	if city != 1 {
		t.Errorf("next day: the city's officials get %d messages, want one digest", city)
	}
}
