package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/ocopbot/ocopbot/storage"
)

// poll takes updates in by long polling. It is ours rather than
// go-telegram/bot's because the library moves the offset — which confirms
// updates to Telegram — before its handler has run: a crash then loses the
// update in flight. Here the next offset is asked for only once the whole
// batch is stored in the intake stream, so Telegram keeps anything not
// stored and sends it again (the intake's dedupe drops what was).
func (b *Bot) poll(ctx context.Context) {
	var offset int64
	delay := time.Duration(0)
	for ctx.Err() == nil {
		if delay > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(delay):
			}
		}
		batch, err := b.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			b.log.Warn("get updates", errAttr(err))
			delay = min(max(2*delay, 100*time.Millisecond), 5*time.Second)
			continue
		}
		delay = 0
		in := make([]storage.Incoming, 0, len(batch))
		for _, raw := range batch {
			var u update
			if err := json.Unmarshal(raw, &u); err != nil {
				b.log.Error("undecodable update skipped", errAttr(err))
				continue
			}
			in = append(in, storage.Incoming{UpdateID: u.ID, ChatID: u.chatID(), Payload: u.compact(raw)})
			offset = max(offset, u.ID+1)
		}
		if !b.store(ctx, in) {
			return // shutting down: Telegram sends the batch again next time
		}
	}
}

// store keeps trying to enqueue a batch of updates while Redis is
// unreachable, until it is stored or shutdown begins; it reports whether
// the batch is stored. Until it is, the next getUpdates does not confirm
// it to Telegram.
func (b *Bot) store(ctx context.Context, in []storage.Incoming) bool {
	for delay := 50 * time.Millisecond; ; delay = min(2*delay, time.Second) {
		// A write under way finishes even when shutdown begins.
		fresh, err := b.enqueueBatch(context.WithoutCancel(ctx), in)
		if err == nil {
			b.cfg.Metrics.received(len(in))
			for i, ok := range fresh {
				if !ok {
					b.duplicate(in[i].UpdateID)
				}
			}
			return true
		}
		b.log.Warn("enqueue updates", slog.Int("updates", len(in)), errAttr(err))
		select {
		case <-ctx.Done():
			return false
		case <-time.After(delay):
		}
	}
}

// getUpdates asks the Bot API for the updates from offset on, waiting up to
// the poll timeout for one to arrive.
func (b *Bot) getUpdates(ctx context.Context, offset int64) ([]json.RawMessage, error) {
	body, _ := json.Marshal(map[string]any{
		"offset": offset, "timeout": int(b.cfg.PollTimeout.Seconds()),
		"allowed_updates": []string{"message", "callback_query"},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.apiURL+"/bot"+b.cfg.Token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build getUpdates: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.cfg.HTTPClient.Do(req)
	if err != nil {
		// The URL holds the token: keep only what went wrong.
		var uerr interface{ Unwrap() error }
		if errors.As(err, &uerr) {
			err = uerr.Unwrap()
		}
		return nil, fmt.Errorf("getUpdates: %w", err)
	}
	defer resp.Body.Close()
	var r struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		ErrorCode   int               `json:"error_code"`
		Description string            `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&r); err != nil {
		return nil, fmt.Errorf("getUpdates: decode answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if !r.OK {
		if r.Parameters.RetryAfter > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(min(time.Duration(r.Parameters.RetryAfter)*time.Second, time.Minute)):
			}
		}
		return nil, fmt.Errorf("getUpdates: %d %s", r.ErrorCode, r.Description)
	}
	return r.Result, nil
}
