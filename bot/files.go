package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	tgbot "github.com/go-telegram/bot"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/report"
)

// Fetch downloads a file a user sent (flows.Files), refusing one over
// limit bytes after reading limit+1 of them: Telegram's file size may be
// missing, and what a server sends is not bounded by what it announced.
func (b *Bot) Fetch(ctx context.Context, fileID string, limit int64) ([]byte, error) {
	if b.api == nil {
		return nil, errors.New("get file: no Telegram token")
	}
	f, err := b.api.GetFile(ctx, &tgbot.GetFileParams{FileID: fileID})
	if err != nil {
		return nil, fmt.Errorf("get file: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.api.FileDownloadLink(f), nil)
	if err != nil {
		return nil, err
	}
	resp, err := b.cfg.HTTPClient.Do(req)
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

var _ flows.Files = (*Bot)(nil)
