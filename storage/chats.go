package storage

import (
	"context"
	"fmt"
)

// SaveChat records a private chat and the language its user chose. An
// unchanged chat is not rewritten: /start is frequent, and a write costs a
// WAL flush. A user who writes again has unblocked the bot: the chat is
// reachable again.
func (s *Store) SaveChat(ctx context.Context, chatID, userID int64, locale string) error {
	const q = `
WITH back AS (DELETE FROM unreachable_chats WHERE chat_id = $1),
account AS (
    INSERT INTO accounts (channel, external_id, chat_id) SELECT 'telegram', ($1::bigint)::text, $1 WHERE $1::bigint > 0
    ON CONFLICT (channel, external_id) DO NOTHING
)
INSERT INTO chats (chat_id, user_id, locale) VALUES ($1, $2, $3)
ON CONFLICT (chat_id) DO UPDATE SET user_id = EXCLUDED.user_id, locale = EXCLUDED.locale, updated_at = now()
WHERE chats.user_id <> EXCLUDED.user_id OR chats.locale <> EXCLUDED.locale`
	if _, err := s.pool.Exec(ctx, q, chatID, userID, locale); err != nil {
		return fmt.Errorf("save chat %d: %w", chatID, err)
	}
	return nil
}

// ChatLocale returns the language a chat chose, or ErrNotFound.
func (s *Store) ChatLocale(ctx context.Context, chatID int64) (string, error) {
	var locale string
	err := s.pool.QueryRow(ctx, `SELECT locale FROM chats WHERE chat_id = $1`, chatID).Scan(&locale)
	if err != nil {
		return "", fmt.Errorf("load chat %d locale: %w", chatID, notFound(err))
	}
	return locale, nil
}
