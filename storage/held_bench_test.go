package storage_test

import (
	"context"
	"testing"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// BenchmarkSweepAfterImport is the first sweep after a registry import:
// 10,000 imported producers with two certificates each ending in 20 days
// (the 30-day stage is due), half of them claimed. Each run queues 10,000
// reminders with their jobs, holds 10,000 and tells the commune's and the
// district's officials once per unlinked producer (5,000 producers × 2).
//
//	go test ./storage -run '^$' -bench SweepAfterImport -benchtime 3x
func BenchmarkSweepAfterImport(b *testing.B) {
	ctx := context.Background()
	db := storagetest.NewDB(b)
	pool := db.Store.Pool()
	commune, err := db.Store.UnitIDByCode(ctx, "27502", 3, date("2025-03-01"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `
INSERT INTO officials (user_id, chat_id, unit_id, role)
SELECT 9001, 9001, $1, 'commune' UNION ALL SELECT 9002, 9002, parent_id, 'district' FROM admin_units WHERE id = $1`, commune); err != nil {
		b.Fatal(err)
	}
	const producers = 10000
	if _, err := pool.Exec(ctx, `
WITH p AS (
    INSERT INTO producers (owner_user_id, chat_id, claimed_at, kind, name, representative, phone, tax_code, unit_id, name_key, imported_at)
    SELECT CASE WHEN i % 2 = 0 THEN 500000 + i END, CASE WHEN i % 2 = 0 THEN 500000 + i END, CASE WHEN i % 2 = 0 THEN now() END,
           'cooperative', 'HTX số ' || i, 'Nguyễn Văn A', '0912345678', '', $1, 'htx so ' || i, now()
    FROM generate_series(1, $2) i RETURNING id),
pr AS (
    INSERT INTO products (producer_id, name, group_code, target_stars, name_key, imported_at)
    SELECT p.id, 'Sản phẩm ' || k, '1', 3, 'san pham ' || k, now() FROM p CROSS JOIN generate_series(1, 2) k RETURNING id)
INSERT INTO certificates (product_id, stars, decision_no, decision_date, valid_until, imported_at)
SELECT id, 3, '2388/QĐ-UBND', '2023-09-20', '2026-09-20', now() FROM pr`, commune, producers); err != nil {
		b.Fatal(err)
	}
	day := date("2026-08-31") // 20 days left
	var swept ocop.Swept
	for b.Loop() {
		b.StopTimer()
		if _, err := pool.Exec(ctx, `
DELETE FROM certificate_reminders; DELETE FROM notifications; DELETE FROM river_job; ANALYZE`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		swept, err = db.Store.SweepReminders(ctx, day, ocop.DefaultReminderStages, 0)
		if err != nil {
			b.Fatal(err)
		}
	}
	if swept.Reminders != 2*producers || swept.Held != producers {
		b.Fatalf("swept %+v, want %d reminders, %d held", swept, 2*producers, producers)
	}
	var told int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE kind = 'unreachable'`).Scan(&told); err != nil {
		b.Fatal(err)
	}
	if told != producers { // 5,000 unlinked producers, two officials each
		b.Fatalf("officials told %d times, want %d", told, producers)
	}
	b.ReportMetric(float64(swept.Reminders)*float64(b.N)/b.Elapsed().Seconds(), "reminders/s")
}
