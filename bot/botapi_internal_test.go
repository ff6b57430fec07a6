package bot

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestOKAnswer(t *testing.T) {
	for _, c := range []struct {
		raw  string
		id   int
		fast bool
	}{
		{`{"ok":true,"result":{"message_id":4217,"from":{"id":1},"text":"x"}}`, 4217, true},
		{`{"ok":true,"result":true}`, 0, true},
		{`{"ok":true,"result":{"chat":{"id":1},"message_id":5}}`, 0, false}, // another order: the full decoder
		{`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}}`, 0, false},
		{`<html>502 Bad Gateway</html>`, 0, false},
	} {
		id, ok := okAnswer([]byte(c.raw))
		if id != c.id || ok != c.fast {
			t.Errorf("okAnswer(%s) = %d %v, want %d %v", c.raw, id, ok, c.id, c.fast)
		}
	}
}

// TestCallsGoThroughTheProxy: the Bot API calls of the outbound path take
// the proxy the environment names, as net/http would, and their answers
// come back through it.
func TestCallsGoThroughTheProxy(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bot123:abc/sendMessage":
			_, _ = io.WriteString(w, `{"ok":true,"result":{"message_id":77}}`)
		case "/bot123:abc/getUpdates":
			_, _ = io.WriteString(w, `{"ok":true,"result":[{"update_id":5,"message":{"message_id":1,"chat":{"id":9},"text":"/start"}}]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer api.Close()
	var tunnels atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		up, err := net.Dial("tcp", r.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer up.Close()
		tunnels.Add(1)
		w.WriteHeader(http.StatusOK)
		down, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer down.Close()
		if err := rw.Flush(); err != nil {
			return
		}
		go func() { _, _ = io.Copy(up, rw) }()
		_, _ = io.Copy(down, up)
	}))
	defer proxy.Close()
	for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"} {
		t.Setenv(k, proxy.URL)
	}
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")

	b := &Bot{cfg: Config{Token: "123:abc", Workers: 1, SendTimeout: 5 * time.Second}, apiURL: api.URL}
	b.calls = newCaller(b.cfg, api.URL, "", slog.New(slog.DiscardHandler))
	id, err := b.calls.post(context.Background(), "sendMessage", "", []byte(`{"chat_id":1,"text":"Xin chào"}`))
	if err != nil || id != 77 {
		t.Fatalf("post = %d, %v; want message 77", id, err)
	}
	if tunnels.Load() != 1 {
		t.Fatalf("%d tunnels through the proxy, want 1", tunnels.Load())
	}
	b.cfg.PollTimeout = time.Second
	b.polls = newLongPoll(b.cfg)
	ups, err := b.getUpdates(context.Background(), 5)
	if err != nil || len(ups) != 1 || ups[0].ID != 5 || ups[0].chatID() != 9 {
		t.Fatalf("getUpdates = %+v, %v; want update 5 of chat 9", ups, err)
	}
	if tunnels.Load() != 2 {
		t.Fatalf("%d tunnels through the proxy, want 2 (the long poll's own)", tunnels.Load())
	}
}

// TestLongPollEndsWithItsContext: a getUpdates under way returns as soon as
// its context ends (shutdown), not when the poll times out.
func TestLongPollEndsWithItsContext(t *testing.T) {
	held := make(chan struct{})
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // so that the server sees the client leave
		close(held)
		select { // a long poll with no update to give
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
		_, _ = io.WriteString(w, `{"ok":true,"result":[]}`)
	}))
	defer api.Close()
	b := &Bot{cfg: Config{Token: "123:abc", SendTimeout: 5 * time.Second, PollTimeout: 25 * time.Second}, apiURL: api.URL}
	b.calls = newCaller(b.cfg, api.URL, "", slog.New(slog.DiscardHandler))
	b.polls = newLongPoll(b.cfg)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-held
		cancel()
	}()
	start := time.Now()
	_, err := b.getUpdates(ctx, 0)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("getUpdates after its context ended: %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("getUpdates returned %v after its context ended, not at once", d)
	}
	b.polls.mu.Lock()
	open := len(b.polls.conns)
	b.polls.mu.Unlock()
	if open != 0 {
		t.Fatalf("%d connections of the poll still open", open)
	}
	api.Close() // returns once the handler has seen the connection closed
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the poll's connection stayed open %v after its context ended", d)
	}
}

// TestLongPollEndedWhileDialling: a context that ends while the poll's
// connection is being dialled ends the poll too, though closeAll could not
// see that connection yet.
func TestLongPollEndedWhileDialling(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(8 * time.Second):
		}
		_, _ = io.WriteString(w, `{"ok":true,"result":[]}`)
	}))
	defer api.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{Token: "123:abc", SendTimeout: 5 * time.Second, PollTimeout: 25 * time.Second}
	b := &Bot{cfg: cfg, apiURL: api.URL, calls: newCaller(cfg, api.URL, "", slog.New(slog.DiscardHandler))}
	b.polls = newLongPollDial(cfg, func(addr string) (net.Conn, error) {
		cancel() // shutdown begins mid-dial
		time.Sleep(100 * time.Millisecond)
		return net.Dial("tcp", addr)
	})
	start := time.Now()
	if _, err := b.getUpdates(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("getUpdates: %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("getUpdates returned %v after its context ended while dialling, not at once", d)
	}
}
