package bot

import (
	"container/heap"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/ocopbot/ocopbot/storage"
)

// outbound is the one path every call to a chat takes — replies, edits,
// button answers, files, notifications. It keeps each chat's calls in
// order and honours every retry_after Telegram gives: a chat told to wait
// waits alone, and when several chats are told to wait at once (Telegram's
// global flood limit) every send pauses for as long. A reply is never
// dropped for a wait; only Telegram refusing the chat (403) or the message
// (400) ends it.
//
// Replies are committed to the chat's outbox in Redis with the update that
// caused them (storage.Redis.Save); once sent they leave it, in batches.
// The worker that committed them sends them at once when the chat owes
// nothing older and Telegram keeps up; otherwise, or when Telegram asks to
// wait, the chat waits for its turn (turns.go), and its calls go in order.
type outbound struct {
	calls      *caller
	state      *storage.Redis
	log        *slog.Logger
	staleAfter time.Duration
	resume     func(chatID int64) // show the chat its current step (stale backlog)
	limit      *limiter           // the bot's global rate, shared by every process
	rate       float64            // its messages a second

	mu    sync.Mutex
	chats map[int64]*chatOut
	// Each channel's 429s: Telegram's and Zalo's limits are their own, so
	// one refusing the bot pauses only its chats.
	tg, zl flood
	sent   recent // counted reply calls in the last second

	// The turns (turns.go).
	ready       chatHeap      // chats whose turn may come, the next first
	held        int           // chats waiting for their turn: in ready, or for their own wait
	turning     int           // turns under way
	maxTurning  int           // turns at once
	kick        chan struct{} // something changed for the turns
	paced       bool          // counted calls take turns and permits
	limited     bool          // Telegram refused the bot for its global rate once
	pressure    time.Time     // the last time a call queued for the rate or a pause
	adopted     time.Time     // the last time another process told this one to pace
	live        int           // processes sharing the rate
	localNext   time.Time     // the local pacer's next permit (Redis out of reach)
	limitWarned time.Time
	typingAt    time.Time // when to look for chats to show "typing…"
	typingBusy  bool      // a batch of chat actions is under way
	typingOff   time.Time // Telegram asked chat actions to wait

	doneMu sync.Mutex
	done   []storage.Delivered
	wake   chan struct{}
}

type chatOut struct {
	id        int64
	queue     []*outEntry
	busy      bool // a goroutine is sending the queue, or it waits for its turn
	sending   bool // a call is under way
	handed    bool // the chat's partition went to another process: its outbox is theirs
	notBefore time.Time
	backoff   time.Duration
	shown     map[int]shown // what the chat's recent bot messages show
	used      time.Time

	answered bool      // this process sent it a message: no longer a newcomer
	lastTurn time.Time // when its last counted call went out
	// While it waits for its turn:
	idx      int       // in outbound.ready; -1 when not there
	newcomer bool      // never answered: goes first
	turn     time.Time // its place: its oldest due call's time, or its last turn if later
	since    time.Time // waiting since
	typed    time.Time // last shown "typing…"
}

// flood is what a channel's 429s said: a wait for every chat on it.
type flood struct {
	pausedUntil time.Time // every send waits: a global 429
	hits        []hit429  // 429s in a row, to tell a global one from a chat's
	lastRefusal time.Time // when the last 429 came
}

// floodOf is the 429 record of chatID's channel.
func (o *outbound) floodOf(chatID int64) *flood {
	if storage.IsZaloChat(chatID) {
		return &o.zl
	}
	return &o.tg
}

type hit429 struct {
	at   time.Time
	chat int64
}

// recent counts events in the last second, in tenths.
type recent struct {
	slot [10]int64 // which tenth of a second (Unix) each count is of
	n    [10]int
}

func (r *recent) add(now time.Time) {
	t := now.UnixMilli() / 100
	i := t % 10
	if r.slot[i] != t {
		r.slot[i], r.n[i] = t, 0
	}
	r.n[i]++
}

