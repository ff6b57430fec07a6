package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Files the bot serves by link to a channel that takes no upload (Zalo: a
// photo by URL, no documents): kept in Redis until their link expires, so
// every process can serve a link any process made.

// PutFile keeps a file under id for ttl.
func (r *Redis) PutFile(ctx context.Context, id, name string, data []byte, ttl time.Duration) error {
	key := r.prefix + "file:" + id
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, "n", name, "d", data)
		p.Expire(ctx, key, ttl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("keep file %s: %w", id, err)
	}
	return nil
}

// File returns a file PutFile kept, or ErrNotFound once it expired.
func (r *Redis) File(ctx context.Context, id string) (name string, data []byte, err error) {
	vals, err := r.rdb.HMGet(ctx, r.prefix+"file:"+id, "n", "d").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return "", nil, fmt.Errorf("read file %s: %w", id, err)
	}
	n, ok1 := vals[0].(string)
	d, ok2 := vals[1].(string)
	if !ok1 || !ok2 {
		return "", nil, ErrNotFound
	}
	return n, []byte(d), nil
}
