package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ocopbot/ocopbot/storage"
)

// testRedis is a store under a prefix of the test's own (storagetest would
// import this package).
func testRedis(t *testing.T) *storage.Redis {
	t.Helper()
	url := os.Getenv("TEST_REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	o, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(o)
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	r := storage.NewRedis(rdb, storage.RedisOptions{Prefix: "test:" + hex.EncodeToString(rnd[:]) + ":"})
	t.Cleanup(func() {
		_ = r.DeleteAll(context.Background())
		_ = rdb.Close()
	})
	return r
}

// heldPipelines holds the first pipelines until released, and records the
// size of every pipeline.
type heldPipelines struct {
	release chan struct{}
	mu      sync.Mutex
	sizes   []int
}

func (h *heldPipelines) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (h *heldPipelines) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h *heldPipelines) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		<-h.release
		h.mu.Lock()
		h.sizes = append(h.sizes, len(cmds))
		h.mu.Unlock()
		return next(ctx, cmds)
	}
}

// TestWritesGoInBatches: writes that come while others are under way go
// to Redis together, one round trip for many, and each worker gets its own
// answer.
func TestWritesGoInBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := testRedis(t)
	hook := &heldPipelines{release: make(chan struct{})}
	r.Client().AddHook(hook)
	stop := make(chan struct{})
	c := startCommits(r, newOutbound(nil, r, slog.New(slog.DiscardHandler), Limits{}, time.Minute, 1), stop)
	defer func() {
		close(stop)
		c.wg.Wait()
	}()

	const writers = 40
	var started atomic.Int64
	versions := make([]int64, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			started.Add(1)
			versions[i], errs[i] = c.save(ctx, storage.Write{Session: storage.Session{ChatID: int64(9000 + i)}, Data: []byte("s"), Locale: "vi"})
		})
	}
	// Every writer is on its way: the first batches are held in Redis's
	// hook meanwhile, the others wait for a committer.
	for started.Load() < writers {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	close(hook.release)
	wg.Wait()
	for i := range writers {
		if errs[i] != nil || versions[i] != 1 {
			t.Fatalf("writer %d: version %d, %v; want 1", i, versions[i], errs[i])
		}
	}
	hook.mu.Lock()
	defer hook.mu.Unlock()
	if len(hook.sizes) >= writers/2 {
		t.Errorf("%d round trips for %d writes (%v), want them batched", len(hook.sizes), writers, hook.sizes)
	}
}

// TestWritesTakeDeliveriesAlong: replies delivered since the last write
// leave their outboxes with the next state write, in its round trip, with
// no flush of their own.
func TestWritesTakeDeliveriesAlong(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := testRedis(t)
	var pipelines atomic.Int64
	r.Client().AddHook(countPipelines{&pipelines})
	o := newOutbound(nil, r, slog.New(slog.DiscardHandler), Limits{}, time.Minute, 1)
	stop := make(chan struct{})
	c := startCommits(r, o, stop)
	defer func() {
		close(stop)
		c.wg.Wait()
	}()
	if _, err := r.Save(ctx, storage.Session{ChatID: 31}, []byte("a"), "vi", storage.StreamAck{},
		[][]byte{[]byte("reply 1"), []byte("reply 2"), []byte("reply 3")}); err != nil {
		t.Fatal(err)
	}
	o.delivered(31, &outEntry{raw: []byte("reply 1")}, &outEntry{raw: []byte("reply 2")})
	before := pipelines.Load()
	if _, err := c.save(ctx, storage.Write{Session: storage.Session{ChatID: 32}, Data: []byte("b"), Locale: "vi"}); err != nil {
		t.Fatal(err)
	}
	if n := pipelines.Load() - before; n != 1 {
		t.Fatalf("%d round trips for a write and two removals, want 1", n)
	}
	boxes, err := r.Outboxes(ctx, storage.PartitionOf(31))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%s", boxes[31]); got != "[reply 3]" {
		t.Fatalf("chat 31's outbox holds %s, want [reply 3]: the delivered ones removed with the write", got)
	}
	if left := o.takeDone(0); len(left) != 0 {
		t.Fatalf("%d deliveries still wait for a flush", len(left))
	}
	// A pile of them (after an outage) rides along maxRemovals at a time.
	for i := range maxRemovals + 10 {
		o.delivered(33, &outEntry{raw: fmt.Appendf(nil, "old %d", i)})
	}
	if _, err := c.save(ctx, storage.Write{Session: storage.Session{ChatID: 32, Version: 1}, Data: []byte("c"), Locale: "vi"}); err != nil {
		t.Fatal(err)
	}
	if left := o.takeDone(0); len(left) != 10 || string(left[0].Entry) != fmt.Sprintf("old %d", maxRemovals) {
		t.Fatalf("%d deliveries left for the flush, want the last 10", len(left))
	}
}

