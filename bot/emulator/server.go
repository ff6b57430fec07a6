package emulator

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ocopbot/ocopbot/bot/emulator/bucket"
)

// Options configure a Server.
type Options struct {
	Token       string // the accepted bot token; requests with another token get 401 Unauthorized
	BotID       int64
	BotUsername string
	BotName     string           // the bot's first_name; "" uses BotUsername
	Now         func() time.Time // nil = time.Now

	// MaxMessagesPerChat bounds the memory of long runs: a chat remembers at least its last that many messages
	// (and button presses), older ones answer as deleted would. Zero keeps everything.
	MaxMessagesPerChat int

	// Limits like Telegram's; zero values disable them (tests of the conversation engine run without limits).
	// Every message sent or edited takes a token from its chat's bucket and from the global one.
	PerChatRate  float64 // messages per second per chat (Telegram: 1), token bucket
	PerChatBurst int     // short bursts tolerated (e.g. 3); at least 1
	GlobalRate   float64 // messages per second per bot (Telegram: 30)
	GlobalBurst  int     // at least 1
}

// Server is the emulated Bot API. It is safe for concurrent use; Close stops its webhook sender.
type Server struct {
	opts Options
	now  func() time.Time
	me   wireUser // the bot, as the Bot API shows it
	bot  User     // the bot, as Message.From shows it

	shards [shardCount]shard

	upd updates

	files fileStore

	cbMu    sync.Mutex
	queries map[string]*pendingQuery
	cbSeq   int64

	markupMu sync.RWMutex
	markups  map[string]markup // parsed reply_markup by its JSON

	cmdMu    sync.RWMutex
	commands map[commandKey][]BotCommand

	limitMu     sync.Mutex
	global      bucket.Bucket
	violations  atomic.Int64
	tooMany     atomic.Int64 // every 429 answered, whatever its cause
	sent        atomic.Int64 // messages the bot has sent (sendMessage, sendPhoto, sendDocument answered ok)
	notModified atomic.Int64 // edits refused as changing nothing

	flood      floodState
	stalls     stallState
	out        atomic.Pointer[outage]
	outRefused atomic.Int64

	injMu    sync.Mutex
	injFrac  float64
	injAcc   float64
	injRetry int
	injOn    atomic.Bool

	calls []atomic.Int64 // by methodTable index
	// webhookReplies counts the methods run from webhooks' responses, by methodTable index.
	webhookReplies []atomic.Int64
	otherMu        sync.Mutex
	otherCalls     map[string]int

	waiters atomic.Int32
	waitMu  sync.Mutex
	changed chan struct{}

	closeOnce sync.Once
	closed    chan struct{}
}

// New returns a Server; serve it with net/http (httptest.NewServer(s) in tests).
func New(opts Options) *Server {
	s := &Server{
		opts:           opts,
		now:            opts.Now,
		queries:        make(map[string]*pendingQuery),
		commands:       make(map[commandKey][]BotCommand),
		markups:        make(map[string]markup),
		otherCalls:     make(map[string]int),
		calls:          make([]atomic.Int64, len(methodTable)),
		webhookReplies: make([]atomic.Int64, len(methodTable)),
		changed:        make(chan struct{}),
		closed:         make(chan struct{}),
	}
	if s.now == nil {
		s.now = time.Now
	}
	name := opts.BotName
	if name == "" {
		name = opts.BotUsername
	}
	s.me = wireUser{ID: opts.BotID, IsBot: true, FirstName: name, Username: opts.BotUsername}
	s.bot = User{ID: opts.BotID, FirstName: name, Username: opts.BotUsername}
	for i := range s.shards {
		s.shards[i].chats = make(map[int64]*chat)
	}
	s.upd.init()
	s.files.init()
	s.flood.earlyBy = make([]atomic.Int64, len(methodTable))
	s.out.Store(&outage{next: make(chan struct{})})
	return s
}

// Close stops the webhook sender and ends pending long polls. The Server still answers requests.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
	s.stopWebhook()
}

// Done returns a channel closed by Close, so that a viewer's long poll (which waits with Wait) can end with the
// emulator's own.
func (s *Server) Done() <-chan struct{} { return s.closed }

type handlerFunc func(s *Server, r *http.Request, a *args) (any, *apiError)

type method struct {
	name string
	fn   handlerFunc
}

// methodTable lists the implemented methods; Calls counts them by these names. It is set in init: a webhook's
// response runs methods too, so the table refers to itself.
var methodTable []method

func init() { methodTable = methodList() }

func methodList() []method {
	return []method{
		{"getMe", (*Server).getMe},
		{"getUpdates", (*Server).getUpdates},
		{"setWebhook", (*Server).setWebhook},
		{"deleteWebhook", (*Server).deleteWebhook},
		{"getWebhookInfo", (*Server).getWebhookInfo},
		{"setMyCommands", (*Server).setMyCommands},
		{"getMyCommands", (*Server).getMyCommands},
		{"deleteMyCommands", (*Server).deleteMyCommands},
		{"sendMessage", (*Server).sendMessage},
		{"editMessageText", (*Server).editMessageText},
		{"editMessageCaption", (*Server).editMessageCaption},
		{"editMessageReplyMarkup", (*Server).editMessageReplyMarkup},
		{"deleteMessage", (*Server).deleteMessage},
		{"answerCallbackQuery", (*Server).answerCallbackQuery},
		{"sendChatAction", (*Server).sendChatAction},
		{"sendPhoto", (*Server).sendPhoto},
		{"sendDocument", (*Server).sendDocument},
		{"getFile", (*Server).getFile},
	}
}

