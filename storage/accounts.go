package storage

import (
	"context"
	"fmt"
	"sync"
)

// Channels a person reaches the bot through.
const (
	ChannelTelegram = "telegram"
	ChannelZalo     = "zalo"
)

// ZaloChatBase is the top of the chat ids the bot allocates to Zalo users:
// every one is below it, far from any Telegram chat (see migration 018).
const ZaloChatBase = -(int64(1) << 52)

// IsZaloChat reports a chat id allocated to a Zalo user.
func IsZaloChat(chatID int64) bool { return chatID < ZaloChatBase }

// ChannelOf is the channel of a chat id.
func ChannelOf(chatID int64) string {
	if IsZaloChat(chatID) {
		return ChannelZalo
	}
	return ChannelTelegram
}

// ZaloChat returns the chat id of a Zalo user, allocating one the first
// time they write. Concurrent first messages of one user get one id.
func (s *Store) ZaloChat(ctx context.Context, zaloUserID string) (int64, error) {
	if id, ok := s.accounts.chat(zaloUserID); ok {
		return id, nil
	}
	// DO UPDATE, not DO NOTHING, so that the row comes back when it exists:
	// a user's two first messages at once get the one id.
	const q = `
INSERT INTO accounts (channel, external_id, chat_id) VALUES ('zalo', $1, $2 - nextval('zalo_chat_seq'))
ON CONFLICT (channel, external_id) DO UPDATE SET channel = EXCLUDED.channel
RETURNING chat_id`
	var id int64
	if err := s.pool.QueryRow(ctx, q, zaloUserID, ZaloChatBase).Scan(&id); err != nil {
		return 0, fmt.Errorf("zalo account: %w", err)
	}
	s.accounts.put(zaloUserID, id)
	return id, nil
}

// ZaloUser returns the Zalo user id of a chat id ZaloChat allocated.
func (s *Store) ZaloUser(ctx context.Context, chatID int64) (string, error) {
	if u, ok := s.accounts.user(chatID); ok {
		return u, nil
	}
	var u string
	err := s.pool.QueryRow(ctx, `SELECT external_id FROM accounts WHERE channel = 'zalo' AND chat_id = $1
ORDER BY last_seen DESC LIMIT 1`, chatID).Scan(&u)
	if err != nil {
		return "", fmt.Errorf("zalo user of chat %d: %w", chatID, notFound(err))
	}
	s.accounts.put(u, chatID)
	return u, nil
}

// Account is one messenger account of a person.
type Account struct {
	Channel    string
	ExternalID string
}

// Accounts lists a chat's accounts, the one used last first.
func (s *Store) Accounts(ctx context.Context, chatID int64) ([]Account, error) {
	rows, err := s.pool.Query(ctx, `SELECT channel, external_id FROM accounts WHERE chat_id = $1 ORDER BY last_seen DESC`, chatID)
	if err != nil {
		return nil, fmt.Errorf("accounts of chat %d: %w", chatID, err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		var a Account
		if err := rows.Scan(&a.Channel, &a.ExternalID); err != nil {
			return nil, fmt.Errorf("accounts of chat %d: %w", chatID, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// accountCache keeps the Zalo accounts seen: an account's chat id never
// changes once allocated, so every process may keep it. It is bounded by
// forgetting everything past a size, rather than tracking use.
type accountCache struct {
	mu     sync.Mutex
	byUser map[string]int64
	byChat map[int64]string
}

const accountCacheSize = 100_000

func (c *accountCache) chat(user string) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.byUser[user]
	return id, ok
}

func (c *accountCache) user(chatID int64) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, ok := c.byChat[chatID]
	return u, ok
}

func (c *accountCache) put(user string, chatID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byUser == nil || len(c.byUser) >= accountCacheSize {
		c.byUser, c.byChat = make(map[string]int64), make(map[int64]string)
	}
	c.byUser[user], c.byChat[chatID] = chatID, user
}
