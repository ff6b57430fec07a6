package bot

import (
	"container/heap"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ocopbot/ocopbot/storage"
)

// Turns decide who is sent to next when Telegram is the bottleneck — more
// calls due than its limits let through — instead of whichever goroutine
// wakes first after a wait.
//
// Free: a call goes out at once in the goroutine that committed it; no
// Redis round trip, no hop. The bot stays free as long as Telegram takes
// everything: Telegram does not say where its line is ("about 30 messages a
// second" for a bot, replies to users often let through faster), so the bot
// does not guess it.
//
// Paced: once Telegram refused the bot for its global rate (two chats told
// to wait in a row), every call Telegram counts against its limits —
// messages and edits; neither a button's answer nor a chat action — waits
// for its turn here and takes a permit from the bot's global rate in Redis
// (limiter.takeGlobal: SEND_RATE, shared with the notifications and with
// every other process; a local pacer at this process's share while Redis
// does not answer). With no chat waiting, a call takes its permit where it
// is, if one is free, and goes. Turns go to the chats waiting in order:
// first a chat this process has not answered yet (a new user's first
// reply; or a user back after half an hour, when the chat was forgotten),
// then by the age of the chat's oldest due call, a chat counting as due
// only from its last turn on — so no chat waits behind another chat's
// second message, and chats with one due reply each go oldest first.
// A process paced because its calls queue tells the others (sharePacing),
// which pace too: what a process sends freely the shared rate does not
// know of. Pacing ends once nothing has queued for pacedLinger; a process
// refused once paces again by itself as soon as its replies reach half its
// share of the rate, instead of waiting for Telegram's next refusal.
//
// A chat whose due call has waited its turn for typingAfter is shown
// "typing…" (sendChatAction: costs no message; Telegram shows it for about
// 5 seconds, or until the message) once per wait, and again only every
// typingEvery of a long wait: at a training hall every reply waits a few
// seconds, and a chat action every 4 s doubled the bot's calls and more than
// doubled its CPU for a sign the user had already seen.
const (
	pacedLinger  = 10 * time.Second
	typingAfter  = time.Second
	typingEvery  = 10 * time.Second
	typingScan   = 250 * time.Millisecond
	typingAtOnce = 8 // chat actions under way at once
)

// counted reports a call Telegram counts against its limits on messages
// (about 30 a second per bot, one a second per chat): messages and edits.
// A button's answer shows no message.
//
// A Zalo call is not Telegram's to count: it takes no permit of Telegram's
// rate, and waits only as long as Zalo asks.
func (e *outEntry) counted() bool {
	return e.kind != kindAnswer && !strings.HasPrefix(e.method, zaloPrefix)
}

// needsPermitLocked reports whether the chat's next call is one Telegram
// counts and would make (not an edit that changes nothing).
func needsPermitLocked(c *chatOut) bool {
	e := c.queue[0]
	return e.counted() && !unchanged(c, e)
}

// chatHeap orders the chats waiting for their turn, the next first.
type chatHeap []*chatOut

func (h chatHeap) Len() int { return len(h) }
func (h chatHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	if a.newcomer != b.newcomer {
		return a.newcomer
	}
	if !a.turn.Equal(b.turn) {
		return a.turn.Before(b.turn)
	}
	return a.id < b.id
}
func (h chatHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *chatHeap) Push(x any) {
	c := x.(*chatOut)
	c.idx = len(*h)
	*h = append(*h, c)
}
func (h *chatHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	c.idx = -1
	return c
}

// placeLocked sets where a waiting chat stands: a chat never answered
// first, then by its oldest due call, or its last turn if later.
func placeLocked(c *chatOut) {
	c.newcomer = !c.answered
	c.turn = c.lastTurn
	if len(c.queue) > 0 && c.queue[0].at.After(c.turn) {
		c.turn = c.queue[0].at
	}
}

// waitTurnLocked makes a busy chat wait for its turn: at once in line, or
// once the wait Telegram told it is over.
func (o *outbound) waitTurnLocked(c *chatOut, now time.Time) {
	o.held++
	c.since = now
	if wait := c.notBefore.Sub(now); wait > 0 {
		time.AfterFunc(wait, func() {
			o.mu.Lock()
			o.lineUpLocked(c)
			o.mu.Unlock()
		})
		return
	}
	o.lineUpLocked(c)
}

