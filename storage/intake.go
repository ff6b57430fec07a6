package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// seenTTL outlives the 24 hours Telegram keeps and may redeliver an update.
const seenTTL = 48 * time.Hour

// enqueueScript marks updates as seen and appends the new ones to the
// intake stream in one step, so a crash can neither lose an update it
// marked nor queue one twice. KEYS: each update's seen key, then the
// stream; ARGV: the seen TTL, then chat and payload of each update. It
// returns 1 for each update queued, 0 for each seen before.
var enqueueScript = redis.NewScript(`
local stream, fresh = KEYS[#KEYS], {}
for i = 1, #KEYS - 1 do
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ARGV[1]) then
    redis.call('XADD', stream, '*', 'c', ARGV[2 * i], 'u', ARGV[2 * i + 1])
    fresh[i] = 1
  else
    fresh[i] = 0
  end
end
return fresh
`)

// QueuedUpdate is an update waiting in the intake stream.
type QueuedUpdate struct {
	StreamID string // Redis stream entry id, for Ack
	ChatID   int64
	Payload  []byte // the update as Telegram sent it
	// Kind is "" for Telegram's updates, or what the bot asked itself to do
	// in the chat's turn (see EnqueueOwn).
	Kind string
}

// Incoming is an update as received, for EnqueueUpdates.
type Incoming struct {
	UpdateID int64
	ChatID   int64
	Payload  []byte
}

// EnqueueUpdates stores a batch of updates as EnqueueUpdate does, in one
// round trip — one script run per partition the batch touches;
// fresh[i] tells whether the i-th was new.
func (r *Redis) EnqueueUpdates(ctx context.Context, batch []Incoming) (fresh []bool, err error) {
	if len(batch) == 0 {
		return nil, nil
	}
	byPart := make(map[int][]int) // partition → indexes into batch
	for i, u := range batch {
		p := PartitionOf(u.ChatID)
		byPart[p] = append(byPart[p], i)
	}
	for try := 0; ; try++ {
		pipe := r.rdb.Pipeline()
		cmds := make(map[int]*redis.Cmd, len(byPart))
		for p, idx := range byPart {
			keys := make([]string, 0, len(idx)+1)
			args := make([]any, 0, 2*len(idx)+1)
			args = append(args, int64(seenTTL.Seconds()))
			for _, i := range idx {
				keys = append(keys, r.seenKey(p, batch[i].UpdateID))
				args = append(args, batch[i].ChatID, batch[i].Payload)
			}
			keys = append(keys, r.streamKey(p))
			cmds[p] = enqueueScript.EvalSha(ctx, pipe, keys, args...)
		}
		_, err := pipe.Exec(ctx)
		if err != nil && try == 0 && redis.HasErrorPrefix(err, "NOSCRIPT") {
			// Nothing ran: every call failed alike.
			if err := enqueueScript.Load(ctx, r.rdb).Err(); err != nil {
				return nil, fmt.Errorf("load enqueue script: %w", err)
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("enqueue %d updates: %w", len(batch), err)
		}
		fresh = make([]bool, len(batch))
		for p, c := range cmds {
			res, _ := c.Int64Slice()
			for j, i := range byPart[p] {
				fresh[i] = j < len(res) && res[j] == 1
			}
		}
		return fresh, nil
	}
}

// EnqueueOwn queues something the bot itself must do in a chat's turn,
// after the updates already queued for it: kind names it (the dispatcher
// knows the kinds).
func (r *Redis) EnqueueOwn(ctx context.Context, chatID int64, kind string) error {
	err := r.rdb.XAdd(ctx, &redis.XAddArgs{Stream: r.streamKey(PartitionOf(chatID)), Values: []any{"c", chatID, "u", "{}", "k", kind}}).Err()
	if err != nil {
		return fmt.Errorf("queue %s for chat %d: %w", kind, chatID, err)
	}
	return nil
}

// EnqueueUpdate stores an update durably unless its update_id was seen in
// the last 48 hours. It reports whether the update was new.
func (r *Redis) EnqueueUpdate(ctx context.Context, updateID, chatID int64, payload []byte) (bool, error) {
	fresh, err := r.EnqueueUpdates(ctx, []Incoming{{UpdateID: updateID, ChatID: chatID, Payload: payload}})
	if err != nil {
		return false, err
	}
	return fresh[0], nil
}

// EnsureGroup creates the consumer group of every partition's stream if
// missing.
func (r *Redis) EnsureGroup(ctx context.Context, group string) error {
	for p := range Partitions {
		err := r.rdb.XGroupCreateMkStream(ctx, r.streamKey(p), group, "0").Err()
		if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
			return fmt.Errorf("create consumer group %s: %w", group, err)
		}
	}
	return nil
}

