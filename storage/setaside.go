package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// An update whose step keeps failing for a reason of its own — not an
// outage — is tried a few times and then set aside: acknowledged, out of
// its chat's way, and kept where an operator sees it.
//
// Its tries are counted in Redis, one small key per stream entry beside
// the partition's stream, so that the count survives a restart and another
// process taking the partition over. The stream's own delivery count
// (XPENDING) would not do: it grows with every take-over of the partition
// — a restart, a deploy, a failover — and not with a try within a process.

// triesTTL bounds how long an entry's count outlives its last failed try:
// a count left by an entry handled since (its key is not removed on the
// hot path) goes away by itself.
const triesTTL = 24 * time.Hour

func (r *Redis) triesKey(part int, streamID string) string { return r.tag(part) + "tries:" + streamID }
func (r *Redis) heldKey(part int) string                   { return r.tag(part) + "held" }

// CountTry records one more failed try of a queued update and returns how
// many it has had, in this process and any before.
func (r *Redis) CountTry(ctx context.Context, q QueuedUpdate) (int, error) {
	key := r.triesKey(PartitionOf(q.ChatID), q.StreamID)
	pipe := r.rdb.TxPipeline()
	n := pipe.Incr(ctx, key)
	pipe.Expire(ctx, key, triesTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("count a try of update %s: %w", q.StreamID, err)
	}
	return int(n.Val()), nil
}

// HeldUpdate is an update set aside after its last try.
type HeldUpdate struct {
	ID       string    `json:"-"` // partition/stream id: names it for DropHeld
	ChatID   int64     `json:"chat"`
	UpdateID int64     `json:"update"`
	Kind     string    `json:"kind"`   // the input's kind: text, document, …
	Reason   string    `json:"reason"` // why its last try failed, identifiers masked
	Tries    int       `json:"tries"`
	At       time.Time `json:"at"`      // when it was set aside
	Payload  string    `json:"payload"` // the update as Telegram sent it
}

// setAsideScript acknowledges an intake entry and keeps it in its
// partition's hash of held updates, in one step with the replies it owes
// (told to the user) appended to the chat's outbox: the update can neither
// be tried again after a crash nor be lost, and the user is told once.
// KEYS: the stream, the held hash, the entry's tries, the chat's outbox and
// the partition's set of outboxes; ARGV: group, stream id, the record, the
// chat, then the outbox entries. -2: the entry was acknowledged already
// (another worker finished a claimed copy); nothing changes.
var setAsideScript = redis.NewScript(`
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return -2 end
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('DEL', KEYS[3])
if #ARGV > 4 then
  redis.call('RPUSH', KEYS[4], unpack(ARGV, 5))
  redis.call('SADD', KEYS[5], ARGV[4])
end
return 1
`)

// SetAside acknowledges q for group and keeps it as held, with out — the
// Bot API calls telling the user, opaque here — appended to the chat's
// outbox. ErrHandled: the entry had been acknowledged by another worker.
func (r *Redis) SetAside(ctx context.Context, group string, q QueuedUpdate, h HeldUpdate, out [][]byte) error {
	h.ChatID, h.Payload = q.ChatID, string(q.Payload)
	rec, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("encode held update %s: %w", q.StreamID, err)
	}
	part := PartitionOf(q.ChatID)
	keys := []string{r.streamKey(part), r.heldKey(part), r.triesKey(part, q.StreamID), r.outboxKey(q.ChatID), r.outboxSetKey(part)}
	args := make([]any, 0, 4+len(out))
	args = append(args, group, q.StreamID, rec, q.ChatID)
	for _, o := range out {
		args = append(args, o)
	}
	v, err := setAsideScript.Run(ctx, r.rdb, keys, args...).Int64()
	switch {
	case err != nil:
		return fmt.Errorf("set update %s aside: %w", q.StreamID, err)
	case v == -2:
		return ErrHandled
	}
	return nil
}

// HeldUpdates lists the updates set aside, oldest first.
func (r *Redis) HeldUpdates(ctx context.Context) ([]HeldUpdate, error) {
	pipe := r.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, Partitions)
	for p := range Partitions {
		cmds[p] = pipe.HGetAll(ctx, r.heldKey(p))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("list held updates: %w", err)
	}
	var out []HeldUpdate
	for p, c := range cmds {
		for id, rec := range c.Val() {
			var h HeldUpdate
			if err := json.Unmarshal([]byte(rec), &h); err != nil {
				return nil, fmt.Errorf("held update %d/%s: %w", p, id, err)
			}
			h.ID = strconv.Itoa(p) + "/" + id
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(a, b HeldUpdate) int { return a.At.Compare(b.At) })
	return out, nil
}

// ErrBadHeldID is returned by DropHeld for an id HeldUpdates never gives.
var ErrBadHeldID = errors.New("not a held update's id (PARTITION/STREAM-ID)")

// DropHeld forgets a held update; false when there was none by that id.
func (r *Redis) DropHeld(ctx context.Context, id string) (bool, error) {
	ps, streamID, ok := strings.Cut(id, "/")
	part, err := strconv.Atoi(ps)
	if !ok || err != nil || part < 0 || part >= Partitions || streamID == "" {
		return false, fmt.Errorf("drop held update %q: %w", id, ErrBadHeldID)
	}
	n, err := r.rdb.HDel(ctx, r.heldKey(part), streamID).Result()
	if err != nil {
		return false, fmt.Errorf("drop held update %s: %w", id, err)
	}
	return n == 1, nil
}

// DropAllHeld forgets every held update and says how many there were.
func (r *Redis) DropAllHeld(ctx context.Context) (int, error) {
	// Counted and deleted in one transaction: an update set aside
	// meanwhile is either counted and dropped, or kept.
	pipe := r.rdb.TxPipeline()
	lens := make([]*redis.IntCmd, Partitions)
	for p := range Partitions {
		lens[p] = pipe.HLen(ctx, r.heldKey(p))
		pipe.Del(ctx, r.heldKey(p))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("drop held updates: %w", err)
	}
	n := 0
	for _, c := range lens {
		n += int(c.Val())
	}
	return n, nil
}

// CountHeld counts the updates set aside, over every partition.
func (r *Redis) CountHeld(ctx context.Context) (int64, error) {
	n, err := r.sumPartitions(ctx, func(pipe redis.Pipeliner, p int) *redis.IntCmd { return pipe.HLen(ctx, r.heldKey(p)) })
	if err != nil {
		return 0, fmt.Errorf("count held updates: %w", err)
	}
	return n, nil
}

// Ping checks that Redis answers.
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}
