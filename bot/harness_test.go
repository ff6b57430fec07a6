package bot_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/bot"
	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/bot/jobs"
	"github.com/ocopbot/ocopbot/bot/zaloemu"
	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/locales"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

const testToken = "123456:TEST-token-for-the-emulator-0000"

// harness runs the real bot against the Bot API emulator over HTTP, with a
// database and Redis prefix of the test's own.
type harness struct {
	t    testing.TB
	emu  *emulator.Server
	srv  *httptest.Server
	db   *storagetest.DB
	rdb  *storage.Redis
	text *locales.Catalog
	now  func() time.Time
	// clock is the time now returns when the test set one (setClock).
	clock atomic.Pointer[time.Time]

	mu       sync.Mutex
	updates  handled[int64]  // Telegram's, by update_id
	zupdates handled[string] // Zalo's, by sender/message id
	changed  chan struct{}   // closed on every dropped duplicate
	handling []time.Duration // how long each update took the bot
	dups     atomic.Int64

	procs []*process
	opts  harnessOptions

	// zemu is the Zalo Bot API emulator (option zalo).
	zemu *zaloemu.Server

	pg    *pgProxy      // with pgProxy
	redis *privateRedis // with privateRedis
	botDB string        // the bot's database URL (through pg)
	botRD *storage.Redis

	zaloURL   string
	publicURL string // the bot's HTTP server (option zalo)
	zaloHook  string // the bot's Zalo webhook (option zaloWebhook)
}

// process is one running bot "process": stopping it and starting another
// is a restart.
type process struct {
	bot      *bot.Bot
	notifier *jobs.Queue
	cancel   context.CancelFunc
	exited   chan error
}

type harnessOptions struct {
	workers  int
	quiet    bool      // discard logs (benchmarks)
	noPoll   bool      // take updates from the stream only (a second replica, or webhook mode)
	webhook  bool      // the emulator posts updates to the first process's webhook handler
	twoLevel bool      // also import the two-level unit tree of 1/7/2025, which then is in force
	merges   bool      // and the merges linking the two trees' communes
	now      time.Time // a fixed clock; zero: time.Now
	notify   bool      // run the notification sender too
	zalo     bool      // also serve Zalo users, through the Zalo emulator (h.zemu)
	// zaloWebhook: the Zalo emulator posts Zalo's updates to the first
	// process's Zalo webhook handler (with zalo).
	zaloWebhook bool
	// zaloLimits: the Zalo emulator answers 429 past 1 message a second per
	// chat (bursts of 2) and 30 overall.
	zaloLimits bool
	limits     bool    // the emulator applies Telegram's rate limits
	sendRate   float64 // the sender's global rate; 0: its default
	// api wraps the emulator's handler: the bot's calls go through it.
	api func(http.Handler) http.Handler
	// controllers are the personal-data controllers the notice names.
	controllers flows.Controllers

	pgProxy      bool       // the bot reaches Postgres through a proxy the test can cut (h.pg)
	privateRedis bool       // the bot uses a redis-server of the test's own, which it can kill (h.redis)
	bot          bot.Config // transport settings: timeouts, staleness, outage notice
	// metrics gives each process its metrics (a restarted process counts
	// afresh, as a real one does); nil counts nothing.
	metrics func(store *storage.Store, rdb *storage.Redis) bot.Metrics
}

