// Package zaloemu emulates the Zalo Bot Platform's Bot API for tests,
// benchmarks and the demo: getMe, getUpdates (long polling), setWebhook,
// deleteWebhook, getWebhookInfo, sendMessage, sendPhoto and sendChatAction
// at /bot<token>/<method>, as https://bot.zaloplatforms.com/docs describes
// them; and the users' side as Go methods (SendText, SendImage…) and a
// transcript per chat.
//
// Where the documentation is silent the emulator chooses, and says so:
//   - getUpdates answers one update per call, the object the documentation
//     shows, and takes it off the queue (the API has no offset to confirm
//     with); with none before the timeout it answers ok false, error_code
//     408 "Request timeout"; while a webhook is set, 409;
//   - a chat exists once its user wrote to the bot; sending to another is
//     400 "chat not found";
//   - limits (Options) are off unless set: beyond them a send is answered
//     429 with parameters.retry_after, like Telegram's, since Zalo says
//     nothing of its own;
//   - webhooks are delivered one at a time, in order, retried until the bot
//     answers 2xx, each update in getUpdates' envelope ({"ok", "result"}),
//     as some clients of the platform read them;
//   - a sender's name is "display_name", with "is_bot".
package zaloemu

import (
	"bytes"
	"context"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ocopbot/ocopbot/bot/emulator/bucket"
)

// Options configure the emulated bot.
type Options struct {
	Token       string
	BotID       string // default "1459232241454765289"
	AccountName string // default "bot.ocop"
	// Limits: per chat and for the bot, messages a second and bursts; 0
	// is none. RetryAfter is the seconds a 429 asks (at least 1).
	PerChatRate, GlobalRate   float64
	PerChatBurst, GlobalBurst int
	Now                       func() time.Time
	// Users are the simulated Zalo users the chat page (GET /zalo/) offers.
	Users []User
}

// User is a simulated Zalo user of the chat page.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role,omitempty"` // who they are, under their name
}

// Entry is one message of a chat's transcript.
type Entry struct {
	ID      string    `json:"id"`
	FromBot bool      `json:"from_bot"`
	Text    string    `json:"text,omitempty"`
	Photo   string    `json:"photo,omitempty"` // URL
	Caption string    `json:"caption,omitempty"`
	Sticker string    `json:"sticker,omitempty"`
	Date    time.Time `json:"date"`
}

// update is a queued event, as the API encodes it.
type update struct {
	EventName string   `json:"event_name"`
	Message   *message `json:"message"`
}

type message struct {
	ID      string `json:"message_id"`
	From    from   `json:"from"`
	Chat    chatID `json:"chat"`
	Date    int64  `json:"date"`
	Text    string `json:"text,omitempty"`
	Photo   string `json:"photo,omitempty"`
	Caption string `json:"caption,omitempty"`
	Sticker string `json:"sticker,omitempty"`
}

type from struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	IsBot       bool   `json:"is_bot"`
}

type chatID struct {
	ID   string `json:"id"`
	Type string `json:"chat_type"`
}

type chat struct {
	entries []Entry
	typing  int
	bucket  bucket.Bucket
}

// Server is the emulated API; serve it with net/http. Safe for concurrent
// use; Close stops webhook delivery and ends long polls.
type Server struct {
	opts Options
	now  func() time.Time

	mu      sync.Mutex
	seq     int
	queue   []update
	ready   chan struct{} // closed when the queue grows or the webhook changes
	said    chan struct{} // closed when the bot sends a message
	chats   map[string]*chat
	sent    map[string]update // users' updates by sender/message id, for Redeliver
	calls   map[string]int
	refused int // 429s
	global  bucket.Bucket
	hook    *webhook
	closed  bool
}

type webhook struct {
	url, secret string
	updatedAt   int64
	cancel      context.CancelFunc
	done        chan struct{}
}

// New returns a Server.
func New(o Options) *Server {
	if o.BotID == "" {
		o.BotID = "1459232241454765289"
	}
	if o.AccountName == "" {
		o.AccountName = "bot.ocop"
	}
	s := &Server{opts: o, now: o.Now, ready: make(chan struct{}), said: make(chan struct{}), chats: map[string]*chat{},
		sent: map[string]update{}, calls: map[string]int{}}
	if s.now == nil {
		s.now = time.Now
	}
	// Message ids go on from the clock's microseconds, not from 1: the
	// bot remembers the ids of two days to drop redeliveries, and would
	// drop as repeats the messages of an emulator started again (demo
	// mode restarted) that numbered from 1 anew.
	s.seq = int(time.Now().UnixMicro())
	return s
}

