package flows_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestForgedButtonsStayInScope presses forged buttons — unit ids drawn from
// both trees (and areas, the country, ids of no tree), days drawn across
// both trees' periods, every action that takes a unit — as officials of
// every role and both trees, and checks that no answer (its text, its
// workbook's every part, a chart's caption) names a producer, product or
// phone outside the official's scope, another province, or the country.
// The expected scopes are written out by hand from the July 2025 merges,
// not computed by the code under test.
func TestForgedButtonsStayInScope(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	importTodaysTree(t, f.store)
	atlas, err := f.store.Atlas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, dates.Vietnam)
	e := flows.New(flows.Config{Records: f.store, Atlas: atlas, Groups: f.groups, Text: f.text, Log: f.log, Now: func() time.Time { return now }})

	before, after := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	unit := func(code string, level int, day time.Time) int64 {
		id, err := f.store.UnitIDByCode(ctx, code, level, day)
		if err != nil {
			t.Fatalf("unit %s level %d on %s: %v", code, level, day.Format(time.DateOnly), err)
		}
		return id
	}
	// Producers a province brought from its registry (unlinked: their phones
	// are in the workbook's sheet of unlinked producers), each certified.
	type producer struct{ key, name, product, phone string }
	var producers []producer
	add := func(key string, commune int64, decided string) {
		p := producer{key: key, name: "Chủ thể " + key, product: "Sản phẩm của Chủ thể " + key, phone: fmt.Sprintf("09870%05d", len(producers)+1)}
		storagetest.AddRegistryProducer(t, f.store, commune, p.name, p.phone, storagetest.Cert{Stars: 4, Decided: decided})
		producers = append(producers, p)
	}
	add("AnPhuCu", unit("27502", 3, before), "2024-06-01")        // old Xã An Phú → Xã An Nhơn Tây
	add("TanThongHoiCu", unit("27556", 3, before), "2024-06-01")  // old Xã Tân Thông Hội → Xã Củ Chi
	add("NhuanDucCu", unit("27511", 3, before), "2024-06-01")     // old Xã Nhuận Đức (Củ Chi) → Xã Nhuận Đức
	add("PhucXaCu", unit("00004", 3, before), "2024-06-01")       // Hà Nội, old tree
	add("AnNhonTayMoi", unit("27508", 3, after), "2025-09-01")    // Xã An Nhơn Tây, TP.HCM, today
	add("CuChiMoi", unit("27553", 3, after), "2025-09-01")        // Xã Củ Chi, today
	add("AnNhonTayGiaLai", unit("21940", 3, after), "2025-09-01") // Xã An Nhơn Tây of Gia Lai: the same name
	add("HaNoiMoi", unit("00004", 3, after), "2025-09-01")        // Hà Nội, today

	hcm, hanoi, gialai := "Thành phố Hồ Chí Minh", "Thành phố Hà Nội", "Tỉnh Gia Lai"
	officials := []struct {
		name    string
		unit    int64
		role    ocop.Role
		sees    []string // producers in scope
		foreign []string // provinces outside scope
	}{
		{"commune An Nhơn Tây (today)", unit("27508", 3, after), ocop.RoleCommune, []string{"AnPhuCu", "AnNhonTayMoi"}, []string{hanoi, gialai}},
		{"commune Củ Chi (today)", unit("27553", 3, after), ocop.RoleCommune, []string{"TanThongHoiCu", "CuChiMoi"}, []string{hanoi, gialai}},
		{"province TP.HCM (today)", unit("79", 1, after), ocop.RoleProvince, []string{"AnPhuCu", "TanThongHoiCu", "NhuanDucCu", "AnNhonTayMoi", "CuChiMoi"}, []string{hanoi, gialai}},
		{"province Gia Lai (today)", unit("52", 1, after), ocop.RoleProvince, []string{"AnNhonTayGiaLai"}, []string{hanoi, hcm}},
		{"district Huyện Củ Chi (old tree)", unit("783", 2, before), ocop.RoleDistrict, []string{"AnPhuCu", "TanThongHoiCu", "NhuanDucCu", "AnNhonTayMoi", "CuChiMoi"}, []string{hanoi, gialai}},
	}

	// Ids to forge with: every official's unit and producer commune in both
	// trees, districts as areas, the country, ids of no tree, and a random
	// sample of every tree.
	var ids []int64
	for _, code := range [][2]string{{"79", "1"}, {"01", "1"}, {"52", "1"}, {"783", "2"}, {"784", "2"}, {"27502", "3"}, {"27508", "3"}, {"27553", "3"}, {"27556", "3"}, {"00004", "3"}} {
		level, _ := strconv.Atoi(code[1])
		for _, d := range []time.Time{before, after} {
			if id, err := f.store.UnitIDByCode(ctx, code[0], level, d); err == nil {
				ids = append(ids, id)
				if level == 2 {
					ids = append(ids, -id)
				}
			}
		}
	}
	var maxID int64
	if err := f.store.Pool().QueryRow(ctx, `SELECT max(id) FROM admin_units`).Scan(&maxID); err != nil {
		t.Fatal(err)
	}
	ids = append(ids, 0, -1, maxID+1, 1<<40)
	seed := time.Now().UnixNano()
	if s := os.Getenv("SCOPE_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	t.Logf("seed %d (SCOPE_SEED to repeat)", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	for range 40 {
		ids = append(ids, 1+rng.Int64N(maxID))
	}
	days := []string{"19000101", "20190821", "20250301", "20250630", "20250701", "20250705", "20261207", "20270120", "20991231"}
	actions := []string{"st", "ch", "xl", "lk", "iv"}

	country := f.text.Printer("vi").T("status.country")
	for i, o := range officials {
		user := int64(8100 + i)
		code, err := f.store.CreateInvite(ctx, o.unit, o.role, 0, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.RedeemInvite(ctx, code, user, user); err != nil {
			t.Fatal(err)
		}
		var forbidden []string
		for _, p := range producers {
			if !slices.Contains(o.sees, p.key) {
				forbidden = append(forbidden, p.name, p.product, p.phone)
			}
		}
		forbidden = append(forbidden, o.foreign...)
		forbidden = append(forbidden, country)
		chat := &flows.Chat{ID: user, UserID: user, Locale: "vi"}
		presses := 0
		check := func(data string) {
			presses++
			res := handleOK(t, e, chat, flows.Input{Kind: flows.InputButton, Data: data, MessageID: 1})
			out := answerText(t, res)
			for _, m := range forbidden {
				if strings.Contains(out, m) || strings.Contains(compactDigits(out), m) {
					t.Errorf("%s pressing %q sees %q, outside their scope:\n%s", o.name, data, m, firstLines(out, 12))
					return
				}
			}
		}
		// The presses the issue found, first: each unit of the official's
		// own in the other tree, with today's day and with a day of no tree.
		for _, id := range ids {
			for _, day := range []string{"20261207", "19000101"} {
				check("x|xl|" + strconv.FormatInt(id, 10) + "|" + day)
			}
		}
		for range 60 {
			action := actions[rng.IntN(len(actions))]
			data := "x|" + action + "|" + strconv.FormatInt(ids[rng.IntN(len(ids))], 10)
			if action != "iv" {
				data += "|" + days[rng.IntN(len(days))]
			}
			check(data)
		}
		// Every export this official took is recorded against a unit of
		// their scope; every refusal is recorded.
		var outside, refused int
		err = f.store.Pool().QueryRow(ctx, `
SELECT count(*) FILTER (WHERE action LIKE 'export.%' AND NOT (entity_id = ANY($2))),
       count(*) FILTER (WHERE action = 'scope.refused')
FROM audit_log WHERE actor_user = $1`, user, scopeUnits(t, f.store, o.unit)).Scan(&outside, &refused)
		if err != nil {
			t.Fatal(err)
		}
		if outside > 0 {
			var rows []string
			r, _ := f.store.Pool().Query(ctx, `SELECT action || ' ' || entity_id || ' ' || details::text FROM audit_log WHERE actor_user = $1 AND action LIKE 'export.%'`, user)
			rows, _ = pgx.CollectRows(r, pgx.RowTo[string])
			t.Errorf("%s: %d exports recorded against units outside their scope: %q", o.name, outside, rows)
		}
		if refused == 0 {
			t.Errorf("%s: no refusal recorded after %d forged presses", o.name, presses)
		}
	}
}