func newHarness(t testing.TB, opts ...harnessOptions) *harness {
	t.Helper()
	var o harnessOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	eo := emulator.Options{Token: testToken, BotID: 123456, BotUsername: "ocop_test_bot"}
	if o.limits {
		eo.PerChatRate, eo.PerChatBurst, eo.GlobalRate, eo.GlobalBurst = 1, 3, 30, 30
	}
	h := &harness{
		t:        t,
		opts:     o,
		emu:      emulator.New(eo),
		db:       storagetest.NewDB(t),
		rdb:      storagetest.NewRedis(t, storage.RedisOptions{}),
		updates:  newHandled[int64](),
		zupdates: newHandled[string](),
		changed:  make(chan struct{}),
		now:      time.Now,
	}
	if o.pgProxy {
		u, err := url.Parse(h.db.URL)
		if err != nil {
			t.Fatal(err)
		}
		h.pg = newPGProxy(t, u.Host)
		h.botDB = h.pg.url(h.db.URL)
	}
	if o.privateRedis {
		h.redis = newPrivateRedis(t)
		h.botRD = h.redis.client()
	}
	var api http.Handler = h.emu
	if o.api != nil {
		api = o.api(h.emu)
	}
	h.srv = httptest.NewServer(api)
	t.Cleanup(h.srv.Close)
	if o.zalo {
		zo := zaloemu.Options{Token: zaloTestToken}
		if o.zaloLimits {
			zo.PerChatRate, zo.PerChatBurst, zo.GlobalRate, zo.GlobalBurst = 1, 2, 30, 30
		}
		h.zemu = zaloemu.New(zo)
		zsrv := httptest.NewServer(h.zemu)
		t.Cleanup(zsrv.Close)
		t.Cleanup(h.zemu.Close)
		h.zaloURL = zsrv.URL
	}
	text, err := locales.Load(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	h.text = text
	t.Cleanup(h.stopAll)
	if !o.now.IsZero() {
		h.setClock(o.now)
		h.now = func() time.Time { return *h.clock.Load() }
	}
	if o.twoLevel {
		f, err := os.Open(storagetest.DataFile(t, "vn-units-2025-07.csv"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := h.db.Store.ImportUnits(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
	if o.merges {
		f, err := os.Open(storagetest.DataFile(t, "vn-units-2025-07-merges.json"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := h.db.Store.ImportMerges(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
	if o.webhook {
		o.noPoll = true
	}
	p := h.start(o)
	if o.zaloWebhook {
		const secret = "harness-zalo-secret"
		hook := httptest.NewServer(p.bot.ZaloWebhookHandler(secret))
		t.Cleanup(hook.Close)
		if err := p.bot.SetZaloWebhook(context.Background(), hook.URL, secret); err != nil {
			t.Fatal(err)
		}
		h.zaloHook = hook.URL
	}
	if o.webhook {
		const secret = "harness-webhook-secret-0123"
		hook := httptest.NewServer(p.bot.WebhookHandler(secret))
		t.Cleanup(hook.Close)
		resp, err := http.PostForm(h.srv.URL+"/bot"+testToken+"/setWebhook", url.Values{"url": {hook.URL}, "secret_token": {secret}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("setWebhook: %s", resp.Status)
		}
	}
	return h
}

// setClock moves the bot's clock (harnesses made with a fixed now).
func (h *harness) setClock(t time.Time) { h.clock.Store(&t) }

func (h *harness) logger(quiet bool) *slog.Logger {
	if quiet {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(testWriter{h.t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// start runs one more bot process sharing the database and Redis.
func (h *harness) start(o harnessOptions) *process {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := h.logger(o.quiet)
	atlas, err := h.db.Store.Atlas(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	groups, err := h.db.Store.ProductGroups(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	store, rdb := h.db.Store, h.rdb
	if h.botDB != "" {
		if store, err = storage.Open(ctx, h.botDB); err != nil {
			h.t.Fatal(err)
		}
		h.t.Cleanup(store.Close)
	}
	if h.botRD != nil {
		rdb = h.botRD
	}
	tgFiles, err := bot.NewTelegramFiles(testToken, h.srv.URL, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	links := bot.NewTelegramLinks("")
	engine := flows.New(flows.Config{Records: store, Atlas: atlas, Groups: groups, Text: h.text, Log: log, Now: h.now,
		Controllers: o.controllers, Files: tgFiles, Links: links})
	cfg := o.bot
	cfg.Links = links
	cfg.Token, cfg.APIURL, cfg.Workers, cfg.PollTimeout = testToken, h.srv.URL, o.workers, 2*time.Second
	cfg.Consumer = fmt.Sprintf("test-%d", len(h.procs))
	var files *filesProxy
	if h.zemu != nil {
		cfg.ZaloToken, cfg.ZaloAPIURL, cfg.ZaloPoll = zaloTestToken, h.zaloURL, !o.noPoll && !o.zaloWebhook
		// The bot's own HTTP server, for the links of Zalo's files.
		files = &filesProxy{}
		srv := httptest.NewServer(files)
		h.t.Cleanup(srv.Close)
		cfg.PublicURL, h.publicURL = srv.URL, srv.URL
	}
	if cfg.ButtonKey, err = h.db.Store.ButtonKey(ctx); err != nil {
		h.t.Fatal(err)
	}
	if o.metrics != nil {
		cfg.Metrics = o.metrics(store, rdb)
	}
	b, err := bot.New(cfg, engine, rdb, store, h.text, log, bot.Hooks{Done: h.markDone, ZaloDone: h.markZaloDone})
	if err != nil {
		h.t.Fatal(err)
	}
	if files != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /files/{id}/{name}", b.FilesHandler())
		files.h.Store(mux)
	}
	if err := b.SetCommands(ctx); err != nil {
		h.t.Fatal(err)
	}
	p := &process{bot: b, cancel: cancel, exited: make(chan error, 1)}
	if o.notify {
		n, err := jobs.New(store, b.Sender(bot.Limits{Global: o.sendRate}), engine,
			jobs.Config{Workers: 8, JobTimeout: 5 * time.Second, Now: h.now, Log: log})
		if err != nil {
			h.t.Fatal(err)
		}
		if err := n.Start(ctx); err != nil {
			h.t.Fatal(err)
		}
		p.notifier = n
	}
	go func() {
		err := b.Run(ctx, !o.noPoll)
		if p.notifier != nil {
			p.notifier.Stop(ctx, 5*time.Second)
		}
		p.exited <- err
	}()
	h.procs = append(h.procs, p)
	return p
}

func (p *process) stop(t testing.TB) {
	p.cancel()
	select {
	case err := <-p.exited:
		if err != nil {
			t.Errorf("bot exited: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("bot did not stop within 30 s")
	}
}

func (h *harness) stopAll() {
	for _, p := range h.procs {
		if p.cancel != nil {
			p.cancel()
			<-p.exited
			p.cancel = nil
		}
	}
}

// restart stops every bot process and starts a new one, as a deploy would.
func (h *harness) restart() {
	for _, p := range h.procs {
		if p.cancel != nil {
			p.stop(h.t)
			p.cancel = nil
		}
	}
	h.start(h.opts)
}

func (h *harness) markDone(updateID int64, duplicate bool, took time.Duration) {
	markHandled(h, &h.updates, updateID, duplicate, took)
}

func (h *harness) markZaloDone(key string, duplicate bool, took time.Duration) {
	markHandled(h, &h.zupdates, key, duplicate, took)
}

// handled is what the bot finished of one channel's updates, by key, for
// the test to wait on: a key done before anyone waited, or a waiter.
type handled[K comparable] struct {
	done    map[K]bool
	waiters map[K]chan struct{}
}

func newHandled[K comparable]() handled[K] {
	return handled[K]{done: map[K]bool{}, waiters: map[K]chan struct{}{}}
}

// markHandled records an update handled, or dropped as a duplicate.
func markHandled[K comparable](h *harness, s *handled[K], key K, duplicate bool, took time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if duplicate {
		h.dups.Add(1)
		close(h.changed)
		h.changed = make(chan struct{})
		return
	}
	h.handling = append(h.handling, took)
	if ch, ok := s.waiters[key]; ok {
		close(ch)
		delete(s.waiters, key)
		return
	}
	s.done[key] = true
}

// waitHandled blocks until the bot has finished the update key.
func waitHandled[K comparable](h *harness, s *handled[K], key K) {
	h.t.Helper()
	h.mu.Lock()
	if s.done[key] {
		delete(s.done, key)
		h.mu.Unlock()
		return
	}
	ch := make(chan struct{})
	s.waiters[key] = ch
	h.mu.Unlock()
	select {
	case <-ch:
	case <-time.After(20 * time.Second):
		h.t.Fatalf("update %v not handled within 20 s", key)
	}
}

// waitDups blocks until n duplicate updates were dropped at intake.
func (h *harness) waitDups(n int64) {
	h.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		h.mu.Lock()
		ch := h.changed
		h.mu.Unlock()
		if h.dups.Load() >= n {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			h.t.Fatalf("%d duplicates dropped, want %d", h.dups.Load(), n)
		}
	}
}

// waitDone blocks until the bot has finished update id.
func (h *harness) waitDone(id int64) {
	h.t.Helper()
	waitHandled(h, &h.updates, id)
}

// waitZalo blocks until the bot has finished the Zalo update key.
func (h *harness) waitZalo(key string) {
	h.t.Helper()
	waitHandled(h, &h.zupdates, key)
}

// user is a simulated Telegram user in a private chat with the bot.
type user struct {
	h    *harness
	u    emulator.User
	seen uint64 // the chat's version when its bot messages were last looked at
}

func (h *harness) user(id int64) *user {
	return &user{h: h, u: emulator.User{ID: id, FirstName: "Nông", LastName: "Dân", LanguageCode: "vi"}}
}

func (c *user) chatID() int64 { return c.u.ID }

// say sends text and waits until the bot has handled it.
func (c *user) say(text string) {
	c.h.t.Helper()
	c.h.waitDone(c.h.emu.SendText(c.chatID(), c.u, text))
}

func (c *user) shareContact(phone string) {
	c.h.t.Helper()
	c.h.waitDone(c.h.emu.ShareContact(c.chatID(), c.u, phone))
}

func (c *user) sendPhoto() {
	c.h.t.Helper()
	c.h.waitDone(c.h.emu.SendPhoto(c.chatID(), c.u, []byte("\x89PNG fake photo bytes"), ""))
}

func (c *user) sendSticker() {
	c.h.t.Helper()
	c.h.waitDone(c.h.emu.SendSticker(c.chatID(), c.u))
}

// press presses the button labelled label (exactly, or containing it) on
// the newest bot message that shows one.
func (c *user) press(label string) {
	c.h.t.Helper()
	msg, data := c.find(label)
	c.pressOn(msg, data)
}

func (c *user) pressOn(msgID int, data string) {
	c.h.t.Helper()
	id, err := c.h.emu.PressButton(c.chatID(), c.u, msgID, data)
	if err != nil {
		c.h.t.Fatalf("press %q on message %d: %v", data, msgID, err)
	}
	c.h.waitDone(id)
}

func (c *user) find(label string) (msgID int, data string) {
	c.h.t.Helper()
	// The newest message usually holds the button: look there before
	// copying the whole transcript.
	if m, ok := c.h.emu.LastBotMessage(c.chatID()); ok {
		for _, row := range m.InlineKeyboard {
			for _, b := range row {
				if b.Text == label {
					return m.ID, b.CallbackData
				}
			}
		}
	}
	msgs := c.h.emu.BotMessages(c.chatID())
	for pass := 0; pass < 2; pass++ {
		for i := len(msgs) - 1; i >= 0; i-- {
			for _, row := range msgs[i].InlineKeyboard {
				for _, b := range row {
					if (pass == 0 && b.Text == label) || (pass == 1 && strings.Contains(b.Text, label)) {
						return msgs[i].ID, b.CallbackData
					}
				}
			}
		}
	}
	c.h.t.Fatalf("no button %q in chat %d; last bot message:\n%s", label, c.chatID(), c.lastText())
	return 0, ""
}

// replies returns the bot messages sent or edited since the last call: new
// messages, and prompts edited in place into the next step.
func (c *user) replies() []emulator.Message {
	var out []emulator.Message
	seen := c.seen
	for _, m := range c.h.emu.BotMessages(c.chatID()) {
		if m.Version > seen {
			out = append(out, m)
			c.seen = max(c.seen, m.Version)
		}
	}
	return out
}

func (c *user) last() emulator.Message {
	msgs := c.h.emu.BotMessages(c.chatID())
	if len(msgs) == 0 {
		c.h.t.Fatalf("chat %d has no bot message", c.chatID())
	}
	return msgs[len(msgs)-1]
}

func (c *user) lastText() string {
	msgs := c.h.emu.BotMessages(c.chatID())
	if len(msgs) == 0 {
		return "(none)"
	}
	return msgs[len(msgs)-1].Text
}

// expect checks that the bot's newest message contains every part.
func (c *user) expect(parts ...string) {
	c.h.t.Helper()
	text := c.lastText()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			c.h.t.Fatalf("chat %d: last bot message lacks %q; got:\n%s", c.chatID(), p, text)
		}
	}
}

// expectSome checks that some message since the previous call contains part.
func (c *user) expectSome(part string) {
	c.h.t.Helper()
	var all []string
	for _, m := range c.replies() {
		if strings.Contains(m.Text, part) {
			return
		}
		all = append(all, m.Text)
	}
	c.h.t.Fatalf("chat %d: no new bot message contains %q; new messages:\n%s", c.chatID(), part, strings.Join(all, "\n---\n"))
}
