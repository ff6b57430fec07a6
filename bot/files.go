package bot

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/report"
)

// TelegramFiles fetches the files users send on Telegram (flows.Files).
// It is made apart from the Bot, before the flows that read the files, so
// that neither points back to the other.
type TelegramFiles struct {
	api    *tgbot.Bot
	client *http.Client
}

// NewTelegramFiles fetches files through the Bot API at apiURL (""
// Telegram's) with token; with no token it returns nil: no files come in.
func NewTelegramFiles(token, apiURL string, client *http.Client) (*TelegramFiles, error) {
	if token == "" {
		return nil, nil
	}
	if apiURL == "" {
		apiURL = "https://api.telegram.org"
	}
	if client == nil {
		client = &http.Client{Timeout: time.Minute}
	}
	api, err := tgbot.New(token, tgbot.WithSkipGetMe(), tgbot.WithServerURL(strings.TrimRight(apiURL, "/")),
		tgbot.WithHTTPClient(time.Minute, client))
	if err != nil {
		return nil, fmt.Errorf("create telegram file client: %w", err)
	}
	return &TelegramFiles{api: api, client: client}, nil
}

// Fetch downloads a file a user sent, refusing one over limit bytes after
// reading limit+1 of them: Telegram's file size may be missing, and what a
// server sends is not bounded by what it announced.
func (tf *TelegramFiles) Fetch(ctx context.Context, fileID string, limit int64) ([]byte, error) {
	f, err := tf.api.GetFile(ctx, &tgbot.GetFileParams{FileID: fileID})
	if err != nil {
		return nil, fmt.Errorf("get file: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, tf.api.FileDownloadLink(f), nil)
	if err != nil {
		return nil, err
	}
	resp, err := tf.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download file: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download file: %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("download file: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, &report.LimitError{What: report.LimitBytes, Max: limit}
	}
	return data, nil
}

var _ flows.Files = (*TelegramFiles)(nil)

// TelegramLinks makes the deep links that open the bot on Telegram with a
// start code (flows.StartLinks): https://t.me/<bot>?start=<code>. The
// bot's username is learned when it starts (getMe); until then, and
// without Telegram, there is none and the code is typed.
type TelegramLinks struct {
	name atomic.Pointer[string]
}

// NewTelegramLinks knows the bot's username already ("" when not).
func NewTelegramLinks(username string) *TelegramLinks {
	l := &TelegramLinks{}
	if username != "" {
		l.learn(username)
	}
	return l
}

// StartLink is the deep link of code, "" while the username is unknown.
func (l *TelegramLinks) StartLink(code string) string {
	if l == nil {
		return ""
	}
	name := l.name.Load()
	if name == nil || *name == "" {
		return ""
	}
	return "https://t.me/" + *name + "?start=" + code
}

func (l *TelegramLinks) learn(username string) { l.name.Store(&username) }

var _ flows.StartLinks = (*TelegramLinks)(nil)
