package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// `ocopbot registry links` writes one row per unclaimed producer of the
// province with its link and QR code; a link revoked from the command line
// no longer claims.
func TestRegistryLinksCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	commune, err := db.Store.UnitIDByCode(ctx, "27556", 3, time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	storagetest.AddRegistryProducer(t, db.Store, commune, "HTX Tân Thông", "0912345678")
	storagetest.AddRegistryProducer(t, db.Store, commune, "HTX Phú Hòa", "0912000000")
	getenv := env(map[string]string{"DATABASE_URL": db.URL})
	file := filepath.Join(t.TempDir(), "links.xlsx")
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"registry", "links", "--province", "79", "--out", file, "--bot", "ocop_bot"}, getenv, &out, &errb); err != nil {
		t.Fatalf("registry links: %v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), "2 claim links written") {
		t.Fatalf("output: %q", out.String())
	}
	book, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := book.GetRows("Liên kết nhận hồ sơ")
	if err != nil {
		t.Fatal(err)
	}
	pics, _ := book.GetPictureCells("Liên kết nhận hồ sơ")
	if len(rows) != 3 || len(pics) != 2 || rows[1][2] != "Xã Tân Thông Hội" {
		t.Fatalf("rows %q, pictures %v; want 2 producers of Xã Tân Thông Hội, each with a QR code", rows, pics)
	}
	code, ok := strings.CutPrefix(rows[1][4], "https://t.me/ocop_bot?start=c")
	if !ok {
		t.Fatalf("link %q", rows[1][4])
	}
	code = "c" + code
	if err := run(ctx, []string{"registry", "links", "--revoke", code}, getenv, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Store.OfferClaimLink(ctx, code, 1); !errors.Is(err, ocop.ErrClaimUnknown) {
		t.Fatalf("revoked link: %v, want ErrClaimUnknown", err)
	}
	for _, bad := range [][]string{{"registry", "links"}, {"registry", "links", "--province", "99"}} {
		if err := run(ctx, bad, getenv, &out, &errb); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// BenchmarkRegistryLinks5000 writes the claim links workbook, with a QR
// code per row, of a province with 5,000 unclaimed producers (issue 15: at
// most 10 s).
//
//	go test ./cmd/ocopbot -run '^$' -bench RegistryLinks5000 -benchtime 3x
func BenchmarkRegistryLinks5000(b *testing.B) {
	ctx := context.Background()
	db := storagetest.NewDB(b)
	atlas, err := db.Store.Atlas(ctx)
	if err != nil {
		b.Fatal(err)
	}
	hcm, err := db.Store.UnitIDByCode(ctx, "79", 1, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	communes := atlas.Sources(atlas.At(time.Now()), hcm)
	_, err = db.Store.Pool().Exec(ctx, `
INSERT INTO producers (kind, name, representative, phone, tax_code, unit_id, name_key, imported_at)
SELECT 'cooperative', 'HTX số ' || i, 'Nguyễn Văn A', '09' || lpad(i::text, 8, '0'), '', ($1::bigint[])[1 + i % cardinality($1::bigint[])],
       'htx so ' || i, now()
FROM generate_series(1, 5000) i`, communes)
	if err != nil {
		b.Fatal(err)
	}
	cfg := Config{}
	file := filepath.Join(b.TempDir(), "links.xlsx")
	var errb bytes.Buffer
	for b.Loop() {
		n, _, err := writeClaimLinks(ctx, db.Store, "79", file, "ocop_bot", cfg, time.Hour, &errb)
		if err != nil || n != 5000 {
			b.Fatalf("%d links: %v", n, err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/workbook")
}
