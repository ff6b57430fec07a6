package bot

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// WebhookHandler takes updates POSTed by Telegram. It answers 401 unless the
// secret token header matches (go-telegram/bot's own handler answers 200
// either way), and 200 only once the update is stored, so Telegram retries
// anything we could not keep.
//
// A button press is answered in the response itself (the Bot API runs a
// method a webhook's response names): answerCallbackQuery without a text,
// which stops the button's spinner, costs no request of the bot's own — a
// press is then one call (the edit of the prompt), not two. The stored
// update is marked so that its turn sends no answer. The toast a flow may
// give is then not shown, and nothing is lost: an old button's is said again
// above the step it asks anew (or, with no step, sent as a message), and
// "language changed" by the reply coming in the new language.
func (b *Bot) WebhookHandler(secret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		var u update
		if err != nil || json.Unmarshal(raw, &u) != nil {
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		cq := u.CallbackQuery
		if cq != nil {
			cq.Answered = cq.ID != ""
		}
		if err := b.enqueue(r.Context(), u.ID, u.chatID(), u.compact(raw)); err != nil {
			b.log.Error("webhook enqueue", slog.Int64("update_id", u.ID), errAttr(err))
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		if cq == nil || !cq.Answered {
			w.WriteHeader(http.StatusOK)
			return
		}
		body, _ := json.Marshal(webhookAnswer{Method: "answerCallbackQuery", CallbackQueryID: cq.ID})
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
}

// webhookAnswer is a Bot API call made in a webhook's response.
type webhookAnswer struct {
	Method          string `json:"method"`
	CallbackQueryID string `json:"callback_query_id"`
}

// SetWebhook registers url with Telegram, with the secret it must echo.
func (b *Bot) SetWebhook(ctx context.Context, url, secret string) error {
	if b.api == nil {
		return errors.New("set webhook: no Telegram token")
	}
	_, err := b.api.SetWebhook(ctx, &tgbot.SetWebhookParams{
		URL: url, SecretToken: secret, MaxConnections: 40,
		AllowedUpdates: []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery},
	})
	if err != nil {
		return fmt.Errorf("set webhook: %w", err)
	}
	return nil
}
