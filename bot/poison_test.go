package bot_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ocopbot/ocopbot/bot"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/metrics"
	"github.com/ocopbot/ocopbot/storage"
)

// poisonFile is the name of the file whose download never finishes.
const poisonFile = "ket-qua.csv"

const setAsideText = "Tệp này không đọc được"

// poisonHarness runs the bot with each process's Prometheus metrics in
// *reg, and a province official of Ho Chi Minh City — whose files are read
// (results, quotas, registry) — with downloads of poisonFile stalled.
func poisonHarness(t *testing.T, cfg bot.Config, reg *atomic.Pointer[prometheus.Registry]) (*harness, *user) {
	t.Helper()
	h := newHarness(t, harnessOptions{bot: cfg, metrics: func(store *storage.Store, rdb *storage.Redis) bot.Metrics {
		r := prometheus.NewRegistry()
		m := metrics.New(r, store)
		m.WatchSetAside(rdb)
		reg.Store(r)
		return m.Transport()
	}})
	off := bind(t, h, 9701, unitOn(t, h, "79", 1, time.Now()), ocop.RoleProvince)
	h.emu.StallDownloads(poisonFile)
	return h, off
}

// sendPoison sends the official's file; its steps never finish in time.
func (h *harness) sendPoison(off *user) int64 {
	return h.emu.SendDocument(off.chatID(), off.u, poisonFile, []byte("Mã hồ sơ;Điểm;Số quyết định;Ngày quyết định\n"))
}

// held lists the updates set aside.
func (h *harness) held() []storage.HeldUpdate {
	h.t.Helper()
	list, err := h.rdb.HeldUpdates(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return list
}

// told counts the bot's messages in a chat that contain part.
func (h *harness) told(chatID int64, part string) int {
	n := 0
	for _, text := range h.botTexts(chatID) {
		if strings.Contains(text, part) {
			n++
		}
	}
	return n
}

// metricValue is a series' value in reg: labels select it (nil: unlabelled).
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
					continue next
				}
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no series %s %v", name, labels)
	return 0
}

// A file whose download never finishes in time (each step runs past its
// StepTimeout while Postgres and Redis answer) is tried exactly three
// times, then set aside: the official is told once what failed, their
// conversation kept; another chat is served meanwhile; the metrics count
// it; after a restart on the same Redis it is not tried again.
func TestPoisonUpdateSetAside(t *testing.T) {
	t.Parallel()
	var reg atomic.Pointer[prometheus.Registry]
	// OutageNotice shorter than the three tries: a step's own failure is
	// no outage, and its user is not told it will complete by itself.
	h, off := poisonHarness(t, bot.Config{StepTimeout: 2 * time.Second, OutageNotice: time.Second}, &reg)
	ctx := context.Background()
	before := h.version(off)

	id := h.sendPoison(off)
	h.waitFor("the first try's download", func() bool { _, open := h.emu.StalledDownloads(); return open == 1 })
	// Another chat is answered while the official's step hangs: at least
	// two more tries (4 s) are still to come.
	other := h.user(9702)
	other.say("/trogiup")
	other.expect("Các lệnh:")
	if held := h.held(); len(held) != 0 {
		t.Fatalf("set aside before its three tries: %+v", held)
	}

	h.waitFor("the update set aside", func() bool {
		if begun, _ := h.emu.StalledDownloads(); begun > 3 {
			t.Fatalf("tried %d times and not set aside", begun)
		}
		return len(h.held()) == 1
	})
	h.waitFor("the official told", func() bool { return h.told(off.chatID(), setAsideText) > 0 })
	held := h.held()[0]
	if begun, _ := h.emu.StalledDownloads(); begun != 3 || held.Tries != 3 {
		t.Errorf("tried %d times (record: %d), want exactly 3", begun, held.Tries)
	}
	if held.ChatID != off.chatID() || held.UpdateID != id || held.Kind != "document" ||
		!strings.Contains(held.Payload, poisonFile) || !strings.Contains(held.Reason, "deadline") || held.At.IsZero() {
		t.Errorf("held update = %+v", held)
	}
	if strings.Contains(held.Reason, testToken) {
		t.Errorf("the reason shows the bot's token: %s", held.Reason)
	}
	if n, err := h.rdb.Queued(ctx); err != nil || n != 0 {
		t.Errorf("%d updates still queued (%v): the set-aside one must be acknowledged", n, err)
	}
	if got := h.version(off); got != before {
		t.Errorf("the official's conversation moved from version %d to %d", before, got)
	}
	if n := h.told(off.chatID(), "không cần gửi lại"); n != 0 {
		t.Errorf("told %d times that the step would complete by itself", n)
	}
	if n := h.told(off.chatID(), "hệ thống đang bận"); n != 0 {
		t.Errorf("shown %d internal errors", n)
	}
	r := reg.Load()
	if n := metricValue(t, r, "ocopbot_updates_set_aside_total", map[string]string{"kind": "document"}); n != 1 {
		t.Errorf("ocopbot_updates_set_aside_total{kind=document} = %v, want 1", n)
	}
	if n := metricValue(t, r, "ocopbot_updates_set_aside", nil); n != 1 {
		t.Errorf("ocopbot_updates_set_aside = %v, want 1", n)
	}

	// A restart on the same Redis does not try it again: the official's
	// next message is answered at once, after no other download.
	h.restart()
	off.say("/trogiup")
	off.expect("Các lệnh dành cho cán bộ")
	if begun, _ := h.emu.StalledDownloads(); begun != 3 {
		t.Errorf("%d downloads after the restart, want the 3 tries only", begun)
	}
	if n := h.told(off.chatID(), setAsideText); n != 1 {
		t.Errorf("told %d times, want once", n)
	}
	if list := h.held(); len(list) != 1 || list[0].ID != held.ID {
		t.Errorf("held after the restart: %+v", list)
	}
	if n := metricValue(t, reg.Load(), "ocopbot_updates_set_aside", nil); n != 1 {
		t.Errorf("ocopbot_updates_set_aside after the restart = %v, want 1", n)
	}
}

