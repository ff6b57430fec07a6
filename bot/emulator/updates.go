package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

const maxLongPoll = 50 * time.Second // telegram-bot-api's LONG_POLL_MAX_TIMEOUT

var (
	// ErrInvalidUpdate is returned by InjectUpdate for anything but a JSON object.
	ErrInvalidUpdate = errors.New("invalid update")

	errWebhookActive = conflict("can't use getUpdates method while webhook is active; use deleteWebhook to " +
		"delete the webhook first")
	errTerminated = conflict("terminated by other getUpdates request; make sure that only one bot instance is running")
)

// updates is the bot's update queue, shared by getUpdates and the webhook.
type updates struct {
	mu     sync.Mutex
	queue  []queued
	nextID int64
	seq    uint64
	ready  chan struct{} // closed and replaced when an update is queued
	poller *longPoll
	hook   *webhook
}

type queued struct {
	seq       uint64
	id        int64
	raw       []byte
	delivered bool
}

type longPoll struct {
	terminated chan struct{}
}

func (u *updates) init() {
	u.nextID = 1
	u.ready = make(chan struct{})
}

// push queues an update built for its update_id, and wakes the long poll and the webhook (under u.mu).
func (u *updates) push(id int64, raw []byte) {
	u.seq++
	u.queue = append(u.queue, queued{seq: u.seq, id: id, raw: raw})
	close(u.ready)
	u.ready = make(chan struct{})
}

// enqueue queues an update of one kind ("message", "callback_query") with its JSON payload and the next
// update_id. Callers acting in a chat hold its lock, so that a chat's updates queue in the order of its messages.
func (s *Server) enqueue(kind string, payload []byte) int64 {
	s.upd.mu.Lock()
	defer s.upd.mu.Unlock()
	id := s.upd.nextID
	s.upd.nextID++
	raw := make([]byte, 0, len(payload)+len(kind)+32)
	raw = append(raw, `{"update_id":`...)
	raw = strconv.AppendInt(raw, id, 10)
	raw = append(raw, `,"`...)
	raw = append(raw, kind...)
	raw = append(raw, `":`...)
	raw = append(raw, payload...)
	s.upd.push(id, append(raw, '}'))
	return id
}

// InjectUpdate queues an arbitrary update. An update_id in it is kept, so that tests can send the same update
// twice as Telegram's redeliveries do; without one, the next id is assigned.
func (s *Server) InjectUpdate(raw []byte) (int64, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return 0, fmt.Errorf("inject update: %w", ErrInvalidUpdate)
	}
	s.upd.mu.Lock()
	defer s.notify()
	defer s.upd.mu.Unlock()
	if v, ok := fields["update_id"]; ok {
		var id int64
		if err := json.Unmarshal(v, &id); err != nil {
			return 0, fmt.Errorf("inject update: update_id %s: %w", v, ErrInvalidUpdate)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return 0, fmt.Errorf("inject update: %w", ErrInvalidUpdate)
		}
		s.upd.nextID = max(s.upd.nextID, id+1)
		s.upd.push(id, compact.Bytes())
		return id, nil
	}
	id := s.upd.nextID
	s.upd.nextID++
	fields["update_id"] = json.RawMessage(fmt.Sprint(id))
	out, err := json.Marshal(fields)
	if err != nil {
		return 0, fmt.Errorf("inject update: %w", err)
	}
	s.upd.push(id, out)
	return id, nil
}

// ContinueUpdateIDs numbers the next updates after last, unless they already are. Telegram's update_id keeps
// growing for a bot whatever happens to the bot's process, and a bot drops an update_id it has seen as a
// redelivery: an emulator that starts again from 1 under a bot that remembers what it saw (demo mode, whose
// Redis outlives the process) would have every new update dropped as a duplicate. Its caller tells it where
// the numbering stood.
func (s *Server) ContinueUpdateIDs(last int64) {
	s.upd.mu.Lock()
	defer s.upd.mu.Unlock()
	s.upd.nextID = max(s.upd.nextID, last+1)
}

