package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/ocopbot/ocopbot/storage"
	"github.com/valyala/fasthttp"
)

// poll takes updates in by long polling. It is ours rather than
// go-telegram/bot's because the library moves the offset — which confirms
// updates to Telegram — before its handler has run: a crash then loses the
// update in flight. Here the next offset is asked for only once the whole
// batch is stored in the intake stream, so Telegram keeps anything not
// stored and sends it again (the intake's dedupe drops what was).
func (b *Bot) poll(ctx context.Context) {
	var offset int64
	delay := time.Duration(0)
	for ctx.Err() == nil {
		if delay > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(delay):
			}
		}
		batch, err := b.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			b.log.Warn("get updates", errAttr(err))
			delay = min(max(2*delay, 100*time.Millisecond), 5*time.Second)
			continue
		}
		delay = 0
		if last := len(batch) - 1; last >= 0 && batch[last].bad && batch[last].ID == 0 {
			// Not even its update_id could be read: Telegram will send it
			// again, so do not ask at once.
			delay = time.Second
		}
		in := make([]storage.Incoming, 0, len(batch))
		for _, u := range batch {
			// An update past what the bot reads is passed over, but
			// confirmed: Telegram would send it again forever.
			offset = max(offset, u.ID+1)
			if u.bad {
				continue
			}
			in = append(in, storage.Incoming{UpdateID: u.ID, ChatID: u.chatID(), Payload: u.compact(u.raw)})
		}
		if !b.store(ctx, in) {
			return // shutting down: Telegram sends the batch again next time
		}
	}
}

// store keeps trying to enqueue a batch of updates while Redis is
// unreachable, until it is stored or shutdown begins; it reports whether
// the batch is stored. Until it is, the next getUpdates does not confirm
// it to Telegram.
func (b *Bot) store(ctx context.Context, in []storage.Incoming) bool {
	for delay := 50 * time.Millisecond; ; delay = min(2*delay, time.Second) {
		// A write under way finishes even when shutdown begins.
		fresh, err := b.enqueueBatch(context.WithoutCancel(ctx), in)
		if err == nil {
			b.cfg.Metrics.received(storage.ChannelTelegram, len(in))
			for i, ok := range fresh {
				if !ok {
					b.duplicate(in[i].UpdateID)
				}
			}
			return true
		}
		b.log.Warn("enqueue updates", slog.Int("updates", len(in)), errAttr(err))
		select {
		case <-ctx.Done():
			return false
		case <-time.After(delay):
		}
	}
}

// polled is an update as getUpdates gives it: decoded, or bad (the bot
// cannot read it; ID is then its update_id if that much could be read).
type polled struct {
	update
	raw []byte // the update as received, when it was decoded on its own
	bad bool
}

// getUpdates asks the Bot API for the updates from offset on, waiting up to
// the poll timeout for one to arrive.
func (b *Bot) getUpdates(ctx context.Context, offset int64) ([]polled, error) {
	body, _ := json.Marshal(map[string]any{
		"offset": offset, "timeout": int(b.cfg.PollTimeout.Seconds()),
		"allowed_updates": []string{"message", "callback_query"},
	})
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(b.calls.methodURL("getUpdates"))
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentType("application/json")
	req.SetBodyRaw(body)
	if err := b.polls.do(ctx, req, resp, time.Now().Add(b.cfg.PollTimeout+10*time.Second)); err != nil {
		// fasthttp's errors do not hold the URL, and with it the token.
		return nil, fmt.Errorf("getUpdates: %w", err)
	}
	raw := resp.Body()
	// The answer decoded in one pass, as a rule; the updates one by one when
	// one of them cannot be read, so that it alone is passed over.
	var r pollAnswer[update]
	if err := json.Unmarshal(raw, &r); err == nil {
		out := make([]polled, len(r.Result))
		for i, u := range r.Result {
			out[i] = polled{update: u}
		}
		return out, r.err(ctx)
	}
	var rr pollAnswer[json.RawMessage]
	if err := json.Unmarshal(raw, &rr); err != nil {
		return nil, fmt.Errorf("getUpdates: decode answer (HTTP %d): %w", resp.StatusCode(), err)
	}
	out := make([]polled, len(rr.Result))
	for i, one := range rr.Result {
		out[i].raw = one
		if err := json.Unmarshal(one, &out[i].update); err != nil {
			b.log.Error("undecodable update skipped", errAttr(err))
			var id struct {
				ID int64 `json:"update_id"`
			}
			_ = json.Unmarshal(one, &id)
			out[i] = polled{update: update{ID: id.ID}, bad: true}
		}
	}
	return out, rr.err(ctx)
}

