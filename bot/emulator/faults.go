package emulator

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// earlySlack is how early a send may come before the end of its wait without counting as early: clocks, the
// network and a loaded machine's scheduling move a send by some milliseconds either way, and a bot that waits
// exactly retry_after — whole seconds — must pass.
const earlySlack = 250 * time.Millisecond

// floodState remembers the 429s the emulator answered, to check that the bot honours them, and the storm.
// Times are on Options.Now's clock, like the rate limits.
type floodState struct {
	mu         sync.Mutex
	notBefore  time.Time // no chat before this: set by a storm's 429s, once the bot can know it is one
	globalFrom time.Time // when notBefore was set: requests already under way then are not early
	stormEnd   time.Time
	stormRetry int
	stormFirst int64 // the first chat the storm refused, 0 before any

	early   atomic.Int64
	earlyBy []atomic.Int64 // by methodTable index
	raced   atomic.Int64
}

// Storm answers every send (the methods Set429Fraction refuses) with 429 and retry_after = retryAfter for d, as
// Telegram does when a bot floods it as a whole. Telegram's answer does not say which limit was crossed, so a
// bot learns that the wait is global when two chats in a row are refused: from the storm's refusal of a second
// chat on, a send to any chat before min(refusal + retry_after, the storm's end) is an early send (the refused
// chats' own sends always are) — unless the chat was not told to wait itself: that send raced the bot's learning
// of the wait (it was under way, or the bot was slow to read the other chat's answer on a loaded machine) and is
// counted in RacedSends; its 429 tells the chat itself, and a second send before that wait ends is early.
// Storm(0, 0) ends a storm; the waits already told stand. Storm refusals are not Violations.
func (s *Server) Storm(d time.Duration, retryAfter int) {
	s.flood.mu.Lock()
	defer s.flood.mu.Unlock()
	s.flood.stormEnd, s.flood.stormRetry = s.now().Add(max(d, 0)), max(retryAfter, 1)
	s.flood.stormFirst = 0
}

// storming returns the storm's retry_after while one lasts.
func (s *Server) storming(now time.Time) (retryAfter int, ok bool) {
	s.flood.mu.Lock()
	defer s.flood.mu.Unlock()
	if now.Before(s.flood.stormEnd) {
		return s.flood.stormRetry, true
	}
	return 0, false
}

// EarlySends counts the requests that came for a chat before the end of a wait a 429 had told for that chat (by
// more than earlySlack): sends, edits and answerCallbackQuery. Each was answered 429 again with the seconds left.
func (s *Server) EarlySends() int { return int(s.flood.early.Load()) }

// RacedSends counts the sends to a chat not told to wait itself that came during a storm's wait for every chat
// (see Storm): a bot learns of that wait from other chats' answers, and a send under way meanwhile cannot know.
// Each is answered 429 with the seconds left, which tells the chat: at most one per chat, as the chat's next send
// before the wait ends is an early send.
func (s *Server) RacedSends() int { return int(s.flood.raced.Load()) }

// EarlySendsIn counts the early sends to one chat.
func (s *Server) EarlySendsIn(chatID int64) (n int) {
	s.readChat(chatID, func(c *chat) { n = c.early })
	return n
}

// EarlySendsByMethod counts the early sends per method, so that a test can tell a reply sent too soon from a
// callback answered too soon.
func (s *Server) EarlySendsByMethod() map[string]int {
	out := make(map[string]int)
	for i := range methodTable {
		if n := s.flood.earlyBy[i].Load(); n > 0 {
			out[methodTable[i].name] = int(n)
		}
	}
	return out
}

// checkEarly refuses a request for the chat that comes before the end of its wait, counting it (under c.mu).
func (s *Server) checkEarly(c *chat, method int, now time.Time) *apiError {
	if now.Add(earlySlack).Before(c.notBefore) { // a wait told to this chat
		s.flood.early.Add(1)
		s.flood.earlyBy[method].Add(1)
		c.early++
		return s.refuse(c, now, max(1, int(math.Ceil(c.notBefore.Sub(now).Seconds()))), false)
	}
	s.flood.mu.Lock()
	until := s.flood.notBefore
	global := now.Add(earlySlack).Before(until) && now.After(s.flood.globalFrom.Add(earlySlack))
	s.flood.mu.Unlock()
	if !global {
		return nil
	}
	s.flood.raced.Add(1)
	return s.refuse(c, now, max(1, int(math.Ceil(until.Sub(now).Seconds()))), false)
}

// refuse answers 429 and remembers that the chat must wait retryAfter seconds — every chat, for a storm's 429,
// though no longer than the storm lasts (under c.mu).
func (s *Server) refuse(c *chat, now time.Time, retryAfter int, storm bool) *apiError {
	s.tooMany.Add(1)
	until := now.Add(time.Duration(retryAfter) * time.Second)
	if until.After(c.notBefore) {
		c.notBefore = until
	}
	if storm {
		s.flood.mu.Lock()
		defer s.flood.mu.Unlock()
		if s.flood.stormFirst == 0 || s.flood.stormFirst == c.id {
			s.flood.stormFirst = c.id // one chat refused: the bot cannot know yet that all are
			return tooManyRequests(retryAfter)
		}
		global := until
		if s.flood.stormEnd.Before(global) {
			global = s.flood.stormEnd
		}
		if global.After(s.flood.notBefore) {
			if !s.flood.notBefore.After(now) {
				s.flood.globalFrom = now
			}
			s.flood.notBefore = global
		}
	}
	return tooManyRequests(retryAfter)
}

