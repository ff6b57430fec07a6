package storage

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/ocop"
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

// Person is the chat id a chat's records carry: the person its account is
// linked to, or the chat itself.
func (s *Store) Person(ctx context.Context, chatID int64) (int64, error) {
	var p *int64
	err := s.pool.QueryRow(ctx, `SELECT person FROM accounts WHERE chat_id = $1 AND person IS NOT NULL LIMIT 1`, chatID).Scan(&p)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return chatID, nil
	case err != nil:
		return 0, fmt.Errorf("person of chat %d: %w", chatID, err)
	}
	return *p, nil
}

// Reach lists the chats a person is reached at: their own and every
// account linked to them, the one that wrote last first.
func (s *Store) Reach(ctx context.Context, person int64) ([]int64, error) {
	rows, err := s.pool.Query(ctx, `
SELECT chat_id FROM accounts WHERE chat_id = $1 OR person = $1
GROUP BY chat_id ORDER BY max(last_seen) DESC, chat_id`, person)
	if err != nil {
		return nil, fmt.Errorf("accounts of person %d: %w", person, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("accounts of person %d: %w", person, err)
	}
	if !slices.Contains(out, person) {
		// A chat with no account row (saved before it had one): still
		// the person's own, last.
		out = append(out, person)
	}
	return out, nil
}

// Seen records that a chat wrote now: notifications go to the account its
// person used last.
func (s *Store) Seen(ctx context.Context, chatID int64, at time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE accounts SET last_seen = $2 WHERE chat_id = $1 AND last_seen < $2`, chatID, at); err != nil {
		return fmt.Errorf("chat %d seen: %w", chatID, err)
	}
	return nil
}

// LinkedAccounts lists a person's accounts, the one used last first.
func (s *Store) LinkedAccounts(ctx context.Context, person int64) ([]ocop.Account, error) {
	rows, err := s.pool.Query(ctx, `
SELECT channel, last_seen FROM accounts WHERE chat_id = $1 OR person = $1 ORDER BY last_seen DESC`, person)
	if err != nil {
		return nil, fmt.Errorf("accounts of person %d: %w", person, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ocop.Account, error) {
		var a ocop.Account
		err := r.Scan(&a.Channel, &a.LastSeen)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("accounts of person %d: %w", person, err)
	}
	return out, nil
}

// NewLinkCode makes a single-use code that links another account to
// person until expires; the person's earlier unused codes stop working.
// It reads "LK-XXXX-XXXX" (ocop.LinkCode): 31^8 codes, against a few
// guesses a second. (A byte modulo 31 favours a few letters slightly:
// still above 2^39 codes.)
func (s *Store) NewLinkCode(ctx context.Context, person int64, now, expires time.Time) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	code := make([]byte, 0, 8)
	for _, c := range b {
		code = append(code, ocop.LinkCodeAlphabet[int(c)%len(ocop.LinkCodeAlphabet)])
	}
	err := s.WithTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE link_codes SET expires_at = $2 WHERE person = $1 AND used_at IS NULL AND expires_at > $2`, person, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO link_codes (code, person, created_at, expires_at) VALUES ($1, $2, $3, $4)`, string(code), person, now, expires)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("new link code: %w", err)
	}
	return "LK-" + string(code[:4]) + "-" + string(code[4:]), nil
}

// Why a link is refused: the domain's sentinels.
var (
	ErrLinkSelf       = ocop.ErrLinkSelf
	ErrLinkOwnRecords = ocop.ErrLinkOwnRecords
)

// Link links the account of chatID to the person whose code it typed
// (ocop.LinkCode's letters), once: ErrNotFound for a code unknown, used or
// expired.
func (s *Store) Link(ctx context.Context, code string, chatID int64, now time.Time) (person int64, err error) {
	err = s.WithTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
SELECT person FROM link_codes WHERE code = $1 AND used_at IS NULL AND expires_at > $2 FOR UPDATE`, code, now).Scan(&person)
		if err != nil {
			return notFound(err)
		}
		var own int64
		if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT person FROM accounts WHERE chat_id = $1 AND person IS NOT NULL LIMIT 1), $1)`,
			chatID).Scan(&own); err != nil {
			return err
		}
		if own == person {
			return ErrLinkSelf
		}
		var records bool
		if err := tx.QueryRow(ctx, `SELECT
    EXISTS (SELECT 1 FROM producers WHERE owner_user_id = $1)
 OR EXISTS (SELECT 1 FROM officials WHERE user_id = $1 AND revoked_at IS NULL)
 OR EXISTS (SELECT 1 FROM accounts WHERE person = $1)
 OR $2::bigint <> $1`, chatID, own).Scan(&records); err != nil {
			return err
		}
		if records {
			return ErrLinkOwnRecords
		}
		if _, err := tx.Exec(ctx, `UPDATE link_codes SET used_by = $2, used_at = $3 WHERE code = $1`, code, chatID, now); err != nil {
			return err
		}
		channel, external := ChannelOf(chatID), strconv.FormatInt(chatID, 10)
		if channel == ChannelZalo {
			if err := tx.QueryRow(ctx, `SELECT external_id FROM accounts WHERE chat_id = $1 LIMIT 1`, chatID).Scan(&external); err != nil {
				return notFound(err)
			}
		}
		_, err = tx.Exec(ctx, `
INSERT INTO accounts (channel, external_id, chat_id, person) VALUES ($1, $2, $3, $4)
ON CONFLICT (channel, external_id) DO UPDATE SET person = EXCLUDED.person, last_seen = now()`,
			channel, external, chatID, person)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("link chat %d: %w", chatID, err)
	}
	return person, nil
}

// Unlink makes the account of chatID its own person again.
func (s *Store) Unlink(ctx context.Context, chatID int64) error {
	if _, err := s.pool.Exec(ctx, `UPDATE accounts SET person = NULL WHERE chat_id = $1`, chatID); err != nil {
		return fmt.Errorf("unlink chat %d: %w", chatID, err)
	}
	return nil
}
