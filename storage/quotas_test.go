package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestQuotas: HCMC's targets are seeded by period (1943/QĐ-UBND, 8/6/2022
// to 30/6/2025, then today's encouraged commune rule); a replacing import
// ends the rule in force for the same unit, scope, metric and overlapping
// kinds the day before it starts, leaves others alone, and writes an audit
// row; importing it twice changes nothing.
func TestQuotas(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	seeded, err := db.Store.Quotas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	if len(seeded) != 6 {
		t.Fatalf("seeded quotas = %+v, want 6", seeded)
	}
	for _, q := range seeded[:5] {
		if !q.From.Equal(day("2022-06-08")) || !q.To.Equal(day("2025-06-30")) || !strings.Contains(q.Source, "1943/QĐ-UBND") {
			t.Errorf("district-era rule %s: %s – %s (%s)", q, q.From, q.To, q.Source)
		}
		if strings.Join(q.Kinds, "|") == "phuong" && (q.Minimum != 0 || q.Encouraged != 1) {
			t.Errorf("ward rule %s, want encouraged 1", q)
		}
	}
	today := seeded[5]
	if today.UnitCode != "79" || today.UnitLevel != 1 || !today.Below || strings.Join(today.Kinds, "|") != "phuong|xa|dac khu" ||
		today.Minimum != 0 || today.Encouraged != 1 || !today.From.Equal(day("2025-07-01")) || !today.To.IsZero() {
		t.Fatalf("today's rule = %+v", today)
	}

	rules := []ocop.Quota{
		{UnitCode: "79", UnitLevel: 1, Below: true, Kinds: []string{"phuong"}, Metric: ocop.MetricRecognised, Minimum: 2, From: day("2026-01-01"), Source: "KH 1/UBND"},
		{UnitCode: "79", UnitLevel: 1, Below: false, Kinds: []string{}, Metric: ocop.MetricFourStar, Minimum: 20, From: day("2026-01-01"), Source: "KH 1/UBND"},
	}
	for i := range 2 {
		n, err := db.Store.ReplaceQuotas(ctx, rules, 42, "chi-tieu.csv")
		if err != nil {
			t.Fatal(err)
		}
		if want := []int{1, 2}[i]; n != want { // then the two rows of the first import, replaced by the same
			t.Errorf("import %d replaced %d rules, want %d", i+1, n, want)
		}
	}
	all, err := db.Store.Quotas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 8 {
		t.Fatalf("%d quotas after import, want 8: %+v", len(all), all)
	}
	if ended := all[5]; !ended.To.Equal(day("2025-12-31")) {
		t.Errorf("today's seeded rule ends %s, want 2025-12-31", ended.To)
	}
	if old := all[2]; !old.To.Equal(day("2025-06-30")) {
		t.Errorf("the 2022 ward rule was touched: %+v", old)
	}
	var audits int
	if err := db.Store.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'quotas.imported' AND actor_user = 42`).Scan(&audits); err != nil {
		t.Fatal(err)
	}
	if audits != 2 {
		t.Errorf("audit rows = %d, want 2", audits)
	}
}
