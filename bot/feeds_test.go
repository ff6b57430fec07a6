package bot_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// blockingReads counts the reads of the intake that wait in Redis.
type blockingReads struct{ n atomic.Int64 }

func (h *blockingReads) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *blockingReads) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h *blockingReads) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "xreadgroup" {
			for _, a := range cmd.Args() {
				if s, ok := a.(string); ok && strings.EqualFold(s, "block") {
					h.n.Add(1)
				}
			}
		}
		return next(ctx, cmd)
	}
}

// TestPollerFeedsPartitionReaders: while this process polls Telegram, the
// partition readers take each update from the poller and queue and read
// it in one round trip — none waits in Redis for updates — and the chat's
// steps come back in order.
func TestPollerFeedsPartitionReaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	reads := &blockingReads{}
	h.rdb.Client().AddHook(reads)
	c := h.user(1601)
	c.say("/start")
	c.expect("OCOP")
	// Readers that were waiting in Redis when polling began come back
	// within their one-second wait and do not wait there again.
	time.Sleep(1500 * time.Millisecond)
	reads.n.Store(0)

	c.say("/dangky")
	c.agree()
	c.expect("Bước 1/", "loại hình")
	c.press("Hợp tác xã")
	c.expect("Bước 2/")
	c.say("Hợp tác xã Nông nghiệp Củ Chi")
	c.expect("Bước 3/")
	c.say("Nguyễn Văn An")
	c.expect("Bước 4/", "Số điện thoại")
	if n := reads.n.Load(); n != 0 {
		t.Errorf("%d reads of the intake waited in Redis while the poller fed the readers, want 0", n)
	}
}
