package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// MigrateKeys moves what an earlier release kept under unpartitioned keys
// — conversations, outboxes, the intake stream — to the partitioned keys of
// this one, so that an upgrade loses no conversation and no queued update.
// It is idempotent; the seen marks of the last 48 hours are not moved (their
// chats are unknown), so an update Telegram sends again across the upgrade
// could be handled twice: stop the old release cleanly first.
func (r *Redis) MigrateKeys(ctx context.Context) (moved int, err error) {
	// Done once per Redis: scanning the whole keyspace at every start would
	// cost as much as the keyspace is big.
	marker := r.prefix + "layout"
	if v, err := r.rdb.Get(ctx, marker).Result(); err == nil && v == "partitioned" {
		return 0, nil
	}
	defer func() {
		if err == nil {
			err = r.rdb.Set(ctx, marker, "partitioned", 0).Err()
		}
	}()
	old := r.prefix + "updates"
	msgs, err := r.rdb.XRange(ctx, old, "-", "+").Result()
	if err != nil && !isNil(err) && !strings.Contains(err.Error(), "WRONGTYPE") {
		return 0, fmt.Errorf("read the old intake stream: %w", err)
	}
	for _, m := range msgs {
		c, _ := m.Values["c"].(string)
		chatID, _ := strconv.ParseInt(c, 10, 64)
		if err := r.rdb.XAdd(ctx, &redis.XAddArgs{Stream: r.streamKey(PartitionOf(chatID)), Values: m.Values}).Err(); err != nil {
			return moved, fmt.Errorf("move a queued update: %w", err)
		}
		if err := r.rdb.XDel(ctx, old, m.ID).Err(); err != nil {
			return moved, fmt.Errorf("move a queued update: %w", err)
		}
		moved++
	}
	if len(msgs) > 0 {
		r.rdb.Del(ctx, old)
	}
	for _, kind := range []string{"chat:", "out:"} {
		iter := r.rdb.Scan(ctx, 0, r.prefix+kind+"*", 1000).Iterator()
		for iter.Next(ctx) {
			key := iter.Val()
			chatID, err := strconv.ParseInt(strings.TrimPrefix(key, r.prefix+kind), 10, 64)
			if err != nil {
				continue
			}
			to := r.stateKey(chatID)
			if kind == "out:" {
				to = r.outboxKey(chatID)
				if err := r.rdb.SAdd(ctx, r.outboxSetKey(PartitionOf(chatID)), chatID).Err(); err != nil {
					return moved, fmt.Errorf("move an outbox: %w", err)
				}
			}
			if err := r.rdb.RenameNX(ctx, key, to).Err(); err != nil && !isNil(err) {
				return moved, fmt.Errorf("move %s: %w", key, err)
			}
			moved++
		}
		if err := iter.Err(); err != nil {
			return moved, fmt.Errorf("scan old keys: %w", err)
		}
	}
	r.rdb.Del(ctx, r.prefix+"outboxes")
	return moved, nil
}
