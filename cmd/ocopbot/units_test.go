package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// buildInTempDir builds the binary into a directory of the test's own, with
// no shared/ anywhere above it, as a clone elsewhere would have it.
func buildInTempDir(t *testing.T) (dir, bin string) {
	t.Helper()
	dir = t.TempDir()
	bin = filepath.Join(dir, "ocopbot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "shared")); err == nil {
			t.Fatalf("%s has a shared/ above it: the test would not show a fresh clone", dir)
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return dir, bin
}

// TestMigrateLoadsEmbeddedUnits runs `ocopbot migrate` from a directory
// with no ../shared on a database that does not exist: it creates it,
// migrates it and loads both unit trees and the merges from the binary; run
// again, it loads nothing.
func TestMigrateLoadsEmbeddedUnits(t *testing.T) {
	t.Parallel()
	dir, bin := buildInTempDir(t)
	dbURL := storagetest.AbsentDB(t)
	migrate := func() string {
		t.Helper()
		cmd := exec.Command(bin, "migrate")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "LOG_FORMAT=text")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("ocopbot migrate: %v\n%s", err, out.String())
		}
		return out.String()
	}
	out := migrate()
	for _, want := range []string{
		"3-level (before 1/7/2025) tree loaded from the embedded list: 63 provinces, 696 districts, 10035 communes",
		"2-level (from 1/7/2025) tree loaded from the embedded list: 34 provinces, 0 districts, 3321 communes",
		"merge links between the two trees loaded",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("migrate said:\n%s\nwant a line with %q", out, want)
		}
	}

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	count := func(q string) int {
		t.Helper()
		var n int
		if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	for _, tc := range []struct {
		name string
		q    string
		want int
	}{
		{"provinces before 1/7/2025", `SELECT count(*) FROM admin_units WHERE valid_from = '2000-01-01' AND level = 1`, 63},
		{"districts before 1/7/2025", `SELECT count(*) FROM admin_units WHERE valid_from = '2000-01-01' AND level = 2`, 696},
		{"communes before 1/7/2025", `SELECT count(*) FROM admin_units WHERE valid_from = '2000-01-01' AND level = 3`, 10_035},
		{"provinces from 1/7/2025", `SELECT count(*) FROM admin_units WHERE valid_from = '2025-07-01' AND level = 1`, 34},
		{"districts from 1/7/2025", `SELECT count(*) FROM admin_units WHERE valid_from = '2025-07-01' AND level = 2`, 0},
		{"communes from 1/7/2025", `SELECT count(*) FROM admin_units WHERE valid_from = '2025-07-01' AND level = 3`, 3_321},
		// Every commune of today is linked to the old communes it came from,
		// but for 7: five special zones made of island districts that had
		// no commune (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo), and
		// two communes whose codes differ between the two sources (06978,
		// 23938).
		{"new communes with their origins", `SELECT count(DISTINCT o.unit_id) FROM admin_unit_origins o`, 3_314},
		{"links from a new-tree commune to an old-tree one", `SELECT count(*) FROM admin_unit_origins o
			JOIN admin_units n ON n.id = o.unit_id AND n.valid_from = '2025-07-01' AND n.level = 3
			JOIN admin_units p ON p.id = o.old_unit_id AND p.valid_from = '2000-01-01' AND p.level = 3`,
			count(`SELECT count(*) FROM admin_unit_origins`)},
	} {
		if got := count(tc.q); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	// Xã Củ Chi of today took in Xã Tân Thông Hội of the former Huyện Củ Chi.
	if n := count(`SELECT count(*) FROM admin_unit_origins o
		JOIN admin_units n ON n.id = o.unit_id AND n.code = '27553' AND n.valid_from = '2025-07-01'
		JOIN admin_units p ON p.id = o.old_unit_id AND p.code = '27556' AND p.valid_from = '2000-01-01'`); n != 1 {
		t.Errorf("Xã Tân Thông Hội → Xã Củ Chi: %d links, want 1", n)
	}

	before := count(`SELECT count(*) FROM admin_units`)
	if out := migrate(); !strings.Contains(out, "units: already stored, nothing loaded") {
		t.Errorf("second migrate said:\n%s\nwant that the units were already stored", out)
	}
	if after := count(`SELECT count(*) FROM admin_units`); after != before {
		t.Errorf("second migrate: %d units, was %d", after, before)
	}
}

// TestVersionLicenses prints both MIT notices of the embedded unit lists,
// each with the files it covers.
func TestVersionLicenses(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"version", "--licenses"}, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"ocopbot ",
		"vietnamese-provinces-database", "covers: vn-units-2025-03.csv, vn-units-2025-07.csv", "Copyright (c) 2021 Thang Le Quoc",
		"dvhcvn", "covers: vn-units-2025-07-merges.json", "Copyright (c) 2025 dvhcvn",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("version --licenses printed:\n%s\nwant %q", s, want)
		}
	}
	if n := strings.Count(s, "MIT License"); n != 2 {
		t.Errorf("%d MIT notices, want 2", n)
	}
	out.Reset()
	if err := run(context.Background(), []string{"version"}, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "MIT") {
		t.Errorf("plain version printed the notices:\n%s", out.String())
	}
}
