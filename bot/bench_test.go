package bot_test

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// registrationScript is one producer's whole registration: each entry is
// either text to send or a button label to press (prefix "btn:"), or a
// contact ("tel:") or a photo ("photo").
var registrationScript = []string{
	"/start", "btn:📝 Đăng ký sản phẩm OCOP", "btn:✅ Tôi đồng ý", "btn:Hợp tác xã", "HTX Nông nghiệp Tân Thông", "Nguyễn Văn An",
	"tel:84912345678", "0100109106", "ho chi minh", "btn:Thành phố Hồ Chí Minh", "cu chi", "btn:Huyện Củ Chi",
	"phu my hung", "btn:Xã Phú Mỹ Hưng", "btn:Bỏ qua", "Mật ong rừng Củ Chi", "btn:1. Thực phẩm",
	"btn:Mật ong và sản phẩm từ mật ong", "Mật ong nguyên chất thu hoạch từ rừng tràm.", "photo", "btn:4 ★",
	"btn:✅ Gửi đăng ký",
}

// BenchmarkRegistration drives whole registrations through the emulator
// over HTTP, the real bot, Redis and Postgres, with 1, 50 and 200 chats at
// once. One iteration is one registration in every chat. It reports updates
// handled per second, the p50 and p99 time from sending an update to the
// bot having handled it (one step), and allocations per update in this
// process (bot, emulator and driver together: an upper bound for the bot).
func BenchmarkRegistration(b *testing.B) {
	for _, chats := range []int{1, 50, 200} {
		b.Run(fmt.Sprintf("chats=%d", chats), func(b *testing.B) {
			h := newHarness(b, harnessOptions{quiet: true, workers: benchWorkers})
			var (
				mu    sync.Mutex
				lat   []time.Duration
				iter  int
				total int
			)
			h.mu.Lock()
			h.handling = h.handling[:0]
			h.mu.Unlock()
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			start := time.Now()
			for b.Loop() {
				iter++
				var wg sync.WaitGroup
				for i := 0; i < chats; i++ {
					wg.Add(1)
					go func(c *user) {
						defer wg.Done()
						own := runScript(c)
						mu.Lock()
						lat = append(lat, own...)
						mu.Unlock()
					}(h.user(int64(10_000_000 + iter*10_000 + i)))
				}
				wg.Wait()
				total += chats * len(registrationScript)
			}
			elapsed := time.Since(start)
			runtime.ReadMemStats(&ms1)
			h.mu.Lock()
			handling := slices.Clone(h.handling)
			h.mu.Unlock()
			b.ReportMetric(float64(total)/elapsed.Seconds(), "updates/s")
			// A step as the bot sees it: from leaving the queue to the last reply sent.
			b.ReportMetric(percentile(handling, 50), "step-p50-ms")
			b.ReportMetric(percentile(handling, 99), "step-p99-ms")
			// A step as the user sees it: from sending to the bot having answered,
			// queueing behind the other chats included.
			b.ReportMetric(percentile(lat, 50), "e2e-p50-ms")
			b.ReportMetric(percentile(lat, 99), "e2e-p99-ms")
			b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(total), "allocs/update")
		})
	}
}

func runScript(c *user) []time.Duration {
	c.h.t.Helper()
	out := make([]time.Duration, 0, len(registrationScript))
	for _, step := range registrationScript {
		var id int64
		t0 := time.Now()
		switch {
		case step == "photo":
			id = c.h.emu.SendPhoto(c.chatID(), c.u, []byte("photo"), "")
		case len(step) > 4 && step[:4] == "tel:":
			id = c.h.emu.ShareContact(c.chatID(), c.u, step[4:])
		case len(step) > 4 && step[:4] == "btn:":
			msg, data := c.find(step[4:])
			t0 = time.Now()
			var err error
			if id, err = c.h.emu.PressButton(c.chatID(), c.u, msg, data); err != nil {
				c.h.t.Fatal(err)
			}
		default:
			id = c.h.emu.SendText(c.chatID(), c.u, step)
		}
		c.h.waitDone(id)
		out = append(out, time.Since(t0))
	}
	if last := c.lastText(); !strings.Contains(last, "Mã hồ sơ") {
		c.h.t.Fatalf("registration did not finish: %s", last)
	}
	return out
}

func percentile(d []time.Duration, p int) float64 {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return float64(d[(len(d)-1)*p/100].Microseconds()) / 1000
}

var benchWorkers = func() int {
	n, _ := strconv.Atoi(os.Getenv("BENCH_WORKERS"))
	return n
}()
