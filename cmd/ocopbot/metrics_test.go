package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestMetricsAfterConversation runs producers' registrations through the
// emulator and the real bot, then scrapes /metrics over HTTP as
// Prometheus would: the updates, the steps by input kind, the Bot API calls
// and the registrations have moved, and no chat id is in the exposition.
func TestMetricsAfterConversation(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	svc, emu, apiURL := runService(t, "123456:METRICS-token-for-the-emulator-00")

	const chatBase = "8100000000"
	var stdout, stderr bytes.Buffer
	args := []string{"loadtest", "--emulator", apiURL, "--chats", "2", "--chat-base", chatBase, "--phase", "warmup"}
	if err := run(ctx, args, env(nil), &stdout, &stderr); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}

	body, families := scrape(t, svc.url+"/metrics")
	value := func(name string, labels map[string]string) float64 {
		t.Helper()
		f := families[name]
		if f == nil {
			t.Fatalf("%s missing from /metrics", name)
		}
		sum := 0.0
	next:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				sum += m.GetCounter().GetValue()
			case m.Gauge != nil:
				sum += m.GetGauge().GetValue()
			case m.Histogram != nil:
				sum += float64(m.GetHistogram().GetSampleCount())
			}
		}
		return sum
	}
	// The last replies may reach the emulator before their steps are
	// counted: scrape until every update received is handled and observed.
	var received, handled, steps float64
	for deadline := time.Now().Add(10 * time.Second); ; {
		received = value("ocopbot_updates_received_total", nil)
		handled = value("ocopbot_updates_handled_total", nil)
		steps = value("ocopbot_step_duration_seconds", nil)
		if received == handled && steps == handled || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
		body, families = scrape(t, svc.url+"/metrics")
	}
	if received < 2 || handled != received || steps != handled {
		t.Errorf("updates received %v, handled %v, step observations %v; want a conversation's, each handled and observed once",
			received, handled, steps)
	}
	for _, kind := range []string{"command", "text", "button"} {
		if n := value("ocopbot_step_duration_seconds", map[string]string{"kind": kind}); n == 0 {
			t.Errorf("no %s step observed", kind)
		}
	}
	if n := value("ocopbot_telegram_calls_total", map[string]string{"method": "sendMessage", "outcome": "ok"}); n == 0 {
		t.Errorf("no sendMessage ok counted")
	}
	if n := value("ocopbot_registrations_submitted_total", nil); n != 2 {
		t.Errorf("registrations submitted = %v, want the 2 chats'", n)
	}
	for _, name := range []string{"ocopbot_updates_duplicate_total", "ocopbot_outbound_backlog", "ocopbot_imports_total",
		"ocopbot_telegram_retry_after_seconds_total", "ocopbot_updates_set_aside_total", "ocopbot_updates_set_aside", "go_goroutines"} {
		value(name, nil) // present
	}
	if strings.Contains(body, chatBase[:6]) {
		t.Errorf("/metrics names a chat:\n%s", body)
	}

	// Telegram pacing the bot: the 429 and the wait it asked are counted,
	// and the reply goes out once it is over.
	emu.Set429Fraction(1, 1)
	const chat = 8200000001
	emu.SendText(chat, emulator.User{ID: chat, FirstName: "Lan"}, "/trogiup")
	var told429 bool
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !told429; {
		_, families = scrape(t, svc.url+"/metrics")
		told429 = value("ocopbot_telegram_calls_total", map[string]string{"outcome": "429"}) > 0
		if !told429 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	emu.Set429Fraction(0, 0)
	if !told429 {
		t.Fatal("no 429 counted while the emulator answered every send with one")
	}
	if waited := value("ocopbot_telegram_retry_after_seconds_total", nil); waited < 1 {
		t.Errorf("retry_after waited = %vs, want at least the 1 s asked", waited)
	}
	if err := emu.Wait(ctx, func() bool { _, ok := emu.LastBotMessage(chat); return ok }); err != nil {
		t.Fatalf("no reply after the 429: %v", err)
	}

	// A press with data the bot did not sign is refused and counted.
	last, _ := emu.LastBotMessage(chat)
	if _, err := emu.ForgeButton(chat, emulator.User{ID: chat, FirstName: "Lan"}, last.ID, "x|xl|0|20261207"); err != nil {
		t.Fatal(err)
	}
	refused := 0.0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && refused == 0; {
		_, families = scrape(t, svc.url+"/metrics")
		if refused = value("ocopbot_buttons_refused_total", nil); refused == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if refused != 1 {
		t.Errorf("buttons refused = %v, want the one forged press", refused)
	}
}

// scrape reads url's exposition as Prometheus does.
func scrape(t *testing.T, url string) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	code, body := get(t, url)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", url, code, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body + "\n"))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return body, families
}

