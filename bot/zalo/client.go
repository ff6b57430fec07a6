// Package zalo speaks the Zalo Bot Platform's Bot API
// (https://bot.zaloplatforms.com/docs): https://bot-api.zaloplatforms.com/bot<TOKEN>/<method>,
// every method a POST of a JSON object, every answer the envelope
// {"ok", "result", "error_code", "description"}. Ids are strings.
//
// The platform documents no rate limits and no retry_after; an error the
// client reads as "too many requests" (error_code 429) carries the wait the
// answer gave, if any, and the caller decides the rest (issue 28: behave as
// carefully as with Telegram, the limits configurable).
package zalo

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultAPIURL is the Bot API's address.
const DefaultAPIURL = "https://bot-api.zaloplatforms.com"

// MaxText is the most characters a message (or a photo's caption) may
// hold: "độ dài từ 1 đến 2000 ký tự". Counted in characters (runes), not
// bytes or UTF-16 units.
const MaxText = 2000

// SecretHeader carries a webhook's secret_token on every delivery.
const SecretHeader = "X-Bot-Api-Secret-Token"

// The events an update names.
const (
	EventText        = "message.text.received"
	EventImage       = "message.image.received"
	EventSticker     = "message.sticker.received"
	EventUnsupported = "message.unsupported.received"
)

// Client calls the Bot API. Safe for concurrent use.
type Client struct {
	base string // up to and including "/bot<token>/"
	hc   *http.Client
}

// New returns a client of the API at apiURL ("" for DefaultAPIURL) with the
// bot's token; hc nil means http.DefaultClient. Long polls need hc's
// timeout (if any) above the poll's.
func New(apiURL, token string, hc *http.Client) *Client {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimRight(apiURL, "/") + "/bot" + token + "/", hc: hc}
}

// Error is a refusal the API answered (ok false), or an answer that was not
// the API's envelope (Code then the HTTP status).
type Error struct {
	Method      string
	Code        int
	Description string
	// RetryAfter is the wait a 429 asked for (parameters.retry_after), if
	// it said one.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("zalo %s: %d %s", e.Method, e.Code, e.Description)
}

// TooManyRequests reports a refusal for the bot's rate.
func (e *Error) TooManyRequests() bool { return e.Code == http.StatusTooManyRequests }

// envelope is every answer's shape.
type envelope struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter float64 `json:"retry_after"`
	} `json:"parameters"`
}

// maxAnswer bounds an answer read: results are a message or an update.
const maxAnswer = 1 << 20

// call POSTs params as JSON to method and decodes the result into out (nil:
// ignored).
func (c *Client) call(ctx context.Context, method string, params, out any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("zalo %s: encode: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+method, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("zalo %s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("zalo %s: %w", method, redact(err, c.base))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("zalo %s: read: %w", method, err)
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return &Error{Method: method, Code: resp.StatusCode, Description: "not the Bot API's answer: " + resp.Status}
	}
	if !env.OK {
		e := &Error{Method: method, Code: env.ErrorCode, Description: env.Description}
		if e.Code == 0 {
			e.Code = resp.StatusCode
		}
		if s := env.Parameters.RetryAfter; s > 0 {
			e.RetryAfter = time.Duration(s * float64(time.Second))
		}
		return e
	}
	if out == nil || len(env.Result) == 0 {
		return nil
	}
	if err := json.Unmarshal(env.Result, out); err != nil {
		return fmt.Errorf("zalo %s: decode result: %w", method, err)
	}
	return nil
}

// redact takes the token out of an error that quotes the URL.
func redact(err error, base string) error {
	msg := err.Error()
	if !strings.Contains(msg, base) {
		return err
	}
	return errors.New(strings.ReplaceAll(msg, base, "…/bot<token>/"))
}

// Bot is getMe's result.
type Bot struct {
	ID            string `json:"id"`
	AccountName   string `json:"account_name"`
	AccountType   string `json:"account_type"`
	CanJoinGroups bool   `json:"can_join_groups"`
}

// GetMe checks the token and returns the bot's account.
func (c *Client) GetMe(ctx context.Context) (Bot, error) {
	var b Bot
	err := c.call(ctx, "getMe", struct{}{}, &b)
	return b, err
}

// User is a message's sender.
type User struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name,omitempty"`
	FirstName   string `json:"first_name,omitempty"`
	IsBot       bool   `json:"is_bot,omitempty"`
}

// Name is what the user is called: the display name, else the first name.
func (u User) Name() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.FirstName
}

// Chat is where a message was written.
type Chat struct {
	ID   string `json:"id"`
	Type string `json:"chat_type"` // PRIVATE or GROUP
}

// Message is a user's message.
type Message struct {
	ID      string `json:"message_id"`
	From    User   `json:"from"`
	Chat    Chat   `json:"chat"`
	Date    int64  `json:"date"` // Unix milliseconds
	Text    string `json:"text,omitempty"`
	Photo   string `json:"photo,omitempty"` // the image's URL
	Caption string `json:"caption,omitempty"`
	Sticker string `json:"sticker,omitempty"`
}

// Update is one event: getUpdates' result, or a webhook's body. It has no
// update_id: a duplicate is known by its message's id and sender.
type Update struct {
	EventName string   `json:"event_name"`
	Message   *Message `json:"message,omitempty"`
}

