package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

const notificationColumns = `
SELECT n.id, n.kind, n.chat_id, c.locale, n.payload, n.status, n.attempts, n.message_id,
       n.last_error, n.created_at, n.sent_at, p.name AS recipient
FROM notifications n
LEFT JOIN chats c ON c.chat_id = n.chat_id
LEFT JOIN producers p ON p.id = n.producer_id`

// notificationRow is a row of notificationColumns.
type notificationRow struct {
	ID        int64           `db:"id"`
	Kind      string          `db:"kind"`
	ChatID    *int64          `db:"chat_id"` // a held notification has none yet
	Locale    *string         `db:"locale"`  // no chat row yet
	Payload   json.RawMessage `db:"payload"`
	Status    string          `db:"status"`
	Attempts  int32           `db:"attempts"`
	MessageID *int64          `db:"message_id"`
	LastError *string         `db:"last_error"`
	CreatedAt time.Time       `db:"created_at"`
	SentAt    *time.Time      `db:"sent_at"`
	Recipient *string         `db:"recipient"` // an official's notification has no producer
}

func (r notificationRow) notification() ocop.Notification {
	return ocop.Notification{ID: r.ID, Kind: r.Kind, ChatID: deref(r.ChatID), Locale: deref(r.Locale), Payload: r.Payload,
		Status: r.Status, Attempts: int(r.Attempts), MessageID: deref(r.MessageID), LastError: deref(r.LastError),
		CreatedAt: r.CreatedAt, SentAt: deref(r.SentAt), Recipient: deref(r.Recipient)}
}

// Notification loads one notification, and whether its chat is known to be
// unreachable.
func (s *Store) Notification(ctx context.Context, id int64) (ocop.Notification, bool, error) {
	q := strings.Replace(notificationColumns, "\nFROM notifications n",
		",\n       EXISTS (SELECT 1 FROM unreachable_chats u WHERE u.chat_id = n.chat_id) AS unreachable\nFROM notifications n", 1)
	rows, err := s.pool.Query(ctx, q+` WHERE n.id = $1`, id)
	if err != nil {
		return ocop.Notification{}, false, fmt.Errorf("load notification %d: %w", id, err)
	}
	type row struct {
		notificationRow
		Unreachable bool `db:"unreachable"`
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[row])
	if err != nil {
		return ocop.Notification{}, false, fmt.Errorf("load notification %d: %w", id, notFound(err))
	}
	return r.notification(), r.Unreachable, nil
}

// NotificationSent records a delivered notification and Telegram's id of
// the message.
func (s *Store) NotificationSent(ctx context.Context, id, messageID int64) error {
	_, err := s.pool.Exec(ctx, `
UPDATE notifications SET status = 'sent', attempts = attempts + 1, message_id = $2, last_error = NULL,
       sent_at = now(), updated_at = now()
WHERE id = $1`, id, messageID)
	if err != nil {
		return fmt.Errorf("mark notification %d sent: %w", id, err)
	}
	return nil
}

// NotificationBlocked records that Telegram refused the chat for good: the
// notification is not sent, and neither is anything else for that chat
// until its user writes /start again. A reminder refused at at is passed
// on to officials (reportUnreachable).
func (s *Store) NotificationBlocked(ctx context.Context, id, chatID int64, reason string, at time.Time) error {
	return s.WithTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
INSERT INTO unreachable_chats (chat_id, reason) VALUES ($1, $2) ON CONFLICT (chat_id) DO NOTHING`, chatID, reason); err != nil {
			return fmt.Errorf("mark chat unreachable: %w", err)
		}
		var kind string
		var payload []byte
		err := tx.QueryRow(ctx, `
UPDATE notifications SET status = 'blocked', last_error = $2, updated_at = now() WHERE id = $1 AND status = 'queued'
RETURNING kind, payload`, id, reason).Scan(&kind, &payload)
		switch {
		case errors.Is(err, pgx.ErrNoRows): // settled already
			return nil
		case err != nil:
			return fmt.Errorf("mark notification %d blocked: %w", id, err)
		}
		// A reminder the producer cannot get is for officials to pass on.
		if kind == ocop.NoticeReminder || kind == ocop.NoticeExpired {
			return s.reportUnreachable(ctx, tx, payload, at)
		}
		return nil
	})
}

// NotificationFailed records a failed attempt; final marks the
// notification failed for good.
func (s *Store) NotificationFailed(ctx context.Context, id int64, reason string, final bool) error {
	_, err := s.pool.Exec(ctx, `
UPDATE notifications SET attempts = attempts + 1, last_error = $2, updated_at = now(),
       status = CASE WHEN $3 THEN 'failed' ELSE status END
WHERE id = $1`, id, reason, final)
	if err != nil {
		return fmt.Errorf("record failed notification %d: %w", id, err)
	}
	return nil
}

// Undelivered lists the notifications of the units (nil: all) that have
// not reached their chat: blocked, failed, or queued for longer than
// olderThan. Newest first; total counts them all.
func (s *Store) Undelivered(ctx context.Context, units []int64, olderThan time.Duration, limit int) ([]ocop.Notification, int, error) {
	const where = `
WHERE (n.status IN ('blocked', 'failed') OR (n.status = 'queued' AND n.created_at < now() - $2::interval)) AND {scope}`
	var total int
	if err := s.pool.QueryRow(ctx, scoped(`SELECT count(*) FROM notifications n`+where, "n.unit_id", 1, units), units, olderThan).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count undelivered notifications: %w", err)
	}
	out, err := collectRows(ctx, s.pool, notificationRow.notification,
		scoped(notificationColumns+where+` ORDER BY n.created_at DESC, n.id DESC LIMIT $3`, "n.unit_id", 1, units), units, olderThan, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("read undelivered notifications: %w", err)
	}
	return out, total, nil
}
