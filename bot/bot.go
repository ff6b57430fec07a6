package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/ocopbot/ocopbot/bot/zalo"
	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/locales"
	"github.com/ocopbot/ocopbot/storage"
)

// Config tunes the transport; zero values take the defaults.
type Config struct {
	Token string
	// ZaloToken, when set, also serves Zalo users through the Zalo Bot API
	// at ZaloAPIURL ("" is Zalo's).
	ZaloToken  string
	ZaloAPIURL string
	// ZaloPoll long-polls Zalo in Run; without, Zalo's updates come in
	// through ZaloWebhookHandler.
	ZaloPoll bool
	// PublicURL is where users reach the bot's HTTP server: a chart or a
	// workbook goes to Zalo as a signed link under it (FilesHandler); ""
	// sends none, and says so.
	PublicURL string
	// ButtonKey signs the data of the bot's buttons (at least 16 bytes; the
	// same for every process: storage.Store.ButtonKey).
	ButtonKey   []byte
	APIURL      string        // the Bot API server; "" is Telegram's
	Workers     int           // per-chat ordered workers in this process; default 4 per CPU
	Group       string        // Redis consumer group; default "ocopbot"
	Consumer    string        // this process's name among the live ones; default host-pid-random
	PollTimeout time.Duration // long-polling timeout; default 50 s
	HTTPClient  *http.Client
	Metrics     Metrics // what the transport counts; zero counts nothing
	// Limits are Telegram's rates the replies keep to, shared with every
	// process through Redis, once Telegram refused the bot for going too
	// fast (see turns.go); zero values take the defaults. Notifications
	// keep to the Sender's.
	Limits Limits
	// ZaloLimits are the rates notifications to Zalo users keep to, their
	// own: Zalo's limits are not Telegram's, and its documentation names
	// none, so the defaults are Telegram's.
	ZaloLimits Limits
	// Links, when given, learn the bot's username at start: the flows'
	// invitations and claim sheets link to it.
	Links *TelegramLinks

	SendTimeout  time.Duration // one Bot API call; default 10 s, then it is tried again
	StepTimeout  time.Duration // handling one update, before it is tried again (a try: see maxTries); default 30 s
	StaleAfter   time.Duration // replies older than this when they can go are replaced by the current step; default 10 min
	OutageNotice time.Duration // a step held up this long by an outage is explained to the user; default 30 s
	// ShutdownGrace is how long the updates in hand may take once Run's
	// context is cancelled; then the steps still running are abandoned.
	// Default 10 s.
	ShutdownGrace time.Duration
}

// Records is what the transport itself reads from storage.
type Records interface {
	ChatLocale(ctx context.Context, chatID int64) (string, error)
	// Ping tells an outage from a step's own fault (see fault).
	Ping(ctx context.Context) error
	// ZaloChat is the chat id of a Zalo user (allocated the first time);
	// ZaloUser the Zalo user of such a chat id.
	ZaloChat(ctx context.Context, zaloUserID string) (int64, error)
	ZaloUser(ctx context.Context, chatID int64) (string, error)
	// Person is the chat id a chat's records carry (its own, or the
	// person's its account is linked to); Reach the chats a person is
	// reached at, the one that wrote last first; Seen records a chat's
	// writing.
	Person(ctx context.Context, chatID int64) (int64, error)
	Reach(ctx context.Context, person int64) ([]int64, error)
	Seen(ctx context.Context, chatID int64, at time.Time) error
}

// Hooks let tests and benchmarks observe the transport.
type Hooks struct {
	// Done is called once an update is handled, with the time its handling
	// took from leaving the queue to the last reply sent; duplicate is true
	// (and took 0) when it was dropped at intake as already seen.
	Done func(updateID int64, duplicate bool, took time.Duration)
	// ZaloDone is Done for a Zalo update, known by its key.
	ZaloDone func(key string, duplicate bool, took time.Duration)
}

