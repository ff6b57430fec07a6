package bot

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/storage"
)

// Metrics receives what the transport counts; package metrics fills it
// with Prometheus collectors, and a nil field counts nothing. Labels are
// small fixed sets — a channel (ChannelNames), an input kind, a Bot API
// method, an outcome — never a chat, a user or what they wrote.
type Metrics struct {
	// Received counts updates stored in the intake, duplicates included.
	Received func(channel string, n int)
	// Duplicate counts updates dropped at intake as already seen.
	Duplicate func(channel string)
	// Step is one update handled (err nil) or to be tried again, with its
	// input kind (KindNames) and how long the attempt took.
	Step func(channel, kind string, took time.Duration, err error)
	// Call is one Bot API call on the outbound path, by channel, method and
	// outcome (ok, 429, 403, 4xx, 5xx, network), with the retry_after of a
	// 429.
	Call func(channel, method, outcome string, retryAfter time.Duration)
	// Forged counts button presses whose data the bot did not sign for
	// their chat (refused before the flows see them).
	Forged func()
	// SetAside is one update set aside after its last try, by input kind
	// (KindNames).
	SetAside func(channel, kind string)
}

// ChannelNames are the values of the metrics' channel.
var ChannelNames = []string{storage.ChannelTelegram, storage.ChannelZalo}

// KindNames are the values of Metrics.Step's kind.
var KindNames = []string{"text", "command", "button", "contact", "photo", "document", "other"}

func kindName(k flows.InputKind) string {
	switch k {
	case flows.InputText:
		return "text"
	case flows.InputCommand:
		return "command"
	case flows.InputButton:
		return "button"
	case flows.InputContact:
		return "contact"
	case flows.InputPhoto:
		return "photo"
	case flows.InputDocument:
		return "document"
	}
	return "other"
}

func (m *Metrics) received(channel string, n int) {
	if m.Received != nil && n > 0 {
		m.Received(channel, n)
	}
}

func (m *Metrics) forged() {
	if m.Forged != nil {
		m.Forged()
	}
}

func (m *Metrics) duplicate(channel string) {
	if m.Duplicate != nil {
		m.Duplicate(channel)
	}
}

func (m *Metrics) setAside(channel, kind string) {
	if m.SetAside != nil {
		m.SetAside(channel, kind)
	}
}

// call records one Bot API call; err is post's. A Zalo call is counted by
// its method's own name ("zalo.sendMessage": "sendMessage" of "zalo").
func (m *Metrics) call(method string, err error) {
	if m.Call == nil {
		return
	}
	outcome, wait := callOutcome(err)
	channel := storage.ChannelTelegram
	if name, ok := strings.CutPrefix(method, zaloPrefix); ok {
		channel, method = storage.ChannelZalo, name
	}
	m.Call(channel, method, outcome, wait)
}

// callOutcome classifies a call by what Telegram (or the network) said.
func callOutcome(err error) (outcome string, retryAfter time.Duration) {
	if err == nil {
		return "ok", 0
	}
	var se *SendError
	if !errors.As(err, &se) {
		return "network", 0
	}
	switch c := se.Code; {
	case c == http.StatusTooManyRequests:
		return "429", se.Wait
	case c == http.StatusForbidden:
		return "403", 0
	case c >= 400 && c < 500:
		return "4xx", 0
	case c >= 500:
		return "5xx", 0
	}
	return "network", 0 // no answer, or not the Bot API's

}

// stepDone records the end of one attempt at an update and returns its
// error: dispatch's process wraps its last call in it.
func (b *Bot) stepDone(channel string, kind flows.InputKind, start time.Time, err error) error {
	if err == nil {
		b.intake.progress.Store(time.Now().UnixNano())
	}
	if kind != flows.InputResume && b.cfg.Metrics.Step != nil {
		b.cfg.Metrics.Step(channel, kindName(kind), time.Since(start), err)
	}
	return err
}

// intakeWatch is what readiness knows of the dispatcher: how many updates
// it holds and when it last finished one.
type intakeWatch struct {
	mu       sync.Mutex
	inHand   func() int
	progress atomic.Int64 // unix nanoseconds of the last update handled
}

// watchIntake lets IntakeStalled see the dispatcher's updates in hand.
func (b *Bot) watchIntake(inHand func() int) {
	b.intake.mu.Lock()
	b.intake.inHand = inHand
	b.intake.mu.Unlock()
	b.intake.progress.CompareAndSwap(0, time.Now().UnixNano())
}

// IntakeStalled reports updates in this process's hands while none has
// been handled for longer than after: workers wedged, or every step
// failing. An idle bot is not stalled, nor one not yet running.
func (b *Bot) IntakeStalled(after time.Duration) (stalled bool, inHand int, since time.Duration) {
	b.intake.mu.Lock()
	f := b.intake.inHand
	b.intake.mu.Unlock()
	if f == nil {
		return false, 0, 0
	}
	inHand = f()
	since = time.Since(time.Unix(0, b.intake.progress.Load()))
	return inHand > 0 && since > after, inHand, since
}

// Backlog counts the calls this process holds for chats and has not sent
// yet: replies and edits waiting their chat's turn or a retry_after.
func (b *Bot) Backlog() int {
	o := b.out
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, c := range o.chats {
		n += len(c.queue)
	}
	return n
}
