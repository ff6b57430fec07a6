package bot_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ocopbot/ocopbot/bot"
	"github.com/ocopbot/ocopbot/storage"
)

// pgProxy stands between the bot and Postgres: cutting it closes every
// connection and refuses new ones, as a stopped server does.
type pgProxy struct {
	t      testing.TB
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func newPGProxy(t testing.TB, target string) *pgProxy {
	t.Helper()
	p := &pgProxy{t: t, target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(func() { p.down() })
	return p
}

func (p *pgProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(c)
		}
	}()
}

func (p *pgProxy) pipe(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil { // cut while dialling
		p.mu.Unlock()
		c.Close()
		s.Close()
		return
	}
	p.conns[c], p.conns[s] = true, true
	p.mu.Unlock()
	go func() { _, _ = io.Copy(s, c); s.Close() }()
	_, _ = io.Copy(c, s)
	c.Close()
}

func (p *pgProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// cut stops "Postgres" for d.
func (p *pgProxy) cut(d time.Duration) {
	p.down()
	time.Sleep(d)
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Errorf("proxy back on %s: %v", p.addr, err)
		return
	}
	p.serve(ln)
}

// url is u with the proxy as its server.
func (p *pgProxy) url(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		p.t.Fatal(err)
	}
	parsed.Host = p.addr
	return parsed.String()
}

// privateRedis is a redis-server of the test's own, which it can kill: with
// appendonly and an fsync per write, as production runs it, a write
// acknowledged survives the kill.
type privateRedis struct {
	t    testing.TB
	dir  string
	port int
	cmd  *exec.Cmd
}

func newPrivateRedis(t testing.TB) *privateRedis {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is not on PATH: apt-get install -y redis-server")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := &privateRedis{t: t, dir: t.TempDir(), port: port}
	r.start()
	t.Cleanup(func() { r.kill() })
	return r
}

func (r *privateRedis) start() {
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--appendonly", "yes", "--appendfsync", "always", "--save", "", "--dir", r.dir)
	r.cmd.Stdout, r.cmd.Stderr = io.Discard, io.Discard
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: r.addr()})
	defer rdb.Close()
	for range 100 {
		if rdb.Ping(context.Background()).Err() == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatalf("redis-server on %s did not start", r.addr())
}

func (r *privateRedis) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

// kill stops it as a crash would.
func (r *privateRedis) kill() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Signal(os.Kill)
		_ = r.cmd.Wait()
	}
}

func (r *privateRedis) client() *storage.Redis {
	rdb := redis.NewClient(&redis.Options{Addr: r.addr()})
	r.t.Cleanup(func() { rdb.Close() })
	return storage.NewRedis(rdb, storage.RedisOptions{Prefix: "outage:"})
}

// Postgres stops for 10 s, later Redis is killed and restarted, while 30
// users register: no user sees an error or has to send anything again,
// every reply arrives, and every registration is stored once.
func TestShortOutagesAreInvisible(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{pgProxy: true, privateRedis: true})
	pg, rd := h.pg, h.redis
	want := h.reference(97_000_000)
	stop := make(chan struct{})
	go func() {
		time.Sleep(4 * time.Second)
		t.Log("Postgres stops for 10 s")
		pg.cut(10 * time.Second)
		time.Sleep(6 * time.Second)
		t.Log("Redis killed")
		rd.kill()
		time.Sleep(2 * time.Second)
		rd.start()
		t.Log("Redis back")
		time.Sleep(8 * time.Second)
		close(stop)
	}()
	l := h.runLoad(30, 98_000_000, 200*time.Millisecond, 60*time.Second, stop)
	h.checkLoad(l, want)
	t.Logf("%d registrations; step p50 %s, p99 %s, max %s", len(l.chats), percentileOf(l.steps, 50), percentileOf(l.steps, 99), percentileOf(l.steps, 100))
}

// An outage longer than OutageNotice: the user is told once that their
// step will complete, and it does when Postgres is back — stored once.
func TestLongOutageToldOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{pgProxy: true, bot: bot.Config{OutageNotice: 2 * time.Second}})
	c := h.user(99_000_002)
	script := registrationScript[:len(registrationScript)-1]
	if _, err := h.play(c.chatID(), script, 0, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	before := len(h.emu.BotMessages(c.chatID()))
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.pg.cut(6 * time.Second)
	}()
	time.Sleep(100 * time.Millisecond)
	msg, data, ok := h.lastHas(c.chatID(), "✅ Gửi đăng ký")
	if !ok {
		t.Fatal("no submit button")
	}
	if _, err := h.emu.PressButton(c.chatID(), c.u, msg, data); err != nil {
		t.Fatal(err)
	}
	<-done
	if !h.await(30*time.Second, func() bool {
		m, ok := h.emu.LastBotMessage(c.chatID())
		return ok && strings.Contains(m.Text, "Mã hồ sơ")
	}) {
		t.Fatalf("the submission did not complete after the outage; last: %s", c.lastText())
	}
	var told, errs int
	for _, m := range h.emu.BotMessages(c.chatID())[before:] {
		switch {
		case strings.Contains(m.Text, "không cần gửi lại"):
			told++
		case strings.Contains(m.Text, "hệ thống đang bận"):
			errs++
		}
	}
	if told != 1 || errs != 0 {
		t.Errorf("told %d times that the step is delayed (want 1), %d errors shown (want 0)", told, errs)
	}
	if n := h.count(fmt.Sprintf(`SELECT count(*) FROM registrations r JOIN producers p ON p.id = r.producer_id WHERE p.owner_user_id = %d`, c.chatID())); n != 1 {
		t.Errorf("%d registrations stored, want 1", n)
	}
}

// TestReadWhoseAnswerWasLost: a read of the intake that Redis carried out
// but whose answer never reached the bot (the connection dropped with
// Redis) leaves its entries counted as the bot's own, and reads of new
// entries never return them. After a failed read the partition's reader
// claims its entries back, and the update is answered.
func TestReadWhoseAnswerWasLost(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{privateRedis: true})
	ctx := context.Background()
	c := h.user(97_500_001)
	c.say("/trogiup") // the bot is up and reading
	before := len(h.emu.BotMessages(c.chatID()))

	// The read, done as the bot's consumer, its answer dropped here.
	const updateID = 1 << 40
	payload := fmt.Sprintf(`{"update_id":%d,"message":{"message_id":9001,"chat":{"id":%d,"type":"private"},"from":{"id":%d},"text":"/trogiup"}}`,
		updateID, c.chatID(), c.chatID())
	_, read, err := h.redis.client().EnqueueAndRead(ctx, storage.PartitionOf(c.chatID()),
		[]storage.Incoming{{UpdateID: updateID, ChatID: c.chatID(), Payload: []byte(payload)}},
		storage.Reader{Group: "ocopbot", Consumer: "test-0"}, 10)
	if err != nil || len(read) != 1 {
		t.Fatalf("read as the bot: %d entries, %v; want the one enqueued", len(read), err)
	}
	// Redis goes away long enough for the reader's next read to fail.
	h.redis.kill()
	time.Sleep(2 * time.Second)
	h.redis.start()

	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := h.emu.Wait(wctx, func() bool { return len(h.emu.BotMessages(c.chatID())) > before }); err != nil {
		t.Fatalf("the update whose read lost its answer was never handled: %v", err)
	}
	c.expect("/dangky")
}
