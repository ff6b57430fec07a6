package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/storage"
)

// TestReplicasKeepEachChatsOrder runs three `ocopbot serve` processes in
// webhook mode behind a round-robin reverse proxy. 200 chats each send their
// registration answers in a burst — name, representative, phone, tax code —
// and one process is SIGKILLed midway. Every chat ends with each answer
// applied once and in the order sent (a swap would put the representative
// in the name), its partition taken over by a live process, and none stuck.
func TestReplicasKeepEachChatsOrder(t *testing.T) {
	t.Parallel()
	const chats, replicas = 200, 3
	env := newBinaryEnv(t, "10")
	emu := env.emu
	rdb := storage.NewRedis(env.rdb, storage.RedisOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	// The proxy Telegram posts to, round-robin over the replicas; a dead
	// one answers 502 and Telegram (the emulator) posts again.
	addrs := make([]string, replicas)
	for i := range addrs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addrs[i] = ln.Addr().String()
		ln.Close()
	}
	var next atomic.Int64
	proxy := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			target, _ := url.Parse("http://" + addrs[next.Add(1)%replicas])
			r.SetURL(target)
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) },
	})
	defer proxy.Close()

	procs := make([]*exec.Cmd, replicas)
	for i := range procs {
		env.extraEnv = []string{"WEBHOOK_URL=" + proxy.URL + "/hook", "WEBHOOK_SECRET=replica-secret-0123456789", "HTTP_ADDR=" + addrs[i]}
		procs[i] = env.serve()
	}
	defer func() {
		for _, p := range procs {
			_ = p.Process.Kill()
			_ = p.Wait()
		}
	}()
	owners := func() map[string]int {
		os, err := rdb.PartitionOwners(ctx)
		if err != nil {
			t.Fatal(err)
		}
		by := map[string]int{}
		for _, o := range os {
			by[o]++
		}
		return by
	}
	waitFor := func(what string, limit time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(limit)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s (partition owners: %v)", what, owners())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("the partitions shared among the replicas", time.Minute, func() bool {
		by := owners()
		return by[""] == 0 && len(by) == replicas
	})

	// Every chat at the name step, its producer having agreed to the
	// personal-data notice already.
	agreed(t, env.dbURL, 70_000_000, chats)
	users := make([]emulator.User, chats)
	for i := range users {
		users[i] = emulator.User{ID: int64(70_000_000 + i), FirstName: "Nông dân"}
		emu.SendText(users[i].ID, users[i], "/dangky")
	}
	for _, u := range users {
		waitFor("the kind question", time.Minute, func() bool { return hasButton(emu, u.ID, "Hợp tác xã") })
		m, _ := emu.LastBotMessage(u.ID)
		if _, err := emu.PressButton(u.ID, u, m.ID, buttonData(m, "Hợp tác xã")); err != nil {
			t.Fatal(err)
		}
	}
	version := func(chat int64) (int64, *flows.State) {
		s, err := rdb.Load(ctx, chat)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := flows.DecodeState(s.Data)
		return s.Version, st
	}
	before := make([]int64, chats)
	for i, u := range users {
		waitFor("the name question", time.Minute, func() bool { _, st := version(u.ID); return st != nil && st.Step == "name" })
		before[i], _ = version(u.ID)
	}

	// The bursts, and a replica killed halfway.
	answers := func(i int) []string {
		return []string{fmt.Sprintf("HTX số %d", i), fmt.Sprintf("Người Đại Diện %d", i), "0912345678", "0100109106"}
	}
	var wg sync.WaitGroup
	var killedAt time.Time
	for i, u := range users {
		if i == chats/2 {
			if err := procs[0].Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killedAt = time.Now()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, a := range answers(i) {
				emu.SendText(u.ID, u, a)
			}
		}()
	}
	wg.Wait()
	waitFor("every chat past the tax code", time.Minute, func() bool {
		for _, u := range users {
			if _, st := version(u.ID); st == nil || st.Reg == nil || st.Reg.TaxCode == "" {
				return false
			}
		}
		return true
	})
	took := time.Since(killedAt)
	for i, u := range users {
		v, st := version(u.ID)
		want := answers(i)
		if st.Reg.Name != want[0] || st.Reg.Rep != want[1] || !strings.HasSuffix(st.Reg.Phone, "912345678") || st.Reg.TaxCode != want[3] {
			t.Errorf("chat %d: name %q rep %q phone %q tax %q: answers applied out of order", i, st.Reg.Name, st.Reg.Rep, st.Reg.Phone, st.Reg.TaxCode)
		}
		if v-before[i] != int64(len(want)) {
			t.Errorf("chat %d: state moved %d times for %d answers: applied twice or lost", i, v-before[i], len(want))
		}
	}
	if took > 30*time.Second {
		t.Errorf("the last chat finished %s after the kill, want within 30 s", took.Round(time.Second))
	}
	by := owners()
	if by[""] != 0 || len(by) != replicas-1 {
		t.Errorf("partitions after the kill: %v, want all held by the two live replicas", by)
	}
	t.Logf("all %d chats done %s after the kill; partitions: %v", chats, took.Round(time.Millisecond), by)
}

func hasButton(emu *emulator.Server, chat int64, label string) bool {
	m, ok := emu.LastBotMessage(chat)
	return ok && buttonData(m, label) != ""
}

func buttonData(m emulator.Message, label string) string {
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if b.Text == label {
				return b.CallbackData
			}
		}
	}
	return ""
}
