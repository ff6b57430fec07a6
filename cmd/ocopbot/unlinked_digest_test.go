package main

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ocopbot/ocopbot/flows/ocop"
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
	db := unitlessDB(t)
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
	// Before: each official told of a producer was told once per stage
	// held; after: at most the threshold's single notices, or one digest.
	msgs, heldProducers := unlinkedMessages(t, pool, day)
	city, commune, all := figuresOf(msgs, officialMessages.isProvince), figuresOf(msgs, officialMessages.isCommune),
		figuresOf(msgs, anyOfficial)
	t.Logf("first sweep of %s: %d reminders and %d expiry notices held for %d producers; %d officials (%d of communes)",
		day.Format(time.DateOnly), swept.Reminders, swept.Expired, heldProducers, officials, communeOfficials)
	t.Logf("messages per city official: before %d → after %d", city.before.max, city.after.max)
	t.Logf("messages per commune official: before at most %d → after at most %d", commune.before.max, commune.after.max)
	t.Logf("messages to officials in all: before %d → after %d (%d digests; the sweep wrote %d single notices, %d joined a digest)",
		all.before.total, all.after.total, all.digests, swept.Told, swept.Joined)
	if swept.Told+swept.Joined != all.before.total || all.after.total != swept.Told+swept.Digests {
		t.Errorf("swept %+v; counted %d before, %d after", swept, all.before.total, all.after.total)
	}
	if heldProducers <= ocop.UnlinkedThreshold || city.before.max < heldProducers || city.after.max != 1 {
		t.Errorf("the city's officials get %d messages (%d before) for %d held producers, want one digest",
			city.after.max, city.before.max, heldProducers)
	}
	if commune.after.max > ocop.UnlinkedThreshold {
		t.Errorf("a commune official gets %d messages", commune.after.max)
	}

	// The next day: nothing new is due, nobody is told; a week later, the
	// officials with more than the threshold still unlinked get the list
	// again, one digest.
	next := func(day time.Time) (city, commune, all messageFigures) {
		t.Helper()
		if _, err := pool.Exec(ctx, `UPDATE notifications SET status = 'sent' WHERE status = 'queued'`); err != nil {
			t.Fatal(err)
		}
		swept, err := db.Store.SweepReminders(ctx, day, ocop.DefaultReminderStages, 0)
		if err != nil {
			t.Fatal(err)
		}
		msgs, _ := unlinkedMessages(t, pool, day)
		city, commune, all = figuresOf(msgs, officialMessages.isProvince), figuresOf(msgs, officialMessages.isCommune),
			figuresOf(msgs, anyOfficial)
		t.Logf("%s: per city official %d, per commune official at most %d, %d in all (%d digests; %d single notices, before: %d)",
			day.Format(time.DateOnly), city.after.max, commune.after.max, all.after.total, all.digests, swept.Told+swept.Joined, all.before.total)
		return city, commune, all
	}
	if _, _, all := next(day.AddDate(0, 0, 1)); all.after.total != all.before.total {
		t.Errorf("next day: %d messages to officials, want %d (what is new)", all.after.total, all.before.total)
	}
	if city, _, _ := next(day.AddDate(0, 0, ocop.UnlinkedRepeatDays)); city.after.max != 1 {
		t.Errorf("a week later: the city's officials get %d messages, want one digest", city.after.max)
	}
}

// officialMessages is what the sweep of a day sends one active official
// about the producers of their units not linked to the bot.
type officialMessages struct {
	role string
	// oldTree: the official's unit is of the tree before 1/7/2025, whose
	// communes the national set's producers sit in.
	oldTree bool
	// before: before issue 26, one notice per producer and stage held
	// that day; after: the single notices and digests queued now.
	before, after, digests int
}