// Close stops the webhook's delivery and wakes the long polls.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	h := s.hook
	s.hook = nil
	s.wakeLocked()
	s.mu.Unlock()
	if h != nil {
		h.cancel()
		<-h.done
	}
}

func (s *Server) wakeLocked() {
	close(s.ready)
	s.ready = make(chan struct{})
}

func (s *Server) nextIDLocked() string {
	s.seq++
	// Random-looking hex like Zalo's, and unique: multiplying by an odd
	// number is one-to-one on 64 bits.
	return fmt.Sprintf("%020x", uint64(s.seq)*0x9e3779b97f4a7c15)
}

func (s *Server) chatLocked(id string) *chat {
	c := s.chats[id]
	if c == nil {
		c = &chat{}
		s.chats[id] = c
	}
	return c
}

// push queues a user's message as the event it is and records it in the
// chat's transcript; it returns the message's id.
func (s *Server) push(userID, name, event string, e Entry) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	e.ID, e.Date = s.nextIDLocked(), now
	c := s.chatLocked(userID)
	c.entries = append(c.entries, e)
	u := update{EventName: event, Message: &message{
		ID: e.ID, From: from{ID: userID, DisplayName: name}, Chat: chatID{ID: userID, Type: "PRIVATE"},
		Date: now.UnixMilli(), Text: e.Text, Photo: e.Photo, Caption: e.Caption, Sticker: e.Sticker,
	}}
	s.sent[userID+"/"+e.ID] = u
	s.queue = append(s.queue, u)
	s.wakeLocked()
	return e.ID
}

// SendText is the user writing text to the bot; it returns the message id.
func (s *Server) SendText(userID, name, text string) string {
	return s.push(userID, name, "message.text.received", Entry{Text: text})
}

// SendImage is the user sending an image (Zalo gives the bot its URL).
func (s *Server) SendImage(userID, name, photoURL, caption string) string {
	return s.push(userID, name, "message.image.received", Entry{Photo: photoURL, Caption: caption})
}

// SendSticker is the user sending a sticker.
func (s *Server) SendSticker(userID, name, sticker string) string {
	return s.push(userID, name, "message.sticker.received", Entry{Sticker: sticker})
}

// SendUnsupported is the user sending what the API does not pass on (a
// file, a voice message, a location).
func (s *Server) SendUnsupported(userID, name string) string {
	return s.push(userID, name, "message.unsupported.received", Entry{})
}

// Redeliver queues again the update of a message already delivered, as a
// platform retrying would: the bot must not handle it twice.
func (s *Server) Redeliver(userID, messageID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.sent[userID+"/"+messageID]
	if ok {
		s.queue = append(s.queue, u)
		s.wakeLocked()
	}
	return ok
}

// Transcript is the chat's messages, the user's and the bot's, in order.
func (s *Server) Transcript(chatID string) []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chats[chatID]; c != nil {
		return append([]Entry(nil), c.entries...)
	}
	return nil
}

// BotMessages is what the bot sent the chat, in order.
func (s *Server) BotMessages(chatID string) []Entry {
	var out []Entry
	for _, e := range s.Transcript(chatID) {
		if e.FromBot {
			out = append(out, e)
		}
	}
	return out
}

// Typing counts the chat actions the bot sent the chat.
func (s *Server) Typing(chatID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chats[chatID]; c != nil {
		return c.typing
	}
	return 0
}

// Calls counts the requests by method.
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// TooManyRequests counts the 429s answered.
func (s *Server) TooManyRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// Pending counts the updates not yet taken by getUpdates or delivered.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// apiError is a refusal in the envelope's shape.
type apiError struct {
	code       int
	desc       string
	retryAfter int
}

func (e *apiError) write(w http.ResponseWriter) {
	body := map[string]any{"ok": false, "error_code": e.code, "description": e.desc}
	if e.retryAfter > 0 {
		body["parameters"] = map[string]int{"retry_after": e.retryAfter}
	}
	writeJSON(w, e.code, body)
}

