package bot_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// BenchmarkNotify sends 10,000 council-result notifications to 10,000
// chats through the sender against the emulator applying Telegram's limits
// (30/s per bot, 1/s per chat), once clean and once with 5 % of sends
// answered 429. It reports the sustained rate (between the first and the
// last delivery), the limit violations the emulator counted, the 429s met
// and the notifications not delivered. One run takes about six minutes:
//
//	go test -run '^$' -bench Notify -benchtime 1x ./bot/
//
// NOTIFY_BENCH_N sets another count.
func BenchmarkNotify(b *testing.B) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("NOTIFY_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	for _, c := range []struct {
		name     string
		fraction float64
	}{{"clean", 0}, {"429-5pct", 0.05}} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				h := newHarness(b, harnessOptions{quiet: true, notify: true, limits: true})
				h.emu.Set429Fraction(c.fraction, 1)
				ctx := context.Background()
				storagetest.SeedResults(b, h.db.Store, n, 50_000_000)
				deadline := time.Now().Add(time.Duration(n)*time.Second/10 + 5*time.Minute)
				var queued int
				for {
					if err := h.db.Store.Pool().QueryRow(ctx, `SELECT count(*) FROM notifications WHERE status = 'queued'`).Scan(&queued); err != nil {
						b.Fatal(err)
					}
					if queued == 0 || time.Now().After(deadline) {
						break
					}
					time.Sleep(time.Second)
				}
				var sent int
				var span float64
				if err := h.db.Store.Pool().QueryRow(ctx, `
SELECT count(*), coalesce(extract(epoch FROM max(sent_at) - min(sent_at)), 0)::float8
FROM notifications WHERE status = 'sent'`).Scan(&sent, &span); err != nil {
					b.Fatal(err)
				}
				rate := 0.0
				if span > 0 {
					rate = float64(sent-1) / span
				}
				b.ReportMetric(rate, "msgs/s")
				b.ReportMetric(float64(h.emu.Violations()), "violations")
				b.ReportMetric(float64(h.emu.CallCount("sendMessage")-sent), "429s")
				b.ReportMetric(float64(n-sent), "lost")
				b.Logf("%d notifications: %d sent in %.1f s = %.2f msgs/s; %d violations; %d sends answered 429; %d still queued",
					n, sent, span, rate, h.emu.Violations(), h.emu.CallCount("sendMessage")-sent, queued)
			}
		})
	}
}
