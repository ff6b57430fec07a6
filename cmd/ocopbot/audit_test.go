package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// `ocopbot officials list|revoke` and `ocopbot audit`: officials of Ho Chi
// Minh City, one of its communes and Hà Nội; their exports; the --unit
// filter keeps a unit and those below it; the revocation ends access and
// is in the audit log, as is the command line's own export of claim links.
func TestOfficialsAndAuditCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	store := db.Store
	unit := func(code string, level int) int64 {
		t.Helper()
		id, err := store.UnitIDByCode(ctx, code, level, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	hcm, anNhonTay, hanoi := unit("79", 1), unit("27508", 3), unit("01", 1)
	for _, o := range []struct {
		user int64
		unit int64
		role ocop.Role
	}{{8101, hcm, ocop.RoleProvince}, {8102, anNhonTay, ocop.RoleCommune}, {8103, hanoi, ocop.RoleProvince}} {
		code, err := store.CreateInvite(ctx, o.unit, o.role, 0, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.RedeemInvite(ctx, code, o.user, o.user); err != nil {
			t.Fatal(err)
		}
	}
	for _, x := range []ocop.Export{
		{Kind: ocop.ExportStatusWorkbook, Actor: 8101, UnitID: hcm, Rows: 3, Products: 7},
		{Kind: ocop.ExportUnreachable, Actor: 8102, UnitID: anNhonTay, Rows: 1},
		{Kind: ocop.ExportStatusWorkbook, Actor: 8103, UnitID: hanoi, Rows: 5},
	} {
		if err := store.RecordExport(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	cmd, must := cli(t, env(map[string]string{"DATABASE_URL": db.URL}))

	list := must("officials", "list")
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "USER") {
		t.Fatalf("officials list:\n%s", list)
	}
	// Aligned: every row's role starts under the header's.
	col := runeIndex(lines[0], "ROLE")
	for _, l := range lines[1:] {
		if i := runeIndex(l, "province"); i != col && runeIndex(l, "commune") != col {
			t.Errorf("row not aligned under ROLE (%d): %q", col, l)
		}
	}
	if !containsAll(list, "8101", "79 Thành phố Hồ Chí Minh", "8102", "commune", "8103", "01 Thành phố Hà Nội", time.Now().In(time.FixedZone("", 7*3600)).Format("02/01/2006")) {
		t.Errorf("officials list:\n%s", list)
	}
	if strings.Contains(list, "0912") {
		t.Errorf("officials list shows a phone:\n%s", list)
	}
	inHCM := must("officials", "list", "--unit", "79")
	if !containsAll(inHCM, "8101", "8102") || strings.Contains(inHCM, "8103") {
		t.Errorf("officials list --unit 79:\n%s", inHCM)
	}

	table := must("audit", "--unit", "79")
	if !containsAll(table, "WHEN", "ACTION", "invite.used", "export.status_workbook", `"rows":3`, "export.unreachable", "27508") ||
		strings.Contains(table, "8103") || strings.Contains(table, `"rows":5`) {
		t.Errorf("audit --unit 79:\n%s", table)
	}
	rows := readCSV(t, must("audit", "--csv", "--actor", "8103"))
	if len(rows) != 3 || rows[0][0] != "WHEN" || rows[1][4] != "invite.used" || rows[2][4] != "export.status_workbook" ||
		rows[2][3] != "01 Thành phố Hà Nội" || rows[2][2] != "province" || rows[2][6] != `{"rows":5}` {
		t.Errorf("audit --csv --actor 8103: %q", rows)
	}
	if rows := readCSV(t, must("audit", "--csv", "--since", time.Now().AddDate(0, 0, 2).Format("02/01/2006"))); len(rows) != 1 {
		t.Errorf("audit --since the day after tomorrow: %q, want the header alone", rows)
	}
	if rows := readCSV(t, must("audit", "--csv", "--since", time.Now().AddDate(0, 0, -1).Format("02/01/2006"))); len(rows) != 10 {
		t.Errorf("audit --since yesterday: %d rows, want the header and 3 invitations, 3 bindings, 3 exports", len(rows))
	}

	// Revoked: no longer an official, listed nowhere, in the audit log.
	if out := must("officials", "revoke", "--user", "8102"); !strings.Contains(out, "access of 8102 (commune) ended") {
		t.Errorf("officials revoke: %s", out)
	}
	if _, err := store.OfficialByUser(ctx, 8102); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("revoked official still found: %v", err)
	}
	if strings.Contains(must("officials", "list"), "8102") {
		t.Error("a revoked official is listed")
	}
	if out, err := cmd("officials", "revoke", "--user", "8102"); err == nil || !strings.Contains(err.Error(), "no active official") {
		t.Errorf("second revocation: %v\n%s", err, out)
	}

	// The command line's claim links are an export too.
	storagetest.AddRegistryProducer(t, store, anNhonTay, "HTX Sen An Nhơn", "0912000401")
	must("registry", "links", "--province", "79", "--out", filepath.Join(t.TempDir(), "links.xlsx"), "--bot", "ocop_bot")
	rows = readCSV(t, must("audit", "--csv", "--actor", "cli", "--unit", "79"))
	var got []string
	for _, r := range rows[1:] {
		if strings.HasPrefix(r[4], "invite.") { // the invitations above, from the command line too
			continue
		}
		got = append(got, r[4]+" "+r[3])
		if strings.Contains(r[6], "912000401") || !strings.Contains(r[6], `"operator":`) {
			t.Errorf("command line's audit row: %q", r)
		}
	}
	if strings.Join(got, ", ") != "official.revoked 27508 Xã An Nhơn Tây, export.claim_links 79 Thành phố Hồ Chí Minh" {
		t.Errorf("the command line's actions in HCMC: %q", got)
	}

	for _, bad := range [][]string{{"audit", "--since", "31/02/2026"}, {"audit", "--actor", "x"}, {"audit", "--unit", "999999"},
		{"officials"}, {"officials", "revoke"}, {"officials", "list", "extra"}} {
		if _, err := cmd(bad...); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func runeIndex(s, sub string) int {
	i := strings.Index(s, sub)
	if i < 0 {
		return -1
	}
	return utf8.RuneCountInString(s[:i])
}

// readCSV reads a CSV written for Excel: after its UTF-8 BOM.
func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	s, ok := strings.CutPrefix(s, "\ufeff")
	if !ok {
		t.Fatalf("CSV without a UTF-8 BOM:\n%s", s)
	}
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	return rows
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// cli runs subcommands as main does, with getenv and extra after each
// command's arguments: cmd returns what it wrote and its error, must fails
// the test on an error.
func cli(t *testing.T, getenv func(string) string, extra ...string) (cmd func(args ...string) (string, error), must func(args ...string) string) {
	cmd = func(args ...string) (string, error) {
		t.Helper()
		var out, errb bytes.Buffer
		err := run(context.Background(), slices.Concat(args, extra), getenv, &out, &errb)
		return out.String() + errb.String(), err
	}
	must = func(args ...string) string {
		t.Helper()
		out, err := cmd(args...)
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	return cmd, must
}