// OutageMode is how the Bot API fails during an Outage.
type OutageMode string

const (
	// OutageBadGateway answers every request with 502 and an HTML page, as nginx does when Telegram's backend
	// is down.
	OutageBadGateway OutageMode = "502"
	// OutageTimeout holds every request until the outage ends and then closes the connection unanswered: the
	// client sees its own timeout, or EOF.
	OutageTimeout OutageMode = "timeout"
)

// ErrOutageMode is returned by Outage for a mode it does not know.
var ErrOutageMode = errors.New("unknown outage mode")

// outage is one outage, on the real clock: holding requests needs timers.
type outage struct {
	until time.Time
	mode  OutageMode
	next  chan struct{} // closed when another outage replaces this one, to end pending long polls
}

func (o *outage) active(now time.Time) bool { return now.Before(o.until) }

// errOutage ends a long poll that an outage interrupted; ServeHTTP then fails the request as the outage says.
var errOutage = &apiError{code: http.StatusBadGateway, desc: "Bad Gateway"}

// closedChan is a channel always closed.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// outageBegins returns a channel closed once an outage is in force: closed already during one.
func (s *Server) outageBegins() <-chan struct{} {
	o := s.out.Load()
	if o.active(time.Now()) {
		return closedChan
	}
	return o.next
}

// Outage makes the Bot API — every method, getUpdates and file downloads included — fail for d in that mode;
// long polls pending when it starts fail too. Requests that arrive afterwards are served normally.
// Outage(0, mode) ends one. Webhook deliveries go on. Requests it answers are not in Calls: OutageRefusals
// counts them.
func (s *Server) Outage(d time.Duration, mode OutageMode) error {
	if mode != OutageBadGateway && mode != OutageTimeout {
		return fmt.Errorf("outage %q: %w", mode, ErrOutageMode)
	}
	o := &outage{until: time.Now().Add(max(d, 0)), mode: mode, next: make(chan struct{})}
	close(s.out.Swap(o).next)
	return nil
}

// OutageRefusals counts the requests an outage answered (or dropped).
func (s *Server) OutageRefusals() int { return int(s.outRefused.Load()) }

// badGatewayPage is nginx's own error page.
const badGatewayPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n" +
	"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

// serveOutage fails a request as the outage's mode says.
func (s *Server) serveOutage(w http.ResponseWriter, r *http.Request, o *outage) {
	s.outRefused.Add(1)
	if o.mode == OutageBadGateway {
		h := w.Header()
		h.Set("Content-Type", "text/html")
		h.Set("Server", "nginx")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(badGatewayPage)) // the client hung up; nothing left to tell it
		return
	}
	s.holdUntilEnd(r, o)
	// Close the connection without a word. Hijacking does it on HTTP/1; ErrAbortHandler elsewhere.
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close() // closing is the point; a failure leaves nothing to do
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// holdUntilEnd waits for the end of the outage in force, which a later Outage may move, or for the client to
// give up, or for Close.
func (s *Server) holdUntilEnd(r *http.Request, o *outage) {
	for o.active(time.Now()) {
		t := time.NewTimer(time.Until(o.until))
		select {
		case <-t.C:
		case <-o.next:
		case <-r.Context().Done():
		case <-s.closed:
		}
		t.Stop()
		if r.Context().Err() != nil || s.isClosed() {
			return
		}
		o = s.out.Load()
	}
}

func (s *Server) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// stallState is the documents whose downloads never finish (StallDownloads).
type stallState struct {
	mu    sync.Mutex
	names map[string]bool
	begun atomic.Int64
	open  atomic.Int64
}

// StallDownloads makes every download of a document named name hang, unanswered, until its client gives up or
// the emulator closes: a file whose download never finishes in time, as a crafted or huge file behind a slow
// link does. StallDownloads("") ends the stalls; downloads already hanging go on until their clients give up.
func (s *Server) StallDownloads(name string) {
	s.stalls.mu.Lock()
	defer s.stalls.mu.Unlock()
	if name == "" {
		s.stalls.names = nil
		return
	}
	if s.stalls.names == nil {
		s.stalls.names = make(map[string]bool)
	}
	s.stalls.names[name] = true
}

// StalledDownloads counts the downloads StallDownloads held: begun in all, and still open (their client has not
// given up yet).
func (s *Server) StalledDownloads() (begun, open int) {
	return int(s.stalls.begun.Load()), int(s.stalls.open.Load())
}

func (s *Server) stalled(f *file) bool {
	s.stalls.mu.Lock()
	defer s.stalls.mu.Unlock()
	return f.kind == kindDocument && s.stalls.names[f.name]
}

// holdStalled holds a stalled download until its client gives up or the emulator closes.
func (s *Server) holdStalled(r *http.Request) {
	s.stalls.begun.Add(1)
	s.stalls.open.Add(1)
	s.notify()
	defer func() {
		s.stalls.open.Add(-1)
		s.notify()
	}()
	select {
	case <-r.Context().Done():
	case <-s.closed:
	}
}
