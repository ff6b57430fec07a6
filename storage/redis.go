package storage

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the Redis side of storage: conversation state, update intake and
// dedupe keys. Every key starts with prefix, so tests and deployments sharing
// one Redis never see each other's keys.
type Redis struct {
	rdb      *redis.Client
	prefix   string
	stateTTL time.Duration
}

// RedisOptions tunes key lifetimes; zero values take the defaults.
type RedisOptions struct {
	Prefix   string        // default "ocop:"
	StateTTL time.Duration // conversation lifetime since its last write; default 30 days
}

// OpenRedis connects to Redis at url (redis://host:port/db) and checks it.
func OpenRedis(ctx context.Context, url string, opts RedisOptions) (*Redis, error) {
	o, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("parse REDIS_URL: %w", err)
	}
	o.PoolSize = max(o.PoolSize, PoolSize())
	rdb := redis.NewClient(o)
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("ping redis: %w", err)
	}
	return NewRedis(rdb, opts), nil
}

// PoolSize is the connections a process needs: one blocked read per
// partition it may hold, besides go-redis's default of 10 per CPU for the
// rest.
func PoolSize() int { return Partitions + 10*runtime.GOMAXPROCS(0) }

// NewRedis wraps a client.
func NewRedis(rdb *redis.Client, opts RedisOptions) *Redis {
	r := &Redis{rdb: rdb, prefix: opts.Prefix, stateTTL: opts.StateTTL}
	if r.prefix == "" {
		r.prefix = "ocop:"
	}
	if r.stateTTL == 0 {
		r.stateTTL = 30 * 24 * time.Hour
	}
	return r
}

// Client exposes the client for tools (tests, benchmarks, rate limits).
func (r *Redis) Client() *redis.Client { return r.rdb }

// Prefix returns the key prefix.
func (r *Redis) Prefix() string { return r.prefix }

// Close closes the client.
func (r *Redis) Close() error { return r.rdb.Close() }

// Partitions is how many intake partitions chats are spread over: each is
// one stream, handled by one live process at a time (see Lease), so a
// chat's updates are handled in order whichever process received them.
// Changing it moves chats between partitions: only with the bot stopped
// and its streams empty.
const Partitions = 16

// PartitionOf is the partition of a chat.
func PartitionOf(chatID int64) int {
	p := chatID % Partitions
	if p < 0 {
		p = -p
	}
	return int(p)
}

// Keys, all built here from the prefix. Every key of a chat — its state,
// its outbox — and its partition's stream, seen marks and set of outboxes
// share the partition's hash tag "{pN}": a Redis Cluster keeps them in one
// slot, so that each script touches one slot.
func (r *Redis) tag(part int) string { return r.prefix + "{p" + strconv.Itoa(part) + "}:" }
func (r *Redis) stateKey(chatID int64) string {
	return r.tag(PartitionOf(chatID)) + "chat:" + strconv.FormatInt(chatID, 10)
}
func (r *Redis) seenKey(part int, updateID int64) string {
	return r.tag(part) + "seen:" + strconv.FormatInt(updateID, 10)
}

// seenKeyOf marks an update of a channel whose updates carry a key, not a
// number (LastSeenUpdateID reads the numbered ones only).
func (r *Redis) seenKeyOf(part int, kind, key string) string {
	return r.tag(part) + "seen-" + kind + ":" + key
}
func (r *Redis) streamKey(part int) string { return r.tag(part) + "updates" }
func (r *Redis) leaseKey(part int) string  { return r.tag(part) + "lease" }

// DeleteAll removes every key under the prefix (test clean-up; never FLUSHDB
// on a shared Redis).
func (r *Redis) DeleteAll(ctx context.Context) error {
	iter := r.rdb.Scan(ctx, 0, r.prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("scan keys: %w", err)
	}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		if err := r.rdb.Del(ctx, keys[:n]...).Err(); err != nil {
			return fmt.Errorf("delete keys: %w", err)
		}
		keys = keys[n:]
	}
	return nil
}

func isNil(err error) bool { return errors.Is(err, redis.Nil) }
