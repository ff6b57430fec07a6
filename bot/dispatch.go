package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/storage"
)

// shutdownGrace bounds how long updates in hand may take after Run's
// context is cancelled (Config.ShutdownGrace).
const shutdownGrace = 10 * time.Second

// kindResume is the bot's own entry in a chat's intake: show the chat its
// current step (its replies went stale before Telegram would take them).
const kindResume = "resume"

// mailbox is a chat's updates in hand, handled one at a time in order. A
// chat whose update cannot be handled yet — Postgres or Redis out of reach
// — waits in its mailbox while other chats go on.
type mailbox struct {
	chatID int64
	q      []storage.QueuedUpdate
	queued bool // in the ready queue, or with a worker, or waiting to retry

	// sess is the chat's state as this process last read or wrote it:
	// Save's compare-and-set refuses a write from a copy another writer
	// has since moved on, and the update is then handled again from Redis.
	sess   storage.Session
	cached bool
	// st is sess.Data decoded, once a step of this process wrote it: the
	// engine never changes the state it is given, so the next step starts
	// from it without decoding.
	st      *flows.State
	decoded bool

	failingSince time.Time // the head update has been failing since
	told         bool      // the user was told their step is delayed
	retry        time.Duration
	used         time.Time
}

// dispatcher hands each chat's updates to the workers, one chat to one
// worker at a time, for the partitions this process holds.
type dispatcher struct {
	b      *Bot
	mu     sync.Mutex
	boxes  map[int64]*mailbox
	inHand map[entryKey]bool // stream entries routed and not finished
	ready  chan *mailbox
	stop   chan struct{}
}

// dispatch takes the partitions of the intake this process's share is,
// reads their streams and hands each update to its chat's mailbox, until
// ctx is cancelled; then it lets the workers finish and gives its
// partitions up.
func (b *Bot) dispatch(ctx context.Context) error {
	// Work in hand finishes after ctx is cancelled, within shutdownGrace.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	d := &dispatcher{b: b, boxes: make(map[int64]*mailbox), inHand: make(map[entryKey]bool),
		ready: make(chan *mailbox, 4096), stop: make(chan struct{})}
	b.watchIntake(d.inHandCount)
	b.commits = startCommits(b.state, b.out, d.stop)
	var wg sync.WaitGroup
	for range b.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.work(work)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.forget(work, 10*time.Minute)
	}()

	parts := newPartitions(d)
	parts.run(ctx) // until ctx is cancelled

	// Let the updates in hand finish, within the grace period; what is
	// left stays pending in the streams for the partitions' next holders.
	deadline := time.Now().Add(b.cfg.ShutdownGrace)
	for d.inHandCount() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	// A step still running is abandoned — its calls end with the context,
	// nothing of it is committed or acknowledged — and the workers are
	// gone before the partitions are, so that no step of this process
	// runs while their next holder handles the same updates.
	cancelWork()
	close(d.stop)
	wg.Wait()
	b.commits.wg.Wait()
	parts.releaseAll(context.WithoutCancel(ctx))
	return nil
}

// entryKey names a stream entry: ids are unique within a partition's
// stream only.
type entryKey struct {
	part int
	id   string
}

func keyOf(q storage.QueuedUpdate) entryKey {
	return entryKey{part: storage.PartitionOf(q.ChatID), id: q.StreamID}
}

func (d *dispatcher) inHandCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.inHand)
}

// inHandOf counts the updates in hand of one partition.
func (d *dispatcher) inHandOf(part int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, mb := range d.boxes {
		if storage.PartitionOf(mb.chatID) == part {
			n += len(mb.q)
		}
	}
	return n
}

// route puts updates into their chats' mailboxes. An entry already in hand
// (claimed back while it waits here) is not taken twice.
func (d *dispatcher) route(qs []storage.QueuedUpdate) {
	var wake []*mailbox
	d.mu.Lock()
	for _, q := range qs {
		if d.inHand[keyOf(q)] {
			continue
		}
		d.inHand[keyOf(q)] = true
		mb := d.boxes[q.ChatID]
		if mb == nil {
			mb = &mailbox{chatID: q.ChatID}
			d.boxes[q.ChatID] = mb
		}
		mb.q = append(mb.q, q)
		if !mb.queued {
			mb.queued = true
			wake = append(wake, mb)
		}
	}
	d.mu.Unlock()
	for _, mb := range wake {
		select {
		case d.ready <- mb:
		case <-d.stop: // stopping: the updates stay pending in the stream
			return
		}
	}
}

