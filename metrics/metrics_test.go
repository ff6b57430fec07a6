package metrics_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/metrics"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestDatabaseMetrics: a sweep's reminder and its notification job show in
// the metrics read from Postgres at scrape time, and a registration
// submitted through Records is counted.
func TestDatabaseMetrics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, db.Store)

	commune, err := db.Store.UnitIDByCode(ctx, "27502", 3, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	// Valid until 1/9/2026: on 10/8/2026 the 30-day reminder is due.
	storagetest.AddProduct(t, db.Store, 7000, commune, "Trà", storagetest.Cert{Stars: 3, Decided: "2023-09-01"})
	if _, err := db.Store.SweepReminders(ctx, time.Date(2026, 8, 10, 0, 0, 0, 0, time.UTC), ocop.DefaultReminderStages, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Records(db.Store).SubmitRegistration(ctx, ocop.Submission{
		Producer: ocop.Producer{OwnerUserID: 7001, ChatID: 7001, Kind: ocop.KindCooperative, Name: "HTX Mật ong",
			Representative: "Trần Thị B", Phone: "0912345679", TaxCode: "0100109106", UnitID: commune},
		Product: ocop.Product{Name: "Mật ong", SubgroupCode: "1.1", Description: "Sản phẩm thử", TargetStars: 3},
		ActorID: 7001,
	}); err != nil {
		t.Fatal(err)
	}

	const want = `
# HELP ocopbot_registrations_submitted_total Registrations submitted by producers in the chat.
# TYPE ocopbot_registrations_submitted_total counter
ocopbot_registrations_submitted_total 1
# HELP ocopbot_reminders Renewal reminders ever queued, by stage (days before expiry; 0 is the expiry notice) and their notification's status: queued, sent, blocked, failed, held.
# TYPE ocopbot_reminders gauge
ocopbot_reminders{stage="30",status="queued"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "ocopbot_reminders", "ocopbot_registrations_submitted_total"); err != nil {
		t.Error(err)
	}
	// The reminder's job waits in the notify queue, due now.
	n, err := testutil.GatherAndCount(reg, "ocopbot_river_jobs")
	if err != nil || n != 16 {
		t.Errorf("ocopbot_river_jobs series = %d (%v), want the 8 states of notify and sweep", n, err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "ocopbot_river_jobs" {
			continue
		}
		for _, s := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range s.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["queue"] == "notify" && labels["state"] == "available" && s.GetGauge().GetValue() != 1 {
				t.Errorf("notify jobs available = %v, want the reminder's", s.GetGauge().GetValue())
			}
		}
	}
}
