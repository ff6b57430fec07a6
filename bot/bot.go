package bot

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/locales"
	"github.com/ocopbot/ocopbot/storage"
)

// Config tunes the transport; zero values take the defaults.
type Config struct {
	Token       string
	APIURL      string        // the Bot API server; "" is Telegram's
	Workers     int           // per-chat ordered workers in this process; default 4 per CPU
	Group       string        // Redis consumer group; default "ocopbot"
	Consumer    string        // this process's consumer name; default the host name, so a restart resumes its work
	ClaimAfter  time.Duration // take over updates a dead process left; default 60 s
	PollTimeout time.Duration // long-polling timeout; default 50 s
	HTTPClient  *http.Client
}

// Records is what the transport itself reads from storage.
type Records interface {
	ChatLocale(ctx context.Context, chatID int64) (string, error)
}

// Hooks let tests and benchmarks observe the transport.
type Hooks struct {
	// Done is called once an update is handled, with the time its handling
	// took from leaving the queue to the last reply sent; duplicate is true
	// (and took 0) when it was dropped at intake as already seen.
	Done func(updateID int64, duplicate bool, took time.Duration)
}

// Bot is the running transport.
type Bot struct {
	api     *tgbot.Bot
	cfg     Config
	engine  *flows.Engine
	state   *storage.Redis
	records Records
	text    *locales.Catalog
	log     *slog.Logger
	hooks   Hooks
	apiURL  string
	lockTTL time.Duration
}

// New connects the transport. It does not call Telegram.
func New(cfg Config, engine *flows.Engine, state *storage.Redis, records Records, text *locales.Catalog, log *slog.Logger, hooks Hooks) (*Bot, error) {
	if cfg.Workers <= 0 {
		// Handling is CPU-bound against a near Bot API: more workers than
		// a few per core only make each update wait for the CPU longer
		// (BenchmarkRegistration). Against a distant one, where each step
		// waits on Telegram's round trips, raise it (WORKERS).
		cfg.Workers = 4 * runtime.GOMAXPROCS(0)
	}
	if cfg.Group == "" {
		cfg.Group = "ocopbot"
	}
	if cfg.Consumer == "" {
		// Stable across restarts: a restarted process takes back at once
		// the updates it had in hand when it died (see dispatch). Processes
		// sharing a host and name stay correct: an update is applied once
		// whoever holds it.
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "ocopbot-" + strconv.Itoa(os.Getpid())
		}
		cfg.Consumer = host
	}
	if cfg.ClaimAfter <= 0 {
		cfg.ClaimAfter = time.Minute
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 50 * time.Second
	}
	if cfg.HTTPClient == nil {
		// Every worker may be mid-call at once: keep that many connections
		// open instead of net/http's default of two per host, which makes
		// busy workers dial a new TCP (and TLS) connection per request.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = cfg.Workers + 2
		tr.MaxIdleConns = cfg.Workers + 2
		cfg.HTTPClient = &http.Client{Timeout: cfg.PollTimeout + 10*time.Second, Transport: tr}
	}
	b := &Bot{cfg: cfg, engine: engine, state: state, records: records, text: text, log: log, hooks: hooks, lockTTL: state.LockTTL()}
	b.apiURL = strings.TrimRight(cfg.APIURL, "/")
	if b.apiURL == "" {
		b.apiURL = "https://api.telegram.org"
	}
	// The library sends; updates come in through poll (or the webhook),
	// never through the library's own polling (see poll).
	opts := []tgbot.Option{
		tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(cfg.PollTimeout, cfg.HTTPClient),
		tgbot.WithServerURL(b.apiURL),
		tgbot.WithErrorsHandler(func(err error) { log.Warn("telegram client", errAttr(err)) }),
	}
	api, err := tgbot.New(cfg.Token, opts...)
	if err != nil {
		return nil, fmt.Errorf("create telegram client: %w", err)
	}
	b.api = api
	engine.SetFiles(b)
	return b, nil
}

// Run handles updates until ctx is cancelled, then finishes the updates in
// hand and returns. With poll set it also takes updates in by long polling;
// without, updates arrive through WebhookHandler.
func (b *Bot) Run(ctx context.Context, poll bool) error {
	if err := b.state.EnsureGroup(ctx, b.cfg.Group); err != nil {
		return err
	}
	// The username goes into invitation links; without it they fall back
	// to "/start CODE", so a failure here is not fatal.
	if me, err := b.api.GetMe(ctx); err != nil {
		b.log.Warn("get bot username", errAttr(err))
	} else {
		b.engine.SetBotName(me.Username)
	}
	var wg sync.WaitGroup
	if poll {
		// Polling and webhooks exclude each other at Telegram.
		if _, err := b.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
			b.log.Warn("delete webhook before polling", errAttr(err))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.poll(ctx)
		}()
	}
	err := b.dispatch(ctx)
	wg.Wait()
	return err
}

func (b *Bot) enqueue(ctx context.Context, updateID, chatID int64, payload []byte) error {
	fresh, err := b.state.EnqueueUpdate(ctx, updateID, chatID, payload)
	if err != nil {
		return err
	}
	if !fresh {
		b.log.Info("duplicate update dropped", slog.Int64("update_id", updateID))
		if b.hooks.Done != nil {
			b.hooks.Done(updateID, true, 0)
		}
	}
	return nil
}

// WebhookHandler takes updates POSTed by Telegram. It answers 401 unless the
// secret token header matches (go-telegram/bot's own handler answers 200
// either way), and 200 only once the update is stored, so Telegram retries
// anything we could not keep.
func (b *Bot) WebhookHandler(secret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		var head struct {
			ID int64 `json:"update_id"`
		}
		if err != nil || json.Unmarshal(raw, &head) != nil || !json.Valid(raw) {
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		if err := b.enqueue(r.Context(), head.ID, rawChatID(raw), raw); err != nil {
			b.log.Error("webhook enqueue", slog.Int64("update_id", head.ID), errAttr(err))
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// SetWebhook registers url with Telegram, with the secret it must echo.
func (b *Bot) SetWebhook(ctx context.Context, url, secret string) error {
	_, err := b.api.SetWebhook(ctx, &tgbot.SetWebhookParams{
		URL: url, SecretToken: secret, MaxConnections: 40,
		AllowedUpdates: []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery},
	})
	if err != nil {
		return fmt.Errorf("set webhook: %w", err)
	}
	return nil
}

// commands is the menu Telegram shows; names are ASCII, descriptions localised.
var commands = []string{"start", "dangky", "hoso", "huy", "ngonngu", "trogiup"}

// SetCommands publishes the command menu in every language; Vietnamese is
// also the default for users whose language has none.
func (b *Bot) SetCommands(ctx context.Context) error {
	for _, lang := range append([]string{""}, locales.Languages...) {
		p := b.text.Printer(lang)
		cmds := make([]models.BotCommand, len(commands))
		for i, c := range commands {
			cmds[i] = models.BotCommand{Command: c, Description: p.T("command." + c)}
		}
		if _, err := b.api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: cmds, LanguageCode: lang}); err != nil {
			return fmt.Errorf("set commands (%q): %w", lang, err)
		}
	}
	return nil
}