// perTurn is how many updates of one chat a worker handles before letting
// other chats go first.
const perTurn = 8

func (d *dispatcher) work(ctx context.Context) {
	for {
		select {
		case <-d.stop:
			return
		case mb := <-d.ready:
			d.serve(ctx, mb)
		}
	}
}

// serve handles a chat's updates in order. One that fails for a reason
// that may pass stays at the head and is tried again after a pause, the
// chat's later updates waiting behind it — up to maxTries times when the
// failure is its own, without limit through an outage (see failed).
func (d *dispatcher) serve(ctx context.Context, mb *mailbox) {
	for n := 0; ; n++ {
		d.mu.Lock()
		if len(mb.q) == 0 {
			mb.queued, mb.used = false, time.Now()
			d.mu.Unlock()
			return
		}
		q := mb.q[0]
		d.mu.Unlock()
		if n == perTurn {
			d.requeue(mb, 0)
			return
		}
		if ctx.Err() != nil {
			return
		}
		if err := d.b.process(ctx, mb, q); err != nil {
			if ctx.Err() != nil {
				// Stopping: the update stays pending for the next holder.
				return
			}
			if !d.failed(ctx, mb, q, err) {
				return
			}
			// Set aside: the chat goes on with its next update.
		}
		mb.failingSince, mb.told, mb.retry = time.Time{}, false, 0
		d.mu.Lock()
		mb.q = mb.q[1:]
		delete(d.inHand, keyOf(q))
		d.mu.Unlock()
	}
}

// outageNotice is how long a step may be delayed by an outage before the
// user is told; shorter outages (a restart, a failover) only delay it.
const outageNotice = 30 * time.Second

// failed deals with a failed try of the chat's head update q. A failure of
// its own (fault) is counted in Redis; at the last try the update is set
// aside and failed returns true: q is done with. Otherwise q is scheduled
// to be tried again, and through an outage the user is told, once, past
// OutageNotice, that their step will complete.
func (d *dispatcher) failed(ctx context.Context, mb *mailbox, q storage.QueuedUpdate, err error) (setAside bool) {
	now := time.Now()
	// The first failure of an episode is worth a warning; its repeats are not.
	level := slog.LevelDebug
	if mb.failingSince.IsZero() {
		mb.failingSince, level = now, slog.LevelWarn
	}
	mb.retry = min(max(2*mb.retry, 50*time.Millisecond), time.Second)
	if errors.Is(err, storage.ErrStale) {
		// Another writer moved the chat on: read it again, at once.
		mb.cached, mb.retry, level = false, 0, slog.LevelDebug
	} else if reason, fault := d.b.fault(ctx, err); fault {
		tries, cerr := d.b.state.CountTry(ctx, q)
		if cerr == nil && tries >= maxTries && d.b.setAside(ctx, mb, q, reason, tries) == nil {
			return true
		}
		if cerr == nil {
			// Not an outage: no "it will complete" to the user, who is
			// told what failed after the last try instead.
			d.b.log.Warn("step failed; it will be tried again", slog.Int64("chat_id", mb.chatID),
				slog.Int("try", tries), slog.Int("of", maxTries), errAttr(err))
			d.requeue(mb, mb.retry)
			return false
		}
		// Redis did not take the count: an outage after all.
	}
	d.b.log.Log(ctx, level, "update will be tried again", slog.Int64("chat_id", mb.chatID), errAttr(err))
	if !mb.told && now.Sub(mb.failingSince) >= d.b.cfg.OutageNotice {
		mb.told = true
		d.b.tellDelayed(ctx, mb)
	}
	d.requeue(mb, mb.retry)
	return false
}

func (d *dispatcher) requeue(mb *mailbox, after time.Duration) {
	put := func() {
		select {
		case d.ready <- mb:
		case <-d.stop:
		}
	}
	if after <= 0 {
		go put()
		return
	}
	time.AfterFunc(after, put)
}

// forget drops idle chats' mailboxes, to bound memory: what they cache is
// read again from Redis on the next update.
func (d *dispatcher) forget(ctx context.Context, idle time.Duration) {
	sweepIdle(ctx, &d.mu, d.boxes, idle, func(mb *mailbox, now time.Time) bool {
		return !mb.queued && len(mb.q) == 0 && now.Sub(mb.used) > idle
	})
}

