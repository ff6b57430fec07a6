package storage

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// The outbox of a chat is a Redis list of the Bot API calls its committed
// updates owe it, oldest first; Save appends to it with the state write.
// The set of chats with an outbox lets a starting process find them all
// without scanning the keyspace.
func (r *Redis) outboxKey(chatID int64) string {
	return r.tag(PartitionOf(chatID)) + "out:" + strconv.FormatInt(chatID, 10)
}
func (r *Redis) outboxSetKey(part int) string { return r.tag(part) + "outboxes" }

// Delivered is an outbox entry that went out (or was given up): it leaves
// its chat's outbox.
type Delivered struct {
	ChatID int64
	Entry  []byte
}

// RemoveDelivered takes delivered entries out of their outboxes, in one
// round trip for the lot. Entries are removed by value, not by position,
// so two writers of one chat cannot remove each other's entries.
func (r *Redis) RemoveDelivered(ctx context.Context, done []Delivered) error {
	if len(done) == 0 {
		return nil
	}
	_, err := r.SaveAndRemove(ctx, nil, done)
	return err
}

// forgetEmptyScript drops a chat from the set of outboxes unless its list
// has entries again (a Save may have appended since it was read empty).
var forgetEmptyScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end
return 0
`)

// Outboxes returns the undelivered entries of every chat of a partition,
// oldest first: what a process that stopped, crashed or handed the
// partition over still owed. Chats whose outbox is empty leave the set.
func (r *Redis) Outboxes(ctx context.Context, part int) (map[int64][][]byte, error) {
	members, err := r.rdb.SMembers(ctx, r.outboxSetKey(part)).Result()
	if err != nil {
		return nil, fmt.Errorf("list outboxes: %w", err)
	}
	out := make(map[int64][][]byte)
	const batch = 500
	for len(members) > 0 {
		n := min(len(members), batch)
		chunk := members[:n]
		members = members[n:]
		pipe := r.rdb.Pipeline()
		cmds := make([]*redis.StringSliceCmd, len(chunk))
		ids := make([]int64, len(chunk))
		for i, m := range chunk {
			ids[i], _ = strconv.ParseInt(m, 10, 64)
			cmds[i] = pipe.LRange(ctx, r.outboxKey(ids[i]), 0, -1)
		}
		if _, err := pipe.Exec(ctx); err != nil && !isNil(err) {
			return nil, fmt.Errorf("read outboxes: %w", err)
		}
		for i, c := range cmds {
			entries := c.Val()
			if len(entries) == 0 {
				if err := forgetEmptyScript.Run(ctx, r.rdb, []string{r.outboxKey(ids[i]), r.outboxSetKey(part)}, ids[i]).Err(); err != nil && !isNil(err) {
					return nil, fmt.Errorf("forget empty outbox: %w", err)
				}
				continue
			}
			list := make([][]byte, len(entries))
			for j, e := range entries {
				list[j] = []byte(e)
			}
			out[ids[i]] = list
		}
	}
	return out, nil
}

// OwingChats counts the chats whose outbox holds replies not yet sent.
func (r *Redis) OwingChats(ctx context.Context) (int64, error) {
	n, err := r.sumPartitions(ctx, func(pipe redis.Pipeliner, p int) *redis.IntCmd { return pipe.SCard(ctx, r.outboxSetKey(p)) })
	if err != nil {
		return 0, fmt.Errorf("count outboxes: %w", err)
	}
	return n, nil
}

// Outbox returns a chat's undelivered entries, oldest first.
func (r *Redis) Outbox(ctx context.Context, chatID int64) ([][]byte, error) {
	vals, err := r.rdb.LRange(ctx, r.outboxKey(chatID), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("read chat %d outbox: %w", chatID, err)
	}
	out := make([][]byte, len(vals))
	for i, v := range vals {
		out[i] = []byte(v)
	}
	return out, nil
}
