package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpproxy"
)

// The outbound path calls the Bot API itself rather than through
// go-telegram/bot: a reply is encoded once, when its update commits, and
// that very request body is kept in the chat's outbox and sent — again,
// after a crash — as is. The library would build a multipart form by
// reflection through a pipe and a goroutine for every call, and decode the
// whole Message answered, when the bot needs only its id. The library still
// serves everything else (getMe, webhooks, commands, files).

// SendError is a send that did not go through, or was held back: its
// fields are what the caller needs to decide what to do next.
type SendError struct {
	Err        error
	Wait       time.Duration // come back after: 429's retry_after, or the chat's turn
	Chat       bool          // Telegram refuses the chat for good: 403, or "chat not found"
	BadRequest bool          // Telegram refuses the message itself (another 400)
	Code       int           // Telegram's error_code, or the HTTP status of an answer that is none; 0: no answer
}

func (e *SendError) Error() string { return e.Err.Error() }
func (e *SendError) Unwrap() error { return e.Err }

// errHeldBack: the chat or the whole bot must wait (Telegram asked, or the
// chat's replies go first).
var errHeldBack = errors.New("send held back")

// apiAnswer is the part of a Bot API answer the bot reads.
type apiAnswer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// caller makes the outbound path's calls to the channels' Bot APIs: made
// apart, so that the outbound path holds it rather than the Bot.
type caller struct {
	client   *fasthttp.Client
	telegram string // the Bot API's base, token included: <url>/bot<token>/
	zalo     string // Zalo's, the same way
	timeout  time.Duration
	metrics  Metrics
	log      *slog.Logger
}

// newCaller is the caller of cfg's Bot APIs at telegramURL and zaloURL.
func newCaller(cfg Config, telegramURL, zaloURL string, log *slog.Logger) *caller {
	return &caller{client: newAPIClient(cfg), telegram: telegramURL + "/bot" + cfg.Token + "/",
		zalo: zaloURL + "/bot" + cfg.ZaloToken + "/", timeout: cfg.SendTimeout, metrics: cfg.Metrics, log: log}
}

// newAPIClient is the client of the outbound path's calls: fasthttp rather
// than net/http, because a call then runs in its caller's goroutine over a
// pooled connection, where net/http hands every request to two goroutines
// of its connection and back — under load, more than a quarter of the
// bot's CPU went there. Proxies are taken from the environment (HTTP_PROXY,
// HTTPS_PROXY, NO_PROXY) as net/http takes them.
func newAPIClient(cfg Config) *fasthttp.Client {
	return &fasthttp.Client{
		Name:                "ocopbot",
		Dial:                apiDialer(cfg.SendTimeout),
		MaxConnsPerHost:     4*cfg.Workers + 16, // every worker and later drain, and notifications
		MaxConnWaitTimeout:  cfg.SendTimeout,
		MaxIdleConnDuration: time.Minute,
		MaxResponseBodySize: 1 << 20,
	}
}

// apiDialer dials the Bot API, through the proxy the environment names.
func apiDialer(timeout time.Duration) fasthttp.DialFunc {
	d := fasthttpproxy.Dialer{DialDualStack: true, Timeout: timeout, ConnectTimeout: timeout}
	dial, err := d.GetDialFunc(true)
	if err != nil {
		// A proxy variable this dialer cannot use: say so at each call
		// rather than send around the proxy.
		return func(string) (net.Conn, error) { return nil, fmt.Errorf("proxy from the environment: %w", err) }
	}
	return dial
}

// post sends one encoded request and returns the id of the message it
// created or edited (0 when the method answers true). Every failure is a
// *SendError: Wait set for 429, Chat or BadRequest for refusals that no
// retry can change, neither for the rest (network, 5xx, timeouts), which
// may pass if tried again. A call under way when ctx ends runs to its
// answer or to SendTimeout: its reply may already be on the user's screen.
func (c *caller) post(ctx context.Context, method, contentType string, body []byte) (_ int, err error) {
	defer func() { c.metrics.call(method, err) }()
	if err := ctx.Err(); err != nil {
		return 0, &SendError{Err: fmt.Errorf("%s: %w", method, err)}
	}
	deadline := time.Now().Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(c.methodURL(method))
	req.Header.SetMethod(fasthttp.MethodPost)
	if contentType == "" {
		contentType = "application/json"
	}
	req.Header.SetContentType(contentType)
	req.SetBodyRaw(body)
	if err := c.client.DoDeadline(req, resp, deadline); err != nil {
		// fasthttp's errors do not hold the URL, and with it the token.
		return 0, &SendError{Err: fmt.Errorf("%s: %w", method, err)}
	}
	raw := resp.Body()
	if id, ok := okAnswer(raw); ok {
		return id, nil
	}
	var a apiAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		// A proxy in front of Telegram answering 502 with a page of its own.
		return 0, &SendError{Err: fmt.Errorf("%s: HTTP %d, not a Bot API answer", method, resp.StatusCode()), Code: resp.StatusCode()}
	}
	if a.OK {
		var m struct {
			ID int `json:"message_id"`
		}
		if len(a.Result) > 0 && a.Result[0] == '{' {
			_ = json.Unmarshal(a.Result, &m)
		}
		return m.ID, nil
	}
	return 0, refusal(method, a)
}

// okAnswer reads a successful answer without decoding the message Telegram
// echoes back, which the bot does not need: only its id, the result's first
// field. Any other shape is left to the full decoder.
func okAnswer(raw []byte) (messageID int, ok bool) {
	rest, found := bytes.CutPrefix(raw, []byte(`{"ok":true,"result":`))
	if !found {
		return 0, false
	}
	if bytes.HasPrefix(rest, []byte("true")) {
		return 0, true
	}
	after, found := bytes.CutPrefix(rest, []byte(`{"message_id":`))
	if !found {
		return 0, false
	}
	n, digits := 0, 0
	for _, c := range after {
		if c < '0' || c > '9' {
			break
		}
		n, digits = n*10+int(c-'0'), digits+1
	}
	return n, digits > 0
}

func (c *caller) methodURL(method string) string {
	if name, ok := strings.CutPrefix(method, zaloPrefix); ok {
		return c.zalo + name
	}
	return c.telegram + method
}

// refusal classifies an answer with ok false.
func refusal(method string, a apiAnswer) *SendError {
	err := &SendError{Err: fmt.Errorf("%s: %d %s", method, a.ErrorCode, a.Description), Code: a.ErrorCode}
	desc := strings.ToLower(a.Description)
	switch {
	case a.ErrorCode == http.StatusTooManyRequests:
		err.Wait = time.Duration(max(a.Parameters.RetryAfter, 1)) * time.Second
	case a.ErrorCode == http.StatusForbidden,
		a.ErrorCode == http.StatusBadRequest && strings.Contains(desc, "chat not found"):
		err.Chat = true
	case a.ErrorCode == http.StatusBadRequest:
		err.BadRequest = true
	}
	return err
}

// notModified reports an edit Telegram refused because it would change
// nothing: what the bot wanted shown is shown.
func notModified(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.BadRequest && strings.Contains(strings.ToLower(se.Err.Error()), "message is not modified")
}

// logSendError logs a failed call at the level it deserves.
func (c *caller) logSendError(ctx context.Context, chatID int64, method string, err error) {
	level := slog.LevelWarn
	var se *SendError
	if errors.As(err, &se) && (se.Chat || se.Wait > 0) {
		level = slog.LevelInfo // a user who blocked the bot, or Telegram pacing us: expected
	}
	c.log.Log(ctx, level, "bot api call", slog.String("method", method), slog.Int64("chat_id", chatID), errAttr(err))
}
