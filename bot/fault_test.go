package bot_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ocopbot/ocopbot/bot"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// A failed step counts against its update's tries when it is the update's
// own fault: an error that is no outage, or a deadline passed while
// Postgres and Redis answer. With either of them down, or an error of the
// connection, it is an outage and counts nothing.
func TestFaultTellsOutageFromOwnFault(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	rdb := storagetest.NewRedis(t, storage.RedisOptions{})
	u, err := url.Parse(db.URL)
	if err != nil {
		t.Fatal(err)
	}
	pg := newPGProxy(t, u.Host)
	viaProxy, err := storage.Open(ctx, pg.url(db.URL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(viaProxy.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := ln.Addr().String()
	ln.Close()
	dead := redis.NewClient(&redis.Options{Addr: deadAddr, MaxRetries: -1})
	t.Cleanup(func() { dead.Close() })
	redisDown := storage.NewRedis(dead, storage.RedisOptions{Prefix: "nowhere:"})

	up := bot.FaultOf(db.Store, rdb)
	overran := fmt.Errorf("fetch file a.csv: %w", context.DeadlineExceeded)
	timeout := fmt.Errorf("download file: %w", &net.DNSError{Err: "i/o timeout", IsTimeout: true})
	tests := []struct {
		name   string
		fault  func(ctx context.Context, err error) (string, bool)
		err    error
		counts bool
	}{
		{"a concurrent writer", up, storage.ErrStale, false},
		{"an error of its own", up, errors.New("encode state: unsupported value"), true},
		{"a deadline, services up", up, overran, true},
		{"a network timeout, services up", up, timeout, true},
		{"a refused connection", up, fmt.Errorf("load chat 1: %w", syscall.ECONNREFUSED), false},
		{"a deadline, Redis down", bot.FaultOf(db.Store, redisDown), overran, false},
	}
	for _, tt := range tests {
		if reason, counts := tt.fault(ctx, tt.err); counts != tt.counts || counts && reason == "" {
			t.Errorf("%s: fault(%v) = %q, %v; want counts %v with a reason", tt.name, tt.err, reason, counts, tt.counts)
		}
	}
	// Postgres down: a deadline is the outage's.
	pg.down()
	if _, counts := bot.FaultOf(viaProxy, rdb)(ctx, overran); counts {
		t.Error("a deadline while Postgres is down counted as the update's fault")
	}
	// The reason is kept and shown to operators: identifiers masked.
	reason, _ := up(ctx, errors.New("refused tax code 0100109106 of 0912345678"))
	if strings.Contains(reason, "0100109106") || strings.Contains(reason, "0912345678") {
		t.Errorf("reason shows identifiers: %s", reason)
	}
}