// process handles one queued update; an error means it must be tried
// again (it stays in the stream meanwhile). An update that cannot be
// decoded is dropped.
func (b *Bot) process(ctx context.Context, mb *mailbox, q storage.QueuedUpdate) (err error) {
	start := time.Now()
	var ev event
	switch q.Kind {
	case kindResume:
		ev = event{chatID: q.ChatID, userID: q.ChatID, in: flows.Input{Kind: flows.InputResume}}
	case kindZalo:
		var ok bool
		if ev, ok = zaloEvent(q.ChatID, q.Payload); !ok {
			b.log.Error("undecodable zalo update dropped", slog.String("stream_id", q.StreamID))
			return b.ack(ctx, q)
		}
		defer func() {
			// Only once done: a step refused (another writer moved the
			// chat on) is handled again.
			if b.hooks.ZaloDone != nil && err == nil {
				b.hooks.ZaloDone(ev.key, false, time.Since(start))
			}
		}()
	default:
		var u update
		if err := json.Unmarshal(q.Payload, &u); err != nil {
			b.log.Error("undecodable update dropped", slog.String("stream_id", q.StreamID), errAttr(err))
			return b.ack(ctx, q)
		}
		var ok bool
		if ev, ok = decode(&u); !ok {
			return b.ack(ctx, q)
		}
		b.checkButton(ctx, &ev)
		defer func() {
			if b.hooks.Done != nil {
				b.hooks.Done(u.ID, false, time.Since(start))
			}
		}()
	}
	step, cancel := context.WithTimeout(ctx, b.cfg.StepTimeout)
	defer cancel()
	err = b.handle(step, mb, ev, q)
	if err != nil && ctx.Err() == nil && errors.Is(step.Err(), context.DeadlineExceeded) {
		err = &overrunError{after: b.cfg.StepTimeout, err: err}
	}
	return b.stepDone(storage.ChannelOf(q.ChatID), ev.in.Kind, start, err)
}

// checkButton verifies a pressed button's data: what the bot did not sign
// for this chat reaches the flows as forged, with no data, and is answered
// as a button that no longer works.
func (b *Bot) checkButton(ctx context.Context, ev *event) {
	if ev.in.Kind != flows.InputButton {
		return
	}
	data, ok := b.buttons.verify(ev.chatID, ev.in.Data)
	if ok {
		ev.in.Data = data
		return
	}
	ev.in.Data, ev.in.Forged = "", true
	b.cfg.Metrics.forged()
	b.log.WarnContext(ctx, "button data refused: not signed for this chat", slog.Int64("chat_id", ev.chatID), slog.Int64("user_id", ev.userID))
}

func (b *Bot) ack(ctx context.Context, q storage.QueuedUpdate) error {
	if err := b.state.AckUpdate(ctx, b.cfg.Group, q); err != nil {
		return fmt.Errorf("ack update: %w", err)
	}
	return nil
}

