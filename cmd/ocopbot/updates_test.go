package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// `ocopbot updates held` lists the updates set aside — never their
// payloads, unless --json is asked — and `ocopbot updates drop` forgets
// one by its ID, or all.
func TestUpdatesCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := storagetest.NewRedis(t, storage.RedisOptions{})
	if err := rdb.EnsureGroup(ctx, "ocopbot"); err != nil {
		t.Fatal(err)
	}
	const phone = "0912345678"
	for i, chat := range []int64{8801, 8817} {
		payload := fmt.Sprintf(`{"update_id":%d,"message":{"contact":{"phone_number":%q}}}`, i+1, phone)
		if _, err := rdb.EnqueueUpdate(ctx, int64(i+1), chat, []byte(payload)); err != nil {
			t.Fatal(err)
		}
	}
	qs, err := rdb.ReadUpdates(ctx, storage.PartitionOf(8801), "ocopbot", "c", 10, -1)
	if err != nil || len(qs) != 2 {
		t.Fatalf("read %d (%v)", len(qs), err)
	}
	at := time.Date(2026, 12, 1, 1, 30, 0, 0, time.UTC)
	for i, q := range qs {
		h := storage.HeldUpdate{UpdateID: int64(i + 1), Kind: "contact", Reason: "step ran past its 30s deadline", Tries: 3, At: at.Add(time.Duration(i) * time.Minute)}
		if err := rdb.SetAside(ctx, "ocopbot", q, h, nil); err != nil {
			t.Fatal(err)
		}
	}
	cmd, must := cli(t, env(map[string]string{"REDIS_URL": storagetest.RedisURL()}), "--prefix", rdb.Prefix())

	list := must("updates", "held")
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") ||
		!strings.Contains(lines[1], "8801") || !strings.Contains(lines[1], "01/12/2026 08:30") || !strings.Contains(lines[1], "deadline") ||
		!strings.Contains(lines[2], "8817") {
		t.Fatalf("updates held:\n%s", list)
	}
	if strings.Contains(list, phone) {
		t.Errorf("the table shows a payload's phone:\n%s", list)
	}
	id := strings.Fields(lines[1])[0]
	if id != "1/"+qs[0].StreamID {
		t.Errorf("first ID %q, want 1/%s", id, qs[0].StreamID)
	}
	var rec struct {
		ID      string `json:"id"`
		Chat    int64  `json:"chat"`
		Tries   int    `json:"tries"`
		Payload string `json:"payload"`
	}
	first, _, _ := strings.Cut(must("updates", "held", "--json"), "\n")
	if err := json.Unmarshal([]byte(first), &rec); err != nil || rec.ID != id || rec.Chat != 8801 || rec.Tries != 3 || !strings.Contains(rec.Payload, phone) {
		t.Errorf("updates held --json: %s (%v)", first, err)
	}

	for _, bad := range [][]string{{"updates"}, {"updates", "list"}, {"updates", "drop"}, {"updates", "drop", id, "--all"},
		{"updates", "held", "x"}, {"updates", "held", "--csv", "--json"}} {
		if out, err := cmd(bad...); !errors.Is(err, errUsage) {
			t.Errorf("%s: %v, want a usage error\n%s", strings.Join(bad, " "), err, out)
		}
	}
	if out, err := cmd("updates", "drop", "3/0-1"); err == nil || !strings.Contains(err.Error(), "no held update") {
		t.Errorf("dropping an unknown ID: %v\n%s", err, out)
	}
	if out := must("updates", "drop", id); !strings.Contains(out, id+" dropped") {
		t.Errorf("updates drop: %s", out)
	}
	if list := must("updates", "held", "--csv"); strings.Contains(list, id) || !strings.Contains(list, "8817") {
		t.Errorf("after the drop:\n%s", list)
	}
	if out := must("updates", "drop", "--all"); !strings.Contains(out, "1 held updates dropped") {
		t.Errorf("updates drop --all: %s", out)
	}
	if n, err := rdb.CountHeld(ctx); err != nil || n != 0 {
		t.Errorf("%d held after dropping all (%v)", n, err)
	}
}