// PendingUpdates counts the updates the bot has not confirmed (getUpdates) or acknowledged (webhook).
func (s *Server) PendingUpdates() int {
	s.upd.mu.Lock()
	defer s.upd.mu.Unlock()
	return len(s.upd.queue)
}

// getUpdates answers https://core.telegram.org/bots/api#getupdates. A new call ends a pending long poll with
// 409, like Telegram when two bot instances poll; an Outage ends it as the outage fails any request.
func (s *Server) getUpdates(r *http.Request, a *args) (any, *apiError) {
	offset := a.int("offset")
	limit := 100 // like telegram-bot-api's get_integer_arg: absent is the default, others are clamped
	if strings.TrimSpace(a.get("limit")) != "" {
		limit = int(min(max(a.int("limit"), 1), 100))
	}
	timeout := min(max(time.Duration(a.int("timeout"))*time.Second, 0), maxLongPoll)
	var timer *time.Timer
	u := &s.upd
	u.mu.Lock()
	if u.hook != nil {
		u.mu.Unlock()
		return nil, errWebhookActive
	}
	if u.poller != nil {
		close(u.poller.terminated)
		u.poller = nil
	}
	u.confirm(offset)
	for {
		if batch := u.take(limit); batch != nil || timeout == 0 {
			u.mu.Unlock()
			if timer != nil {
				timer.Stop()
			}
			if batch == nil {
				batch = rawJSON("[]")
			}
			return batch, nil
		}
		if timer == nil {
			timer = time.NewTimer(timeout)
		}
		me := &longPoll{terminated: make(chan struct{})}
		u.poller = me
		ready := u.ready
		u.mu.Unlock()
		s.notify() // now rather than when the poll ends: the offset confirmed updates, and a poll is pending
		var aerr *apiError
		select {
		case <-ready:
		case <-s.outageBegins():
			if s.out.Load().active(time.Now()) {
				aerr = errOutage
			}
		case <-me.terminated:
			aerr = errTerminated
		case <-timer.C:
			timeout = 0
		case <-r.Context().Done():
			aerr = errClientGone
		case <-s.closed:
			timeout = 0
		}
		u.mu.Lock()
		switch {
		case u.poller == me:
			u.poller = nil
		case aerr == nil:
			aerr = errTerminated // ended while we woke for another reason
		}
		if u.hook != nil && aerr != errClientGone {
			aerr = errWebhookActive // setWebhook ended the poll
		}
		if aerr != nil {
			u.mu.Unlock()
			timer.Stop()
			return nil, aerr
		}
	}
}

// confirm drops the updates an offset confirms: with offset N > 0, those with update_id < N that were already
// returned; with N < 0, all but the last -N (under u.mu).
func (u *updates) confirm(offset int64) {
	switch {
	case offset > 0:
		u.queue = deleteFunc(u.queue, func(q queued) bool { return q.delivered && q.id < offset })
	case offset < 0 && int64(len(u.queue)) > -offset:
		n := copy(u.queue, u.queue[int64(len(u.queue))+offset:])
		clear(u.queue[n:])
		u.queue = u.queue[:n]
	}
}

// take returns up to limit queued updates as a JSON array, or nil, and marks them returned (under u.mu).
func (u *updates) take(limit int) rawJSON {
	if len(u.queue) == 0 {
		return nil
	}
	n := min(limit, len(u.queue))
	size := 2
	for _, q := range u.queue[:n] {
		size += len(q.raw) + 1
	}
	out := make([]byte, 0, size)
	out = append(out, '[')
	for i := range u.queue[:n] {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, u.queue[i].raw...)
		u.queue[i].delivered = true
	}
	return append(out, ']')
}

// deleteFunc is slices.DeleteFunc that also clears the dropped tail, so that update bodies can be collected.
func deleteFunc(q []queued, del func(queued) bool) []queued {
	out := q[:0]
	for _, x := range q {
		if !del(x) {
			out = append(out, x)
		}
	}
	clear(q[len(out):])
	return out
}
