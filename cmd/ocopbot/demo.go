package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/bot"
	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/bot/webchat"
	"github.com/ocopbot/ocopbot/storage"
)

// demoToken is the emulator's bot token. It opens nothing: the emulator
// runs inside this process and talks to no one else.
const demoToken = "100000001:DEMO-ocopbot-emulator-token-0000"

// demoDatabase is the database demo mode uses by default
// (DEMO_DATABASE_URL): never DATABASE_URL, so demo records cannot reach a
// real database.
const demoDatabase = "postgres://postgres@127.0.0.1:5432/ocopbot_demo?sslmode=disable"

// demo runs ocopbot with no Telegram account: a Telegram Bot API emulator,
// a web chat that shows it as Telegram would, demo data and the bot, all in
// this process.
func demo(ctx context.Context, cfg Config, args []string, log *slog.Logger, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	units := fs.String("units", "../shared/data/vn-units-2025-03.csv", "unit file to take Ho Chi Minh City's units from on first run")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("demo: %v: %w", err, errUsage)
	}
	d, err := startDemo(ctx, cfg, *units, "demo:", log)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nocopbot chế độ demo (demo mode): mở %s để trò chuyện với bot.\nDữ liệu mẫu, không có Telegram thật. Ctrl+C để dừng.\n\n", d.URL)
	return d.wait()
}

// demoApp is a running demo.
type demoApp struct {
	URL   string
	Store *storage.Store
	Emu   *emulator.Server
	done  chan error
}

func (d *demoApp) wait() error { return <-d.done }

func startDemo(ctx context.Context, cfg Config, unitsFile, redisPrefix string, log *slog.Logger) (*demoApp, error) {
	if err := storage.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	store, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*demoApp, error) {
		store.Close()
		return nil, err
	}
	if _, err := store.Migrate(ctx); err != nil {
		return fail(err)
	}
	if err := seedDemo(ctx, store, unitsFile, log); err != nil {
		return fail(err)
	}
	rdb, err := storage.OpenRedis(ctx, cfg.RedisURL, storage.RedisOptions{Prefix: redisPrefix})
	if err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		rdb.Close()
		return fail(fmt.Errorf("listen on HTTP_ADDR %s: %w", cfg.HTTPAddr, err))
	}
	base := "http://" + ln.Addr().String()

	// Telegram's limits, as Telegram applies them, so the demo shows the
	// bot living within them.
	emu := emulator.New(emulator.Options{Token: demoToken, BotID: 100000001, BotUsername: "ocopbot_demo", BotName: "OCOP (demo)",
		PerChatRate: 1, PerChatBurst: 5, GlobalRate: 30, GlobalBurst: 30, MaxMessagesPerChat: 1000})
	chat := webchat.New(emu, webchat.Options{Title: "ocopbot — chế độ demo", Users: demoUsers})
	srv := &http.Server{Handler: emulatorHandler(emu, chat), ReadHeaderTimeout: 10 * time.Second}

	app, err := newApp(ctx, store, log, time.Now)
	if err == nil {
		var b *bot.Bot
		b, err = bot.New(bot.Config{Token: demoToken, APIURL: base, Workers: cfg.workers()}, app.engine, rdb, store, app.text, log, bot.Hooks{})
		var n *bot.Notifier
		if err == nil {
			n, err = bot.NewNotifier(b, store, cfg.notify())
		}
		if err == nil {
			d := &demoApp{URL: base, Store: store, Emu: emu, done: make(chan error, 1)}
			go d.run(ctx, srv, ln, b, n, emu, store, rdb, log)
			return d, nil
		}
	}
	ln.Close()
	rdb.Close()
	return fail(err)
}

func (d *demoApp) run(ctx context.Context, srv *http.Server, ln net.Listener, b *bot.Bot, n *bot.Notifier, emu *emulator.Server, store *storage.Store, rdb *storage.Redis, log *slog.Logger) {
	defer store.Close()
	defer rdb.Close()
	httpDone := make(chan error, 1)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			httpDone <- err
		}
		close(httpDone)
	}()
	if err := b.SetCommands(ctx); err != nil {
		log.Warn("set command menu", bot.ErrAttr(err))
	}
	sent := make(chan error, 1)
	go func() { sent <- runNotifier(ctx, n, log) }()
	err := b.Run(ctx, true)
	if nerr := <-sent; err == nil {
		err = nerr
	}
	emu.Close()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if serr := srv.Shutdown(sctx); err == nil {
		err = serr
	}
	if herr := <-httpDone; err == nil {
		err = herr
	}
	d.done <- err
}

// emulatorHandler serves the Bot API (/bot<token>/…, /file/bot<token>/…)
// from the emulator and everything else from the web chat.
func emulatorHandler(emu *emulator.Server, chat *webchat.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/bot") || strings.HasPrefix(r.URL.Path, "/file/bot") {
			emu.ServeHTTP(w, r)
			return
		}
		chat.ServeHTTP(w, r)
	})
}

// The simulated users the web chat starts with. Their chat IDs are their
// user IDs, as in Telegram's private chats.
var demoUsers = []webchat.User{
	{ID: 9003, Name: "Người dùng mới", Role: "Chưa đăng ký — hãy thử /dangky", Lang: "vi"},
	{ID: 9001, Name: "Chị Lan", Role: "Nhà sản xuất, HTX Mật ong Củ Chi (demo)", Lang: "vi"},
	{ID: 9002, Name: "Anh Minh", Role: "Cán bộ huyện Củ Chi (demo)", Lang: "vi"},
}
