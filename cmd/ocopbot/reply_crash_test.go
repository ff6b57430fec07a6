package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/storage"
)

// TestKillWithRepliesQueued runs the built binary while Telegram refuses
// every send (429, retry_after 5 s), so that 50 chats' replies are
// committed and waiting; SIGKILLs it; and starts it again once the wait is
// over. Every chat then shows its reply exactly once, as a chat that met no
// fault does, and no send came before the wait Telegram gave.
func TestKillWithRepliesQueued(t *testing.T) {
	t.Parallel()
	const chats = 50
	env := newBinaryEnv(t, "14")
	emu := env.emu
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	wait := func(what string, cond func() bool) {
		t.Helper()
		if err := emu.Wait(ctx, cond); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}
	transcript := func(chat int64) string {
		var b strings.Builder
		for _, m := range emu.BotMessages(chat) {
			b.WriteString(m.Text + "\n---\n")
		}
		return b.String()
	}

	first := env.serve()
	wait("the command menu", func() bool { return emu.Calls()["setMyCommands"] >= 3 })
	u := emulator.User{FirstName: "Nông dân"}
	u.ID = 60_000_999
	emu.SendText(u.ID, u, "/dangky")
	// The reference transcript is whole once its first message is shown
	// (the update's replies are committed together) and the chat's outbox
	// holds nothing more: a fixed pause here read half of it on a loaded
	// machine, and the test then waited its whole budget for transcripts
	// that could never match.
	wait("the reference reply", func() bool { return len(emu.BotMessages(u.ID)) > 0 })
	wait("the reference reply to be whole", func() bool {
		owed, err := storage.NewRedis(env.rdb, storage.RedisOptions{}).Outbox(ctx, u.ID)
		return err == nil && len(owed) == 0
	})
	want := transcript(u.ID)

	emu.Set429Fraction(1, 5)
	refusedBefore := emu.Calls()["sendMessage"]
	for i := range chats {
		u.ID = int64(60_000_000 + i)
		emu.SendText(u.ID, u, "/dangky")
	}
	// Every chat's update is handled and its reply committed to the outbox,
	// each refused once: the bot then waits.
	wait("the replies to be refused", func() bool { return emu.Calls()["sendMessage"]-refusedBefore >= 2 })
	if err := emu.Wait(ctx, func() bool {
		n, _ := storage.NewRedis(env.rdb, storage.RedisOptions{}).OwingChats(ctx)
		return n >= chats
	}); err != nil {
		t.Fatalf("the replies were not all committed: %v", err)
	}
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	killedAt := time.Now()
	for i := range chats {
		if n := len(emu.BotMessages(int64(60_000_000 + i))); n != 0 {
			t.Fatalf("chat %d shows %d messages before the restart: the test tests nothing", i, n)
		}
	}
	emu.Set429Fraction(0, 0)
	time.Sleep(time.Until(killedAt.Add(5*time.Second + 100*time.Millisecond)))

	second := env.serve()
	defer func() {
		_ = second.Process.Signal(os.Interrupt)
		_ = second.Wait()
	}()
	defer func() {
		if t.Failed() {
			for i := range 3 {
				t.Logf("chat %d shows:\n%s", i, transcript(int64(60_000_000+i)))
			}
			t.Logf("want:\n%s", want)
		}
	}()
	wait("every reply", func() bool {
		for i := range chats {
			if transcript(int64(60_000_000+i)) != want {
				return false
			}
		}
		return true
	})
	time.Sleep(time.Second) // a reply sent twice would show now
	for i := range chats {
		if got := transcript(int64(60_000_000 + i)); got != want {
			t.Errorf("chat %d shows:\n%s\nwant:\n%s", i, got, want)
		}
	}
	if n := emu.EarlySends(); n != 0 {
		t.Errorf("%d sends came before the retry_after Telegram gave", n)
	}
}
