package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	unitsx "github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// BenchmarkRegistryImport runs the real binary's `registry import` on a
// national file (100,000 certificates of 50,000 producers, two products
// each, in every commune of the three-level tree) and on a province-sized
// one (5,000 rows), and reports the rows per second and the process's peak
// resident memory. Targets: ≤ 30 s and < 400 MB; ≤ 3 s.
// Run: go test -run '^$' -bench RegistryImport -benchtime 1x ./cmd/ocopbot/
func BenchmarkRegistryImport(b *testing.B) {
	for _, size := range []struct {
		name      string
		producers int
	}{{"province-5000", 2_500}, {"national-100000", 50_000}} {
		b.Run(size.name, func(b *testing.B) {
			env := newBinaryEnv(b, "9")
			store, err := storage.Open(context.Background(), env.dbURL)
			if err != nil {
				b.Fatal(err)
			}
			atlas, err := store.Atlas(context.Background())
			store.Close()
			if err != nil {
				b.Fatal(err)
			}
			file := filepath.Join(b.TempDir(), "registry.csv")
			if err := os.WriteFile(file, nationalRegistry(atlas, size.producers), 0o600); err != nil {
				b.Fatal(err)
			}
			rows := 2 * size.producers
			for b.Loop() {
				db := storagetest.NewDB(b) // each run imports into an empty registry
				cmd := exec.Command(env.bin, "registry", "import", file)
				cmd.Env = append(os.Environ(), "TELEGRAM_BOT_TOKEN="+env.token, "DATABASE_URL="+db.URL,
					"REDIS_URL="+env.redisURL, "LOG_FORMAT=text")
				var out, errOut bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &errOut
				start := time.Now()
				if err := cmd.Run(); err != nil {
					b.Fatalf("registry import: %v\n%s", err, firstLines(errOut.String(), 10))
				}
				took := time.Since(start)
				maxRSS := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
				b.ReportMetric(float64(rows)/took.Seconds(), "rows/s")
				b.ReportMetric(took.Seconds(), "s/import")
				b.ReportMetric(float64(maxRSS)/1024, "maxrss-MB")
				if !strings.Contains(out.String(), fmt.Sprintf("chủ thể mới %d", size.producers)) {
					b.Fatalf("summary: %s", out.String())
				}
			}
		})
	}
}

// nationalRegistry writes producers×2 rows over every commune of the tree
// in force in 2024, decisions of 2023 and 2024.
func nationalRegistry(a *unitsx.Atlas, producers int) []byte {
	tree := a.At(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)).Units
	type place struct{ province, district, commune string }
	var places []place
	for _, p := range tree.Children(0) {
		for _, d := range tree.Children(p.ID) {
			for _, c := range tree.Children(d.ID) {
				places = append(places, place{p.Name, d.Name, c.Name})
			}
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(flows.RegistryColumns)
	days := []string{"15/03/2023", "10/08/2023", "12/12/2023", "05/03/2024", "28/06/2024"}
	for i := range producers {
		pl := places[i%len(places)]
		tax := benchTaxCode(i)
		for k := range 2 {
			stars := 3 + (i+k)%2
			_ = w.Write([]string{pl.province, pl.district, pl.commune, fmt.Sprintf("HTX số %d", i), "HTX", tax,
				"Nguyễn Văn A", fmt.Sprintf("09%08d", i), fmt.Sprintf("Sản phẩm %d", k), fmt.Sprint(1 + (i+k)%6),
				fmt.Sprint(stars), "", fmt.Sprintf("%d/QĐ-UBND", 100+i%900), days[(i+k)%len(days)], ""})
		}
	}
	w.Flush()
	return buf.Bytes()
}

// benchTaxCode is the i-th valid mã số thuế from 0100000000.
func benchTaxCode(i int) string {
	weights := [9]int{31, 29, 23, 19, 17, 13, 7, 5, 3}
	for base := 10_000_000 + i*2; ; base++ {
		d := fmt.Sprintf("%09d", base)
		sum := 0
		for j, w := range weights {
			sum += int(d[j]-'0') * w
		}
		if c := 10 - sum%11; c < 10 {
			return d + fmt.Sprint(c)
		}
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}
