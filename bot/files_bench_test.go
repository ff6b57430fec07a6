package bot_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// BenchmarkHostileFileInChat: a province official sends the zip bomb (1
// GiB from 2.6 MB) or the 200,000-row sheet in the chat. It reports how
// long the bot took to answer and the peak resident memory of this process
// (bot, emulator and driver) above its level before the file: the kernel's
// high-water mark VmHWM, reset before each file through clear_refs.
// Targets: the bomb answered within seconds and ≤ 100 MB, the sheet within
// 150 MB.
// Run: go test -run '^$' -bench HostileFileInChat -benchtime 1x -count 3 ./bot/
func BenchmarkHostileFileInChat(b *testing.B) {
	bomb, big := hostileFiles()
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{{"bomb-1GiB", bomb, "Tệp quá lớn khi giải nén"}, {"rows-200000", big, "Tệp có quá 20000 dòng"}} {
		b.Run(c.name, func(b *testing.B) {
			h := newHarness(b, harnessOptions{quiet: true})
			unit, err := h.db.Store.UnitIDByCode(context.Background(), "79", 1, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			code, err := h.db.Store.CreateInvite(context.Background(), unit, ocop.RoleProvince, 0, time.Hour)
			if err != nil {
				b.Fatal(err)
			}
			city := h.user(9801)
			city.say("/start " + code)
			for b.Loop() {
				runtime.GC()
				debug.FreeOSMemory()
				if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
					b.Skipf("cannot reset the peak resident memory: %v", err)
				}
				idle := procStatus(b, "VmRSS")
				start := time.Now()
				h.waitDone(h.emu.SendDocument(city.chatID(), city.u, "danh-sach.xlsx", c.data))
				took := time.Since(start)
				peak := procStatus(b, "VmHWM")
				if !strings.Contains(city.lastText(), c.want) {
					b.Fatalf("answer %q, want %q", city.lastText(), c.want)
				}
				b.ReportMetric(took.Seconds(), "s/file")
				b.ReportMetric(float64(peak-idle)/1024, "peak-above-idle-MB")
				b.ReportMetric(float64(peak)/1024, "peak-MB")
			}
		})
	}
}

// procStatus reads a field of /proc/self/status, in KiB.
func procStatus(b *testing.B, field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatalf("no %s in /proc/self/status", field)
	return 0
}