// Bot is the running transport.
type Bot struct {
	seenAt  seenChats // when each chat's writing was last recorded (people.go)
	api     *tgbot.Bot
	cfg     Config
	engine  *flows.Engine
	state   *storage.Redis
	records Records
	text    *locales.Catalog
	log     *slog.Logger
	hooks   Hooks
	apiURL  string
	out     *outbound
	intake  intakeWatch
	feeds   *feeds
	calls   *caller      // the outbound path's Bot API calls
	files   *fileLinks   // files linked for Zalo
	polls   *longPoll    // getUpdates
	commits *commits     // the workers' writes, in batches (set by dispatch)
	buttons signer       // signs and checks buttons' data
	zalo    *zalo.Client // the Zalo Bot API; nil without ZaloToken
	zaloURL string
}

// New connects the transport. It does not call Telegram.
func New(cfg Config, engine *flows.Engine, state *storage.Redis, records Records, text *locales.Catalog, log *slog.Logger, hooks Hooks) (*Bot, error) {
	if len(cfg.ButtonKey) < 16 {
		return nil, fmt.Errorf("bot: a button key of at least 16 bytes is needed (have %d)", len(cfg.ButtonKey))
	}
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
		// Unique per process: partitions are leased to it by this name.
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "ocopbot"
		}
		var rnd [4]byte
		_, _ = rand.Read(rnd[:])
		cfg.Consumer = host + "-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(rnd[:])
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 50 * time.Second
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = 10 * time.Second
	}
	if cfg.StepTimeout <= 0 {
		cfg.StepTimeout = 30 * time.Second
	}
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = 10 * time.Minute
	}
	if cfg.OutageNotice <= 0 {
		cfg.OutageNotice = outageNotice
	}
	if cfg.ShutdownGrace <= 0 {
		cfg.ShutdownGrace = shutdownGrace
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
	b := &Bot{cfg: cfg, engine: engine, state: state, records: records, text: text, log: log, hooks: hooks,
		feeds: newFeeds(), polls: newLongPoll(cfg), buttons: signer{key: cfg.ButtonKey}}
	b.apiURL = strings.TrimRight(cfg.APIURL, "/")
	b.cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if b.apiURL == "" {
		b.apiURL = "https://api.telegram.org"
	}
	b.zaloURL = strings.TrimRight(cfg.ZaloAPIURL, "/")
	if b.zaloURL == "" {
		b.zaloURL = zalo.DefaultAPIURL
	}
	b.calls = newCaller(cfg, b.apiURL, b.zaloURL, log)
	b.files = &fileLinks{state: state, publicURL: b.cfg.PublicURL, key: cfg.ButtonKey, log: log}
	b.out = newOutbound(b.calls, state, log, cfg.Limits, cfg.StaleAfter, cfg.Workers)
	// The library sends; updates come in through poll (or the webhook),
	// never through the library's own polling (see poll).
	opts := []tgbot.Option{
		tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(cfg.PollTimeout, cfg.HTTPClient),
		tgbot.WithServerURL(b.apiURL),
		tgbot.WithErrorsHandler(func(err error) { log.Warn("telegram client", errAttr(err)) }),
	}
	if cfg.Token == "" && cfg.ZaloToken == "" {
		return nil, errors.New("bot: a Telegram or a Zalo token is needed")
	}
	if cfg.Token != "" {
		// Without a Telegram token the bot serves Zalo alone: b.api stays
		// nil, and nothing polls or calls Telegram.
		api, err := tgbot.New(cfg.Token, opts...)
		if err != nil {
			return nil, fmt.Errorf("create telegram client: %w", err)
		}
		b.api = api
	}
	if cfg.ZaloToken != "" {
		b.zalo = zalo.New(b.zaloURL, cfg.ZaloToken, cfg.HTTPClient)
	}
	return b, nil
}

