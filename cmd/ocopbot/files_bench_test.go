package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/report/reporttest"
)

// BenchmarkImportHostileFiles runs `ocopbot registry import` as a
// process of its own on the attacker's files: an XLSX whose sheet inflates
// to 1 GiB from 2.6 MB, and a registry sheet of 200,000 rows. It reports
// the process's peak resident memory (its VmHWM, from rusage) and time;
// a run over 60 s is killed (reported as killed=1). Targets: the bomb
// refused within seconds and ≤ 100 MB, the 200,000 rows within 150 MB.
// OCOPBOT_BENCH_BIN runs another binary instead of this tree's (the one
// before the budget, to compare).
// Run: go test -run '^$' -bench ImportHostileFiles -benchtime 1x -count 3 ./cmd/ocopbot/
func BenchmarkImportHostileFiles(b *testing.B) {
	env := newBinaryEnv(b, "9")
	bin := env.bin
	if other := os.Getenv("OCOPBOT_BENCH_BIN"); other != "" {
		bin = other
	}
	dir := b.TempDir()
	rows := func(dimension bool) func(io.Writer) error {
		return func(w io.Writer) error {
			return reporttest.Sheet(w, 200_001, dimension, func(i int) []string {
				if i == 0 {
					return flows.RegistryColumns
				}
				return []string{"Thành phố Hồ Chí Minh", "", fmt.Sprintf("HTX số %d", i)}
			})
		}
	}
	files := map[string]func(io.Writer) error{
		// The process's own footprint (the unit trees loaded): an empty file.
		"idle":        func(w io.Writer) error { return reporttest.Sheet(w, 0, false, nil) },
		"bomb-1GiB":   func(w io.Writer) error { return reporttest.Bomb(w, 1<<30, 0, 1) },
		"rows-200000": rows(true),
		// Without a dimension the rows are counted as they stream.
		"rows-200000-undeclared": rows(false),
	}
	for _, name := range []string{"idle", "bomb-1GiB", "rows-200000", "rows-200000-undeclared"} {
		file := filepath.Join(dir, name+".xlsx")
		if err := os.WriteFile(file, reporttest.Bytes(files[name]), 0o600); err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				cmd := exec.CommandContext(ctx, bin, "registry", "import", file)
				cmd.Env = append(os.Environ(), "DATABASE_URL="+env.dbURL, "REDIS_URL="+env.redisURL, "LOG_FORMAT=text")
				var errOut bytes.Buffer
				cmd.Stderr = &errOut
				start := time.Now()
				err := cmd.Run()
				took := time.Since(start)
				killed := 0.0
				var exit *exec.ExitError
				switch {
				case ctx.Err() != nil:
					killed = 1
				case err == nil:
				case !errors.As(err, &exit):
					b.Fatalf("registry import: %v", err)
				}
				maxRSS := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
				b.ReportMetric(took.Seconds(), "s/import")
				b.ReportMetric(float64(maxRSS)/1024, "maxrss-MB")
				b.ReportMetric(killed, "killed")
				cancel()
				b.Logf("%s: %.1f s, %d MB, killed %v: %s", name, took.Seconds(), maxRSS/1024, killed == 1, firstLines(errOut.String(), 2))
			}
		})
	}
}