// handle runs one update through the flows: read the chat's state (from
// this process's copy when it has one), decide, then commit in one step
// the new state, the update's acknowledgement and the replies it owes
// (storage.Redis.Save), and send those. State is committed before sending,
// so a reply is never shown for a step that was not saved; replies
// committed and not yet sent when the process dies are sent by the next.
func (b *Bot) handle(ctx context.Context, mb *mailbox, ev event, q storage.QueuedUpdate) error {
	if !mb.cached {
		s, err := b.state.Load(ctx, ev.chatID)
		if err != nil {
			return err
		}
		mb.sess, mb.cached, mb.st, mb.decoded = s, true, nil, false
	}
	sess := mb.sess
	if ev.zalo {
		ev.in = resolveZalo(ev.in, sess.Choices)
	}
	locale, err := b.chatLocale(ctx, mb, ev.chatID)
	if err != nil {
		return err
	}
	person, err := b.person(ctx, mb, ev.chatID)
	if err != nil {
		return err
	}
	// The flows speak to the person — their records, consent, data —
	// whichever of their accounts wrote; the replies go to this one.
	chat := flows.Chat{ID: person, UserID: person, Account: ev.chatID, Locale: locale, Typed: storage.IsZaloChat(ev.chatID),
		Channel: storage.ChannelOf(ev.chatID)}
	if person == ev.chatID {
		chat.UserID = ev.userID
	}
	st := mb.st
	if !mb.decoded {
		var err error
		if st, err = flows.DecodeState(sess.Data); err != nil {
			// A state this binary cannot read must not wedge the chat forever.
			b.log.Error("drop unreadable state", slog.Int64("chat_id", ev.chatID), errAttr(err))
			st = nil
		}
	}
	next, res, herr := b.engine.Handle(ctx, &chat, st, ev.in)
	switch {
	case herr != nil && storage.Transient(herr):
		// Postgres or Redis is out of reach: nothing was decided; the
		// update is tried again, and the user told only if it lasts.
		return herr
	case herr != nil && ctx.Err() != nil:
		// The step's context ended under it — past its deadline, or the
		// process stopping: it is abandoned, nothing committed, and the
		// caller counts or leaves it.
		return herr
	case herr != nil:
		// Records refused what was asked: the state stays as it was and
		// the user is told to try again, their answers kept.
		b.log.Error("flow failed", slog.Int64("chat_id", ev.chatID), errAttr(herr))
		next = st
	}
	var data []byte
	if next != nil {
		if data, err = next.Encode(); err != nil {
			return fmt.Errorf("encode chat %d state: %w", ev.chatID, err)
		}
	}
	if ev.answered && res.Toast != "" && len(res.Shown()) == 0 {
		// The webhook's response answered the press without the toast, the
		// only thing this result says: it goes as a message.
		res.Replies = []flows.Reply{{Text: res.Toast}}
	}
	var (
		es      []*outEntry
		choices []byte
	)
	if storage.IsZaloChat(ev.chatID) {
		to, err := b.records.ZaloUser(ctx, ev.chatID)
		if err != nil {
			return err
		}
		es, choices, err = zaloEntries(to, res, q.StreamID, time.Now(), b.text.Printer(chat.Locale), b.files.linker(ctx))
		if err != nil {
			b.log.Error("encode zalo replies", slog.Int64("chat_id", ev.chatID), errAttr(err))
			es, choices = nil, nil
		}
	} else {
		es, err = entries(ev.chatID, ev.callbackID, ev.in.MessageID, res, q.StreamID, time.Now(), b.buttons, b.text.Printer(chat.Locale))
		if err != nil {
			b.log.Error("encode replies", slog.Int64("chat_id", ev.chatID), errAttr(err))
			es = nil
		}
	}
	entry := storage.StreamAck{Group: b.cfg.Group, StreamID: q.StreamID}
	v, err := b.commits.save(ctx, storage.Write{Session: sess, Data: data, Locale: chat.Locale, Ack: entry, Out: durableRaws(es), Choices: choices})
	switch {
	case errors.Is(err, storage.ErrHandled):
		b.handledElsewhere(ctx, mb, ev.chatID)
		return nil
	case err != nil:
		// ErrStale among them: the chat moved on under another writer.
		return err
	}
	switch {
	case choices == nil:
		choices = sess.Choices
	case len(choices) == 0:
		choices = nil
	}
	if res.Person != 0 && res.Person != person {
		// The account was linked to a person, or unlinked: its next
		// updates speak for them.
		if err := b.state.SetPerson(ctx, ev.chatID, res.Person); err != nil {
			b.log.Error("keep the chat's person", slog.Int64("chat_id", ev.chatID), errAttr(err))
			mb.cached = false // read again, from Postgres if need be
		}
		person = res.Person
	}
	for _, other := range res.Forget {
		if err := b.state.Forget(ctx, other); err != nil {
			b.log.Error("drop a conversation", slog.Int64("chat_id", other), errAttr(err))
		}
	}
	mb.sess = storage.Session{ChatID: ev.chatID, Version: v, Data: data, Locale: chat.Locale, Choices: choices, Person: person}
	mb.st, mb.decoded = next, true
	b.seen(ctx, ev.chatID)
	b.out.submit(ctx, ev.chatID, es)
	if !ev.zalo {
		b.applyMenu(ctx, ev.chatID, res.Menu)
	}
	return nil
}

// handledElsewhere follows a write refused because its update was
// acknowledged already: a claimed copy another worker finished, or this
// update's own earlier write, whose answer was lost. Its replies are in the
// outbox, maybe not in this process's queue; the chat's state is read again.
func (b *Bot) handledElsewhere(ctx context.Context, mb *mailbox, chatID int64) {
	mb.cached = false
	b.out.recoverChat(ctx, chatID)
}

// tellDelayed tells a user whose step an outage holds up that it will
// complete by itself. It is not committed anywhere — Redis may be the
// service that is out — and waits its turn behind the chat's replies.
func (b *Bot) tellDelayed(ctx context.Context, mb *mailbox) {
	locale := mb.sess.Locale
	es, err := b.noticeEntries(ctx, mb.chatID, locale, flows.Reply{Text: b.text.Printer(locale).T("error.delayed")})
	if err != nil {
		return
	}
	b.out.submit(ctx, mb.chatID, es)
}
