package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// ErrStale is returned by Save when the state changed since it was read: the
// compare-and-set refused the write.
var ErrStale = errors.New("conversation state changed")

// ErrHandled is returned by Save when the intake entry it was given was
// already acknowledged: another worker handled the update (it was claimed
// while this one still held it), so this copy must change nothing.
var ErrHandled = errors.New("update already handled")

// Session is a chat's state as read, the version the write must find.
type Session struct {
	ChatID  int64
	Version int64  // 0 when the chat has never been written
	Data    []byte // the conversation, opaque to storage; nil when none
	Locale  string // "" when unknown (the key expired or never existed)
	// Choices are what the chat's newest question offers, as its channel
	// keeps them (Zalo: the numbered lines a typed number picks); nil when
	// none.
	Choices []byte
	// Person is the chat id the chat's records carry: its own, or the
	// person's its account is linked to; 0 when not known here. Postgres
	// holds it (accounts.person); this copy spares every update a query.
	Person int64
}

// Load reads a chat's state. No lock is taken: a chat's updates are handled
// in order by one worker, and Save's compare-and-set refuses a write made
// from a state another writer has moved on since.
func (r *Redis) Load(ctx context.Context, chatID int64) (Session, error) {
	vals, err := r.rdb.HMGet(ctx, r.stateKey(chatID), "v", "d", "l", "c", "p").Result()
	if err != nil {
		return Session{}, fmt.Errorf("load chat %d: %w", chatID, err)
	}
	s := Session{ChatID: chatID}
	if v, ok := vals[0].(string); ok {
		s.Version, _ = strconv.ParseInt(v, 10, 64)
	}
	if d, ok := vals[1].(string); ok {
		s.Data = []byte(d)
	}
	if l, ok := vals[2].(string); ok {
		s.Locale = l
	}
	if c, ok := vals[3].(string); ok {
		s.Choices = []byte(c)
	}
	if p, ok := vals[4].(string); ok {
		s.Person, _ = strconv.ParseInt(p, 10, 64)
	}
	return s, nil
}

// LastWrote returns when each chat last wrote (Unix ms; 0: not known
// here), in one round trip.
func (r *Redis) LastWrote(ctx context.Context, chatIDs []int64) ([]int64, error) {
	cmds := make([]*redis.StringCmd, len(chatIDs))
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range chatIDs {
			cmds[i] = p.HGet(ctx, r.stateKey(id), "t")
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("chats' last writes: %w", err)
	}
	out := make([]int64, len(chatIDs))
	for i, c := range cmds {
		out[i], _ = c.Int64()
	}
	return out, nil
}

// Forget drops a chat's conversation under way (and the choices it shows),
// moving its version on so that a step read before is handled again.
func (r *Redis) Forget(ctx context.Context, chatID int64) error {
	key := r.stateKey(chatID)
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HIncrBy(ctx, key, "v", 1)
		p.HDel(ctx, key, "d", "c")
		p.Expire(ctx, key, r.stateTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("forget chat %d conversation: %w", chatID, err)
	}
	return nil
}

// SetPerson keeps the person a chat's account belongs to (the chat itself
// when unlinked) with its state. The version does not move: the
// conversation is unchanged.
func (r *Redis) SetPerson(ctx context.Context, chatID, person int64) error {
	key := r.stateKey(chatID)
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, "p", person)
		p.Expire(ctx, key, r.stateTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("set chat %d person: %w", chatID, err)
	}
	return nil
}

// saveScript commits what one update did to its chat, in one step: the
// state, written only if its version is still the one read
// (compare-and-set), with a new version and a fresh TTL; the intake entry's
// acknowledgement; and the replies the update owes, appended to the chat's
// outbox; and when the chat last wrote ('t', Unix milliseconds), which tells a
// person's account used last. An empty data argument clears the conversation but keeps the
// version and locale; the choices (ARGV[8]) are set, kept (”) or removed
// ('-'). A refused compare-and-set (-1) changes nothing and
// leaves the entry pending, to be handled again; an entry acknowledged
// already (-2) — another worker handled a claimed copy — changes nothing.
// So an update's effect, its leaving the queue and its replies becoming
// due happen together: a crash can neither apply an update twice, nor lose
// one, nor lose the replies of one it applied.
var saveScript = redis.NewScript(`
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if v ~= tonumber(ARGV[1]) then return -1 end
if ARGV[6] ~= '' then
  if redis.call('XACK', KEYS[2], ARGV[5], ARGV[6]) == 0 then return -2 end
  redis.call('XDEL', KEYS[2], ARGV[6])
end
v = v + 1
local tm = redis.call('TIME')
local t = tm[1] * 1000 + math.floor(tm[2] / 1000)
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], 'd')
  redis.call('HSET', KEYS[1], 'v', v, 'l', ARGV[3], 't', t)
else
  redis.call('HSET', KEYS[1], 'v', v, 'd', ARGV[2], 'l', ARGV[3], 't', t)
end
if ARGV[8] == '-' then
  redis.call('HDEL', KEYS[1], 'c')
elseif ARGV[8] ~= '' then
  redis.call('HSET', KEYS[1], 'c', ARGV[8])
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
if #ARGV > 8 then
  redis.call('RPUSH', KEYS[3], unpack(ARGV, 9))
  redis.call('SADD', KEYS[4], ARGV[7])
end
return v
`)

