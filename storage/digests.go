package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// The weekly digest of officials: who reads it, what goes in it, and the
// row that makes it once per official and week. What it says is put
// together by the digest job (bot/jobs).

// DigestReader is an official who asked for the weekly digest.
type DigestReader struct {
	UserID int64  `db:"user_id"`
	ChatID int64  `db:"chat_id"`
	UnitID int64  `db:"unit_id"`
	Role   string `db:"role"`
	Unit   string `db:"unit"` // the unit's name
}

// DigestReaders lists the officials of a district or province who asked for
// the weekly digest and have none queued for week (its Monday).
func (s *Store) DigestReaders(ctx context.Context, week time.Time) ([]DigestReader, error) {
	rows, err := s.pool.Query(ctx, `
SELECT o.user_id, o.chat_id, o.unit_id, o.role, u.name AS unit FROM officials o JOIN admin_units u ON u.id = o.unit_id
WHERE o.digest AND o.revoked_at IS NULL AND o.role IN ('district', 'province')
  AND NOT EXISTS (SELECT 1 FROM official_digests d WHERE d.user_id = o.user_id AND d.week = $1)
ORDER BY o.user_id`, week)
	if err != nil {
		return nil, fmt.Errorf("find digest readers: %w", err)
	}
	readers, err := pgx.CollectRows(rows, pgx.RowToStructByName[DigestReader])
	if err != nil {
		return nil, fmt.Errorf("read digest readers: %w", err)
	}
	return readers, nil
}

// AnswersReceived lists the renewal answers of the communes received from
// from until before to, newest first, at most limit; total counts them
// all.
func (s *Store) AnswersReceived(ctx context.Context, communes []int64, from, to time.Time, limit int) ([]ocop.RenewalRequest, int, error) {
	rows, err := s.pool.Query(ctx, renewalColumns+`
WHERE q.unit_id = ANY($1) AND q.answered_at >= $2 AND q.answered_at < $3
ORDER BY q.answered_at DESC, q.id DESC LIMIT $4`, communes, from, to, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("list renewal answers: %w", err)
	}
	out, total, err := collectRenewals(rows)
	if err != nil {
		return nil, 0, fmt.Errorf("read renewal answers: %w", err)
	}
	return out, total, nil
}

// QueueDigest queues the digest d of week for the reader, with its job,
// unless one is queued already: it reports whether it queued this one.
func (s *Store) QueueDigest(ctx context.Context, r DigestReader, week time.Time, d ocop.DigestNotice) (bool, error) {
	queued := false
	err := s.WithTx(ctx, func(tx pgx.Tx) error {
		id, err := insertNotification(ctx, tx, ocop.NoticeDigest, r.ChatID, 0, r.UnitID, d)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO official_digests (user_id, week, notification_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			r.UserID, week, id)
		if err != nil {
			return fmt.Errorf("record digest: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return errAlreadyQueued
		}
		queued = true
		return s.insertNotifyJobs(ctx, tx, []int64{id})
	})
	if errors.Is(err, errAlreadyQueued) {
		return false, nil
	}
	return queued && err == nil, err
}

// errAlreadyQueued rolls back a digest another process queued first.
var errAlreadyQueued = errors.New("digest already queued")
