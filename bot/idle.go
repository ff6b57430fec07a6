package bot

import (
	"context"
	"sync"
	"time"
)

// sweepIdle deletes, every idle/2 until ctx ends, the entries of m that
// gone says have been idle long enough; mu guards m. Per-chat records are
// kept in memory only while a chat is active, so memory follows the active
// chats, not all chats ever seen.
func sweepIdle[V any](ctx context.Context, mu *sync.Mutex, m map[int64]V, idle time.Duration, gone func(v V, now time.Time) bool) {
	t := time.NewTicker(idle / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			mu.Lock()
			for id, v := range m {
				if gone(v, now) {
					delete(m, id)
				}
			}
			mu.Unlock()
		}
	}
}
