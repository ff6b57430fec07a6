package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/ocopbot/ocopbot/bot"
	"github.com/ocopbot/ocopbot/bot/jobs"
	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/locales"
	"github.com/ocopbot/ocopbot/metrics"
	"github.com/ocopbot/ocopbot/storage"
)

// webhookPath is served when WEBHOOK_URL has no path of its own.
const webhookPath = "/"

// sendGrace is how long the sends in flight may take to finish at stop.
const sendGrace = 10 * time.Second

// settings are what serve and demo wire differently.
type settings struct {
	token  string
	apiURL string // the Bot API server; "" is this process's own HTTP server (demo's emulator)
	// zalo serves Zalo users through the Zalo Bot API emulator this
	// process serves at /zalo (demo mode), whatever ZALO_* say.
	zalo        bool
	redisPrefix string
	// prepare readies the database before anything reads it (demo:
	// migrations and demo data).
	prepare func(ctx context.Context, store *storage.Store) error
	// web serves what the HTTP server serves besides health and the
	// webhook (demo: the emulator and its web chat).
	web http.Handler
	// stopped runs once the bot and its sends have stopped, before the
	// HTTP server does (demo: close the emulator).
	stopped func()
}

// service is the whole application, wired once for serve and demo:
// storage, the engine, the Telegram transport, the background work and
// the HTTP server.
type service struct {
	store   *storage.Store
	rdb     *storage.Redis
	bot     *bot.Bot
	jobs    *jobs.Queue
	metrics *prometheus.Registry // served at /metrics
	srv     *http.Server
	ln      net.Listener
	url     string // base URL of the HTTP server
	webhook string // WEBHOOK_URL; "" polls
	secret  string
	// zaloHook is ZALO_WEBHOOK_URL ("" polls Zalo, when it has a token).
	zaloHook, zaloSecret string
	stopped              func()
	log                  *slog.Logger
}