// Run handles updates until ctx is cancelled, then finishes the updates in
// hand and returns. With poll set it also takes updates in by long polling
// Telegram; without, its updates arrive through WebhookHandler. Zalo's
// are polled with ZaloPoll, else they arrive through ZaloWebhookHandler.
func (b *Bot) Run(ctx context.Context, poll bool) error {
	if moved, err := b.state.MigrateKeys(ctx); err != nil {
		return err
	} else if moved > 0 {
		b.log.Info("moved conversations and queued updates to partitioned keys", slog.Int("keys", moved))
	}
	if err := b.state.EnsureGroup(ctx, b.cfg.Group); err != nil {
		return err
	}
	// The username goes into invitation links; without it they fall back
	// to "/start CODE", so a failure here is not fatal.
	if b.api == nil {
		poll = false // Zalo alone
	} else if me, err := b.api.GetMe(ctx); err != nil {
		b.log.Warn("get bot username", errAttr(err))
	} else if b.cfg.Links != nil {
		b.cfg.Links.learn(me.Username)
	}
	// Replies owed since the last run go out first, in order.
	go b.out.runTurns(ctx)
	b.out.resume = func(chatID int64) { b.resumeChat(ctx, chatID) }
	outCtx, stopOut := context.WithCancel(context.WithoutCancel(ctx))
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		b.out.flush(outCtx)
	}()
	go b.out.forget(ctx, 30*time.Minute)
	var wg sync.WaitGroup
	if poll {
		// Polling and webhooks exclude each other at Telegram.
		if _, err := b.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
			b.log.Warn("delete webhook before polling", errAttr(err))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.whileLeader(ctx, b.state.LeasePoller, b.poll, &b.feeds.polling)
		}()
	}
	if b.zalo != nil && b.cfg.ZaloPoll {
		if err := b.zalo.DeleteWebhook(ctx); err != nil {
			b.log.Warn("delete zalo webhook before polling", errAttr(err))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.whileLeader(ctx, b.state.LeaseZaloPoller, b.pollZalo, nil)
		}()
	}
	err := b.dispatch(ctx)
	wg.Wait()
	// Sent replies leave the outboxes before the process does, or the next
	// start would send them again.
	stopOut()
	<-flushed
	return err
}

// whileLeader runs poll (a long-polling loop) while this process holds
// the poller's lease: Telegram and Zalo allow one reader, and the updates
// it reads go to their partitions, read by whichever process holds each.
// polling, if given, says when poll runs.
func (b *Bot) whileLeader(ctx context.Context, lease func(ctx context.Context, owner string, ttl time.Duration) (bool, error),
	poll func(ctx context.Context), polling *atomic.Bool) {
	var (
		stop func()
		done chan struct{}
	)
	defer func() {
		if stop != nil {
			stop()
			<-done
		}
	}()
	t := time.NewTicker(leaseEvery)
	defer t.Stop()
	for {
		ok, err := lease(ctx, b.cfg.Consumer, leaseTTL)
		switch {
		case err != nil:
			// Redis is out: a poll under way goes on; its stores wait.
		case ok && stop == nil:
			pctx, cancel := context.WithCancel(ctx)
			stop, done = cancel, make(chan struct{})
			if polling != nil {
				polling.Store(true)
			}
			go func() {
				defer close(done)
				if polling != nil {
					defer polling.Store(false)
				}
				poll(pctx)
			}()
		case !ok && stop != nil:
			b.log.Warn("poller lease lost: another process polls")
			stop()
			<-done
			stop = nil
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// resumeChat queues, in the chat's turn, showing it its current step.
func (b *Bot) resumeChat(ctx context.Context, chatID int64) {
	go func() {
		for delay := 100 * time.Millisecond; ctx.Err() == nil; delay = min(2*delay, 5*time.Second) {
			err := b.state.EnqueueOwn(ctx, chatID, kindResume)
			if err == nil {
				return
			}
			b.log.Warn("queue the current step", slog.Int64("chat_id", chatID), errAttr(err))
			select {
			case <-ctx.Done():
			case <-time.After(delay):
			}
		}
	}()
}

func (b *Bot) enqueue(ctx context.Context, updateID, chatID int64, payload []byte) error {
	fresh, err := b.state.EnqueueUpdate(ctx, updateID, chatID, payload)
	if err != nil {
		return err
	}
	b.cfg.Metrics.received(storage.ChannelTelegram, 1)
	if !fresh {
		b.duplicate(updateID)
	}
	return nil
}

func (b *Bot) duplicate(updateID int64) {
	b.log.Info("duplicate update dropped", slog.Int64("update_id", updateID))
	b.cfg.Metrics.duplicate(storage.ChannelTelegram)
	if b.hooks.Done != nil {
		b.hooks.Done(updateID, true, 0)
	}
}