// StreamAck names an intake stream entry to acknowledge with a write.
type StreamAck struct {
	Group    string
	StreamID string
}

// Save writes data (nil clears the conversation) and locale if the state is
// still at s.Version, acknowledges ack's entry if given, and appends out —
// the Bot API calls the update owes the chat, opaque here — to the chat's
// outbox. It returns the new version; ErrStale when another writer got
// there first (the entry stays pending); ErrHandled when the entry had been
// acknowledged by another worker (nothing is written).
func (r *Redis) Save(ctx context.Context, s Session, data []byte, locale string, ack StreamAck, out [][]byte) (int64, error) {
	res := r.SaveMany(ctx, []Write{{Session: s, Data: data, Locale: locale, Ack: ack, Out: out}})
	return res[0].Version, res[0].Err
}

// Write is one Save, for SaveMany.
type Write struct {
	Session Session
	Data    []byte
	Locale  string
	Ack     StreamAck
	Out     [][]byte
	// Choices replace the chat's stored choices (Session.Choices): nil
	// keeps them, an empty slice removes them.
	Choices []byte
}

// Written is what became of a Write: as Save returns.
type Written struct {
	Version int64
	Err     error
}

// SaveMany makes several Saves — of different chats, each on its own —
// in one round trip: a worker's write then rides with the writes of the
// others that came at the same moment, and Redis reads and answers them
// at once instead of one by one.
func (r *Redis) SaveMany(ctx context.Context, ws []Write) []Written {
	res, _ := r.SaveAndRemove(ctx, ws, nil)
	return res
}

// SaveAndRemove is SaveMany that also removes delivered entries from their
// outboxes (as RemoveDelivered does) in the same round trip: a delivery
// then costs no round trip of its own. removeErr is not nil when the
// removals failed; the caller keeps them for another try.
func (r *Redis) SaveAndRemove(ctx context.Context, ws []Write, done []Delivered) (res []Written, removeErr error) {
	res = make([]Written, len(ws))
	removals := make([]*redis.IntCmd, 0, len(done))
	defer func() {
		for _, c := range removals {
			if err := c.Err(); err != nil {
				removeErr = fmt.Errorf("remove %d delivered outbox entries: %w", len(done), err)
				return
			}
		}
	}()
	for try := 0; ; try++ {
		pipe := r.rdb.Pipeline()
		if try == 0 {
			// Once: a retry must not remove a later entry equal to one
			// removed already.
			for _, d := range done {
				removals = append(removals, pipe.LRem(ctx, r.outboxKey(d.ChatID), 1, d.Entry))
			}
		}
		cmds := make([]*redis.Cmd, len(ws))
		for i, w := range ws {
			args := make([]any, 0, 8+len(w.Out))
			choices := "" // keep
			switch {
			case w.Choices == nil:
			case len(w.Choices) == 0:
				choices = "-"
			default:
				choices = string(w.Choices)
			}
			args = append(args, w.Session.Version, w.Data, w.Locale, int64(r.stateTTL.Seconds()), w.Ack.Group, w.Ack.StreamID, w.Session.ChatID, choices)
			for _, o := range w.Out {
				args = append(args, o)
			}
			chat := w.Session.ChatID
			keys := []string{r.stateKey(chat), r.streamKey(PartitionOf(chat)), r.outboxKey(chat), r.outboxSetKey(PartitionOf(chat))}
			cmds[i] = saveScript.EvalSha(ctx, pipe, keys, args...)
		}
		_, _ = pipe.Exec(ctx) // each command's own error is read below
		if len(cmds) > 0 && try == 0 && redis.HasErrorPrefix(cmds[0].Err(), "NOSCRIPT") {
			// No script ran: every call failed alike.
			if err := saveScript.Load(ctx, r.rdb).Err(); err != nil {
				for i := range res {
					res[i].Err = fmt.Errorf("load save script: %w", err)
				}
				return res, nil
			}
			continue
		}
		for i, c := range cmds {
			chat := ws[i].Session.ChatID
			v, err := c.Int64()
			switch {
			case err != nil:
				res[i].Err = fmt.Errorf("save chat %d state: %w", chat, err)
			case v == -1:
				res[i].Err = ErrStale
			case v == -2:
				res[i].Err = ErrHandled
			default:
				res[i].Version = v
			}
		}
		return res, nil
	}
}

// SetChoices replaces the choices a chat's newest question offers
// (Session.Choices) outside a step: a notification that asks a question.
// An empty slice removes them. The state's version moves on, so that a
// step read before — whose typed answer was read against the old choices —
// is refused by Save's compare-and-set and handled again.
func (r *Redis) SetChoices(ctx context.Context, chatID int64, choices []byte) error {
	key := r.stateKey(chatID)
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HIncrBy(ctx, key, "v", 1)
		if len(choices) == 0 {
			p.HDel(ctx, key, "c")
		} else {
			p.HSet(ctx, key, "c", choices)
		}
		p.Expire(ctx, key, r.stateTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("set chat %d choices: %w", chatID, err)
	}
	return nil
}