// Key identifies an update for deduplication: the sender and the message
// id (Zalo's message ids are unique per chat, not known to be global).
func (u Update) Key() string {
	if u.Message == nil {
		return ""
	}
	return u.Message.From.ID + "/" + u.Message.ID
}

// GetUpdates long-polls for up to timeout (whole seconds; 0: the API's 30)
// and returns what came. The documentation shows one update per answer,
// an object; an array is read too. An answer of 408 ("Request timeout") is
// no update, not an error.
func (c *Client) GetUpdates(ctx context.Context, timeout time.Duration) ([]Update, error) {
	params := map[string]string{}
	if s := int(timeout / time.Second); s > 0 {
		params["timeout"] = strconv.Itoa(s)
	}
	var raw json.RawMessage
	err := c.call(ctx, "getUpdates", params, &raw)
	var e *Error
	if errors.As(err, &e) && e.Code == http.StatusRequestTimeout {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return nil, nil
	case raw[0] == '[':
		var us []Update
		if err := json.Unmarshal(raw, &us); err != nil {
			return nil, fmt.Errorf("zalo getUpdates: decode: %w", err)
		}
		return us, nil
	}
	var u Update
	if err := json.Unmarshal(raw, &u); err != nil {
		return nil, fmt.Errorf("zalo getUpdates: decode: %w", err)
	}
	if u.Message == nil && u.EventName == "" {
		return nil, nil
	}
	return []Update{u}, nil
}

// WebhookInfo is the webhook set, if any.
type WebhookInfo struct {
	URL       string `json:"url"`
	UpdatedAt int64  `json:"updated_at"` // Unix milliseconds
}

// SetWebhook has updates POSTed to url (HTTPS) with secret (8–256
// characters) in SecretHeader.
func (c *Client) SetWebhook(ctx context.Context, url, secret string) error {
	return c.call(ctx, "setWebhook", map[string]string{"url": url, "secret_token": secret}, nil)
}

// DeleteWebhook goes back to getUpdates.
func (c *Client) DeleteWebhook(ctx context.Context) error {
	return c.call(ctx, "deleteWebhook", struct{}{}, nil)
}

// GetWebhookInfo returns the webhook set ("" URL: none).
func (c *Client) GetWebhookInfo(ctx context.Context) (WebhookInfo, error) {
	var w WebhookInfo
	err := c.call(ctx, "getWebhookInfo", struct{}{}, &w)
	return w, err
}

// Sent is a message the bot sent.
type Sent struct {
	MessageID string `json:"message_id"`
	Date      int64  `json:"date"` // Unix milliseconds
}

// ErrTextLength refuses, before any request, a text the API would: empty or
// longer than MaxText characters. Splitting is the caller's.
var ErrTextLength = errors.New("zalo: a message holds 1 to 2000 characters")

// SendMessage sends text to the chat.
func (c *Client) SendMessage(ctx context.Context, chatID, text string) (Sent, error) {
	if n := utf8.RuneCountInString(text); n == 0 || n > MaxText {
		return Sent{}, ErrTextLength
	}
	var s Sent
	err := c.call(ctx, "sendMessage", map[string]string{"chat_id": chatID, "text": text}, &s)
	return s, err
}

// SendPhoto sends the image at photoURL (which Zalo fetches) with an
// optional caption.
func (c *Client) SendPhoto(ctx context.Context, chatID, photoURL, caption string) (Sent, error) {
	if utf8.RuneCountInString(caption) > MaxText {
		return Sent{}, ErrTextLength
	}
	p := map[string]string{"chat_id": chatID, "photo": photoURL}
	if caption != "" {
		p["caption"] = caption
	}
	var s Sent
	err := c.call(ctx, "sendPhoto", p, &s)
	return s, err
}

// SendChatAction shows "typing…" (the one action the API has today).
func (c *Client) SendChatAction(ctx context.Context, chatID string) error {
	return c.call(ctx, "sendChatAction", map[string]string{"chat_id": chatID, "action": "typing"}, nil)
}

// FromWebhook checks a webhook delivery's secret (constant time) and
// decodes its update, bare or in an envelope; ok is false for a request to refuse (401 for a wrong
// secret, 400 for a body that is no update). The body is read up to 1 MB.
func FromWebhook(r *http.Request, secret string) (u Update, status int, ok bool) {
	got := r.Header.Get(SecretHeader)
	if secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
		return Update{}, http.StatusUnauthorized, false
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxAnswer))
	if err != nil {
		return Update{}, http.StatusBadRequest, false
	}
	// Deliveries are seen both bare and in getUpdates' envelope
	// ({"ok": true, "result": {…}}); the documentation shows neither.
	var wrapped struct {
		Result *Update `json:"result"`
	}
	if json.Unmarshal(raw, &wrapped) == nil && wrapped.Result != nil {
		u = *wrapped.Result
	} else if json.Unmarshal(raw, &u) != nil {
		return Update{}, http.StatusBadRequest, false
	}
	if u.Message == nil || u.Message.Chat.ID == "" || u.Message.ID == "" {
		return Update{}, http.StatusBadRequest, false
	}
	return u, http.StatusOK, true
}