func (r *recent) count(now time.Time) int {
	t, n := now.UnixMilli()/100, 0
	for i := range r.slot {
		if t-r.slot[i] < 10 {
			n += r.n[i]
		}
	}
	return n
}

// globalHits is how many chats told to wait in a row — no send going
// through between them — make the wait global: Telegram's answer does not
// say which limit was crossed, but a chat's own limit refuses that chat
// alone, while the bot's limit refuses whatever comes next.
const globalHits = 2

// shownKept bounds what a chat remembers of its messages.
const shownKept = 32

// newOutbound sends through calls, keeping its outboxes in state and to
// limits once Telegram refuses the bot for its rate; turns is how many
// chats take their turn at once.
func newOutbound(calls *caller, state *storage.Redis, log *slog.Logger, limits Limits, staleAfter time.Duration, turns int) *outbound {
	l := limits.withDefaults()
	return &outbound{
		calls: calls, state: state, log: log, staleAfter: staleAfter,
		limit: newLimiter(state, l, "send:"), rate: l.Global,
		chats: make(map[int64]*chatOut), wake: make(chan struct{}, 1),
		maxTurning: max(turns, 1), kick: make(chan struct{}, 1), live: 1,
	}
}

func (o *outbound) chat(id int64) *chatOut {
	c := o.chats[id]
	if c == nil {
		c = &chatOut{id: id, idx: -1, shown: make(map[int]shown)}
		o.chats[id] = c
	}
	return c
}

// submit hands over the calls an update owes its chat, once committed. It
// sends them in the caller's goroutine when the chat owes nothing older and
// may be sent to now; otherwise they wait their turn.
func (o *outbound) submit(ctx context.Context, chatID int64, es []*outEntry) {
	if len(es) == 0 {
		return
	}
	o.mu.Lock()
	c := o.chat(chatID)
	c.handed = false // this process handles the chat
	c.queue = append(c.queue, es...)
	if c.busy {
		if c.idx >= 0 && len(c.queue) == len(es) { // waiting in line with nothing left (handed over and back)
			placeLocked(c)
			heap.Fix(&o.ready, c.idx)
		}
		o.mu.Unlock()
		return
	}
	c.busy = true
	o.mu.Unlock()
	o.drain(ctx, chatID, c, false)
}