// pollAnswer is getUpdates' answer, its updates read as R.
type pollAnswer[R any] struct {
	OK          bool   `json:"ok"`
	Result      []R    `json:"result"`
	ErrorCode   int    `json:"error_code"`
	Description string `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// err is the refusal the answer holds, if any, once its retry_after is
// waited out.
func (a *pollAnswer[R]) err(ctx context.Context) error {
	if a.OK {
		return nil
	}
	if a.Parameters.RetryAfter > 0 {
		select {
		case <-ctx.Done():
		case <-time.After(min(time.Duration(a.Parameters.RetryAfter)*time.Second, time.Minute)):
		}
	}
	return fmt.Errorf("getUpdates: %d %s", a.ErrorCode, a.Description)
}

// longPoll is the client of getUpdates: fasthttp, as for the outbound
// path's calls (at a light load every update is a getUpdates of its own,
// and net/http's two goroutines per connection took a fifth of the bot's
// CPU), with what fasthttp lacks: a poll under way ends with its context,
// by closing the connection it waits on, so shutdown does not wait for
// the poll timeout.
type longPoll struct {
	client *fasthttp.Client
	mu     sync.Mutex
	conns  map[*pollConn]struct{}
	ctx    context.Context // of the call under way: a dial after it ended is closed at once
}

func newLongPoll(cfg Config) *longPoll { return newLongPollDial(cfg, apiDialer(cfg.SendTimeout)) }

func newLongPollDial(cfg Config, dial fasthttp.DialFunc) *longPoll {
	lp := &longPoll{conns: make(map[*pollConn]struct{})}
	lp.client = &fasthttp.Client{
		Name: "ocopbot",
		Dial: func(addr string) (net.Conn, error) {
			c, err := dial(addr)
			if err != nil {
				return nil, err
			}
			pc := &pollConn{Conn: c, lp: lp}
			lp.mu.Lock()
			defer lp.mu.Unlock()
			// The context may have ended while dialling, when closeAll
			// could not see this connection yet.
			if lp.ctx != nil && lp.ctx.Err() != nil {
				_ = c.Close()
				return nil, lp.ctx.Err()
			}
			lp.conns[pc] = struct{}{}
			return pc, nil
		},
		MaxConnsPerHost:     2,
		MaxIdleConnDuration: cfg.PollTimeout + time.Minute,
		MaxResponseBodySize: 64 << 20,
	}
	return lp
}

// do runs one call until deadline, or until ctx ends.
func (lp *longPoll) do(ctx context.Context, req *fasthttp.Request, resp *fasthttp.Response, deadline time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	lp.mu.Lock()
	lp.ctx = ctx
	lp.mu.Unlock()
	stop := context.AfterFunc(ctx, lp.closeAll)
	err := lp.client.DoDeadline(req, resp, deadline)
	stop()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func (lp *longPoll) closeAll() {
	lp.mu.Lock()
	conns := make([]*pollConn, 0, len(lp.conns))
	for c := range lp.conns {
		conns = append(conns, c)
	}
	lp.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// pollConn is a connection of the long poll, known until it closes.
type pollConn struct {
	net.Conn
	lp *longPoll
}

func (c *pollConn) Close() error {
	c.lp.mu.Lock()
	delete(c.lp.conns, c)
	c.lp.mu.Unlock()
	return c.Conn.Close()
}
