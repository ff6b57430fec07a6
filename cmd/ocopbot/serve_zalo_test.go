package main

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/bot/zaloemu"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// A province may serve Zalo alone: with ZALO_BOT_TOKEN and no Telegram
// token, serve takes Zalo's updates and answers them, calling no Telegram.
func TestServeZaloOnly(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	zemu := zaloemu.New(zaloemu.Options{Token: zaloDemoToken})
	hs := httptest.NewServer(zemu.ControlHandler())
	db := storagetest.NewDB(t)
	cfg, err := loadConfig(env(map[string]string{"DATABASE_URL": db.URL, "REDIS_URL": storagetest.RedisURL(),
		"HTTP_ADDR": "127.0.0.1:0", "ZALO_BOT_TOKEN": zaloDemoToken, "ZALO_API_URL": hs.URL}))
	if err != nil {
		t.Fatal(err)
	}
	// No Telegram: the Bot API URL names nothing that answers.
	serveInTest(t, ctx, cancel, cfg, settings{apiURL: "http://127.0.0.1:1"}, zemu.Close, hs.Close)

	zemu.SendText("5000000000000000009", "Chị Mai", "xin chào")
	deadline := time.Now().Add(20 * time.Second)
	for {
		msgs := zemu.BotMessages("5000000000000000009")
		if len(msgs) > 0 {
			if !strings.Contains(msgs[0].Text, "1. 📝 Đăng ký sản phẩm OCOP") {
				t.Fatalf("reply:\n%s", msgs[0].Text)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no reply on Zalo within 20 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serve needs a token of at least one channel, and says how to get one.
func TestServeNeedsAToken(t *testing.T) {
	t.Parallel()
	cfg, err := loadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	err = serve(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "TELEGRAM_BOT_TOKEN") || !strings.Contains(err.Error(), "ZALO_BOT_TOKEN") {
		t.Fatalf("serve without tokens: %v", err)
	}
}