func (o *outbound) lineUpLocked(c *chatOut) {
	placeLocked(c)
	heap.Push(&o.ready, c)
	o.kickTurns()
}

func (o *outbound) kickTurns() {
	select {
	case o.kick <- struct{}{}:
	default:
	}
}

// pacedLocked reports whether counted calls take turns and permits now. It
// ends pacing once nothing has queued for pacedLinger, and starts it again
// in a process Telegram refused once as soon as its replies in the last
// second reach half its share of the rate.
func (o *outbound) pacedLocked(now time.Time) bool {
	if o.paced && len(o.ready) == 0 && now.Sub(o.pressure) > pacedLinger {
		o.paced = false
		o.log.Info("sends no longer paced: Telegram keeps up")
	}
	if !o.paced && o.limited && o.sentLastSecondLocked(now) >= o.freeBudgetLocked() {
		o.paced, o.pressure = true, now
		o.log.Info("sends paced again: replies near Telegram's limit")
	}
	return o.paced
}

// freeBudgetLocked is how many replies a second a process Telegram refused
// once sends before pacing again: half its share of the bot's rate, the
// other processes' and the notifications' leaving room.
func (o *outbound) freeBudgetLocked() int {
	return max(1, int(o.rate/2/float64(max(o.live, 1))))
}

// sharePacing runs with the partitions' heartbeat (every leaseEvery), live
// being the processes sharing the bot's rate: a process paced because its
// calls queue tells the others through Redis, and a process told so paces
// too for pacedLinger — whatever a process sends freely the shared rate
// does not know of. One round trip.
func (o *outbound) sharePacing(ctx context.Context, live int) {
	now := time.Now()
	o.mu.Lock()
	o.live = max(live, 1)
	tell := o.paced && o.pressure.After(o.adopted) && now.Sub(o.pressure) < 2*leaseEvery
	o.mu.Unlock()
	if tell {
		if err := o.limit.tellPaced(ctx, pacedLinger); err != nil && ctx.Err() == nil {
			o.log.Warn("tell the other processes to pace", errAttr(err))
		}
		return
	}
	paced, err := o.limit.pacedElsewhere(ctx)
	if err != nil || !paced {
		return
	}
	o.mu.Lock()
	if !o.paced {
		o.log.Info("sends paced: another process reached Telegram's limit for the bot")
	}
	o.limited, o.paced, o.pressure, o.adopted = true, true, now, now
	o.mu.Unlock()
}

