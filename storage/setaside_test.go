package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// An update's tries are counted in Redis, so that another process — a
// restart, a take-over — goes on from the count; set aside, the update
// leaves its stream with its reply queued in the chat's outbox, once, and
// stays listed until dropped.
func TestSetAside(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := storagetest.NewRedis(t, storage.RedisOptions{})
	// Another process: its own client, the same keys.
	other := storage.NewRedis(redis.NewClient(&redis.Options{Addr: r.Client().Options().Addr, DB: r.Client().Options().DB}),
		storage.RedisOptions{Prefix: r.Prefix()})
	t.Cleanup(func() { other.Close() })
	if err := r.EnsureGroup(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	for i, chat := range []int64{41, 57} { // partitions 9 and 9: two entries of one stream
		if _, err := r.EnqueueUpdate(ctx, int64(100+i), chat, []byte(`{"update_id":1}`)); err != nil {
			t.Fatal(err)
		}
	}
	qs, err := r.ReadUpdates(ctx, storage.PartitionOf(41), "g", "c", 10, -1)
	if err != nil || len(qs) != 2 {
		t.Fatalf("read %d updates (%v), want 2", len(qs), err)
	}
	q := qs[0]
	for want, rd := range []*storage.Redis{r, other, r} {
		if n, err := rd.CountTry(ctx, q); err != nil || n != want+1 {
			t.Fatalf("try %d counted as %d (%v)", want+1, n, err)
		}
	}
	if n, err := r.CountTry(ctx, qs[1]); err != nil || n != 1 {
		t.Errorf("another entry's first try counted as %d (%v)", n, err)
	}
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	held := storage.HeldUpdate{UpdateID: 100, Kind: "document", Reason: "step ran past its 30s deadline", Tries: 3, At: at}
	if err := other.SetAside(ctx, "g", q, held, [][]byte{[]byte("reply")}); err != nil {
		t.Fatal(err)
	}
	if err := r.SetAside(ctx, "g", q, held, [][]byte{[]byte("reply")}); !errors.Is(err, storage.ErrHandled) {
		t.Errorf("set aside twice: %v, want ErrHandled", err)
	}
	if out, err := r.Outboxes(ctx, storage.PartitionOf(41)); err != nil || len(out[41]) != 1 || string(out[41][0]) != "reply" {
		t.Errorf("outbox of the chat = %q (%v), want the one reply", out[41], err)
	}
	if n, err := r.Queued(ctx); err != nil || n != 1 {
		t.Errorf("%d updates queued (%v), want the other one", n, err)
	}
	// Counted afresh: the set-aside entry's count went with it.
	if n, err := r.CountTry(ctx, q); err != nil || n != 1 {
		t.Errorf("count after set aside = %d (%v), want a fresh one", n, err)
	}
	list, err := r.HeldUpdates(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("held = %+v (%v)", list, err)
	}
	h := list[0]
	if h.ID != "9/"+q.StreamID || h.ChatID != 41 || h.UpdateID != 100 || h.Tries != 3 || !h.At.Equal(at) ||
		h.Payload != `{"update_id":1}` || h.Kind != "document" {
		t.Errorf("held update = %+v", h)
	}
	for _, bad := range []string{"", "9", "16/1-0", "x/1-0", "9/"} {
		if _, err := r.DropHeld(ctx, bad); !errors.Is(err, storage.ErrBadHeldID) {
			t.Errorf("DropHeld(%q) = %v, want ErrBadHeldID", bad, err)
		}
	}
	if ok, err := r.DropHeld(ctx, "8/"+q.StreamID); err != nil || ok {
		t.Errorf("dropped from the wrong partition: %v, %v", ok, err)
	}
	if ok, err := r.DropHeld(ctx, h.ID); err != nil || !ok {
		t.Errorf("DropHeld = %v, %v", ok, err)
	}
	if n, err := r.CountHeld(ctx); err != nil || n != 0 {
		t.Errorf("%d held after the drop (%v)", n, err)
	}
	if err := r.SetAside(ctx, "g", qs[1], held, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := r.DropAllHeld(ctx); err != nil || n != 1 {
		t.Errorf("DropAllHeld = %d, %v; want 1", n, err)
	}
}