// drain sends a chat's queue in order until it is empty, or until the chat
// must wait — for Telegram, or while paced for its turn — when it waits in
// the turns. permit is a permit of the rate for its first counted call.
func (o *outbound) drain(ctx context.Context, chatID int64, c *chatOut, permit bool) {
	for {
		now := time.Now()
		o.mu.Lock()
		if c.handed {
			c.queue = nil // still in the outbox, for the partition's new holder
		}
		if len(c.queue) == 0 {
			c.busy, c.used = false, now
			o.mu.Unlock()
			return
		}
		e := c.queue[0]
		skip := unchanged(c, e)
		counted := e.counted() && !skip
		if o.holdLocked(c, now) > 0 || (counted && !permit && o.pacedLocked(now) && len(o.ready) > 0) {
			o.waitTurnLocked(c, now)
			o.mu.Unlock()
			return
		}
		if counted && !permit && o.paced {
			// Paced, and no chat waits: a permit free now is this chat's.
			o.mu.Unlock()
			if o.takePermit(ctx) > 0 {
				o.mu.Lock()
				o.pressure = time.Now()
				o.waitTurnLocked(c, o.pressure)
				o.mu.Unlock()
				return
			}
			permit = true
			continue
		}
		if counted {
			permit = false // one call's
		}
		if now.Sub(e.at) > o.staleAfter {
			stale := c.queue
			c.queue, c.busy = nil, false
			o.mu.Unlock()
			o.log.Info("stale replies replaced by the current step", slog.Int64("chat_id", chatID), slog.Int("replies", len(stale)))
			o.delivered(chatID, stale...)
			o.resume(chatID)
			return
		}
		c.plan(e)
		c.sending = true
		o.mu.Unlock()

		var msgID int
		var err error
		sentAt := time.Now()
		if !skip {
			msgID, err = o.calls.postEntry(ctx, chatID, e)
			if notModified(err) {
				err = nil
			}
		}
		if err != nil && ctx.Err() != nil {
			// Shutting down: the entry stays in the outbox for the next start.
			o.mu.Lock()
			c.sending = false
			o.mu.Unlock()
			return
		}
		var dropped []*outEntry
		now = time.Now() // a wait Telegram gives runs from its answer, not from the request
		o.mu.Lock()
		c.sending = false
		var se *SendError
		errors.As(err, &se)
		switch {
		case err == nil:
			c.backoff = 0
			if f := o.floodOf(chatID); sentAt.After(f.lastRefusal) {
				// Sent after the last refusal came and still taken: the
				// refusals were the chats' own. (A send already under way
				// then says nothing.)
				f.hits = f.hits[:0]
			}
			c.remember(e, msgID)
			dropped, c.queue = c.queue[:1], c.queue[1:]
			if counted {
				c.answered, c.lastTurn = true, now
				o.sent.add(now)
			}
		case se != nil && se.Wait > 0:
			o.toldToWaitLocked(chatID, c, se.Wait, now)
		case se != nil && se.Chat:
			// The user blocked the bot: nothing more can reach them.
			dropped, c.queue = c.queue, nil
		case se != nil && se.BadRequest:
			dropped, c.queue = c.queue[:1], c.queue[1:]
		default:
			// Network, 5xx, a timeout: Telegram may be back in a moment.
			c.backoff = min(max(2*c.backoff, 100*time.Millisecond), 5*time.Second)
			c.notBefore = now.Add(c.backoff)
		}
		o.mu.Unlock()
		if err != nil {
			o.calls.logSendError(ctx, chatID, e.method, err)
		}
		o.delivered(chatID, dropped...)
	}
}

// holdLocked is how long the chat must still wait: for itself or for all.
func (o *outbound) holdLocked(c *chatOut, now time.Time) time.Duration {
	until := c.notBefore
	if f := o.floodOf(c.id); f.pausedUntil.After(until) {
		until = f.pausedUntil
	}
	return until.Sub(now)
}

// toldToWaitLocked records a 429: the chat waits; when chats are told so
// in a row, everyone waits.
func (o *outbound) toldToWaitLocked(chatID int64, c *chatOut, wait time.Duration, now time.Time) {
	until := now.Add(wait)
	if c != nil && until.After(c.notBefore) {
		c.notBefore = until
	}
	f := o.floodOf(chatID)
	keep := f.hits[:0]
	for _, h := range f.hits {
		if now.Sub(h.at) < time.Second && h.chat != chatID {
			keep = append(keep, h)
		}
	}
	f.hits = append(keep, hit429{at: now, chat: chatID})
	f.lastRefusal = now
	if len(f.hits) < globalHits {
		return
	}
	if until.After(f.pausedUntil) {
		if !f.pausedUntil.After(now) {
			o.log.Warn("the channel asked every send to wait", slog.String("channel", storage.ChannelOf(chatID)),
				slog.Duration("retry_after", wait))
		}
		f.pausedUntil = until
		o.kickTurns()
	}
	if f == &o.zl {
		return // Zalo's calls take no turn nor permit of Telegram's rate
	}
	if !o.paced {
		o.log.Info("sends paced: Telegram's limit for the bot reached", slog.Float64("per_second", o.rate))
	}
	o.limited, o.paced, o.pressure = true, true, now
}

// unchanged reports a call that would change nothing Telegram shows: an
// edit to what the message already shows, or taking away buttons that are
// gone. Telegram answers those 400 "message is not modified", each a call
// against the limits.
func unchanged(c *chatOut, e *outEntry) bool {
	s, ok := c.shown[e.target]
	switch e.kind {
	case kindClear:
		return ok && !s.buttons
	case kindEdit:
		return ok && s.hash == e.shows.hash
	}
	return false
}

