package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// Officials' exports of producers' phones leave a row each in the audit
// log (who, what, which unit, how many rows; never a phone): the /status
// workbook, the printed claim links and /giahan's unreachable producers.
// An official whose access is ended is answered as anyone else from their
// next command.
func TestExportsAudited(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{now: time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC), twoLevel: true, merges: true})
	ctx := context.Background()
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	anNhonTay, hcm := unitOn(t, h, "27508", 3, today), unitOn(t, h, "79", 1, today)
	commune := bind(t, h, 9801, anNhonTay, ocop.RoleCommune)
	city := bind(t, h, 9802, hcm, ocop.RoleProvince)
	phones := []string{"0912000301", "0912000302"}
	// Ends on 20/12/2026: its 30-day reminder is held (not linked), and
	// /giahan lists the producer with its phone.
	storagetest.AddRegistryProducer(t, h.db.Store, anNhonTay, "HTX Rau Sạch An Nhơn", phones[0], storagetest.Cert{Stars: 3, Decided: "2023-12-20"})
	storagetest.AddRegistryProducer(t, h.db.Store, anNhonTay, "HTX Sen An Nhơn", phones[1])
	// The sweep's own step, without the scheduler (whose sweep at start
	// may run before the producers exist).
	if _, err := h.db.Store.SweepReminders(ctx, today, []int{90, 60, 30, 7}, 0); err != nil {
		t.Fatal(err)
	}
	if n := h.count(`SELECT count(*) FROM notifications WHERE kind = 'reminder' AND status = 'held'`); n != 1 {
		t.Fatalf("held reminders: %d, want 1", n)
	}

	// exported checks the one row of an export and returns its details.
	exported := func(action string, actor, unit int64) map[string]any {
		t.Helper()
		var raw []byte
		var n int
		err := h.db.Store.Pool().QueryRow(ctx, `SELECT count(*) OVER (), details FROM audit_log
WHERE action = $1 AND actor_user = $2 AND entity = 'unit' AND entity_id = $3 AND at > now() - interval '1 hour'`,
			action, actor, unit).Scan(&n, &raw)
		if err != nil || n != 1 {
			t.Fatalf("audit rows %s by %d of unit %d: %d (%v), want 1", action, actor, unit, n, err)
		}
		for _, p := range phones {
			if strings.Contains(string(raw), p[1:]) {
				t.Fatalf("audit details of %s hold a phone: %s", action, raw)
			}
		}
		var d map[string]any
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		return d
	}

	city.say("/status")
	city.expect("Chủ thể đã liên kết với bot: 0; chưa liên kết: 2")
	city.press("📄 Xuất Excel")
	workbook(t, h, city)
	if d := exported("export.status_workbook", 9802, hcm); d["rows"] != 2.0 || d["products"] != 1.0 {
		t.Errorf("workbook's audit details %v, want 2 rows with phones and 1 product", d)
	}
	city.press("🔗 In liên kết nhận hồ sơ (QR)")
	workbook(t, h, city)
	if d := exported("export.claim_links", 9802, hcm); d["rows"] != 2.0 {
		t.Errorf("claim links' audit details %v, want 2 rows", d)
	}

	commune.say("/giahan")
	commune.expect("Chưa liên lạc được qua bot (1)", "ĐT "+phones[0])
	if d := exported("export.unreachable", 9801, anNhonTay); d["rows"] != 1.0 {
		t.Errorf("/giahan's audit details %v, want 1 row", d)
	}

	// The audit log read back, as `ocopbot audit` does.
	log, err := h.db.Store.AuditLog(ctx, storage.AuditFilter{Actors: []int64{9801}})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
		if e.UnitID != anNhonTay || e.ActorRole != ocop.RoleCommune {
			t.Errorf("%s: unit %d role %q, want %d commune", e.Action, e.UnitID, e.ActorRole, anNhonTay)
		}
	}
	if strings.Join(actions, " ") != "invite.used export.unreachable" {
		t.Errorf("the commune official's actions: %q", actions)
	}

	// Access ended: the next command is refused, nothing more is exported.
	if _, err := h.db.Store.RevokeOfficial(ctx, 9801, 0, "tester"); err != nil {
		t.Fatal(err)
	}
	commune.say("/giahan")
	commune.expect("Lệnh này dành cho cán bộ quản lý OCOP")
	exported("export.unreachable", 9801, anNhonTay)
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'official.revoked' AND entity_id = 9801 AND details->>'operator' = 'tester'`); n != 1 {
		t.Errorf("revocation audit rows: %d, want 1", n)
	}
	if _, err := h.db.Store.RevokeOfficial(ctx, 9801, 0, ""); err == nil {
		t.Error("a second revocation succeeded")
	}
}