// runTurns gives the chats waiting their turns until ctx ends: at most
// maxTurning at once; while paced, each counted call with a permit.
func (o *outbound) runTurns(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	permit := false // taken from the rate, not given yet
	for {
		now := time.Now()
		wait := time.Duration(-1) // until kicked
		var grant *chatOut
		granted := false
		o.mu.Lock()
		o.typingLocked(ctx, now)
		switch {
		case len(o.ready) == 0:
			o.pacedLocked(now) // may end pacing
		case o.tg.pausedUntil.After(now) && !storage.IsZaloChat(o.ready[0].id):
			o.pressure = now
			wait = o.tg.pausedUntil.Sub(now)
		case o.turning >= o.maxTurning:
			// A turn ending kicks.
		default:
			c := o.ready[0]
			if c.handed || len(c.queue) == 0 {
				heap.Pop(&o.ready)
				o.held--
				c.busy, c.used = false, now
				o.mu.Unlock()
				continue
			}
			need := o.pacedLocked(now) && needsPermitLocked(c)
			if need && !permit {
				o.mu.Unlock()
				w := o.takePermit(ctx)
				if w == 0 {
					permit = true
					continue // to whoever is first now
				}
				o.mu.Lock()
				o.pressure = time.Now()
				o.mu.Unlock()
				if !sleep(ctx, w) {
					return
				}
				continue
			}
			heap.Pop(&o.ready)
			o.held--
			if len(o.ready) > 0 {
				o.pressure = now // others wait behind it
			}
			o.turning++
			grant, granted = c, need
			if need {
				permit = false
			}
		}
		if len(o.ready) > 0 && grant == nil {
			if d := max(o.typingAt.Sub(now), time.Millisecond); wait < 0 || d < wait {
				wait = d
			}
		}
		o.mu.Unlock()
		if grant != nil {
			go o.turnOf(ctx, grant, granted)
			continue
		}
		var tick <-chan time.Time
		if wait >= 0 {
			timer.Reset(wait)
			tick = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-o.kick:
		case <-tick:
		}
		if tick != nil && !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// turnOf sends a chat's due calls, the first counted one with the permit
// granted; what is counted after it waits for another turn while paced.
func (o *outbound) turnOf(ctx context.Context, c *chatOut, permit bool) {
	o.drain(ctx, c.id, c, permit)
	o.mu.Lock()
	o.turning--
	o.mu.Unlock()
	o.kickTurns()
}

// takePermit takes a permit of the bot's global rate: from Redis, shared
// by every process, or while Redis does not answer from a local pacer at
// this process's share. It returns 0 once taken, or how long until one is
// free.
func (o *outbound) takePermit(ctx context.Context) time.Duration {
	wait, err := o.limit.takeGlobal(ctx)
	if err == nil {
		return wait
	}
	now := time.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	if now.Sub(o.limitWarned) > time.Minute {
		o.limitWarned = now
		o.log.Warn("the shared send rate is out of reach: pacing at this process's share", errAttr(err))
	}
	if now.Before(o.localNext) {
		return o.localNext.Sub(now)
	}
	o.localNext = now.Add(time.Duration(float64(time.Second) * float64(max(o.live, 1)) / o.rate))
	return 0
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// typingLocked shows "typing…" to the chats whose due call has waited its
// turn for typingAfter and that were not shown it in this wait, or not in
// typingEvery; those never shown it first. One batch at a time, looked for
// every typingScan.
func (o *outbound) typingLocked(ctx context.Context, now time.Time) {
	if len(o.ready) == 0 || now.Before(o.typingAt) {
		return
	}
	o.typingAt = now.Add(typingScan)
	if o.typingBusy || now.Before(o.typingOff) {
		return
	}
	var due []*chatOut
	for _, c := range o.ready {
		if now.Sub(c.since) >= typingAfter && (c.typed.Before(c.since) || now.Sub(c.typed) >= typingEvery) && !c.notBefore.After(now) && !c.handed && len(c.queue) > 0 {
			due = append(due, c)
		}
	}
	if len(due) == 0 {
		return
	}
	slices.SortFunc(due, func(a, b *chatOut) int { return a.typed.Compare(b.typed) })
	ids := make([]int64, len(due))
	for i, c := range due {
		c.typed, ids[i] = now, c.id
	}
	o.typingBusy = true
	go o.showTyping(ctx, ids)
}

// showTyping sends the chat action "typing" to the chats, a few at a time.
// It costs no message; a 429 for it stops chat actions for as long, and
// leaves messages alone.
func (o *outbound) showTyping(ctx context.Context, ids []int64) {
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		o.mu.Lock()
		o.typingBusy = false
		o.mu.Unlock()
	}()
	sem := make(chan struct{}, typingAtOnce)
	for _, id := range ids {
		if storage.IsZaloChat(id) {
			continue // the chat action is Telegram's
		}
		sem <- struct{}{}
		o.mu.Lock()
		off := time.Now().Before(o.typingOff)
		o.mu.Unlock()
		if off || ctx.Err() != nil {
			<-sem
			return
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			body := []byte(`{"chat_id":` + strconv.FormatInt(id, 10) + `,"action":"typing"}`)
			_, err := o.calls.post(ctx, "sendChatAction", "", body)
			var se *SendError
			if errors.As(err, &se) && se.Wait > 0 {
				o.mu.Lock()
				if until := time.Now().Add(se.Wait); until.After(o.typingOff) {
					o.typingOff = until
				}
				o.mu.Unlock()
			} else if err != nil && ctx.Err() == nil {
				o.log.Debug("chat action", slog.Int64("chat_id", id), errAttr(err))
			}
		}()
	}
}