// startService opens everything and listens on HTTP_ADDR; run runs it.
func startService(ctx context.Context, cfg Config, s settings, log *slog.Logger) (_ *service, err error) {
	svc := &service{webhook: cfg.WebhookURL, secret: cfg.WebhookSecret, zaloHook: cfg.ZaloWebhookURL, zaloSecret: cfg.ZaloWebhookSecret,
		stopped: s.stopped, log: log}
	defer func() {
		if err != nil {
			svc.close()
		}
	}()
	if svc.store, err = storage.Open(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	if s.prepare != nil {
		if err := s.prepare(ctx, svc.store); err != nil {
			return nil, err
		}
	}
	if svc.rdb, err = storage.OpenRedis(ctx, cfg.RedisURL, storage.RedisOptions{Prefix: s.redisPrefix}); err != nil {
		return nil, err
	}
	if svc.ln, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
		return nil, fmt.Errorf("listen on HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	svc.url = "http://" + svc.ln.Addr().String()
	apiURL := s.apiURL
	if apiURL == "" {
		apiURL = svc.url
	}
	svc.metrics = prometheus.NewRegistry()
	m := metrics.New(svc.metrics, svc.store)
	m.WatchSetAside(svc.rdb)
	// The files users send on Telegram are fetched by a client of their
	// own, made before the flows that read them.
	var files flows.Files // none without Telegram: Zalo carries no files
	if tf, err := bot.NewTelegramFiles(s.token, apiURL, nil); err != nil {
		return nil, err
	} else if tf != nil {
		files = tf
	}
	// The bot learns its username when it starts; invitations and claim
	// sheets link to it.
	links := bot.NewTelegramLinks("")
	app, err := newApp(ctx, svc.store, m.Records(svc.store), files, links, log, time.Now, cfg.Controllers)
	if err != nil {
		return nil, err
	}
	key, err := svc.store.ButtonKey(ctx)
	if err != nil {
		return nil, err
	}
	bc := bot.Config{Token: s.token, APIURL: apiURL, ButtonKey: key, Workers: cfg.Workers, Metrics: m.Transport(), Limits: cfg.limits(), ZaloLimits: cfg.zaloLimits(), Links: links,
		ZaloToken: cfg.ZaloToken, ZaloAPIURL: cfg.ZaloAPIURL, ZaloPoll: cfg.ZaloWebhookURL == "", PublicURL: cfg.PublicURL}
	if s.zalo {
		bc.ZaloToken, bc.ZaloAPIURL, bc.ZaloPoll = zaloDemoToken, svc.url+"/zalo", true
		if bc.PublicURL == "" {
			bc.PublicURL = svc.url
		}
	}
	svc.bot, err = bot.New(bc, app.engine, svc.rdb, svc.store, app.text, log, bot.Hooks{})
	if err != nil {
		return nil, err
	}
	m.WatchBacklog(svc.bot.Backlog)
	// The one River client: it works the jobs, and the store's writes
	// insert theirs through it, in their own transactions.
	svc.jobs, err = jobs.New(svc.store, svc.bot.Sender(cfg.limits()), app.engine, cfg.jobs(log))
	if err != nil {
		return nil, err
	}
	svc.srv = &http.Server{Handler: svc.handler(s.web), ReadHeaderTimeout: 10 * time.Second}
	return svc, nil
}

func (svc *service) handler(web http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", svc.readyz)
	mux.Handle("GET /metrics", metrics.Handler(svc.metrics, svc.log))
	mux.Handle("GET /files/{id}/{name}", svc.bot.FilesHandler())
	if svc.webhook != "" {
		// Telegram posts to WEBHOOK_URL: serve its path, whatever it is.
		path := webhookPath
		if u, err := url.Parse(svc.webhook); err == nil && u.Path != "" {
			path = u.Path
		}
		mux.Handle("POST "+path, svc.bot.WebhookHandler(svc.secret))
		svc.log.Info("webhook mode", slog.String("path", path))
	}
	if svc.zaloHook != "" {
		path := "/zalo/webhook"
		if u, err := url.Parse(svc.zaloHook); err == nil && u.Path != "" && u.Path != "/" {
			path = u.Path
		}
		mux.Handle("POST "+path, svc.bot.ZaloWebhookHandler(svc.zaloSecret))
		svc.log.Info("zalo webhook mode", slog.String("path", path))
	}
	if web != nil {
		mux.Handle("/", web)
	}
	return mux
}

// close releases what startService opened.
func (svc *service) close() {
	if svc.ln != nil && svc.srv == nil {
		svc.ln.Close() // never served
	}
	if svc.rdb != nil {
		svc.rdb.Close()
	}
	if svc.store != nil {
		svc.store.Close()
	}
}

// run serves until ctx ends or a part fails, then stops: the bot finishes
// the updates in hand and the sends in flight (within sendGrace), and
// only then the HTTP server, which in demo mode serves the Bot API they
// are finishing their calls to.
func (svc *service) run(ctx context.Context) error {
	defer svc.close()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		svc.log.Info("http listening", slog.String("addr", svc.ln.Addr().String()))
		if err := svc.srv.Serve(svc.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		err := svc.work(gctx)
		if svc.stopped != nil {
			svc.stopped()
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(gctx), 5*time.Second)
		defer cancel()
		if serr := svc.srv.Shutdown(sctx); err == nil {
			err = serr
		}
		return err
	})
	return g.Wait()
}

// work runs the bot and the background work until ctx ends.
func (svc *service) work(ctx context.Context) error {
	if err := svc.bot.SetCommands(ctx); err != nil {
		svc.log.Warn("set command menu", bot.ErrAttr(err))
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return svc.jobs.Run(gctx, sendGrace) })
	g.Go(func() error {
		if svc.webhook != "" {
			if err := svc.bot.SetWebhook(gctx, svc.webhook, svc.secret); err != nil {
				return err
			}
		}
		if svc.zaloHook != "" {
			if err := svc.bot.SetZaloWebhook(gctx, svc.zaloHook, svc.zaloSecret); err != nil {
				return err
			}
		}
		err := svc.bot.Run(gctx, svc.webhook == "")
		svc.log.Info("bot stopped")
		return err
	})
	return g.Wait()
}

// app is the engine and the texts.
type app struct {
	engine *flows.Engine
	text   *locales.Catalog
}

// newApp reads with store and gives the engine records, which is store
// itself or a wrapper of it (metrics.Records).
func newApp(ctx context.Context, store *storage.Store, records flows.Records, files flows.Files, links flows.StartLinks, log *slog.Logger, now func() time.Time, controllers flows.Controllers) (*app, error) {
	if err := checkSchema(ctx, store); err != nil {
		return nil, err
	}
	atlas, err := store.Atlas(ctx)
	if err != nil {
		return nil, err
	}
	if len(atlas.Trees()) == 0 {
		return nil, errors.New("no administrative units stored: run `ocopbot migrate` (it loads the lists built into the binary)")
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
		Records: records, Atlas: atlas, Groups: groups, Text: text, Log: log, Now: now, Controllers: controllers,
		Files: files, Links: links,
	})
	return &app{engine: engine, text: text}, nil
}

// openStore opens the database for a command that records without
// serving (results): its writes queue their notifications, which a
// running `serve` sends.
func openStore(ctx context.Context, cfg Config) (*storage.Store, error) {
	store, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := checkSchema(ctx, store); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}

// checkSchema refuses a database this binary's migrations have not
// brought up to date.
func checkSchema(ctx context.Context, store *storage.Store) error {
	v, err := store.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("%w (run `ocopbot migrate`)", err)
	}
	if want := storage.LatestSchemaVersion(); v != want {
		return fmt.Errorf("database schema is at version %d, this binary needs %d: run `ocopbot migrate`", v, want)
	}
	return nil
}