func badRequest(desc string) *apiError { return &apiError{code: http.StatusBadRequest, desc: desc} }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// maxBody bounds a request: the largest holds 2,000 characters and a URL.
const maxBody = 64 << 10

// ServeHTTP answers /bot<token>/<method>.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || method == "" {
		(&apiError{code: http.StatusNotFound, desc: "Not Found"}).write(w)
		return
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.Token)) != 1 {
		(&apiError{code: http.StatusUnauthorized, desc: "Unauthorized"}).write(w)
		return
	}
	s.mu.Lock()
	s.calls[method]++
	s.mu.Unlock()
	params := map[string]any{}
	if r.Body != nil {
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			(&apiError{code: http.StatusRequestEntityTooLarge, desc: "Request Entity Too Large"}).write(w)
			return
		}
		if len(bytes.TrimSpace(raw)) > 0 && json.Unmarshal(raw, &params) != nil {
			badRequest("can't parse JSON object").write(w)
			return
		}
	}
	var result any
	var aerr *apiError
	switch method {
	case "getMe":
		result = map[string]any{"id": s.opts.BotID, "account_name": s.opts.AccountName, "account_type": "BASIC",
			"can_join_groups": false}
	case "getUpdates":
		result, aerr = s.getUpdates(r.Context(), str(params, "timeout"))
	case "setWebhook":
		result, aerr = s.setWebhook(str(params, "url"), str(params, "secret_token"))
	case "deleteWebhook":
		result = s.deleteWebhook()
	case "getWebhookInfo":
		s.mu.Lock()
		info := map[string]any{"url": "", "updated_at": int64(0)}
		if s.hook != nil {
			info["url"], info["updated_at"] = s.hook.url, s.hook.updatedAt
		}
		s.mu.Unlock()
		result = info
	case "sendMessage":
		result, aerr = s.send(str(params, "chat_id"), Entry{Text: str(params, "text")}, true)
	case "sendPhoto":
		result, aerr = s.send(str(params, "chat_id"), Entry{Photo: str(params, "photo"), Caption: str(params, "caption")}, false)
	case "sendChatAction":
		aerr = s.chatAction(str(params, "chat_id"), str(params, "action"))
		if aerr == nil {
			result = true
		}
	default:
		aerr = &apiError{code: http.StatusNotFound, desc: "Not Found"}
	}
	if aerr != nil {
		aerr.write(w)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

// str reads a parameter given as a string or a number.
func str(p map[string]any, k string) string {
	switch v := p[k].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// getUpdates waits up to timeout seconds (default 30, at most 60) for an
// update and answers it.
func (s *Server) getUpdates(ctx context.Context, timeout string) (any, *apiError) {
	secs := 30
	if timeout != "" {
		n, err := strconv.Atoi(timeout)
		if err != nil || n < 0 {
			return nil, badRequest("timeout must be a number of seconds")
		}
		secs = min(n, 60)
	}
	deadline := time.NewTimer(time.Duration(secs) * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if s.hook != nil {
			s.mu.Unlock()
			return nil, &apiError{code: http.StatusConflict, desc: "Conflict: a webhook is set; delete it to use getUpdates"}
		}
		if len(s.queue) > 0 {
			u := s.queue[0]
			s.queue = s.queue[1:]
			s.mu.Unlock()
			return u, nil
		}
		ready, closed := s.ready, s.closed
		s.mu.Unlock()
		if closed || secs == 0 {
			return nil, &apiError{code: http.StatusRequestTimeout, desc: "Request timeout"}
		}
		select {
		case <-ready:
		case <-deadline.C:
			return nil, &apiError{code: http.StatusRequestTimeout, desc: "Request timeout"}
		case <-ctx.Done():
			return nil, &apiError{code: http.StatusRequestTimeout, desc: "Request timeout"}
		}
	}
}

// send records a message of the bot's to a chat its user opened.
func (s *Server) send(chatID string, e Entry, text bool) (any, *apiError) {
	if chatID == "" {
		return nil, badRequest("chat_id is required")
	}
	switch {
	case text && (e.Text == "" || utf8.RuneCountInString(e.Text) > 2000):
		return nil, badRequest("text must be 1 to 2000 characters")
	case !text && !httpURL(e.Photo):
		return nil, badRequest("photo must be an http(s) URL")
	case utf8.RuneCountInString(e.Caption) > 2000:
		return nil, badRequest("caption must be at most 2000 characters")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	if c == nil {
		return nil, badRequest("chat not found")
	}
	now := s.now()
	if retry := s.overLimitLocked(c, now); retry > 0 {
		s.refused++
		return nil, &apiError{code: http.StatusTooManyRequests, desc: "Too Many Requests: retry after " + strconv.Itoa(retry),
			retryAfter: retry}
	}
	e.ID, e.Date, e.FromBot = s.nextIDLocked(), now, true
	c.entries = append(c.entries, e)
	close(s.said)
	s.said = make(chan struct{})
	return map[string]any{"message_id": e.ID, "date": now.UnixMilli()}, nil
}

func (s *Server) chatAction(chatID, action string) *apiError {
	if action != "typing" && action != "upload_photo" {
		return badRequest("action must be typing or upload_photo")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	if c == nil {
		return badRequest("chat not found")
	}
	c.typing++
	return nil
}

func httpURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// overLimitLocked takes a token from the chat's bucket and the bot's, or
// returns the seconds until both have one (taking neither).
func (s *Server) overLimitLocked(c *chat, now time.Time) int {
	retry := 0
	if r := s.opts.PerChatRate; r > 0 {
		if c.bucket.Refill(now, r, s.opts.PerChatBurst); c.bucket.Empty() {
			retry = c.bucket.RetryAfter(r)
		}
	}
	if r := s.opts.GlobalRate; r > 0 {
		if s.global.Refill(now, r, s.opts.GlobalBurst); s.global.Empty() {
			retry = max(retry, s.global.RetryAfter(r))
		}
	}
	if retry > 0 {
		return retry
	}
	if s.opts.PerChatRate > 0 {
		c.bucket.Take()
	}
	if s.opts.GlobalRate > 0 {
		s.global.Take()
	}
	return 0
}

// setWebhook starts delivering updates to url with the secret.
func (s *Server) setWebhook(raw, secret string) (any, *apiError) {
	if !httpURL(raw) {
		return nil, badRequest("url must be an HTTPS URL")
	}
	if n := len(secret); n < 8 || n > 256 {
		return nil, badRequest("secret_token must be 8 to 256 characters")
	}
	old := s.swapHook(nil)
	stopHook(old)
	ctx, cancel := context.WithCancel(context.Background())
	h := &webhook{url: raw, secret: secret, updatedAt: s.now().UnixMilli(), cancel: cancel, done: make(chan struct{})}
	s.swapHook(h)
	go s.deliver(ctx, h)
	return map[string]any{"url": h.url, "updated_at": h.updatedAt}, nil
}

func (s *Server) deleteWebhook() any {
	stopHook(s.swapHook(nil))
	return map[string]any{"url": "", "updated_at": s.now().UnixMilli()}
}

func (s *Server) swapHook(h *webhook) *webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.hook
	s.hook = h
	s.wakeLocked()
	return old
}

func stopHook(h *webhook) {
	if h != nil {
		h.cancel()
		<-h.done
	}
}

// deliver POSTs the queued updates to the webhook one at a time, in order,
// each until the bot answers 2xx.
func (s *Server) deliver(ctx context.Context, h *webhook) {
	defer close(h.done)
	client := &http.Client{Timeout: 10 * time.Second}
	backoff := 10 * time.Millisecond
	for {
		s.mu.Lock()
		if len(s.queue) == 0 {
			ready := s.ready
			s.mu.Unlock()
			select {
			case <-ready:
				continue
			case <-ctx.Done():
				return
			}
		}
		next := s.queue[0]
		s.mu.Unlock()
		body, _ := json.Marshal(map[string]any{"ok": true, "result": next})
		if post(ctx, client, h, body) {
			s.mu.Lock()
			if len(s.queue) > 0 && s.queue[0].Message == next.Message {
				s.queue = s.queue[1:]
			}
			s.mu.Unlock()
			backoff = 10 * time.Millisecond
			continue
		}
		select {
		case <-time.After(backoff):
			backoff = min(2*backoff, 500*time.Millisecond)
		case <-ctx.Done():
			return
		}
	}
}

func post(ctx context.Context, client *http.Client, h *webhook, body []byte) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Bot-Api-Secret-Token", h.secret)
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode <= 299
}

// ControlHandler serves the users' side over HTTP for another process (a
// load generator, a test of the binary), and the API itself otherwise:
//
//	POST /zalo/users/{id}/messages  {"name", "text"} or {"name", "photo", "caption"} → {"message_id"};
//	                                with {"expect": […], "timeout"} it waits for the reply: {"message_id", "reply", "timeout"}
//	GET  /zalo/chats/{id}           the chat's transcript
//	GET  /zalo/                     a Zalo-styled chat page for Options.Users (GET /zalo/users), which sends
//	                                /zalo/sample-photo.png as a photo
//	GET  /zalo/stats                {"calls", "too_many_requests", "pending_updates"}
//
// It takes no token: serve it only on the emulator's own listener.
func (s *Server) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /zalo/users/{id}/messages", func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			Name, Text, Photo, Caption string
			// Expect, when given, makes the call wait (up to Timeout, at
			// most a minute; default 10 s) for a bot message after this
			// one holding one of these texts, and answer with it: a load
			// generator's step, from the user's message to the reply.
			Expect  []string
			Timeout string
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(&m); err != nil {
			badRequest("a JSON object is expected").write(w)
			return
		}
		id := r.PathValue("id")
		var msgID string
		switch {
		case m.Photo != "":
			msgID = s.SendImage(id, m.Name, m.Photo, m.Caption)
		case m.Text != "":
			msgID = s.SendText(id, m.Name, m.Text)
		default:
			badRequest("text or photo is required").write(w)
			return
		}
		if len(m.Expect) == 0 {
			writeJSON(w, http.StatusOK, map[string]string{"message_id": msgID})
			return
		}
		wait, err := time.ParseDuration(m.Timeout)
		if err != nil || wait <= 0 {
			wait = 10 * time.Second
		}
		reply, ok := s.awaitReply(r.Context(), id, msgID, m.Expect, min(wait, time.Minute))
		writeJSON(w, http.StatusOK, map[string]any{"message_id": msgID, "reply": reply, "timeout": !ok})
	})
	mux.HandleFunc("GET /zalo/chats/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Transcript(r.PathValue("id")))
	})
	mux.HandleFunc("GET /zalo/{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src * data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'")
		_, _ = w.Write(chatPage)
	})
	mux.HandleFunc("GET /zalo/users", func(w http.ResponseWriter, _ *http.Request) {
		users := s.opts.Users
		if users == nil {
			users = []User{}
		}
		writeJSON(w, http.StatusOK, users)
	})
	mux.HandleFunc("GET /zalo/sample-photo.png", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(samplePhoto())
	})
	mux.HandleFunc("GET /zalo/stats", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"calls": s.Calls(), "too_many_requests": s.TooManyRequests(),
			"pending_updates": s.Pending()})
	})
	mux.Handle("/", s)
	return mux
}

