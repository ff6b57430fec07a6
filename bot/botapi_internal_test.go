package bot

import (
	"context"
	"io"
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
		if r.URL.Path != "/bot123:abc/sendMessage" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, `{"ok":true,"result":{"message_id":77}}`)
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
	b.calls = newAPIClient(b.cfg)
	id, err := b.post(context.Background(), "sendMessage", "", []byte(`{"chat_id":1,"text":"Xin chào"}`))
	if err != nil || id != 77 {
		t.Fatalf("post = %d, %v; want message 77", id, err)
	}
	if tunnels.Load() != 1 {
		t.Fatalf("%d tunnels through the proxy, want 1", tunnels.Load())
	}
}
