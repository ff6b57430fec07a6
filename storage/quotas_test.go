package storage_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestQuotas: HCMC's targets are seeded; an import adds a row and changes
// one, twice the same import changes nothing, and a bad row is refused with
// its line and nothing written.
func TestQuotas(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	seeded, err := db.Store.Quotas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(seeded) != 5 || seeded[0].UnitCode != "79" || seeded[0].Minimum != 3 || seeded[0].Encouraged != 4 ||
		strings.Join(seeded[0].Kinds, "|") != "quan|thanh pho" || !seeded[0].Below {
		t.Fatalf("seeded quotas = %+v", seeded)
	}
	file := storage.QuotaHeader + "\n" +
		"01,1,below,Thị xã,recognised,3,5,2019-01-01,2019-12-31,Kế hoạch của UBND thị xã Sơn Tây\n" +
		"79,1,below,Phường,recognised,2,,2021-01-01,,UBND TP.HCM (sửa)\n"
	for range 2 {
		if n, err := db.Store.ImportQuotas(ctx, strings.NewReader(file)); err != nil || n != 2 {
			t.Fatalf("import: %d, %v", n, err)
		}
	}
	all, err := db.Store.Quotas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 6 {
		t.Fatalf("%d quotas after import, want 6", len(all))
	}
	for _, q := range all {
		if q.Metric == ocop.MetricRecognised && len(q.Kinds) == 1 && q.Kinds[0] == "phuong" && (q.Minimum != 2 || q.Source != "UBND TP.HCM (sửa)") {
			t.Errorf("the phường row was not replaced: %+v", q)
		}
		if q.UnitCode == "01" && (q.Kinds[0] != "thi xa" || q.To.Year() != 2019) {
			t.Errorf("new row = %+v", q)
		}
	}
	bad := storage.QuotaHeader + "\n79,1,below,quan,recognised,3,,2021-01-01,,ok\n79,1,around,quan,recognised,3,,2021-01-01,,x\n"
	if _, err := db.Store.ImportQuotas(ctx, strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("bad file: %v", err)
	}
	if again, _ := db.Store.Quotas(ctx); len(again) != 6 {
		t.Errorf("a refused file wrote rows: %d quotas", len(again))
	}
}