// unlinkedMessages counts, for every active official, the messages about
// unlinked producers of the sweep of day (queued: the caller marks an
// earlier day's sent), and the producers with reminders held that day.
// Before is counted from the reminders held that day, each producer and
// stage told to the officials of the units storage's noticeUnits names:
// the producer's commune and the unit above it, the commune of today's
// tree it was merged into and that commune's province, the issuer of its
// first certificate held. It is written again here, not taken from the
// code it checks.
func unlinkedMessages(tb testing.TB, pool *pgxpool.Pool, day time.Time) ([]officialMessages, int) {
	tb.Helper()
	rows, err := pool.Query(context.Background(), `
WITH h AS (
    SELECT p.id AS key, p.unit_id AS commune_id, r.stage, min(r.certificate_id) AS certificate_id
    FROM certificate_reminders r
    JOIN notifications n ON n.id = r.notification_id AND n.status = 'held'
    JOIN certificates c ON c.id = r.certificate_id JOIN products pr ON pr.id = c.product_id JOIN producers p ON p.id = pr.producer_id
    WHERE r.due_on = $1::date
    GROUP BY p.id, r.stage),
told AS (
    SELECT DISTINCT h.key, h.stage, v.id FROM h
    JOIN admin_units c ON c.id = h.commune_id
    LEFT JOIN LATERAL (
        SELECT m.unit_id FROM admin_unit_origins m WHERE m.old_unit_id = c.id
        ORDER BY m.full_merge DESC, m.unit_id LIMIT 1) m ON true
    LEFT JOIN admin_units t ON t.id = m.unit_id
    CROSS JOIN LATERAL (VALUES (c.id), (c.parent_id), (t.id), (t.parent_id),
        ((SELECT x.issuer_unit_id FROM certificates x WHERE x.id = h.certificate_id))) v (id)
    WHERE v.id IS NOT NULL),
before AS (
    SELECT o.user_id, count(*) AS n FROM told JOIN officials o ON o.unit_id = told.id AND o.revoked_at IS NULL
    GROUP BY o.user_id),
after AS (
    SELECT chat_id, count(*) AS n, count(*) FILTER (WHERE kind = $2) AS d FROM notifications
    WHERE kind IN ($2, $3) AND status = 'queued' GROUP BY chat_id)
SELECT o.role, u.valid_from < (SELECT max(valid_from) FROM admin_units), coalesce(b.n, 0)::int, coalesce(a.n, 0)::int,
       coalesce(a.d, 0)::int, (SELECT count(DISTINCT key) FROM h)::int
FROM officials o
JOIN admin_units u ON u.id = o.unit_id
LEFT JOIN before b ON b.user_id = o.user_id
LEFT JOIN after a ON a.chat_id = o.chat_id
WHERE o.revoked_at IS NULL
ORDER BY o.user_id`, day, ocop.NoticeUnlinkedDigest, ocop.NoticeUnreachable)
	if err != nil {
		tb.Fatal(err)
	}
	var all []officialMessages
	var m officialMessages
	var held int
	if _, err := pgx.ForEachRow(rows, []any{&m.role, &m.oldTree, &m.before, &m.after, &m.digests, &held}, func() error {
		all = append(all, m)
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
	return all, held
}

// messageFigures sums up what some officials were sent on a day.
type messageFigures struct {
	before, after messageStats
	digests       int
}

// messageStats sums up one count over the officials.
type messageStats struct {
	officials, told, max, total int
	median                      float64 // of all the officials
	medianTold                  float64 // of those with at least one message
}

func figuresOf(all []officialMessages, keep func(officialMessages) bool) messageFigures {
	var before, after []int
	var f messageFigures
	for _, m := range all {
		if keep(m) {
			before, after = append(before, m.before), append(after, m.after)
			f.digests += m.digests
		}
	}
	f.before, f.after = statsOf(before), statsOf(after)
	return f
}

func statsOf(ns []int) messageStats {
	slices.Sort(ns)
	s := messageStats{officials: len(ns)}
	var told []int
	for _, n := range ns {
		s.total += n
		if n > 0 {
			told = append(told, n)
		}
	}
	s.told = len(told)
	if len(ns) > 0 {
		s.max = ns[len(ns)-1]
	}
	s.median, s.medianTold = median(ns), median(told)
	return s
}

// median of sorted ns: the mean of the middle two for an even count.
func median(ns []int) float64 {
	if len(ns) == 0 {
		return 0
	}
	return float64(ns[(len(ns)-1)/2]+ns[len(ns)/2]) / 2
}

func (m officialMessages) isProvince() bool { return m.role == string(ocop.RoleProvince) }
func (m officialMessages) isCommune() bool  { return m.role == string(ocop.RoleCommune) }
func anyOfficial(officialMessages) bool     { return true }
