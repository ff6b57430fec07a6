package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
)

const testToken = "123456:TEST-token"

var alice = User{ID: 1001, FirstName: "Alice", Username: "alice", LanguageCode: "vi"}

// setup starts an emulator on a real HTTP server and a go-telegram/bot client pointed at it.
func setup(t *testing.T, opts Options) (*Server, *httptest.Server, *bot.Bot) {
	t.Helper()
	if opts.Token == "" {
		opts.Token = testToken
	}
	if opts.BotID == 0 {
		opts.BotID = 123456
		opts.BotUsername = "ocop_test_bot"
	}
	s := New(opts)
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close()
		hs.Close()
	})
	b, err := bot.New(opts.Token, bot.WithServerURL(hs.URL), bot.WithSkipGetMe())
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	return s, hs, b
}

// apiResponse is the Bot API's envelope, decoded loosely for assertions.
type apiResponse struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// call sends one raw request and decodes the envelope.
func call(t *testing.T, req *http.Request) (int, apiResponse) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	var r apiResponse
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("%s %s: decode %q: %v", req.Method, req.URL.Path, body, err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	return resp.StatusCode, r
}

func postJSON(t *testing.T, base, method, body string) (int, apiResponse) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/bot"+testToken+"/"+method, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return call(t, req)
}

func postForm(t *testing.T, base, method string, form url.Values) (int, apiResponse) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/bot"+testToken+"/"+method, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return call(t, req)
}

func get(t *testing.T, base, method string, query url.Values) (int, apiResponse) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/bot"+testToken+"/"+method+"?"+query.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return call(t, req)
}

// testPNG is a w×h PNG image.
func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// update is the part of an update the tests read.
type update struct {
	UpdateID int64 `json:"update_id"`
	Message  *struct {
		MessageID int    `json:"message_id"`
		Text      string `json:"text"`
		Entities  []Entity
		Contact   *struct {
			PhoneNumber string `json:"phone_number"`
			UserID      int64  `json:"user_id"`
		} `json:"contact"`
		Photo []struct {
			FileID string `json:"file_id"`
			Width  int    `json:"width"`
		} `json:"photo"`
		Chat struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
		} `json:"chat"`
		From struct {
			ID int64 `json:"id"`
		} `json:"from"`
	} `json:"message"`
	CallbackQuery *struct {
		ID      string `json:"id"`
		Data    string `json:"data"`
		Message struct {
			MessageID int `json:"message_id"`
		} `json:"message"`
	} `json:"callback_query"`
}

func pollUpdates(t *testing.T, base string, offset int64, timeout int) []update {
	t.Helper()
	code, r := get(t, base, "getUpdates", url.Values{
		"offset":  {itoa(offset)},
		"timeout": {itoa(int64(timeout))},
	})
	if code != http.StatusOK || !r.OK {
		t.Fatalf("getUpdates: %d %s", code, r.Description)
	}
	var ups []update
	if err := json.Unmarshal(r.Result, &ups); err != nil {
		t.Fatalf("decode updates %s: %v", r.Result, err)
	}
	return ups
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
