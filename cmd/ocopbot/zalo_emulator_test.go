package main

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/bot/zalo"
)

// `ocopbot emulator --zalo` serves the Zalo Bot API and its control API on
// HTTP_ADDR: a bot's client checks its token, a user played over the
// control API writes, the bot reads it by long polling and answers; the
// command ends with its context.
func TestZaloEmulatorCommand(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"emulator", "--zalo", "--limits"}, env(map[string]string{"HTTP_ADDR": addr}), &out, &out)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "ZALO_API_URL=http://"+addr) {
		if time.Now().After(deadline) {
			t.Fatalf("the emulator did not start: %q", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	c := zalo.New("http://"+addr, zaloDemoToken, &http.Client{Timeout: 10 * time.Second})
	if me, err := c.GetMe(ctx); err != nil || me.ID != strings.Split(zaloDemoToken, ":")[0] {
		t.Fatalf("getMe = %+v, %v", me, err)
	}
	resp, err := http.Post("http://"+addr+"/zalo/users/u-1/messages", "application/json",
		strings.NewReader(`{"name":"Bà Năm","text":"/start"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	us, err := c.GetUpdates(ctx, time.Second)
	if err != nil || len(us) != 1 || us[0].Message.Text != "/start" || us[0].Message.From.Name() != "Bà Năm" {
		t.Fatalf("getUpdates = %+v, %v", us, err)
	}
	if _, err := c.SendMessage(ctx, us[0].Message.Chat.ID, "Xin chào Bà Năm!"); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("emulator --zalo: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the emulator did not stop with its context")
	}
}