// awaitReply waits until the chat holds a bot message after the user's
// message msgID that contains one of expect, and returns the first such.
func (s *Server) awaitReply(ctx context.Context, chatID, msgID string, expect []string, wait time.Duration) (*Entry, bool) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		s.mu.Lock()
		said := s.said
		var found *Entry
		if c := s.chats[chatID]; c != nil {
			after := false
			for i := range c.entries {
				e := c.entries[i]
				if e.ID == msgID {
					after = true
					continue
				}
				if after && e.FromBot && holdsAny(e.Text+e.Caption, expect) {
					found = &e
					break
				}
			}
		}
		s.mu.Unlock()
		if found != nil {
			return found, true
		}
		select {
		case <-said:
		case <-timer.C:
			return nil, false
		case <-ctx.Done():
			return nil, false
		}
	}
}

func holdsAny(text string, parts []string) bool {
	for _, p := range parts {
		if strings.Contains(text, p) {
			return true
		}
	}
	return false
}

// chatPage is the simulated users' chat: plain text and numbered lines, as
// Zalo shows the bot's messages.
//
//go:embed static/chat.html
var chatPage []byte

// samplePhoto is the picture the chat page sends as a product photo: a
// honey-coloured square.
var samplePhoto = sync.OnceValue(func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 96, 96))
	draw.Draw(img, img.Bounds(), &image.Uniform{C: color.RGBA{R: 0xe8, G: 0xa3, B: 0x17, A: 0xff}}, image.Point{}, draw.Src)
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
})
