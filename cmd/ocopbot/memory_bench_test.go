package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// BenchmarkServeMemory runs the real binary against the emulator and reads
// its resident memory (VmRSS) idle and with 10,000 conversations open.
// Conversations live in Redis, so the second figure should stay close to
// the first. Run: go test -run '^$' -bench ServeMemory -benchtime 1x ./cmd/ocopbot/
func BenchmarkServeMemory(b *testing.B) {
	const conversations = 10_000
	env := newBinaryEnv(b, "9")
	emu, rdb := env.emu, env.rdb
	agreed(b, env.dbURL, 20_000_000, conversations)

	for b.Loop() {
		cmd := env.serve()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		waitCalls(ctx, b, emu, "setMyCommands", 3)
		time.Sleep(2 * time.Second) // let start-up garbage be collected before reading idle memory
		idle := rss(b, cmd.Process.Pid)

		u := emulator.User{FirstName: "Bench"}
		for i := 0; i < conversations; i++ {
			u.ID = int64(20_000_000 + i)
			emu.SendText(u.ID, u, "/dangky")
		}
		// Each /dangky answers with two messages (introduction and first step).
		waitCalls(ctx, b, emu, "sendMessage", 2*conversations)
		busy := rss(b, cmd.Process.Pid)
		keys := len(scanKeys(rdb, "ocop:{p*}:chat:*"))
		cancel()

		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		b.ReportMetric(float64(idle)/1024, "idle-MB")
		b.ReportMetric(float64(busy)/1024, "rss-10k-MB")
		b.ReportMetric(float64(keys), "conversations")
		if keys < conversations {
			b.Fatalf("%d conversations stored in Redis, want %d", keys, conversations)
		}
	}
}

func waitCalls(ctx context.Context, b *testing.B, emu *emulator.Server, method string, n int) {
	b.Helper()
	err := emu.Wait(ctx, func() bool { return emu.Calls()[method] >= n })
	if err != nil {
		b.Fatalf("waiting for %d %s calls (have %d): %v", n, method, emu.Calls()[method], err)
	}
}

// rss reads a process's resident set size in KiB from /proc.
func rss(b *testing.B, pid int) int {
	b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kb
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

func scanKeys(rdb *redis.Client, pattern string) []string {
	var keys []string
	iter := rdb.Scan(context.Background(), 0, pattern, 1000).Iterator()
	for iter.Next(context.Background()) {
		keys = append(keys, iter.Val())
	}
	return keys
}

// cleanRedis deletes a test's keys.
func cleanRedis(prefix string) {
	o, _ := redis.ParseURL(storagetest.RedisURL())
	rdb := redis.NewClient(o)
	defer rdb.Close()
	if keys := scanKeys(rdb, prefix+"*"); len(keys) > 0 {
		rdb.Del(context.Background(), keys...)
	}
}