// remember records what a message shows after a call.
func (c *chatOut) remember(e *outEntry, msgID int) {
	switch e.kind {
	case kindSend:
		if msgID == 0 {
			return
		}
		c.setShown(msgID, e.shows)
	case kindEdit:
		c.setShown(e.target, e.shows)
	case kindClear:
		c.setShown(e.target, shown{}) // same text, no buttons; the text's hash is not known here
	case kindReplace:
		c.replaced(e, msgID)
	}
}

func (c *chatOut) setShown(msgID int, s shown) {
	c.shown[msgID] = s
	if len(c.shown) <= shownKept {
		return
	}
	oldest := msgID
	for id := range c.shown {
		oldest = min(oldest, id)
	}
	delete(c.shown, oldest)
}

// sentLastSecondLocked counts the reply calls Telegram counts sent in the
// last second.
func (o *outbound) sentLastSecondLocked(now time.Time) int { return o.sent.count(now) }

// delivered queues sent (or given up) entries for removal from the outbox.
func (o *outbound) delivered(chatID int64, es ...*outEntry) {
	if len(es) == 0 {
		return
	}
	o.doneMu.Lock()
	for _, e := range es {
		if e.raw != nil {
			o.done = append(o.done, storage.Delivered{ChatID: chatID, Entry: e.raw})
		}
	}
	o.doneMu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// flushGather is how long delivered entries gather before a flush: under
// a steady trickle of replies, one round trip removes several instead of
// one each.
const flushGather = 20 * time.Millisecond

// flush removes delivered entries from the outboxes, many per round trip:
// the first delivery waits flushGather for others, and while one batch is
// in flight the next gathers. A crash between a send and its removal sends
// that reply again after restart: the window is flushGather and one round
// trip to Redis.
func (o *outbound) flush(ctx context.Context) {
	for {
		select {
		case <-o.wake:
		case <-ctx.Done():
			o.flushOnce(context.WithoutCancel(ctx))
			return
		}
		select {
		case <-time.After(flushGather):
		case <-ctx.Done():
			o.flushOnce(context.WithoutCancel(ctx))
			return
		}
		if !o.flushOnce(ctx) {
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
			select {
			case o.wake <- struct{}{}:
			default:
			}
		}
	}
}

func (o *outbound) flushOnce(ctx context.Context) bool {
	batch := o.takeDone(0)
	if len(batch) == 0 {
		return true
	}
	if err := o.state.RemoveDelivered(ctx, batch); err != nil {
		o.log.Warn("remove delivered replies", errAttr(err))
		o.keepDone(batch)
		return false
	}
	return true
}

// takeDone takes the delivered entries waiting for removal, up to limit
// (0: all of them): for a flush,
// or for a state write going to Redis anyway (commits), which removes them
// in its round trip — usually well within flushGather, so that the flush
// finds nothing left to do.
func (o *outbound) takeDone(limit int) []storage.Delivered {
	o.doneMu.Lock()
	defer o.doneMu.Unlock()
	if limit > 0 && len(o.done) > limit {
		batch := slices.Clone(o.done[:limit])
		o.done = o.done[limit:]
		return batch
	}
	batch := o.done
	o.done = nil
	return batch
}

// keepDone puts back entries whose removal failed, ahead of the rest.
func (o *outbound) keepDone(batch []storage.Delivered) {
	if len(batch) == 0 {
		return
	}
	o.doneMu.Lock()
	o.done = append(batch, o.done...)
	o.doneMu.Unlock()
	select { // the flush tries again
	case o.wake <- struct{}{}:
	default:
	}
}

// recoverChat puts back in a chat's queue what its outbox holds and this
// process does not: replies committed by a write whose answer was lost
// (Redis went away after running it), which the update's next attempt
// finds already done.
func (o *outbound) recoverChat(ctx context.Context, chatID int64) {
	raws, err := o.state.Outbox(ctx, chatID)
	if err != nil {
		o.log.Warn("read a chat's outbox", slog.Int64("chat_id", chatID), errAttr(err))
		return
	}
	o.requeue(chatID, raws)
}

// recover loads what a partition's outboxes still owe — its previous
// holder stopped, crashed or handed it over before sending it — and sends
// it, each chat in order, ahead of anything newer.
func (o *outbound) recover(ctx context.Context, part int) error {
	boxes, err := o.state.Outboxes(ctx, part)
	if err != nil {
		return err
	}
	n := 0
	for chatID, raws := range boxes {
		n += o.requeue(chatID, raws)
	}
	if n > 0 {
		o.log.Info("sending replies owed", slog.Int("partition", part), slog.Int("replies", n), slog.Int("chats", len(boxes)))
	}
	return nil
}

// requeue puts a chat's outbox entries that its queue lacks at the front of
// it, and starts sending; it returns how many it added.
func (o *outbound) requeue(chatID int64, raws [][]byte) int {
	o.mu.Lock()
	c := o.chat(chatID)
	c.handed = false
	have := make(map[string]bool, len(c.queue))
	for _, e := range c.queue {
		have[string(e.raw)] = true
	}
	o.mu.Unlock()
	var es []*outEntry
	for _, raw := range raws {
		if have[string(raw)] {
			continue
		}
		e, err := decodeEntry(raw)
		if err != nil {
			o.log.Error("undecodable outbox entry dropped", slog.Int64("chat_id", chatID), errAttr(err))
			o.delivered(chatID, &outEntry{raw: raw})
			continue
		}
		es = append(es, e)
	}
	if len(es) == 0 {
		return 0
	}
	o.mu.Lock()
	c.queue = append(es, c.queue...)
	switch {
	case !c.busy:
		c.busy = true
		o.waitTurnLocked(c, time.Now())
	case c.idx >= 0: // waiting in line: its oldest call is older now
		placeLocked(c)
		heap.Fix(&o.ready, c.idx)
	}
	o.mu.Unlock()
	return len(es)
}

// handOver gives up the chats of a partition another process is taking:
// their queued replies stay in the outboxes for it; a call under way may
// finish (waiting up to wait), so that the new holder does not send it too.
func (o *outbound) handOver(part int, wait time.Duration) {
	deadline := time.Now().Add(wait)
	for {
		busy := false
		o.mu.Lock()
		for id, c := range o.chats {
			if storage.PartitionOf(id) != part {
				continue
			}
			c.handed = true
			if !c.sending {
				c.queue = nil
			}
			busy = busy || c.sending
		}
		o.mu.Unlock()
		if !busy || time.Now().After(deadline) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// mayNotify says how long a notification to chatID must wait: while
// Telegram asked the chat or everyone to wait, while the chat's own
// replies are due, and while replies to users keep Telegram's global
// budget busy — replies first.
func (o *outbound) mayNotify(chatID int64, budget int) time.Duration {
	now := time.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.chats[chatID]
	if c != nil {
		if wait := o.holdLocked(c, now); wait > 0 {
			return wait
		}
		if len(c.queue) > 0 || c.busy {
			return time.Second
		}
	} else if wait := o.floodOf(chatID).pausedUntil.Sub(now); wait > 0 {
		return wait
	}
	if o.held > 0 || o.sentLastSecondLocked(now) >= budget {
		return time.Second
	}
	return 0
}

// notified records a notification's outcome like a reply's.
func (o *outbound) notified(chatID int64, e *outEntry, msgID int, err error) {
	now := time.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	var se *SendError
	switch {
	case err == nil:
		o.chat(chatID).remember(e, msgID)
	case errors.As(err, &se) && se.Wait > 0:
		o.toldToWaitLocked(chatID, o.chat(chatID), se.Wait, now)
	}
}

// forget drops chats idle for a while, to bound memory: what they remember
// is what their messages show, worth a few no-op edits at most.
func (o *outbound) forget(ctx context.Context, idle time.Duration) {
	sweepIdle(ctx, &o.mu, o.chats, idle, func(c *chatOut, now time.Time) bool {
		return !c.busy && len(c.queue) == 0 && now.Sub(c.used) > idle
	})
}
