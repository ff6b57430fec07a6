package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestDemoRestartAnswersAtOnce stops `ocopbot demo` (Ctrl+C) after a
// chat and starts it again on the same database and Redis, as `make run`
// twice does. The restarted emulator must not number its updates from 1
// again: the bot remembers the update_ids it saw for 48 hours and would
// drop each new message as a duplicate. The next message is answered; the
// demo's registry, loaded by the first start, is neither loaded again nor
// doubled, and /status counts it.
func TestDemoRestartAnswersAtOnce(t *testing.T) {
	t.Parallel()
	dir, bin := buildInTempDir(t)
	dbURL := storagetest.AbsentDB(t)
	// The demo's Redis prefix is fixed ("demo:"): a database no other test
	// uses keeps it apart (the browser test has 13).
	const redisURL = "redis://127.0.0.1:6379/7"
	cleanDemoRedis(t, redisURL)
	t.Cleanup(func() { cleanDemoRedis(t, redisURL) })

	d := startDemoBinary(t, dir, bin, dbURL, redisURL)
	first := webChat{t, d}
	first.ask(9003, "/start", "Xin chào")
	first.ask(9003, "/trogiup", "/dangky")
	first.ask(9004, "/start", "Xin chào")
	// A Zalo message before the restart: the restarted Zalo emulator's
	// message ids must not repeat its ids, or the bot drops them.
	first.zalo(demoZaloProducer, "/trogiup", "/dangky")
	// The phone the web chat offers to share is the registry's claimable
	// producer's.
	if js := first.get("/webchat/static/app.js"); !strings.Contains(js, "DEMO_PHONE = '"+demoClaimPhone+"'") {
		t.Errorf("the web chat's app.js does not offer %s as the phone to share", demoClaimPhone)
	}
	d.stop(t)

	d = startDemoBinary(t, dir, bin, dbURL, redisURL)
	again := webChat{t, d}
	again.ask(9003, "/start", "Xin chào")
	// Before 1/7/2025: the registry's 191 products and the 4 samples, every
	// certificate valid, counted once.
	again.ask(9002, "/status Hồ Chí Minh 30/09/2024", "Sản phẩm OCOP còn hiệu lực: 195 (3★: 114 · 4★: 81 · 5★: 0)")
	// The demo's producer on Zalo, through the Zalo emulator's page API.
	if page := again.get("/zalo/"); !strings.Contains(page, "Zalo (giả lập)") {
		t.Error("no Zalo chat page at /zalo/")
	}
	if users := again.get("/zalo/users"); !strings.Contains(users, demoZaloProducer) {
		t.Errorf("/zalo/users = %s", users)
	}
	again.zalo(demoZaloProducer, "/hoso", "Trà mãng cầu Phú Hòa")
	if out := d.out.String(); strings.Contains(out, "duplicate update dropped") {
		t.Errorf("the restarted demo dropped updates as duplicates:\n%s", out)
	}
	d.stop(t)

	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var loads, producers int
	err = conn.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM audit_log WHERE action = 'registry.imported'),
		(SELECT count(*) FROM producers WHERE imported_at IS NOT NULL)`).Scan(&loads, &producers)
	if err != nil {
		t.Fatal(err)
	}
	if loads != 1 || producers != 67 {
		t.Errorf("after two starts: registry imported %d times, %d imported producers; want once and 67", loads, producers)
	}
}

// webChat drives a running demo's web chat through its JSON API, as the
// page does.
type webChat struct {
	t *testing.T
	d *demoProcess
}

// chatView is a chat as the web chat's API shows it.
type chatView struct {
	Version  int64 `json:"version"`
	Messages []struct {
		ID      int    `json:"id"`
		FromBot bool   `json:"from_bot"`
		Text    string `json:"text"`
	} `json:"messages"`
}

func (w webChat) get(path string) string {
	w.t.Helper()
	resp, err := http.Get(w.d.URL + path)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		w.t.Fatalf("GET %s: %s %s", path, resp.Status, body)
	}
	return string(body)
}

// ask sends text as user chat and waits, up to two minutes, for the bot
// to answer with a message containing want. The wait is generous rather
// than tight: the bot may still be sending the officials the renewal
// notices of the demo's first start at Telegram's 1 message/s per chat.
func (w webChat) ask(chat int64, text, want string) {
	w.t.Helper()
	body, _ := json.Marshal(map[string]string{"text": text})
	resp, err := http.Post(fmt.Sprintf("%s/webchat/api/chats/%d/text", w.d.URL, chat), "application/json", bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	var v chatView
	err = json.NewDecoder(resp.Body).Decode(&v)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		w.t.Fatalf("send %q in chat %d: %s (%v)", text, chat, resp.Status, err)
	}
	sent := 0
	for _, m := range v.Messages {
		if !m.FromBot && m.Text == text {
			sent = m.ID
		}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		for _, m := range v.Messages {
			if m.FromBot && m.ID > sent && strings.Contains(m.Text, want) {
				return
			}
		}
		if time.Now().After(deadline) {
			var got []string
			for _, m := range v.Messages {
				if m.ID > sent {
					got = append(got, m.Text)
				}
			}
			w.t.Fatalf("no answer with %q to %q in chat %d within 2 minutes; after it: %q\nthe demo's log:\n%s",
				want, text, chat, got, w.d.out.String())
		}
		// A long poll: it answers as soon as the chat changes.
		if err := json.Unmarshal([]byte(w.get(fmt.Sprintf("/webchat/api/chats/%d?after=%d", chat, v.Version))), &v); err != nil {
			w.t.Fatal(err)
		}
	}
}

// zalo sends text as a Zalo user of the demo and waits for a reply holding
// want, as the Zalo chat page does.
func (w webChat) zalo(user, text, want string) {
	w.t.Helper()
	body, _ := json.Marshal(map[string]any{"name": "Anh Tuấn", "text": text, "expect": []string{want}, "timeout": "60s"})
	resp, err := http.Post(w.d.URL+"/zalo/users/"+user+"/messages", "application/json", bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		Reply   *struct{ Text string }
		Timeout bool
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || v.Timeout || v.Reply == nil {
		w.t.Fatalf("zalo %s %q: no reply holding %q (%v); transcript:\n%s", user, text, want, err, w.get("/zalo/chats/"+user))
	}
}