// scopeUnits is the official's unit and every unit below it, in its own
// tree, and the units of the other tree made of communes merged into (or,
// for an official of today's tree, out of) those: the communes linked to one
// of them, and the units above whose every commune is such.
func scopeUnits(t *testing.T, store *storage.Store, unit int64) []int64 {
	t.Helper()
	rows, err := store.Pool().Query(context.Background(), `
WITH RECURSIVE own(id) AS (
    SELECT $1::bigint
    UNION SELECT u.id FROM admin_units u JOIN own ON u.parent_id = own.id),
linked AS (
    SELECT o.old_unit_id AS id FROM admin_unit_origins o JOIN own ON o.unit_id = own.id
    UNION SELECT o.unit_id FROM admin_unit_origins o JOIN own ON o.old_unit_id = own.id),
communes AS (SELECT id FROM own UNION SELECT id FROM linked),
-- every unit with the communes under it
up(unit_id, commune) AS (
    SELECT id, id FROM admin_units WHERE level = 3
    UNION ALL SELECT u.parent_id, up.commune FROM up JOIN admin_units u ON u.id = up.unit_id WHERE u.parent_id IS NOT NULL)
SELECT id FROM communes
UNION SELECT unit_id FROM up GROUP BY unit_id HAVING bool_and(commune IN (SELECT id FROM communes))`, unit)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// answerText is everything an answer shows: texts and captions, and every
// part of an attached workbook, unzipped.
func answerText(t *testing.T, res flows.Result) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(res.Toast)
	for _, r := range res.Replies {
		b.WriteString("\n" + r.Text)
		for _, row := range r.Choices {
			for _, btn := range row {
				b.WriteString("\n[" + btn.Label + "]")
			}
		}
		if r.Document != nil {
			zr, err := zip.NewReader(bytes.NewReader(r.Document.Data), int64(len(r.Document.Data)))
			if err != nil {
				t.Fatalf("document %s: %v", r.Document.Name, err)
			}
			for _, zf := range zr.File {
				rc, err := zf.Open()
				if err != nil {
					t.Fatal(err)
				}
				part, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Fatal(err)
				}
				b.WriteString("\n" + r.Document.Name + ":" + zf.Name + "\n")
				b.Write(part)
			}
		}
	}
	return b.String()
}

// compactDigits drops the spaces and dots a phone may be written with.
func compactDigits(s string) string {
	return strings.NewReplacer(" ", "", ".", "", "\u00a0", "").Replace(s)
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

func handleOK(t *testing.T, e *flows.Engine, c *flows.Chat, in flows.Input) flows.Result {
	t.Helper()
	_, res, err := e.Handle(context.Background(), c, nil, in)
	if err != nil {
		t.Fatalf("handle %q: %v", in.Data, err)
	}
	return res
}

// importTodaysTree loads the two-level tree and the merges into the
// fixture's database (its template has the three-level tree only).
func importTodaysTree(t *testing.T, store *storage.Store) {
	t.Helper()
	if _, err := store.LoadEmbeddedUnits(context.Background()); err != nil {
		t.Fatal(err)
	}
}
