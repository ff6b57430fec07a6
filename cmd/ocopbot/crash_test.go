package main

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/storage"
)

// TestKillLosesNoUpdate runs the built binary, sends 300 updates from 100
// chats, SIGKILLs the bot mid-way, starts it again and checks every chat's
// conversation: each update applied exactly once — none lost to the kill,
// none applied twice when the restarted process takes back what the dead one
// had in hand or Telegram (the emulator) sends unconfirmed updates again.
func TestKillLosesNoUpdate(t *testing.T) {
	t.Parallel()
	const chats = 100
	env := newBinaryEnv(t, "11") // the memory benchmark uses 9
	emu, rdb, start := env.emu, storage.NewRedis(env.rdb, storage.RedisOptions{}), env.serve
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	wait := func(what string, cond func() bool) {
		t.Helper()
		if err := emu.Wait(ctx, cond); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}

	agreed(t, env.dbURL, 30_000_000, chats)
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
		s, err := rdb.Load(context.Background(), int64(30_000_000+i))
		if err != nil || s.Data == nil {
			return nil
		}
		st, _ := flows.DecodeState(s.Data)
		return st
	}
	done := func() bool {
		if n, _ := rdb.Queued(context.Background()); n != 0 {
			return false
		}
		for i := 0; i < chats; i++ {
			if st := state(i); st == nil || st.Step != "rep" {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(4 * time.Minute)
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
		if st.Step != "rep" || st.Reg.Kind != "farm" || st.Reg.Name != want || st.Reg.Rep != "" {
			t.Errorf("chat %d: step %s answers %+v; want the representative's step after kind farm and name %q", i, st.Step, st.Reg, want)
		}
	}
	t.Logf("killed after %d replies; %d replies in all", sentBefore, emu.Calls()["sendMessage"])
}
