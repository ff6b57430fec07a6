package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestAuthoritiesAreSeeded: DESIGN.md's table, as rows, answers who may
// recognise what on a day.
func TestAuthoritiesAreSeeded(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	auth, err := db.Store.Authorities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	cases := []struct {
		day    string
		office ocop.Office
		stars  int
		ok     bool
		by     ocop.Office
	}{
		{"2020-05-01", ocop.OfficeDistrict, 3, false, ocop.OfficeProvince}, // 1048: districts pre-screen
		{"2020-05-01", ocop.OfficeProvince, 4, true, ocop.OfficeProvince},
		{"2023-02-23", ocop.OfficeDistrict, 3, false, ocop.OfficeProvince}, // 1048's last day
		{"2023-02-24", ocop.OfficeDistrict, 3, true, ocop.OfficeDistrict},  // 148's first
		{"2024-06-28", ocop.OfficeDistrict, 4, false, ocop.OfficeProvince},
		{"2024-06-28", ocop.OfficeDistrict, 2, true, ocop.OfficeDistrict}, // below 3★: no certificate, recorded
		{"2024-06-28", ocop.OfficeProvince, 5, false, ocop.OfficeCentral},
		// The reform's edge (migration 008): district councils ended on
		// 30/6/2025; 148 still applies until 5/7, the province takes 3★.
		{"2025-06-30", ocop.OfficeDistrict, 3, true, ocop.OfficeDistrict},
		{"2025-06-30", ocop.OfficeProvince, 3, false, ocop.OfficeDistrict},
		{"2025-06-30", ocop.OfficeProvince, 4, true, ocop.OfficeProvince},
		{"2025-07-01", ocop.OfficeDistrict, 3, false, ocop.OfficeProvince},
		{"2025-07-01", ocop.OfficeDistrict, 2, false, ""}, // no district left to record anything
		{"2025-07-01", ocop.OfficeProvince, 3, true, ocop.OfficeProvince},
		{"2025-07-01", ocop.OfficeProvince, 4, true, ocop.OfficeProvince},
		{"2025-07-01", ocop.OfficeProvince, 5, false, ocop.OfficeCentral},
		{"2025-07-05", ocop.OfficeProvince, 3, true, ocop.OfficeProvince},
		{"2025-07-05", ocop.OfficeDistrict, 3, false, ocop.OfficeProvince},
		{"2025-07-05", ocop.OfficeCentral, 5, true, ocop.OfficeCentral},
		{"2025-07-06", ocop.OfficeDistrict, 3, false, ocop.OfficeProvince}, // 1489: districts abolished
		{"2025-07-06", ocop.OfficeProvince, 4, true, ocop.OfficeProvince},
		{"2025-07-06", ocop.OfficeProvince, 3, true, ocop.OfficeProvince},
		{"2026-11-23", ocop.OfficeCentral, 5, true, ocop.OfficeCentral},
	}
	for _, c := range cases {
		ok, by := auth.Decide(d(c.day), c.office, c.stars)
		if ok != c.ok || (!ok && by != c.by) {
			t.Errorf("%s %s %d★: ok %v by %q, want %v by %q", c.day, c.office, c.stars, ok, by, c.ok, c.by)
		}
	}
	for day, want := range map[string]string{"2025-06-30": "148/QĐ-TTg", "2025-07-01": "148/QĐ-TTg", "2025-07-05": "148/QĐ-TTg", "2025-07-06": "1489/QĐ-TTg"} {
		if r := auth.Regime(d(day)); r != want {
			t.Errorf("regime on %s: %q, want %q", day, r, want)
		}
	}
	if r := auth.Regime(d("2019-08-20")); r != "" {
		t.Errorf("a regime before 1048: %q", r)
	}

	// The 5★ path (migration 014): a score in the band of stars only the
	// central level recognises, recorded by the office just below it, is
	// that office's ceiling with a proposal to the central level; an office
	// further below, or the central level itself, proposes nothing.
	applies := []struct {
		day          string
		office       ocop.Office
		stars        int
		ok           bool
		record, prop int
	}{
		{"2026-11-23", ocop.OfficeProvince, 5, true, 4, 5}, // 1489
		{"2025-07-06", ocop.OfficeProvince, 5, true, 4, 5},
		{"2025-07-01", ocop.OfficeProvince, 5, true, 4, 5}, // the reform's edge
		{"2024-06-28", ocop.OfficeProvince, 5, true, 4, 5}, // 148
		{"2020-05-01", ocop.OfficeProvince, 5, true, 4, 5}, // 1048
		{"2026-11-23", ocop.OfficeProvince, 4, true, 4, 0},
		{"2026-11-23", ocop.OfficeCentral, 5, true, 5, 0},
		{"2026-11-23", ocop.OfficeCentral, 4, false, 0, 0},
		{"2024-06-28", ocop.OfficeDistrict, 5, false, 0, 0}, // two bands below: the province scores it
		{"2024-06-28", ocop.OfficeDistrict, 4, false, 0, 0}, // the province is no proposal office
		{"2026-11-23", ocop.OfficeDistrict, 5, false, 0, 0},
	}
	for _, c := range applies {
		r, ok := auth.Apply(ocop.Result{Stars: c.stars, DecisionDate: d(c.day)}, c.office)
		if ok != c.ok || ok && (r.Stars != c.record || r.Proposed != c.prop) {
			t.Errorf("%s %s %d★: ok %v, %d★ proposed %d; want %v, %d★ proposed %d", c.day, c.office, c.stars, ok, r.Stars, r.Proposed, c.ok, c.record, c.prop)
		}
		if c.prop > 0 && r.ProposedTo != ocop.OfficeCentral {
			t.Errorf("%s %s %d★: proposed to %q, want central", c.day, c.office, c.stars, r.ProposedTo)
		}
	}
}

// TestRevokeCertificate: revocation ends the certificate from its day,
// queues the producer's notice with its job in the same transaction, and a
// second revocation finds nothing in force.
func TestRevokeCertificate(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	storagetest.SeedResults(t, db.Store, 2, 60_000_000)
	var code string
	if err := db.Store.Pool().QueryRow(ctx, `SELECT code FROM registrations ORDER BY id LIMIT 1`).Scan(&code); err != nil {
		t.Fatal(err)
	}
	on := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if err := db.Store.RevokeCertificate(ctx, code, on, "Vi phạm an toàn thực phẩm", 0); err != nil {
		t.Fatal(err)
	}
	var revoked time.Time
	if err := db.Store.Pool().QueryRow(ctx, `
SELECT c.revoked_on FROM certificates c JOIN registrations r ON r.product_id = c.product_id WHERE r.code = $1`, code).Scan(&revoked); err != nil || !revoked.Equal(on) {
		t.Fatalf("revoked_on = %v (%v), want %v", revoked, err, on)
	}
	var notices, jobs int
	if err := db.Store.Pool().QueryRow(ctx, `
SELECT (SELECT count(*) FROM notifications WHERE kind = 'revoked' AND payload->>'reason' = 'Vi phạm an toàn thực phẩm'),
       (SELECT count(*) FROM river_job WHERE kind = 'notify')`).Scan(&notices, &jobs); err != nil {
		t.Fatal(err)
	}
	if notices != 1 || jobs != 3 { // two results and the revocation
		t.Fatalf("revocation notices %d, jobs %d; want 1 and 3", notices, jobs)
	}
	if err := db.Store.RevokeCertificate(ctx, code, on, "again", 0); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("second revocation: %v, want ErrNotFound", err)
	}
}
