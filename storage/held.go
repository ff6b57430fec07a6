package storage

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// Held notifications are those of a producer imported from a province's
// registry that has not claimed its record yet: the sweep writes its
// reminders and expiry notices with status 'held', no chat and no job
// (queueReminders), and tells the officials of its commune instead. When
// the producer claims its record, ReleaseHeld sends those still worth
// sending.

// releaseHeld gives the producer's held notifications the chat $2 and
// queues those still meaningful; the others are settled as failed, with
// the reason, so that nothing stays held for a producer that has a chat.
// A reminder or expiry notice is meaningful while its certificate is not
// revoked, not replaced by a newer one, and has no more urgent reminder
// recorded (the catch-up rule: only the most urgent stage is sent, so a
// 90-day reminder held before the 30-day one, or a reminder before the
// certificate's expiry notice, is dropped); an expiry notice held for more
// than 30 days (ExpiredNoticeWindow) is dropped too: the producer learns
// of it in /hoso. A held notification of another kind is always sent.
// The UPDATE takes each row once: a second claim finds nothing held.
const releaseHeld = `
WITH held AS (
    SELECT n.id,
           r.certificate_id IS NULL OR (
               c.revoked_on IS NULL
               AND NOT EXISTS (SELECT 1 FROM certificates x WHERE x.product_id = c.product_id AND x.valid_until > c.valid_until)
               AND NOT EXISTS (SELECT 1 FROM certificate_reminders o WHERE o.certificate_id = r.certificate_id AND o.stage < r.stage)
               AND (r.stage > 0 OR n.created_at >= now() - make_interval(days => $3))) AS meaningful
    FROM notifications n
    LEFT JOIN certificate_reminders r ON r.notification_id = n.id
    LEFT JOIN certificates c ON c.id = r.certificate_id
    WHERE n.producer_id = $1 AND n.status = 'held')
UPDATE notifications n
SET chat_id = $2, updated_at = now(),
    status = CASE WHEN h.meaningful THEN 'queued' ELSE 'failed' END,
    last_error = CASE WHEN h.meaningful THEN NULL ELSE 'held until the claim, no longer meaningful then' END
FROM held h
WHERE n.id = h.id AND n.status = 'held'
RETURNING n.id, h.meaningful`

// ReleaseHeld is for the claim: call it in the transaction that links the
// producer to its chat (producers.chat_id, owner_user_id, claimed_at),
// after the UPDATE of the producer's row: that row lock makes a sweep
// running meanwhile wait for the claim and send to the new chat rather
// than hold a reminder nobody releases (see recordReminders). It
// gives the producer's held notifications that chat, queues those still
// meaningful with their jobs (inserted in tx: they go out when
// tx commits, and not at all if it rolls back), settles the others as
// failed (see releaseHeld for which), and returns how many it queued. A
// second call finds nothing held and returns 0.
func (s *Store) ReleaseHeld(ctx context.Context, tx pgx.Tx, producerID, chatID int64) (int, error) {
	rows, err := tx.Query(ctx, releaseHeld, producerID, chatID, ocop.ExpiredNoticeWindow)
	if err != nil {
		return 0, fmt.Errorf("release held notifications of producer %d: %w", producerID, err)
	}
	var queued []int64
	var id int64
	var meaningful bool
	if _, err := pgx.ForEachRow(rows, []any{&id, &meaningful}, func() error {
		if meaningful {
			queued = append(queued, id)
		}
		return nil
	}); err != nil {
		return 0, fmt.Errorf("release held notifications of producer %d: %w", producerID, err)
	}
	if err := s.insertNotifyJobs(ctx, tx, queued); err != nil {
		return 0, err
	}
	return len(queued), nil
}
