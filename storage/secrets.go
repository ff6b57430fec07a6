package storage

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// buttonKeyLen is the size of the key that signs buttons' data (HMAC-SHA256).
const buttonKeyLen = 32

// ButtonKey returns the key that signs the data of the bot's buttons, made
// at the first call and shared by every process of this database, so that a
// button sent by one replica is accepted by another and after a restart.
func (s *Store) ButtonKey(ctx context.Context) ([]byte, error) {
	fresh := make([]byte, buttonKeyLen)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("make button key: %w", err)
	}
	// Two processes starting at once both insert; the first row wins and
	// both read it back. The loser's statement may not see the winner's row
	// (its snapshot predates the commit it waited for): it asks again.
	const q = `
WITH made AS (
    INSERT INTO bot_secrets (name, value) VALUES ('button_key', $1)
    ON CONFLICT (name) DO NOTHING
    RETURNING value)
SELECT value FROM made
UNION ALL
SELECT value FROM bot_secrets WHERE name = 'button_key'
LIMIT 1`
	var key []byte
	err := s.pool.QueryRow(ctx, q, fresh).Scan(&key)
	if errors.Is(err, pgx.ErrNoRows) {
		err = s.pool.QueryRow(ctx, q, fresh).Scan(&key)
	}
	if err != nil {
		return nil, fmt.Errorf("button key: %w", err)
	}
	if len(key) < 16 {
		return nil, fmt.Errorf("button key: stored key has %d bytes", len(key))
	}
	return key, nil
}