// serveInTest runs serve's wiring with cfg and set, under a Redis prefix of
// the test's own, until cleanup: then cancel stops it, it is checked to
// have stopped cleanly, and closers run.
func serveInTest(t *testing.T, ctx context.Context, cancel context.CancelFunc, cfg Config, set settings, closers ...func()) *service {
	t.Helper()
	set.redisPrefix = storagetest.NewRedis(t, storage.RedisOptions{}).Prefix() // deleted at cleanup
	svc, err := startService(ctx, cfg, set, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- svc.run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		for _, c := range closers {
			c()
		}
	})
	return svc
}

// runService starts serve's wiring in the test, against an emulator of its
// own served over HTTP with its control API (the load generator's); both
// stop at cleanup. It returns the emulator's URL.
func runService(t *testing.T, token string) (*service, *emulator.Server, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	emu := emulator.New(emulator.Options{Token: token, BotID: 123456, BotUsername: "test_bot"})
	hs := httptest.NewServer(emu.ControlHandler(emu))
	cfg, err := loadConfig(env(map[string]string{"DATABASE_URL": storagetest.NewDB(t).URL,
		"REDIS_URL": storagetest.RedisURL(), "HTTP_ADDR": "127.0.0.1:0"}))
	if err != nil {
		t.Fatal(err)
	}
	svc := serveInTest(t, ctx, cancel, cfg, settings{token: token, apiURL: hs.URL}, emu.Close, hs.Close)
	return svc, emu, hs.URL
}

// TestReadiness: /readyz answers 200 while Postgres and Redis answer, and
// 503 naming the one that does not once its connections are cut; /healthz
// and /metrics keep answering.
func TestReadiness(t *testing.T) {
	t.Parallel()
	for _, cut := range []string{"postgres", "redis"} {
		t.Run(cut, func(t *testing.T) {
			t.Parallel()
			pg := newTCPProxy(t, "127.0.0.1:5432")
			rd := newTCPProxy(t, "127.0.0.1:6379")
			dbURL, err := url.Parse(storagetest.NewDB(t).URL)
			if err != nil {
				t.Fatal(err)
			}
			dbURL.Host = pg.addr()
			redisURL, err := url.Parse(storagetest.RedisURL())
			if err != nil {
				t.Fatal(err)
			}
			redisURL.Host = rd.addr()
			cfg, err := loadConfig(env(map[string]string{"DATABASE_URL": dbURL.String(),
				"REDIS_URL": redisURL.String(), "HTTP_ADDR": "127.0.0.1:0"}))
			if err != nil {
				t.Fatal(err)
			}
			prefix := storagetest.NewRedis(t, storage.RedisOptions{}).Prefix()
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			svc, err := startService(context.Background(), cfg, settings{token: "123456:READY", apiURL: "http://127.0.0.1:1", redisPrefix: prefix}, log)
			if err != nil {
				t.Fatal(err)
			}
			// The HTTP server alone: readiness reads the stores, not the bot.
			go svc.srv.Serve(svc.ln)
			t.Cleanup(func() {
				svc.srv.Close()
				svc.close()
			})

			if code, body := get(t, svc.url+"/readyz"); code != http.StatusOK {
				t.Fatalf("/readyz = %d %q with everything up, want 200", code, body)
			}
			map[string]*tcpProxy{"postgres": pg, "redis": rd}[cut].cut()
			var code int
			var body string
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
				if code, body = get(t, svc.url+"/readyz"); code == http.StatusServiceUnavailable {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if code != http.StatusServiceUnavailable || !strings.Contains(body, cut+" unavailable") {
				t.Fatalf("/readyz = %d %q with %s cut, want 503 naming it", code, body, cut)
			}
			if code, body := get(t, svc.url+"/healthz"); code != http.StatusOK {
				t.Errorf("/healthz = %d %q with %s cut, want 200: the process is alive", code, body, cut)
			}
			if code, body := get(t, svc.url+"/metrics"); code != http.StatusOK || !strings.Contains(body, "ocopbot_updates_received_total") {
				t.Errorf("/metrics = %d with %s cut, want 200 with the transport's counts:\n%s", code, cut, body)
			}
		})
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, strings.TrimSpace(string(raw))
}

// tcpProxy forwards connections to target until cut, which closes them
// and refuses new ones: a service gone from the network.
type tcpProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	conns []net.Conn
	gone  bool
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(p.cut)
	return p
}

func (p *tcpProxy) addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		if !p.track(c, up) {
			return
		}
		go func() { io.Copy(up, c); up.Close() }()
		go func() { io.Copy(c, up); c.Close() }()
	}
}

func (p *tcpProxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gone {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	p.conns = append(p.conns, cs...)
	return true
}

func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gone {
		return
	}
	p.gone = true
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
}
