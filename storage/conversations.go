package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// ErrBusy is returned by Lock while another worker, possibly in another
// process, holds the chat.
var ErrBusy = errors.New("chat busy")

// ErrStale is returned by Save when the state changed since it was read: the
// compare-and-set refused the write.
var ErrStale = errors.New("conversation state changed")

// ErrHandled is returned by Lock and Save when the intake entry they were
// given was already acknowledged: another worker handled the update (it was
// claimed while this one still held it), so this copy must change nothing.
var ErrHandled = errors.New("update already handled")

// Session is a locked chat with the state read under the lock.
type Session struct {
	ChatID  int64
	Version int64  // 0 when the chat has never been written
	Data    []byte // the conversation, opaque to storage; nil when none
	Locale  string // "" when unknown (the key expired or never existed)
	token   string
}

// lockScript checks that the intake entry (if given) is still pending, takes
// the chat lock and reads the state, in one round trip.
var lockScript = redis.NewScript(`
if ARGV[4] ~= '' and #redis.call('XPENDING', KEYS[3], ARGV[3], ARGV[4], ARGV[4], 1) == 0 then
  return 'handled'
end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return false
end
return redis.call('HMGET', KEYS[2], 'v', 'd', 'l')
`)

// saveScript writes the state only if its version is still the one read
// (compare-and-set), bumps the version, refreshes the TTL and releases the
// lock if this worker still holds it. An empty data argument clears the
// conversation but keeps the version and locale. When given an intake
// entry it acknowledges it in the same step, and writes nothing when the
// entry was acknowledged already (-2): an update's effect on the state and
// its leaving the queue happen together, so a crash can neither apply an
// update twice nor lose one that was not applied. A refused compare-and-set
// (-1) leaves the entry pending, to be handled again.
var saveScript = redis.NewScript(`
local function unlock()
  if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
end
local v = tonumber(redis.call('HGET', KEYS[2], 'v') or '0')
if v ~= tonumber(ARGV[2]) then
  unlock()
  return -1
end
if ARGV[7] ~= '' then
  if redis.call('XACK', KEYS[3], ARGV[6], ARGV[7]) == 0 then
    unlock()
    return -2
  end
  redis.call('XDEL', KEYS[3], ARGV[7])
end
v = v + 1
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[2], 'd')
  redis.call('HSET', KEYS[2], 'v', v, 'l', ARGV[4])
else
  redis.call('HSET', KEYS[2], 'v', v, 'd', ARGV[3], 'l', ARGV[4])
end
redis.call('EXPIRE', KEYS[2], ARGV[5])
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return v
`)

var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// Lock takes a chat for one update and returns its state. The lock orders
// updates of one chat across processes; its TTL frees a chat whose worker
// crashed. It returns ErrBusy when another worker holds the chat, and
// ErrHandled when entry (if given) has left the intake queue already.
func (r *Redis) Lock(ctx context.Context, chatID int64, entry StreamAck) (Session, error) {
	var b [12]byte
	_, _ = rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	res, err := lockScript.Run(ctx, r.rdb, []string{r.lockKey(chatID), r.stateKey(chatID), r.streamKey()},
		token, r.lockTTL.Milliseconds(), entry.Group, entry.StreamID).Result()
	if isNil(err) {
		return Session{}, ErrBusy
	}
	if err != nil {
		return Session{}, fmt.Errorf("lock chat %d: %w", chatID, err)
	}
	if res == "handled" {
		return Session{}, ErrHandled
	}
	s := Session{ChatID: chatID, token: token}
	vals, _ := res.([]any)
	if len(vals) == 3 {
		if v, ok := vals[0].(string); ok {
			s.Version, _ = strconv.ParseInt(v, 10, 64)
		}
		if d, ok := vals[1].(string); ok {
			s.Data = []byte(d)
		}
		if l, ok := vals[2].(string); ok {
			s.Locale = l
		}
	}
	return s, nil
}

// StreamAck names an intake stream entry to acknowledge with a write.
type StreamAck struct {
	Group    string
	StreamID string
}

// Save writes data (nil clears the conversation) and locale if the state is
// still at s.Version, acknowledges ack's entry if given, and releases the
// lock. It returns the new version; ErrStale when another writer got there
// first (the entry stays pending); ErrHandled when the entry had been
// acknowledged by another worker (nothing is written).
func (r *Redis) Save(ctx context.Context, s Session, data []byte, locale string, ack StreamAck) (int64, error) {
	v, err := saveScript.Run(ctx, r.rdb, []string{r.lockKey(s.ChatID), r.stateKey(s.ChatID), r.streamKey()},
		s.token, s.Version, data, locale, int64(r.stateTTL.Seconds()), ack.Group, ack.StreamID).Int64()
	if err != nil {
		return 0, fmt.Errorf("save chat %d state: %w", s.ChatID, err)
	}
	switch v {
	case -1:
		return 0, ErrStale
	case -2:
		return 0, ErrHandled
	}
	return v, nil
}

// Unlock releases the chat without writing.
func (r *Redis) Unlock(ctx context.Context, s Session) error {
	if err := unlockScript.Run(ctx, r.rdb, []string{r.lockKey(s.ChatID)}, s.token).Err(); err != nil {
		return fmt.Errorf("unlock chat %d: %w", s.ChatID, err)
	}
	return nil
}
