package bot

import (
	"context"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/ocopbot/ocopbot/storage"
)

// Leases: a process holds a partition of the intake for leaseTTL at a time
// and renews it every leaseEvery; a process that dies loses its partitions
// when their leases lapse, and the others take them over.
const (
	leaseTTL   = 10 * time.Second
	leaseEvery = 2 * time.Second
)

// partitions holds this process's share of the intake: every live process
// takes about Partitions / (live processes) of them, each read by a
// goroutine of its own, so that each chat's updates — always in its one
// partition — are handled in order by one process, whichever process
// received them.
type partitions struct {
	d     *dispatcher
	b     *Bot
	owner string
	held  map[int]context.CancelFunc // partition → stop its reader
	wg    sync.WaitGroup
	first int // where this process starts looking for free partitions
}

func newPartitions(d *dispatcher) *partitions {
	h := fnv.New32a()
	_, _ = h.Write([]byte(d.b.cfg.Consumer))
	return &partitions{d: d, b: d.b, owner: d.b.cfg.Consumer, held: map[int]context.CancelFunc{},
		first: int(h.Sum32() % storage.Partitions)}
}

// run balances and renews the leases until ctx is cancelled.
func (ps *partitions) run(ctx context.Context) {
	t := time.NewTicker(leaseEvery)
	defer t.Stop()
	for {
		ps.balance(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// balance renews the partitions held, gives up those above this process's
// share and takes free ones below it.
func (ps *partitions) balance(ctx context.Context) {
	live, err := ps.b.state.Heartbeat(ctx, ps.owner, leaseTTL)
	if err != nil {
		if ctx.Err() == nil {
			ps.b.log.Warn("partition heartbeat", errAttr(err))
		}
		return
	}
	ps.b.out.sharePacing(ctx, live)
	share := (storage.Partitions + max(live, 1) - 1) / max(live, 1)
	before := len(ps.held)
	defer func() {
		if len(ps.held) != before {
			ps.b.log.Info("partitions held", slog.Int("held", len(ps.held)), slog.Int("share", share), slog.Int("live", live))
		}
	}()
	for part := range ps.held {
		ok, err := ps.b.state.LeasePartition(ctx, part, ps.owner, leaseTTL)
		if err != nil {
			continue // Redis is out: the lease still runs; try again next time
		}
		if !ok {
			ps.b.log.Warn("partition lease lost", slog.Int("partition", part))
			ps.held[part]()
			delete(ps.held, part)
		}
	}
	for part := range ps.held {
		if len(ps.held) <= share {
			break
		}
		ps.giveUp(ctx, part)
	}
	for i := 0; i < storage.Partitions && len(ps.held) < share; i++ {
		part := (ps.first + i) % storage.Partitions
		if _, ok := ps.held[part]; ok {
			continue
		}
		ok, err := ps.b.state.LeasePartition(ctx, part, ps.owner, leaseTTL)
		if err != nil || !ok {
			continue
		}
		ps.take(ctx, part)
	}
}

// take starts reading a partition: first the updates its previous holder
// left unfinished and the replies it still owed, then new ones.
func (ps *partitions) take(ctx context.Context, part int) {
	rctx, cancel := context.WithCancel(ctx)
	ps.held[part] = cancel
	ps.wg.Add(1)
	go func() {
		defer ps.wg.Done()
		ps.read(rctx, part)
	}()
}

func (ps *partitions) read(ctx context.Context, part int) {
	b := ps.b
	for delay := 100 * time.Millisecond; ctx.Err() == nil; delay = min(2*delay, 2*time.Second) {
		// Replies owed go into their chats' queues before any update of the
		// partition is handled, so that they keep their place.
		err := b.out.recover(ctx, part)
		var left []storage.QueuedUpdate
		if err == nil {
			left, err = b.state.TakeOver(ctx, part, b.cfg.Group, b.cfg.Consumer)
		}
		if err == nil {
			if len(left) > 0 {
				b.log.Info("taking over updates left in hand", slog.Int("partition", part), slog.Int("updates", len(left)))
			}
			ps.d.route(left)
			break
		}
		b.log.Warn("take over partition", slog.Int("partition", part), errAttr(err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
	}
	// This goroutine is the partition's one reader in this process, and
	// the lease makes this process its one reader at all: each chat's
	// updates are routed in stream order.
	f := b.feeds.open(part)
	defer b.feeds.close(part, f)
	more, reclaim := false, false
	for ctx.Err() == nil {
		var qs []storage.QueuedUpdate
		var err error
		if reclaim {
			// A read that failed may have been carried out, its answer
			// lost with the connection: Redis then counts its entries as
			// this process's, and a read of new entries never returns
			// them. Claim them back; those in hand are not taken twice.
			if qs, err = b.state.TakeOver(ctx, part, b.cfg.Group, b.cfg.Consumer); err == nil {
				reclaim = false
				ps.d.route(qs)
				continue
			}
		} else if b.feeds.polling.Load() {
			qs, err = ps.readFed(ctx, part, f, more)
		} else {
			qs, err = b.state.ReadUpdates(ctx, part, b.cfg.Group, b.cfg.Consumer, readCount, time.Second)
		}
		more = len(qs) == readCount
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			reclaim = true
			b.log.Warn("read updates", slog.Int("partition", part), errAttr(err))
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		ps.d.route(qs)
	}
}

// giveUp hands a partition over: no new reads, the updates in hand
// finish, replies not yet under way are left in the outboxes for the next
// holder, then the lease goes.
func (ps *partitions) giveUp(ctx context.Context, part int) {
	ps.held[part]()
	delete(ps.held, part)
	deadline := time.Now().Add(leaseTTL / 2)
	for ps.d.inHandOf(part) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	ps.b.out.handOver(part, time.Until(deadline))
	if err := ps.b.state.ReleasePartition(ctx, part, ps.owner); err != nil {
		ps.b.log.Warn("release partition", slog.Int("partition", part), errAttr(err))
	}
	ps.b.log.Info("partition handed over", slog.Int("partition", part))
}

// releaseAll gives every partition up at shutdown, once the updates in
// hand are done, and leaves the live processes so that the others take
// them at once.
func (ps *partitions) releaseAll(ctx context.Context) {
	for part, stop := range ps.held {
		stop()
		ps.b.out.handOver(part, time.Second)
		if err := ps.b.state.ReleasePartition(ctx, part, ps.owner); err != nil {
			ps.b.log.Warn("release partition", slog.Int("partition", part), errAttr(err))
		}
		delete(ps.held, part)
	}
	ps.wg.Wait()
	if err := ps.b.state.Leave(ctx, ps.owner); err != nil {
		ps.b.log.Warn("leave", errAttr(err))
	}
}
