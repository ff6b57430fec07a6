package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/bot/webchat"
	"github.com/ocopbot/ocopbot/bot/zaloemu"
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
	// Its units are built in: no flag, no file to find.
	if err := parseFlags(flag.NewFlagSet("demo", flag.ContinueOnError), args); err != nil {
		return err
	}
	if len(args) > 0 {
		return fmt.Errorf("demo: unexpected %q (the demo's units are built into the binary): %w", args[0], errUsage)
	}
	d, err := startDemo(ctx, cfg, "demo:", log)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nocopbot chế độ demo (demo mode): mở %s để trò chuyện với bot trên Telegram (giả lập),\n%s/zalo/ trên Zalo (giả lập).\nDữ liệu mẫu, không có Telegram hay Zalo thật. Ctrl+C để dừng.\n\n", d.URL, d.URL)
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

// startDemo wires the application as serve does, with the demo's settings:
// its own database (migrated and seeded), Redis prefix, and the emulator
// and web chat served at HTTP_ADDR as the Bot API.
func startDemo(ctx context.Context, cfg Config, redisPrefix string, log *slog.Logger) (*demoApp, error) {
	if err := storage.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	// Telegram's limits, as Telegram applies them, so the demo shows the
	// bot living within them.
	emu := emulator.New(emulator.Options{Token: demoToken, BotID: 100000001, BotUsername: "ocopbot_demo", BotName: "OCOP (demo)",
		PerChatRate: 1, PerChatBurst: 5, GlobalRate: 30, GlobalBurst: 30, MaxMessagesPerChat: 1000})
	chat := webchat.New(emu, webchat.Options{Title: "ocopbot — chế độ demo", Users: demoUsers})
	// Producers live on Zalo: the demo emulates it too, with its own chat
	// page at /zalo/, beside the officials on Telegram.
	zemu := zaloemu.New(zaloemu.Options{Token: zaloDemoToken, Users: demoZaloUsers})
	closeAll := func() { emu.Close(); zemu.Close() }
	svc, err := startService(ctx, cfg, settings{
		token:       demoToken,
		redisPrefix: redisPrefix,
		prepare: func(ctx context.Context, store *storage.Store) error {
			if _, err := store.Migrate(ctx); err != nil {
				return err
			}
			return seedDemo(ctx, store, log)
		},
		web:     emulatorHandler(emu, chat, zemu),
		zalo:    true,
		stopped: closeAll,
	}, log)
	if err != nil {
		closeAll()
		return nil, err
	}
	// Telegram numbers a bot's updates on from where it stood, and the
	// bot's Redis remembers the update_ids of the last 48 hours to drop
	// redeliveries. A fresh emulator counting from 1 again would have the
	// restarted demo drop every message as a duplicate until those marks
	// expire: it numbers on from the last update the bot saw instead. The
	// web chat is not served yet, so no update is numbered before this.
	last, err := svc.rdb.LastSeenUpdateID(ctx)
	if err != nil {
		svc.close()
		closeAll()
		return nil, err
	}
	emu.ContinueUpdateIDs(last)
	d := &demoApp{URL: svc.url, Store: svc.store, Emu: emu, done: make(chan error, 1)}
	go func() { d.done <- svc.run(ctx) }()
	return d, nil
}

// emulatorHandler serves the Bot API (/bot<token>/…, /file/bot<token>/…)
// from the emulator, the Zalo Bot API (/zalo/bot<token>/…) and its chat page
// and users (/zalo/…) from the Zalo emulator, and everything else from the
// web chat.
//
// The Zalo emulator's users' API (its chat page's) is the demo's web chat
// for Zalo: like the Telegram one, it speaks for the demo's simulated users
// to whoever opens the page, on demo data only. zemu may be nil: Telegram
// alone.
func emulatorHandler(emu *emulator.Server, chat *webchat.Server, zemu *zaloemu.Server) http.Handler {
	var zalo http.Handler = http.NotFoundHandler()
	if zemu != nil {
		zalo = zemu.ControlHandler()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case strings.HasPrefix(p, "/bot") || strings.HasPrefix(p, "/file/bot"):
			emu.ServeHTTP(w, r)
		case zemu != nil && strings.HasPrefix(p, "/zalo/bot"):
			http.StripPrefix("/zalo", zemu).ServeHTTP(w, r)
		case zemu != nil && strings.HasPrefix(p, "/zalo/"):
			zalo.ServeHTTP(w, r)
		default:
			chat.ServeHTTP(w, r)
		}
	})
}

// The demo's Zalo users (ids as long as Zalo's): a producer of the demo's
// data who chats on Zalo, and someone new.
var demoZaloUsers = []zaloemu.User{
	{ID: demoZaloProducer, Name: "Anh Tuấn", Role: "Nhà sản xuất trên Zalo, HTX Trà Phú Hòa (demo)"},
	{ID: "3000000000000000002", Name: "Chị Mai", Role: "Chưa đăng ký — gõ «xin chào» rồi trả lời bằng số"},
}

// demoZaloProducer is the Zalo user of a demo producer.
const demoZaloProducer = "3000000000000000001"

// The simulated users the web chat starts with. Their chat IDs are their
// user IDs, as in Telegram's private chats.
var demoUsers = []webchat.User{
	// The web chat offers 0912345678 when a user shares their phone: a
	// producer of the demo registry has it (demoClaimPhone), so /nhanhoso
	// finds a record to claim.
	{ID: 9003, Name: "Người dùng mới", Role: "Chưa đăng ký — hãy thử /dangky hoặc /nhanhoso", Lang: "vi"},
	{ID: 9001, Name: "Chị Lan", Role: "Nhà sản xuất, HTX Mật ong Củ Chi (demo)", Lang: "vi"},
	{ID: 9002, Name: "Anh Minh", Role: "Cán bộ TP. Hồ Chí Minh (demo)", Lang: "vi"},
	{ID: 9004, Name: "Chị Hạnh", Role: "Cán bộ xã Củ Chi (demo)", Lang: "vi"},
}
