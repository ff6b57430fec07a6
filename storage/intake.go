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
// stream; ARGV: the seen TTL, a consumer group and consumer (” for none)
// and a count, then chat, payload and kind of each update. It returns, for each
// update, 1 if queued and 0 if seen before; with a consumer, then also
// every entry of the stream the group has not read yet — these updates
// among them — read for that consumer (id, chat, payload and kind each).
var enqueueScript = redis.NewScript(`
local stream, fresh = KEYS[#KEYS], {}
for i = 1, #KEYS - 1 do
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ARGV[1]) then
    local k = ARGV[5 + 3 * (i - 1) + 2]
    if k == '' then
      redis.call('XADD', stream, '*', 'c', ARGV[5 + 3 * (i - 1)], 'u', ARGV[5 + 3 * (i - 1) + 1])
    else
      redis.call('XADD', stream, '*', 'c', ARGV[5 + 3 * (i - 1)], 'u', ARGV[5 + 3 * (i - 1) + 1], 'k', k)
    end
    fresh[i] = 1
  else
    fresh[i] = 0
  end
end
if ARGV[2] == '' then return {fresh} end
local read, out = redis.call('XREADGROUP', 'GROUP', ARGV[2], ARGV[3], 'COUNT', ARGV[4], 'STREAMS', stream, '>'), {}
if read then
  for _, e in ipairs(read[1][2]) do
    local f, c, u, k = e[2], '', '', ''
    for j = 1, #f, 2 do
      if f[j] == 'c' then c = f[j + 1] elseif f[j] == 'u' then u = f[j + 1] elseif f[j] == 'k' then k = f[j + 1] end
    end
    out[#out + 1] = e[1]
    out[#out + 1] = c
    out[#out + 1] = u
    out[#out + 1] = k
  end
end
return {fresh, out}
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
	// Key, when set, identifies the update instead of UpdateID: a channel
	// whose updates carry no number (Zalo: sender and message id).
	Key string
	// Kind is the channel's kind of update ("" for Telegram's); the
	// dispatcher decodes Payload by it.
	Kind string
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
	cmds := make(map[int]*redis.Cmd, len(byPart))
	err = r.runEnqueue(ctx, func(pipe redis.Pipeliner) {
		for p, idx := range byPart {
			cmds[p] = r.enqueue(ctx, pipe, p, batch, idx, Reader{}, 0)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("enqueue %d updates: %w", len(batch), err)
	}
	fresh = make([]bool, len(batch))
	for p, c := range cmds {
		res, _ := c.Slice()
		setFresh(fresh, byPart[p], res)
	}
	return fresh, nil
}

// Reader names who reads a partition's stream: a consumer of a group.
type Reader struct {
	Group, Consumer string
}

// EnqueueAndRead stores updates of one partition as EnqueueUpdates does
// and, in the same round trip, reads for reader up to count entries of the
// partition that no one has read yet, oldest first: these updates and any
// queued before them. It is for the one reader of a partition, which then
// needs no round trip of its own to learn what it just queued.
func (r *Redis) EnqueueAndRead(ctx context.Context, part int, batch []Incoming, reader Reader, count int) (fresh []bool, read []QueuedUpdate, err error) {
	idx := make([]int, len(batch))
	for i, u := range batch {
		if p := PartitionOf(u.ChatID); p != part {
			return nil, nil, fmt.Errorf("enqueue: chat %d is in partition %d, not %d", u.ChatID, p, part)
		}
		idx[i] = i
	}
	if reader.Group == "" || reader.Consumer == "" {
		return nil, nil, errors.New("enqueue and read: no reader")
	}
	var cmd *redis.Cmd
	err = r.runEnqueue(ctx, func(pipe redis.Pipeliner) {
		cmd = r.enqueue(ctx, pipe, part, batch, idx, reader, count)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("enqueue %d updates and read partition %d: %w", len(batch), part, err)
	}
	res, _ := cmd.Slice()
	fresh = make([]bool, len(batch))
	setFresh(fresh, idx, res)
	if len(res) > 1 {
		flat, _ := res[1].([]any)
		for i := 0; i+3 < len(flat); i += 4 {
			id, _ := flat[i].(string)
			c, _ := flat[i+1].(string)
			u, _ := flat[i+2].(string)
			k, _ := flat[i+3].(string)
			chatID, _ := strconv.ParseInt(c, 10, 64)
			read = append(read, QueuedUpdate{StreamID: id, ChatID: chatID, Payload: []byte(u), Kind: k})
		}
	}
	return fresh, read, nil
}

// enqueue adds to pipe the script run that queues batch[idx…] in
// partition p and, if reader names a consumer, reads up to count entries
// for it.
func (r *Redis) enqueue(ctx context.Context, pipe redis.Pipeliner, p int, batch []Incoming, idx []int, reader Reader, count int) *redis.Cmd {
	keys := make([]string, 0, len(idx)+1)
	args := make([]any, 0, 3*len(idx)+4)
	args = append(args, int64(seenTTL.Seconds()), reader.Group, reader.Consumer, count)
	for _, i := range idx {
		u := batch[i]
		if u.Key != "" {
			keys = append(keys, r.seenKeyOf(p, u.Kind, u.Key))
		} else {
			keys = append(keys, r.seenKey(p, u.UpdateID))
		}
		args = append(args, u.ChatID, u.Payload, u.Kind)
	}
	keys = append(keys, r.streamKey(p))
	return enqueueScript.EvalSha(ctx, pipe, keys, args...)
}

// runEnqueue runs the script calls fill adds to a pipeline, loading the
// script first if Redis does not have it.
func (r *Redis) runEnqueue(ctx context.Context, fill func(pipe redis.Pipeliner)) error {
	for try := 0; ; try++ {
		pipe := r.rdb.Pipeline()
		fill(pipe)
		_, err := pipe.Exec(ctx)
		if err != nil && try == 0 && redis.HasErrorPrefix(err, "NOSCRIPT") {
			// Nothing ran: every call failed alike.
			if err := enqueueScript.Load(ctx, r.rdb).Err(); err != nil {
				return fmt.Errorf("load enqueue script: %w", err)
			}
			continue
		}
		return err
	}
}

// setFresh reads the script's answer for the updates at idx.
func setFresh(fresh []bool, idx []int, res []any) {
	if len(res) == 0 {
		return
	}
	marks, _ := res[0].([]any)
	for j, i := range idx {
		if j < len(marks) {
			v, _ := marks[j].(int64)
			fresh[i] = v == 1
		}
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

// LastSeenUpdateID is the highest update_id among the seen marks (those of
// the last 48 hours), 0 when there is none. Demo mode starts its Bot API
// emulator after it, so that a restarted emulator does not hand out again
// the update_ids its previous run did, which the intake would drop as
// redeliveries. It scans the keyspace: for a start, never per update.
func (r *Redis) LastSeenUpdateID(ctx context.Context) (int64, error) {
	var last int64
	iter := r.rdb.Scan(ctx, 0, r.prefix+"{p*}:seen:*", 1000).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		id, err := strconv.ParseInt(key[strings.LastIndexByte(key, ':')+1:], 10, 64)
		if err == nil {
			last = max(last, id)
		}
	}
	if err := iter.Err(); err != nil {
		return 0, fmt.Errorf("scan seen updates: %w", err)
	}
	return last, nil
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
// consumer; with block < 0 it does not wait.
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
