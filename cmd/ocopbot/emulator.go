package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/bot/webchat"
	"github.com/ocopbot/ocopbot/bot/zaloemu"
)

// emulatorCmd serves the Bot API emulator and its web chat alone, for
// pointing a bot of one's own at it (TELEGRAM_API_URL) or for measuring the
// emulator with an outside load generator; its control API
// (/emulator/faults, /emulator/stats, /emulator/users/…) lets another
// process inject faults and play users (`ocopbot loadtest`).
func emulatorCmd(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	limits := fs.Bool("limits", false,
		"apply Telegram's limits to sends and edits (429 with retry_after): 1/s per chat (bursts of 5), 30/s overall; callback answers and chat actions are free")
	zalo := fs.Bool("zalo", false,
		"emulate the Zalo Bot Platform's Bot API instead (ZALO_API_URL), with its control API at /zalo/; --limits then applies the same limits, Zalo documenting none")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *zalo {
		return zaloEmulator(ctx, cfg, *limits, stdout)
	}
	token := cfg.BotToken
	if token == "" {
		token = demoToken
	}
	opts := emulator.Options{Token: token, BotID: 100000001, BotUsername: "ocopbot_emulator", BotName: "OCOP (emulator)", MaxMessagesPerChat: 1000}
	if *limits {
		opts.PerChatRate, opts.PerChatBurst, opts.GlobalRate, opts.GlobalBurst = 1, 5, 30, 30
	}
	emu := emulator.New(opts)
	defer emu.Close()
	chat := webchat.New(emu, webchat.Options{Title: "Bot API emulator", Users: demoUsers})
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	// The control API takes no token: it is served here, on the emulator's
	// own listener, and never by demo mode, whose listener is the bot's.
	srv := &http.Server{Handler: emu.ControlHandler(emulatorHandler(emu, chat, nil)), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "Bot API emulator: TELEGRAM_API_URL=http://%s (token %s); web chat at http://%s; faults, stats and users at http://%s/emulator/\n",
		ln.Addr(), token, ln.Addr(), ln.Addr())
	return serveUntil(ctx, srv, ln, emu.Close)
}

// zaloDemoToken is the Zalo emulator's bot token: "<bot id>:<secret>".
const zaloDemoToken = "1459232241454765289:DEMO-ocopbot-zalo-emulator-token"

// zaloEmulator serves the Zalo Bot API emulator alone, with its control API
// (/zalo/users/{id}/messages, /zalo/chats/{id}, /zalo/stats).
func zaloEmulator(ctx context.Context, cfg Config, limits bool, stdout io.Writer) error {
	opts := zaloemu.Options{Token: zaloDemoToken}
	if limits {
		opts.PerChatRate, opts.PerChatBurst, opts.GlobalRate, opts.GlobalBurst = 1, 5, 30, 30
	}
	emu := zaloemu.New(opts)
	defer emu.Close()
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	srv := &http.Server{Handler: emu.ControlHandler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "Zalo Bot API emulator: ZALO_API_URL=http://%s (token %s); users, chats and stats at http://%s/zalo/\n",
		ln.Addr(), zaloDemoToken, ln.Addr())
	return serveUntil(ctx, srv, ln, emu.Close)
}

// serveUntil serves until ctx ends; closeAPI ends open long polls first, so
// that Shutdown need not wait for them.
func serveUntil(ctx context.Context, srv *http.Server, ln net.Listener, closeAPI func()) error {
	go func() {
		<-ctx.Done()
		closeAPI()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
