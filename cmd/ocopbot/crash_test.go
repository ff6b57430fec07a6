package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestKillLosesNoUpdate runs the built binary, sends 300 updates from 100
// chats, SIGKILLs the bot mid-way, starts it again and checks every chat's
// conversation: each update applied exactly once — none lost to the kill,
// none applied twice when the restarted process takes back what the dead one
// had in hand or Telegram (the emulator) sends unconfirmed updates again.
func TestKillLosesNoUpdate(t *testing.T) {
	t.Parallel()
	const chats = 100
	bin := filepath.Join(t.TempDir(), "ocopbot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	db := storagetest.NewDB(t)
	const token = "123456:CRASH-token-for-the-emulator-0"
	emu := emulator.New(emulator.Options{Token: token, BotID: 123456, BotUsername: "crash_bot"})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	defer emu.Close()

	// The binary uses the default key prefix: it gets a Redis database of
	// its own (the memory benchmark uses 9).
	const redisURL = "redis://127.0.0.1:6379/11"
	o, _ := redis.ParseURL(redisURL)
	rdb := redis.NewClient(o)
	defer rdb.Close()
	clean := func() {
		if keys := scanKeys(rdb, "ocop:*"); len(keys) > 0 {
			rdb.Del(context.Background(), keys...)
		}
	}
	clean()
	defer clean()

	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve")
		cmd.Env = append(os.Environ(), "TELEGRAM_BOT_TOKEN="+token, "TELEGRAM_API_URL="+srv.URL,
			"DATABASE_URL="+db.URL, "REDIS_URL="+redisURL, "HTTP_ADDR=127.0.0.1:0", "LOG_FORMAT=text")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	wait := func(what string, cond func() bool) {
		t.Helper()
		if err := emu.Wait(ctx, cond); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}

	first := start()
	wait("the command menu", func() bool { return emu.Calls()["setMyCommands"] >= 3 })
	u := emulator.User{FirstName: "Nông dân"}
	for step := 0; step < 3; step++ {
		for i := 0; i < chats; i++ {
			u.ID = int64(30_000_000 + i)
			switch step {
			case 0:
				emu.SendText(u.ID, u, "/dangky")
			case 1:
				emu.SendText(u.ID, u, "trang trai")
			case 2:
				emu.SendText(u.ID, u, fmt.Sprintf("Trang trại số %d", i))
			}
		}
	}
	wait("the bot to be busy", func() bool { return emu.Calls()["sendMessage"] >= 150 })
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	sentBefore := emu.Calls()["sendMessage"]

	second := start()
	defer func() {
		_ = second.Process.Signal(os.Interrupt)
		_ = second.Wait()
	}()
	// Each chat ends at the representative's step having answered the name
	// once; a lost update leaves it earlier, a repeated one further on.
	state := func(i int) *flows.State {
		d, err := rdb.HGet(context.Background(), "ocop:chat:"+strconv.Itoa(30_000_000+i), "d").Result()
		if err != nil {
			return nil
		}
		st, _ := flows.DecodeState([]byte(d))
		return st
	}
	done := func() bool {
		if n, _ := rdb.XLen(context.Background(), "ocop:updates").Result(); n != 0 {
			return false
		}
		for i := 0; i < chats; i++ {
			if st := state(i); st == nil || st.Step != "rep" {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(2 * time.Minute)
	for !done() {
		if time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	for i := 0; i < chats; i++ {
		st := state(i)
		if st == nil {
			t.Errorf("chat %d: no conversation", i)
			continue
		}
		want := fmt.Sprintf("Trang trại số %d", i)
		if st.Step != "rep" || st.Answers["kind"] != "farm" || st.Answers["name"] != want || st.Answers["rep"] != "" {
			t.Errorf("chat %d: step %s answers %v; want the representative's step after kind farm and name %q", i, st.Step, st.Answers, want)
		}
	}
	t.Logf("killed after %d replies; %d replies in all", sentBefore, emu.Calls()["sendMessage"])
}