// A step still running when the process stops is abandoned once the
// shutdown grace is over: its download ends with it, nothing is
// acknowledged or said, and it does not count as a try. Its tries are
// counted in Redis: a restart in the middle of them goes on counting.
func TestPoisonAcrossStops(t *testing.T) {
	t.Parallel()
	var reg atomic.Pointer[prometheus.Registry]
	// A step that would wait a minute, over an HTTP client that never
	// gives up: only the stop can end it.
	h, off := poisonHarness(t, bot.Config{StepTimeout: time.Minute, ShutdownGrace: 200 * time.Millisecond,
		HTTPClient: &http.Client{}}, &reg)
	ctx := context.Background()
	msgs := len(h.emu.BotMessages(off.chatID()))

	h.sendPoison(off)
	h.waitFor("the first try's download", func() bool { _, open := h.emu.StalledDownloads(); return open == 1 })
	p := h.procs[len(h.procs)-1]
	p.stop(t)
	p.cancel = nil
	if !h.await(5*time.Second, func() bool { _, open := h.emu.StalledDownloads(); return open == 0 }) {
		t.Fatal("the abandoned step's download is still open after the process stopped")
	}
	if n, err := h.rdb.Queued(ctx); err != nil || n != 1 {
		t.Fatalf("%d updates queued after the stop (%v), want the abandoned one", n, err)
	}
	if got := h.emu.BotMessages(off.chatID())[msgs:]; len(got) != 0 {
		t.Errorf("the abandoned step said %q", got[0].Text)
	}

	// Short steps from now on. The second process is stopped in the middle
	// of its second try (its first counted).
	h.opts.bot.StepTimeout = time.Second
	h.start(h.opts)
	h.waitFor("the second process's second try", func() bool { begun, _ := h.emu.StalledDownloads(); return begun >= 3 })
	h.restart()
	h.waitFor("the update set aside", func() bool { return len(h.held()) == 1 })
	held := h.held()[0]
	// 1 abandoned in the first process, 1 counted and 1 abandoned (or, on
	// a slow machine, counted before the stop) in the second, the rest in
	// the third: 4 or 5. A count lost at the restart would make it 6.
	begun, _ := h.emu.StalledDownloads()
	if held.Tries != 3 || begun < 4 || begun > 5 {
		t.Errorf("set aside after %d tries and %d downloads; want 3 tries counted over the processes (4 or 5 downloads)", held.Tries, begun)
	}
	h.waitFor("the official told", func() bool { return h.told(off.chatID(), setAsideText) > 0 })
	if n := h.told(off.chatID(), setAsideText); n != 1 {
		t.Errorf("told %d times, want once", n)
	}
}
