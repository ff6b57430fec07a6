package bot

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/ocopbot/ocopbot/storage"
)

// person is the chat id the flows speak to for chatID: the person its
// account belongs to, kept with the chat's state and read from Postgres
// when the state holds none (a new chat, or one whose state expired).
func (b *Bot) person(ctx context.Context, mb *mailbox, chatID int64) (int64, error) {
	if mb.cached && mb.sess.Person != 0 {
		return mb.sess.Person, nil
	}
	p, err := b.records.Person(ctx, chatID)
	if err != nil {
		return 0, err
	}
	if err := b.state.SetPerson(ctx, chatID, p); err != nil {
		return 0, err
	}
	mb.sess.Person = p
	return p, nil
}

// reach lists the chats a person is reached at, the one that wrote last
// first: as the chats' states in Redis say (every write keeps its time),
// else as Postgres recorded (Seen, now and then).
func reach(ctx context.Context, records Records, state *storage.Redis, person int64) ([]int64, error) {
	chats, err := records.Reach(ctx, person)
	if err != nil || len(chats) < 2 {
		return chats, err
	}
	wrote, err := state.LastWrote(ctx, chats)
	if err != nil {
		return nil, err
	}
	at := make(map[int64]int64, len(chats))
	for i, c := range chats {
		at[c] = wrote[i]
	}
	// Stable: chats Redis knows nothing of keep Postgres's order.
	slices.SortStableFunc(chats, func(a, b int64) int { return cmp.Compare(at[b], at[a]) })
	return chats, nil
}

// seenEvery is how often a chat's writing is recorded: enough to tell
// which account a person used last, without a write per message.
const seenEvery = 10 * time.Minute

// seenChats remembers when each chat's writing was last recorded.
type seenChats struct {
	mu sync.Mutex
	at map[int64]time.Time
}

// seen records, now and then, that chatID wrote.
func (b *Bot) seen(ctx context.Context, chatID int64) {
	now := time.Now()
	b.seenAt.mu.Lock()
	last, ok := b.seenAt.at[chatID]
	if ok && now.Sub(last) < seenEvery {
		b.seenAt.mu.Unlock()
		return
	}
	if b.seenAt.at == nil || len(b.seenAt.at) > 100_000 {
		b.seenAt.at = make(map[int64]time.Time)
	}
	b.seenAt.at[chatID] = now
	b.seenAt.mu.Unlock()
	if err := b.records.Seen(ctx, chatID, now); err != nil {
		b.log.Warn("record the chat's writing", slog.Int64("chat_id", chatID), errAttr(err))
	}
}
