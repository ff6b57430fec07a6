package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	webhookTimeout    = 10 * time.Second
	webhookMinBackoff = 10 * time.Millisecond
	webhookMaxBackoff = 500 * time.Millisecond
)

// webhook is a set webhook and its delivery goroutine, which takes from the same queue as getUpdates.
type webhook struct {
	url, secret    string
	maxConnections int
	allowed        []string
	lastErrorDate  int64
	lastErrorMsg   string
	cancel         context.CancelFunc
	done           chan struct{}
}

// setWebhook answers https://core.telegram.org/bots/api#setwebhook. An empty url deletes the webhook. Plain http
// is accepted, for tests.
func (s *Server) setWebhook(_ *http.Request, a *args) (any, *apiError) {
	raw := strings.TrimSpace(a.get("url"))
	if raw == "" {
		return s.removeWebhook(a.bool("drop_pending_updates"))
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, badRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	secret := a.get("secret_token")
	if len(secret) > 256 || strings.IndexFunc(secret, func(r rune) bool {
		return !(r == '_' || r == '-' || r < 128 && isAlnum(byte(r)))
	}) >= 0 {
		return nil, badRequest("secret token contains unallowed characters")
	}
	maxConn := int(a.int("max_connections"))
	if maxConn == 0 {
		maxConn = 40
	}
	maxConn = min(max(maxConn, 1), 100)
	var allowed []string
	if v := a.get("allowed_updates"); v != "" {
		_ = json.Unmarshal([]byte(v), &allowed) // accepted and ignored, like the brief's getUpdates
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &webhook{url: raw, secret: secret, maxConnections: maxConn, allowed: allowed, cancel: cancel,
		done: make(chan struct{})}
	old := s.swapWebhook(h, a.bool("drop_pending_updates"))
	if old != nil {
		old.cancel()
		<-old.done
	}
	go s.deliver(ctx, h)
	return described{true, "Webhook was set"}, nil
}

// deleteWebhook answers https://core.telegram.org/bots/api#deletewebhook.
func (s *Server) deleteWebhook(_ *http.Request, a *args) (any, *apiError) {
	return s.removeWebhook(a.bool("drop_pending_updates"))
}

func (s *Server) removeWebhook(drop bool) (any, *apiError) {
	old := s.swapWebhook(nil, drop)
	if old == nil {
		return described{true, "Webhook is already deleted"}, nil
	}
	old.cancel()
	<-old.done
	return described{true, "Webhook was deleted"}, nil
}

// swapWebhook installs h (nil: none) and returns the previous webhook, still running.
func (s *Server) swapWebhook(h *webhook, drop bool) *webhook {
	u := &s.upd
	u.mu.Lock()
	old := u.hook
	u.hook = h
	if drop {
		clear(u.queue)
		u.queue = u.queue[:0]
	}
	if h != nil && u.poller != nil {
		close(u.poller.terminated)
		u.poller = nil
	}
	u.mu.Unlock()
	s.notify()
	return old
}

func (s *Server) stopWebhook() {
	if old := s.swapWebhook(nil, false); old != nil {
		old.cancel()
		<-old.done
	}
}

// getWebhookInfo answers https://core.telegram.org/bots/api#getwebhookinfo.
func (s *Server) getWebhookInfo(_ *http.Request, _ *args) (any, *apiError) {
	u := &s.upd
	u.mu.Lock()
	defer u.mu.Unlock()
	info := &wireWebhookInfo{PendingUpdateCount: len(u.queue)}
	if h := u.hook; h != nil {
		info.URL, info.MaxConnections, info.AllowedUpdates = h.url, h.maxConnections, h.allowed
		info.LastErrorDate, info.LastErrorMessage = h.lastErrorDate, h.lastErrorMsg
	}
	return info, nil
}

// deliver POSTs queued updates to the webhook one at a time, in order, retrying each until the bot answers 2xx.
func (s *Server) deliver(ctx context.Context, h *webhook) {
	defer close(h.done)
	client := &http.Client{Timeout: webhookTimeout}
	backoff := time.Duration(0)
	u := &s.upd
	for {
		u.mu.Lock()
		if len(u.queue) == 0 {
			ready := u.ready
			u.mu.Unlock()
			select {
			case <-ready:
				continue
			case <-ctx.Done():
				return
			}
		}
		next := u.queue[0]
		u.mu.Unlock()

		failure, reply := post(ctx, client, h, next.raw)
		if failure == "" && reply != nil {
			s.webhookReply(reply)
		}
		if ctx.Err() != nil {
			return
		}
		u.mu.Lock()
		if failure == "" {
			u.queue = deleteFunc(u.queue, func(q queued) bool { return q.seq == next.seq })
		} else {
			h.lastErrorDate, h.lastErrorMsg = s.now().Unix(), failure
		}
		u.mu.Unlock()
		s.notify()
		if failure == "" {
			backoff = 0
			continue
		}
		backoff = min(max(2*backoff, webhookMinBackoff), webhookMaxBackoff)
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
}

// post sends one update and returns "" on success, or the failure as getWebhookInfo's last_error_message; and
// a JSON response's body, which may name a method to run.
func post(ctx context.Context, client *http.Client, h *webhook, body []byte) (failure string, reply []byte) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return "Invalid webhook URL: " + err.Error(), nil
	}
	req.Header.Set("Content-Type", "application/json")
	if h.secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", h.secret)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "Connection error: " + err.Error(), nil
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		reply, _ = io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // drained to reuse the connection
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "Wrong response from the webhook: " + resp.Status, nil
	}
	return "", reply
}

// webhookReply runs the method a webhook's response names
// (https://core.telegram.org/bots/api#making-requests-when-getting-updates), as Telegram does: its result and
// errors go nowhere. It is counted in WebhookReplies, not Calls: the bot made no request.
func (s *Server) webhookReply(body []byte) {
	var m struct {
		Method string `json:"method"`
	}
	if json.Unmarshal(body, &m) != nil || m.Method == "" {
		return
	}
	i, ok := lookupMethod(m.Method)
	if !ok {
		return
	}
	switch methodTable[i].name {
	case "getUpdates", "setWebhook", "deleteWebhook": // would wait for this delivery to end
		return
	}
	req, err := http.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	s.webhookReplies[i].Add(1)
	defer s.notify()
	a := getArgs()
	defer putArgs(a)
	a.method = i
	if a.parse(discard{}, req) != nil {
		return
	}
	_, _ = methodTable[i].fn(s, req, a)
}

// discard is a ResponseWriter for a request no one answers.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}
