package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestResultsImportFiveStar: the 5★ path from the command line. A
// province's file with 92 points records its 4★ and a proposal, which
// `results proposals` lists; the central level's file (`results import`
// without --unit) records the 5★, which supersedes the 4★ and settles the
// proposal, so the list is empty again.
func TestResultsImportFiveStar(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := t.Context()
	commune, err := db.Store.UnitIDByCode(ctx, "27502", 3, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	product := storagetest.AddProduct(t, db.Store, 8101, commune, "Mật ong An Phú")
	var code string
	if err := db.Store.Pool().QueryRow(ctx, `SELECT code FROM registrations WHERE product_id = $1`, product).Scan(&code); err != nil {
		t.Fatal(err)
	}
	cfg := Config{DatabaseURL: db.URL}
	dir := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if err := results(ctx, cfg, args, &out, &errb); err != nil {
			t.Fatalf("results %s: %v\n%s", strings.Join(args, " "), err, errb.String())
		}
		return out.String()
	}
	file := func(name, row string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("Mã hồ sơ;Điểm;Số quyết định;Ngày quyết định\n"+row+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := db.Store.Pool().QueryRow(ctx, q, product).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	out := run("import", "--unit", "79", file("tinh.csv", code+";92;15/QĐ-UBND;02/11/2026"))
	if !strings.Contains(out, "1 recorded (1 certificates)") || !strings.Contains(out, "1 recorded at the office's ceiling and proposed to the central level for 5 stars") {
		t.Fatalf("the province's import said:\n%s", out)
	}
	if n := count(`SELECT count(*) FROM certificates WHERE product_id = $1 AND stars = 4 AND issuer_unit_id IS NOT NULL`); n != 1 {
		t.Fatalf("the province's 4★ certificates: %d, want 1", n)
	}
	list := run("proposals")
	if want := code + ",Mật ong An Phú,HTX Mật ong An Phú,Thành phố Hồ Chí Minh,92,4,15/QĐ-UBND,02/11/2026,5"; !strings.Contains(list, want) {
		t.Fatalf("results proposals lacks %q:\n%s", want, list)
	}

	out = run("import", file("trung-uong.csv", code+";95;88/QĐ-BNNMT;20/11/2026"))
	if !strings.Contains(out, "1 recorded (1 certificates)") || strings.Contains(out, "proposed") {
		t.Fatalf("the central level's import said:\n%s", out)
	}
	if n := count(`SELECT count(*) FROM certificates WHERE product_id = $1 AND stars = 5 AND issuer_unit_id IS NULL AND valid_until = '2029-11-20'`); n != 1 {
		t.Fatal("no 5★ certificate of the central level")
	}
	if n := count(`SELECT count(*) FROM certificates WHERE product_id = $1 AND stars = 4 AND revoked_on = '2026-11-20'`); n != 1 {
		t.Fatal("the 4★ certificate was not superseded on the 5★ decision's date")
	}
	if n := count(`SELECT count(*) FROM star_proposals WHERE product_id = $1 AND decided_by IS NULL`); n != 0 {
		t.Fatal("the proposal is still open after the 5★ decision")
	}
	if list := run("proposals"); strings.Contains(list, code) {
		t.Fatalf("a decided proposal is still listed:\n%s", list)
	}
}
