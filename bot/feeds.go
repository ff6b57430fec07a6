package bot

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ocopbot/ocopbot/storage"
)

// readCount is how many entries one read of a partition takes at most.
const readCount = 256

// feedWait bounds how long the poller waits for a partition's reader to
// take its updates; past it they go to Redis, where the reader finds them.
const feedWait = 50 * time.Millisecond

// feeds let the process that polls Telegram hand each update to the
// reader of its partition, when this process holds it. The reader queues
// the updates and reads them back in one round trip
// (storage.Redis.EnqueueAndRead) instead of waiting in Redis for them.
// Order holds because a partition still has one reader: whatever reaches
// its stream another way — the bot's own entries, updates the poller could
// not hand over — that reader reads too, in stream order.
type feeds struct {
	polling atomic.Bool // this process polls: its readers wait for the poller, not in Redis

	mu     sync.Mutex
	byPart map[int]*feed
}

// feed is a partition reader's intake from the poller.
type feed struct {
	reqs chan *feedReq
	done chan struct{} // closed when the reader stops
}

type feedReq struct {
	in  []storage.Incoming
	res chan feedRes // buffered: the reader never waits on it
}

type feedRes struct {
	fresh []bool
	err   error
}

func newFeeds() *feeds { return &feeds{byPart: map[int]*feed{}} }

// open makes a partition's reader reachable by the poller.
func (fs *feeds) open(part int) *feed {
	f := &feed{reqs: make(chan *feedReq), done: make(chan struct{})}
	fs.mu.Lock()
	fs.byPart[part] = f
	fs.mu.Unlock()
	return f
}

// close tells the poller the reader is gone.
func (fs *feeds) close(part int, f *feed) {
	fs.mu.Lock()
	if fs.byPart[part] == f {
		delete(fs.byPart, part)
	}
	fs.mu.Unlock()
	close(f.done)
}

func (fs *feeds) get(part int) *feed {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.byPart[part]
}

// readFed is a partition reader's read while this process polls: it waits
// for the poller's updates of the partition, queues them and reads back
// what is new in one round trip. Entries that reach the stream another
// way are read at the next batch, or within a second; with more left
// unread (more), it reads again at once.
func (ps *partitions) readFed(ctx context.Context, part int, f *feed, more bool) ([]storage.QueuedUpdate, error) {
	b := ps.b
	reader := storage.Reader{Group: b.cfg.Group, Consumer: b.cfg.Consumer}
	wait := time.Second
	if more {
		wait = 0
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case req := <-f.reqs:
		// The poller waits for this answer: it is written whatever
		// happens to ctx meanwhile.
		fresh, qs, err := b.state.EnqueueAndRead(context.WithoutCancel(ctx), part, req.in, reader, readCount)
		req.res <- feedRes{fresh: fresh, err: err}
		return qs, err
	case <-t.C:
		return b.state.ReadUpdates(ctx, part, reader.Group, reader.Consumer, readCount, -1)
	case <-ctx.Done():
		return nil, nil
	}
}

// enqueueBatch stores a batch the poller took: the updates of partitions this
// process reads go through their readers, the rest straight to Redis.
// fresh[i] tells whether in[i] was new.
func (b *Bot) enqueueBatch(ctx context.Context, in []storage.Incoming) ([]bool, error) {
	byPart := map[int][]int{}
	for i, u := range in {
		p := storage.PartitionOf(u.ChatID)
		byPart[p] = append(byPart[p], i)
	}
	type sent struct {
		idx []int
		req *feedReq
	}
	var handed []sent
	var rest []storage.Incoming
	var restIdx []int
	for p, idx := range byPart {
		if f := b.feeds.get(p); f != nil {
			req := &feedReq{in: pick(in, idx), res: make(chan feedRes, 1)}
			t := time.NewTimer(feedWait)
			select {
			case f.reqs <- req:
				t.Stop()
				handed = append(handed, sent{idx, req})
				continue
			case <-f.done:
			case <-t.C:
			}
		}
		rest = append(rest, pick(in, idx)...)
		restIdx = append(restIdx, idx...)
	}
	fresh := make([]bool, len(in))
	var firstErr error
	if len(rest) > 0 {
		got, err := b.state.EnqueueUpdates(ctx, rest)
		firstErr = err
		for j, ok := range got {
			fresh[restIdx[j]] = ok
		}
	}
	for _, s := range handed {
		r := <-s.req.res
		if r.err != nil && firstErr == nil {
			firstErr = r.err
		}
		for j, ok := range r.fresh {
			fresh[s.idx[j]] = ok
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return fresh, nil
}

func pick(in []storage.Incoming, idx []int) []storage.Incoming {
	out := make([]storage.Incoming, len(idx))
	for j, i := range idx {
		out[j] = in[i]
	}
	return out
}
