package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// todaysUnits loads Ho Chi Minh City's two-level tree and the merges into
// db, and returns an old commune (Xã Tân Thông Hội, three-level tree), its
// old district, the commune it counts at today as the atlas says (Xã Củ
// Chi) and today's province.
func todaysUnits(t *testing.T, store *storage.Store) (oldCommune, oldDistrict, commune, province int64) {
	t.Helper()
	ctx := context.Background()
	if _, err := store.LoadEmbeddedUnits(ctx, "79"); err != nil {
		t.Fatal(err)
	}
	today := date("2026-11-23")
	unit := func(code string, level int, day time.Time) int64 {
		t.Helper()
		id, err := store.UnitIDByCode(ctx, code, level, day)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	oldCommune, oldDistrict = unit("27556", 3, date("2024-06-28")), unit("783", 2, date("2024-06-28"))
	atlas, err := store.Atlas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	commune, ok := atlas.CommuneIn(atlas.At(today), oldCommune)
	if !ok {
		t.Fatal("Xã Tân Thông Hội has no commune today")
	}
	if u, _ := atlas.Unit(commune); u.Name != "Xã Củ Chi" {
		t.Fatalf("Xã Tân Thông Hội counts today at %q, want Xã Củ Chi", u.Name)
	}
	return oldCommune, oldDistrict, commune, unit("79", 1, today)
}

// recipients lists the chats told of kind (officials' notices), sorted.
func recipients(t *testing.T, store *storage.Store, kind string) []int64 {
	t.Helper()
	rows, err := store.Pool().Query(context.Background(), `SELECT chat_id FROM notifications WHERE kind = $1 ORDER BY chat_id`, kind)
	if err != nil {
		t.Fatal(err)
	}
	chats, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	return chats
}

// TestNoticesOfOldCommunesReachTodaysOfficials: for producers of a
// commune of the three-level tree, every notice meant for the officials
// of the producer's commune and the unit above — a renewal answer, a
// reminder that could not be delivered, a held reminder (not linked), a
// council result, an erasure — reaches the officials of the commune it
// counts at today and of today's province, and those of the old commune
// and district too; the officials of another commune and of another
// old district hear nothing.
func TestNoticesOfOldCommunesReachTodaysOfficials(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	store := db.Store
	oldCommune, oldDistrict, commune, province := todaysUnits(t, store)
	other, err := store.UnitIDByCode(ctx, "27508", 3, date("2026-11-23")) // Xã An Nhơn Tây
	if err != nil {
		t.Fatal(err)
	}
	hocMon, err := store.UnitIDByCode(ctx, "784", 2, date("2024-06-28")) // Huyện Hóc Môn, before the reform
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Pool().Exec(ctx, `
INSERT INTO officials (user_id, chat_id, unit_id, role) VALUES
    (9101, 9101, $1, 'commune'), (9102, 9102, $2, 'district'), (9103, 9103, $3, 'commune'), (9104, 9104, $4, 'province'),
    (9105, 9105, $5, 'commune'), (9106, 9106, $6, 'district')`, oldCommune, oldDistrict, commune, province, other, hocMon); err != nil {
		t.Fatal(err)
	}
	want := []int64{9101, 9102, 9103, 9104}

	// Certificates of 20/12/2023: the 30-day reminders are due on 23/11/2026.
	cert := storagetest.Cert{Stars: 3, Decided: "2023-12-20"}
	storagetest.AddRegistryProducer(t, store, oldCommune, "HTX Chưa Liên Kết", "0912000001", cert)
	answered := storagetest.AddProduct(t, store, 8801, oldCommune, "Mật ong", cert)
	storagetest.AddProduct(t, store, 8802, oldCommune, "Bánh tráng", cert)
	if _, err := store.SweepReminders(ctx, date("2026-11-23"), []int{30}, 0); err != nil {
		t.Fatal(err)
	}
	if got := recipients(t, store, ocop.NoticeUnreachable); !slices.Equal(got, want) {
		t.Errorf("unlinked notice told %v, want %v", got, want)
	}

	var blocked int64
	if err := store.Pool().QueryRow(ctx, `SELECT id FROM notifications WHERE kind = 'reminder' AND chat_id = 8802`).Scan(&blocked); err != nil {
		t.Fatal(err)
	}
	if err := store.NotificationBlocked(ctx, blocked, 8802, "Forbidden: bot was blocked by the user", time.Now()); err != nil {
		t.Fatal(err)
	}
	// Each official twice now: the unlinked producer, the blocked one.
	if got := recipients(t, store, ocop.NoticeUnreachable); !slices.Equal(got, slices.Concat(want[:1], want[:1], want[1:2], want[1:2],
		want[2:3], want[2:3], want[3:], want[3:])) {
		t.Errorf("unlinked and unreachable notices told %v, want %v twice each", got, want)
	}

	var certID int64
	if err := store.Pool().QueryRow(ctx, `SELECT id FROM certificates WHERE product_id = $1`, answered).Scan(&certID); err != nil {
		t.Fatal(err)
	}
	if _, err := store.AnswerRenewal(ctx, 8801, certID, ocop.AnswerReevaluate, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := recipients(t, store, ocop.NoticeRenewalAnswer); !slices.Equal(got, want) {
		t.Errorf("renewal answer told %v, want %v", got, want)
	}

	var reg ocop.Result
	if err := store.Pool().QueryRow(ctx, `SELECT id, code, product_id FROM registrations WHERE product_id = $1`, answered).
		Scan(&reg.RegistrationID, &reg.Code, &reg.ProductID); err != nil {
		t.Fatal(err)
	}
	reg.Score, reg.Stars, reg.DecisionNo, reg.DecisionDate, reg.IssuerUnitID = 75, 4, "9/QĐ-UBND", date("2026-11-20"), province
	if _, err := store.RecordResults(ctx, []ocop.Result{reg}); err != nil {
		t.Fatal(err)
	}
	if got := recipients(t, store, ocop.NoticeResultSummary); !slices.Equal(got, want) {
		t.Errorf("result summary told %v, want %v", got, want)
	}

	if _, err := store.ErasePersonalData(ctx, 8802, 8802, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := recipients(t, store, ocop.NoticeErased); !slices.Equal(got, want) {
		t.Errorf("erasure told %v, want %v", got, want)
	}
}
