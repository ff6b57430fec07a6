package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ocopbot/ocopbot/bot"
	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/locales"
	"github.com/ocopbot/ocopbot/storage"
)

// webhookPath is served when WEBHOOK_URL has no path of its own.
const webhookPath = "/"

func serve(ctx context.Context, cfg Config, log *slog.Logger) error {
	if cfg.BotToken == "" {
		return errors.New(`TELEGRAM_BOT_TOKEN is not set.
  1. In Telegram, talk to @BotFather, send /newbot and copy the token it gives.
  2. export TELEGRAM_BOT_TOKEN='123456789:AA…'   then run the command again`)
	}
	log.Info("starting ocopbot", append([]any{"version", version()}, cfg.describe()...)...)
	store, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	rdb, err := storage.OpenRedis(ctx, cfg.RedisURL, storage.RedisOptions{})
	if err != nil {
		return err
	}
	defer rdb.Close()

	app, err := newApp(ctx, store, log, time.Now)
	if err != nil {
		return err
	}
	b, err := bot.New(bot.Config{Token: cfg.BotToken, APIURL: cfg.APIURL, Workers: cfg.workers()}, app.engine, rdb, store, app.text, log, bot.Hooks{})
	if err != nil {
		return err
	}
	if err := b.SetCommands(ctx); err != nil {
		log.Warn("set command menu", bot.ErrAttr(err))
	}
	notifier, err := bot.NewNotifier(b, store, cfg.notify())
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := store.Pool().Ping(r.Context()); err != nil {
			http.Error(w, "postgres unavailable", http.StatusServiceUnavailable)
			return
		}
		if err := rdb.Client().Ping(r.Context()).Err(); err != nil {
			http.Error(w, "redis unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	webhook := cfg.WebhookURL != ""
	if webhook {
		// Telegram posts to WEBHOOK_URL: serve its path, whatever it is.
		path := webhookPath
		if u, err := url.Parse(cfg.WebhookURL); err == nil && u.Path != "" {
			path = u.Path
		}
		mux.Handle("POST "+path, b.WebhookHandler(cfg.WebhookSecret))
		log.Info("webhook mode", slog.String("path", path))
	}
	srv := &http.Server{Addr: cfg.HTTPAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		log.Info("http listening", slog.String("addr", cfg.HTTPAddr))
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(gctx), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	g.Go(func() error { return runNotifier(gctx, notifier, log) })
	g.Go(func() error {
		if webhook {
			if err := b.SetWebhook(gctx, cfg.WebhookURL, cfg.WebhookSecret); err != nil {
				return err
			}
		}
		err := b.Run(gctx, !webhook)
		log.Info("bot stopped")
		return err
	})
	return g.Wait()
}

// runNotifier sends notifications until ctx ends, then lets the sends in
// flight finish.
func runNotifier(ctx context.Context, n *bot.Notifier, log *slog.Logger) error {
	if err := n.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	n.Stop(ctx, 10*time.Second)
	log.Info("notification sender stopped")
	return nil
}

// app is what serve wires besides the transport.
type app struct {
	engine *flows.Engine
	text   *locales.Catalog
}

func newApp(ctx context.Context, store *storage.Store, log *slog.Logger, now func() time.Time) (*app, error) {
	v, err := store.SchemaVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w (run `ocopbot migrate`)", err)
	}
	if want := storage.LatestSchemaVersion(); v != want {
		return nil, fmt.Errorf("database schema is at version %d, this binary needs %d: run `ocopbot migrate`", v, want)
	}
	atlas, err := store.Atlas(ctx)
	if err != nil {
		return nil, err
	}
	if len(atlas.Trees()) == 0 {
		return nil, errors.New("no administrative units stored: run `ocopbot units import FILE` (the public lists are in ../shared/data)")
	}
	groups, err := store.ProductGroups(ctx)
	if err != nil {
		return nil, err
	}
	text, err := locales.Load(log)
	if err != nil {
		return nil, err
	}
	engine := flows.New(flows.Config{
		Records: store, Atlas: atlas, Groups: groups, Text: text, Log: log, Now: now,
	})
	return &app{engine: engine, text: text}, nil
}