// ReadUpdates waits up to block for new updates of a partition for this
// consumer.
func (r *Redis) ReadUpdates(ctx context.Context, part int, group, consumer string, count int, block time.Duration) ([]QueuedUpdate, error) {
	res, err := r.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: group, Consumer: consumer, Streams: []string{r.streamKey(part), ">"}, Count: int64(count), Block: block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read updates of partition %d: %w", part, err)
	}
	var out []QueuedUpdate
	for _, st := range res {
		out = appendQueued(out, st.Messages)
	}
	return out, nil
}

// TakeOver makes consumer the holder of every update of a partition read
// and not finished by anyone — the process that held the partition before
// died or handed it over — and returns them, oldest first.
func (r *Redis) TakeOver(ctx context.Context, part int, group, consumer string) ([]QueuedUpdate, error) {
	var out []QueuedUpdate
	start := "0-0"
	for {
		msgs, next, err := r.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream: r.streamKey(part), Group: group, Consumer: consumer, MinIdle: 0, Start: start, Count: 500,
		}).Result()
		if err != nil {
			return nil, fmt.Errorf("take over partition %d: %w", part, err)
		}
		out = appendQueued(out, msgs)
		if next == "0-0" || len(msgs) == 0 {
			return out, nil
		}
		start = next
	}
}

// AckUpdate marks an update done and removes it from its stream.
func (r *Redis) AckUpdate(ctx context.Context, group string, q QueuedUpdate) error {
	key := r.streamKey(PartitionOf(q.ChatID))
	pipe := r.rdb.Pipeline()
	pipe.XAck(ctx, key, group, q.StreamID)
	pipe.XDel(ctx, key, q.StreamID)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("ack update %s: %w", q.StreamID, err)
	}
	return nil
}

func appendQueued(out []QueuedUpdate, msgs []redis.XMessage) []QueuedUpdate {
	for _, m := range msgs {
		c, _ := m.Values["c"].(string)
		u, _ := m.Values["u"].(string)
		k, _ := m.Values["k"].(string)
		chatID, _ := strconv.ParseInt(c, 10, 64)
		out = append(out, QueuedUpdate{StreamID: m.ID, ChatID: chatID, Payload: []byte(u), Kind: k})
	}
	return out
}

// Queued counts the updates queued or in hand, over every partition.
func (r *Redis) Queued(ctx context.Context) (int64, error) {
	n, err := r.sumPartitions(ctx, func(pipe redis.Pipeliner, p int) *redis.IntCmd { return pipe.XLen(ctx, r.streamKey(p)) })
	if err != nil {
		return 0, fmt.Errorf("count queued updates: %w", err)
	}
	return n, nil
}

// sumPartitions adds up one count per partition, in one round trip.
func (r *Redis) sumPartitions(ctx context.Context, count func(pipe redis.Pipeliner, part int) *redis.IntCmd) (int64, error) {
	pipe := r.rdb.Pipeline()
	cmds := make([]*redis.IntCmd, Partitions)
	for p := range Partitions {
		cmds[p] = count(pipe, p)
	}
	if _, err := pipe.Exec(ctx); err != nil && !isNil(err) {
		return 0, err
	}
	var n int64
	for _, c := range cmds {
		n += c.Val()
	}
	return n, nil
}
