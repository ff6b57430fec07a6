package storage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// DefaultInviteTTL is how long an invitation stays usable.
const DefaultInviteTTL = 7 * 24 * time.Hour

// CreateInvite makes a single-use invitation to be an official of unitID
// with role, valid for ttl. Only the code's hash is stored: the code itself
// exists only in the link given to the invitee. createdBy is the inviting
// official's user (0 from the command line).
func (s *Store) CreateInvite(ctx context.Context, unitID int64, role ocop.Role, createdBy int64, ttl time.Duration) (string, error) {
	var unit *int64
	if role != ocop.RoleAdmin {
		var level int16
		if err := s.pool.QueryRow(ctx, `SELECT level FROM admin_units WHERE id = $1`, unitID).Scan(&level); err != nil {
			return "", fmt.Errorf("invite to unit %d: %w", unitID, notFound(err))
		}
		if role.Level() == 0 || int(level) != role.Level() {
			return "", fmt.Errorf("role %q does not fit a unit of level %d", role, level)
		}
		unit = &unitID
	}
	var raw [18]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("invite code: %w", err)
	}
	// 24 characters of [A-Za-z0-9_-]: what a t.me ?start= link carries.
	code := base64.RawURLEncoding.EncodeToString(raw[:])
	hash := sha256.Sum256([]byte(code))
	var creator *int64
	if createdBy != 0 {
		creator = &createdBy
	}
	err := s.WithTx(ctx, func(tx pgx.Tx) error {
		var id int64
		const q = `INSERT INTO invites (code_hash, unit_id, role, created_by, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) RETURNING id`
		if err := tx.QueryRow(ctx, q, hash[:], unit, string(role), creator, ttl.Seconds()).Scan(&id); err != nil {
			return fmt.Errorf("insert invite: %w", err)
		}
		return audit(ctx, tx, createdBy, "invite.created", "invite", id, map[string]any{"unit_id": unitID, "role": role})
	})
	if err != nil {
		return "", err
	}
	return code, nil
}

// RedeemInvite binds userID to the unit and role of an invitation, once:
// the row is locked, so two users racing for one code cannot both win. Every
// use and every refused attempt on a known code is in the audit log.
func (s *Store) RedeemInvite(ctx context.Context, code string, userID, chatID int64) (ocop.Official, error) {
	hash := sha256.Sum256([]byte(code))
	var off ocop.Official
	var refused error
	err := s.WithTx(ctx, func(tx pgx.Tx) error {
		var id, unit int64
		var role string
		var expired, used, revoked bool
		const q = `
SELECT id, coalesce(unit_id, 0), role, expires_at < now(), used_at IS NOT NULL, revoked_at IS NOT NULL
FROM invites WHERE code_hash = $1 FOR UPDATE`
		err := tx.QueryRow(ctx, q, hash[:]).Scan(&id, &unit, &role, &expired, &used, &revoked)
		if errors.Is(err, pgx.ErrNoRows) {
			refused = ocop.ErrInviteUnknown
			return nil
		}
		if err != nil {
			return fmt.Errorf("load invite: %w", err)
		}
		switch {
		case revoked:
			refused = ocop.ErrInviteUnknown
		case used:
			refused = ocop.ErrInviteUsed
		case expired:
			refused = ocop.ErrInviteExpired
		}
		if refused != nil {
			return audit(ctx, tx, userID, "invite.refused", "invite", id, map[string]any{"reason": refused.Error()})
		}
		if _, err := tx.Exec(ctx, `UPDATE invites SET used_at = now(), used_by = $2 WHERE id = $1`, id, userID); err != nil {
			return fmt.Errorf("use invite: %w", err)
		}
		const qo = `
INSERT INTO officials (user_id, chat_id, unit_id, role, invite_id) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (user_id) DO UPDATE SET chat_id = EXCLUDED.chat_id, unit_id = EXCLUDED.unit_id, role = EXCLUDED.role,
    invite_id = EXCLUDED.invite_id, updated_at = now(), revoked_at = NULL`
		if _, err := tx.Exec(ctx, qo, userID, chatID, nullID(unit), role, id); err != nil {
			return fmt.Errorf("bind official: %w", err)
		}
		off = ocop.Official{UserID: userID, ChatID: chatID, UnitID: unit, Role: ocop.Role(role)}
		return audit(ctx, tx, userID, "invite.used", "invite", id, map[string]any{"unit_id": unit, "role": role})
	})
	if err != nil {
		return ocop.Official{}, fmt.Errorf("redeem invite: %w", err)
	}
	if refused != nil {
		return ocop.Official{}, refused
	}
	return off, nil
}

// RevokeInvite makes an unused invitation unusable.
func (s *Store) RevokeInvite(ctx context.Context, code string, by int64) error {
	hash := sha256.Sum256([]byte(code))
	return s.WithTx(ctx, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `UPDATE invites SET revoked_at = now() WHERE code_hash = $1 AND used_at IS NULL AND revoked_at IS NULL RETURNING id`, hash[:]).Scan(&id)
		if err != nil {
			return fmt.Errorf("revoke invite: %w", notFound(err))
		}
		return audit(ctx, tx, by, "invite.revoked", "invite", id, map[string]any{})
	})
}

// OfficialByUser returns the active official a Telegram user is, or
// ErrNotFound.
func (s *Store) OfficialByUser(ctx context.Context, userID int64) (ocop.Official, error) {
	var o ocop.Official
	var role string
	err := s.pool.QueryRow(ctx, `SELECT user_id, chat_id, coalesce(unit_id, 0), role, digest FROM officials WHERE user_id = $1 AND revoked_at IS NULL`, userID).
		Scan(&o.UserID, &o.ChatID, &o.UnitID, &role, &o.Digest)
	if err != nil {
		return ocop.Official{}, fmt.Errorf("load official %d: %w", userID, notFound(err))
	}
	o.Role = ocop.Role(role)
	return o, nil
}

// nullID is NULL for 0.
func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