// countPipelines counts the pipelines sent to Redis.
type countPipelines struct{ n *atomic.Int64 }

func (h countPipelines) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (h countPipelines) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h countPipelines) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// TestFloodPerChannel: two Zalo chats told to wait in a row make every
// Zalo chat wait, and no Telegram chat: each channel's limit is its own,
// and Telegram's replies are not paced for Zalo's refusals. The other way
// round, too.
func TestFloodPerChannel(t *testing.T) {
	t.Parallel()
	o := newOutbound(nil, testRedis(t), slog.New(slog.DiscardHandler), Limits{}, time.Minute, 1)
	now := time.Now()
	z1, z2, z3 := storage.ZaloChatBase-1, storage.ZaloChatBase-2, storage.ZaloChatBase-3
	o.mu.Lock()
	defer o.mu.Unlock()
	o.toldToWaitLocked(z1, o.chat(z1), 5*time.Second, now)
	o.toldToWaitLocked(z2, o.chat(z2), 5*time.Second, now)
	if o.holdLocked(o.chat(z3), now) <= 0 {
		t.Error("a third Zalo chat does not wait after two were told to in a row")
	}
	if w := o.holdLocked(o.chat(42), now); w > 0 || o.paced || o.limited {
		t.Errorf("a Telegram chat waits %v (paced %v) for Zalo's refusals", w, o.paced)
	}
	o.toldToWaitLocked(41, o.chat(41), 3*time.Second, now)
	o.toldToWaitLocked(43, o.chat(43), 3*time.Second, now)
	if w := o.holdLocked(o.chat(42), now); w <= 0 || !o.paced {
		t.Errorf("a Telegram chat waits %v (paced %v) after two were told to in a row", w, o.paced)
	}
	if w := o.holdLocked(o.chat(z3), now); w != 5*time.Second {
		t.Errorf("a Zalo chat waits %v, want Zalo's own 5s", w)
	}
}

// TestZaloRatesOwn: notifications to Zalo users keep to Zalo's rates, in
// buckets of their own: Zalo's spent, Telegram's still give.
func TestZaloRatesOwn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := &Bot{state: testRedis(t), log: slog.New(slog.DiscardHandler),
		cfg: Config{ZaloLimits: Limits{Global: 0.1, GlobalBurst: 1}}}
	s := b.Sender(Limits{})
	if w, err := s.zlimit.takeGlobal(ctx); err != nil || w != 0 {
		t.Fatalf("Zalo's first permit: wait %v, %v", w, err)
	}
	if w, err := s.zlimit.takeGlobal(ctx); err != nil || w < time.Second {
		t.Fatalf("Zalo's second permit at 0.1/s: wait %v, %v", w, err)
	}
	for range 3 {
		if w, err := s.limit.takeGlobal(ctx); err != nil || w != 0 {
			t.Fatalf("Telegram's permit waits %v, %v, for Zalo's spent rate", w, err)
		}
	}
}