// methodIndex finds a method by its exact name, then case-insensitively as Telegram does.
var methodIndex map[string]int

func init() { methodIndex = indexMethods() }

func indexMethods() map[string]int {
	m := make(map[string]int, 2*len(methodTable))
	for i, mt := range methodTable {
		m[mt.name] = i
		m[strings.ToLower(mt.name)] = i
	}
	return m
}

func lookupMethod(name string) (int, bool) {
	if i, ok := methodIndex[name]; ok {
		return i, true
	}
	i, ok := methodIndex[strings.ToLower(name)]
	return i, ok
}

// ServeHTTP answers /bot<token>/<method> and /file/bot<token>/<file_path>; during an Outage, it fails them as
// the outage says.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			writeError(w, errInternal)
		}
	}()
	if o := s.out.Load(); o.active(time.Now()) {
		s.serveOutage(w, r, o)
		return
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"); ok {
		s.serveFile(w, r, rest)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	if !ok {
		writeError(w, errNotFound)
		return
	}
	token, name, ok := strings.Cut(rest, "/")
	if !ok || name == "" {
		writeError(w, errNotFound)
		return
	}
	if !s.validToken(token) {
		writeError(w, errUnauthorized)
		return
	}
	i, ok := lookupMethod(name)
	if !ok {
		s.countOther(name)
		writeError(w, errNotFound)
		return
	}
	s.calls[i].Add(1)
	// Every request may change what Wait conditions read, Calls and Violations included; handlers change state
	// and return, and this wakes the waiters once.
	defer s.notify()
	a := getArgs()
	defer putArgs(a)
	a.method = i
	if aerr := a.parse(w, r); aerr != nil {
		writeError(w, aerr)
		return
	}
	result, aerr := methodTable[i].fn(s, r, a)
	if aerr == errOutage { // a long poll an outage ended
		s.serveOutage(w, r, s.out.Load())
		return
	}
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	writeResult(w, result)
}

func (s *Server) validToken(token string) bool {
	return subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.Token)) == 1
}

// countOther counts unknown methods, up to a bound so that junk requests cannot grow the map for ever.
func (s *Server) countOther(name string) {
	s.otherMu.Lock()
	defer s.otherMu.Unlock()
	if _, ok := s.otherCalls[name]; ok || len(s.otherCalls) < 100 {
		s.otherCalls[name]++
	}
}

// Calls counts the requests per method, refused ones included (bad token excepted).
func (s *Server) Calls() map[string]int {
	out := make(map[string]int)
	for i := range methodTable {
		if n := s.calls[i].Load(); n > 0 {
			out[methodTable[i].name] = int(n)
		}
	}
	s.otherMu.Lock()
	defer s.otherMu.Unlock()
	for k, v := range s.otherCalls {
		out[k] += v
	}
	return out
}

// WebhookReplies counts by method the calls the bot made in its webhook's responses rather than by requests.
func (s *Server) WebhookReplies() map[string]int {
	out := make(map[string]int)
	for i := range methodTable {
		if n := s.webhookReplies[i].Load(); n > 0 {
			out[methodTable[i].name] = int(n)
		}
	}
	return out
}

// CallCount counts the requests to one method, like Calls()[method] without building the map.
func (s *Server) CallCount(method string) int {
	if i, ok := lookupMethod(method); ok {
		return int(s.calls[i].Load())
	}
	s.otherMu.Lock()
	defer s.otherMu.Unlock()
	return s.otherCalls[method]
}

// Violations counts the requests refused with 429 because they broke Options' limits (not Set429Fraction's).
func (s *Server) Violations() int { return int(s.violations.Load()) }

// TooManyRequests counts every request answered 429: over Options' limits (Violations), early sends
// (EarlySends), storms and Set429Fraction's.
func (s *Server) TooManyRequests() int { return int(s.tooMany.Load()) }

// MessagesSent counts the messages the bot has sent to every chat, refused sends not included.
func (s *Server) MessagesSent() int { return int(s.sent.Load()) }

// NotModified counts the edits refused with 400 "message is not modified": calls that changed nothing and still
// counted against the limits.
func (s *Server) NotModified() int { return int(s.notModified.Load()) }

// Wait blocks until cond holds or ctx is done. cond runs with no lock of the Server held, once at first and again
// after every change of state (a message, an edit, an update queued or confirmed…), so it may call the Server.
func (s *Server) Wait(ctx context.Context, cond func() bool) error {
	s.waiters.Add(1)
	defer s.waiters.Add(-1)
	for {
		// Take the channel before checking, so that a change made after the check closes this very channel.
		s.waitMu.Lock()
		ch := s.changed
		s.waitMu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// notify wakes every Wait. It runs after each change, with the change's locks released; without waiters it costs
// one atomic load.
func (s *Server) notify() {
	if s.waiters.Load() == 0 {
		return
	}
	s.waitMu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.waitMu.Unlock()
}
