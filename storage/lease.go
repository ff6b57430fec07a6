package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// A lease makes one live process the owner of something shared — a
// partition of the intake, the long poll — for ttl at a time; its owner
// renews it well before it lapses, and a process that dies loses it when
// it does.

var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`)

var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// Lease takes or renews the lease named key for owner: it reports whether
// owner holds it for ttl from now.
func (r *Redis) lease(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	ok, err := r.rdb.SetNX(ctx, key, owner, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("take lease %s: %w", key, err)
	}
	if ok {
		return true, nil
	}
	n, err := renewScript.Run(ctx, r.rdb, []string{key}, owner, ttl.Milliseconds()).Int64()
	if err != nil {
		return false, fmt.Errorf("renew lease %s: %w", key, err)
	}
	return n == 1, nil
}

func (r *Redis) release(ctx context.Context, key, owner string) error {
	if err := releaseScript.Run(ctx, r.rdb, []string{key}, owner).Err(); err != nil {
		return fmt.Errorf("release lease %s: %w", key, err)
	}
	return nil
}

// LeasePartition takes or renews a partition's lease for owner.
func (r *Redis) LeasePartition(ctx context.Context, part int, owner string, ttl time.Duration) (bool, error) {
	return r.lease(ctx, r.leaseKey(part), owner, ttl)
}

// ReleasePartition gives a partition's lease up, if owner holds it.
func (r *Redis) ReleasePartition(ctx context.Context, part int, owner string) error {
	return r.release(ctx, r.leaseKey(part), owner)
}

// LeasePoller takes or renews the lease of the one process that long-polls
// Telegram (which allows one reader).
func (r *Redis) LeasePoller(ctx context.Context, owner string, ttl time.Duration) (bool, error) {
	return r.lease(ctx, r.prefix+"poller", owner, ttl)
}

// LeaseZaloPoller is LeasePoller for the Zalo Bot API's one reader.
func (r *Redis) LeaseZaloPoller(ctx context.Context, owner string, ttl time.Duration) (bool, error) {
	return r.lease(ctx, r.prefix+"zalo-poller", owner, ttl)
}

// Heartbeat records owner as alive and returns how many processes were
// alive within ttl, itself included: the partitions are shared among them.
func (r *Redis) Heartbeat(ctx context.Context, owner string, ttl time.Duration) (int, error) {
	key := r.prefix + "members"
	now := time.Now()
	pipe := r.rdb.TxPipeline()
	pipe.ZAdd(ctx, key, redis.Z{Score: float64(now.UnixMilli()), Member: owner})
	pipe.ZRemRangeByScore(ctx, key, "-inf", strconv.FormatInt(now.Add(-ttl).UnixMilli(), 10))
	card := pipe.ZCard(ctx, key)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("heartbeat: %w", err)
	}
	return int(card.Val()), nil
}

// Leave removes owner from the live processes at once (a clean stop), so
// that the others take its share without waiting for it to lapse.
func (r *Redis) Leave(ctx context.Context, owner string) error {
	if err := r.rdb.ZRem(ctx, r.prefix+"members", owner).Err(); err != nil {
		return fmt.Errorf("leave: %w", err)
	}
	return nil
}

// PartitionOwners returns who holds each partition ("" when nobody).
func (r *Redis) PartitionOwners(ctx context.Context) ([]string, error) {
	keys := make([]string, Partitions)
	for p := range Partitions {
		keys[p] = r.leaseKey(p)
	}
	owners := make([]string, Partitions)
	// One GET per partition: the lease keys live in different slots.
	for p, k := range keys {
		v, err := r.rdb.Get(ctx, k).Result()
		if err != nil && !isNil(err) {
			return nil, fmt.Errorf("read lease: %w", err)
		}
		owners[p] = v
	}
	return owners, nil
}
