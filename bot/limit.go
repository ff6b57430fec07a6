package bot

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/ocopbot/ocopbot/storage"
)

// Limits are the sender's rates, shared by every process through Redis.
// Telegram allows about 30 messages a second per bot and 1 a second per
// chat; the defaults stay just under, so that network jitter, which can
// bunch messages sent apart, does not cross Telegram's line.
type Limits struct {
	Global       float64 // messages per second for the whole bot; default 29.5
	GlobalBurst  int     // default 3
	PerChat      float64 // messages per second per chat; default 1
	PerChatBurst int     // default 1
}

func (l Limits) withDefaults() Limits {
	if l.Global <= 0 {
		l.Global = 29.5
	}
	if l.GlobalBurst <= 0 {
		l.GlobalBurst = 3
	}
	if l.PerChat <= 0 {
		l.PerChat = 1
	}
	if l.PerChatBurst <= 0 {
		l.PerChatBurst = 1
	}
	return l
}

// limiter takes send permits from GCRA buckets in Redis (redis_rate):
// every process sharing Redis and the key prefix shares the rates.
type limiter struct {
	rdb             *redis.Client
	rl              *redis_rate.Limiter
	prefix          string
	global, perChat redis_rate.Limit
	// globalFree is when (Unix ns) the global bucket holds a permit at the
	// earliest, as its last answer here said: no one asks Redis before.
	// Other processes only take permits, so it is never too late.
	globalFree atomic.Int64
}

// newLimiter keeps to l under the keys that start with prefix.
func newLimiter(state *storage.Redis, l Limits, prefix string) *limiter {
	l = l.withDefaults()
	return &limiter{
		rdb:     state.Client(),
		rl:      redis_rate.NewLimiter(state.Client()),
		prefix:  state.Prefix() + prefix,
		global:  rateLimit(l.Global, l.GlobalBurst),
		perChat: rateLimit(l.PerChat, l.PerChatBurst),
	}
}

// rateLimit expresses a fractional rate in redis_rate's whole events per
// period.
func rateLimit(perSecond float64, burst int) redis_rate.Limit {
	return redis_rate.Limit{Rate: int(math.Round(perSecond * 1000)), Period: 1000 * time.Second, Burst: burst}
}

// take waits for a permit to send to chatID. When the chat's own rate is
// spent it returns how long to come back after instead of waiting: the
// caller snoozes the job and frees its worker. The global rate is waited
// for here, since its permits come every few tens of milliseconds.
func (l *limiter) take(ctx context.Context, chatID int64) (later time.Duration, err error) {
	res, err := l.rl.Allow(ctx, l.prefix+"chat:"+strconv.FormatInt(chatID, 10), l.perChat)
	if err != nil {
		return 0, fmt.Errorf("per-chat rate: %w", err)
	}
	if res.Allowed == 0 {
		return res.RetryAfter, nil
	}
	for {
		wait, err := l.takeGlobal(ctx)
		if err != nil || wait == 0 {
			return 0, err
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// takeGlobal takes a permit of the bot's global rate if one is free now,
// or returns how long until one is. Notifications and paced replies take
// from the same rate, in every process.
func (l *limiter) takeGlobal(ctx context.Context) (wait time.Duration, err error) {
	now := time.Now()
	if free := time.Unix(0, l.globalFree.Load()); now.Before(free) {
		return free.Sub(now), nil // the round trip would be refused: at 30 a second, one in two
	}
	res, err := l.rl.Allow(ctx, l.prefix+"global", l.global)
	if err != nil {
		return 0, fmt.Errorf("global rate: %w", err)
	}
	switch {
	case res.Allowed > 0 && res.Remaining > 0:
		return 0, nil
	case res.Allowed > 0: // the bucket is empty now: the next permit comes one interval on
		l.globalFree.Store(now.Add(l.global.Period / time.Duration(max(l.global.Rate, 1))).UnixNano())
		return 0, nil
	}
	wait = max(res.RetryAfter, time.Millisecond)
	l.globalFree.Store(now.Add(wait).UnixNano())
	return wait, nil
}

// tellPaced tells every process that this one paces its replies under the
// global rate, for the next d: a process sending freely meanwhile would
// take from Telegram's limit what the shared rate does not know of.
func (l *limiter) tellPaced(ctx context.Context, d time.Duration) error {
	return l.rdb.Set(ctx, l.prefix+"paced", "1", d).Err()
}

// pacedElsewhere reports whether a process told so within the last while.
func (l *limiter) pacedElsewhere(ctx context.Context) (bool, error) {
	n, err := l.rdb.Exists(ctx, l.prefix+"paced").Result()
	return n > 0, err
}
