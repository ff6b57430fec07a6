package storage

import (
	"context"
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
		var tree time.Time
		if err := s.pool.QueryRow(ctx, `SELECT level, valid_from FROM admin_units WHERE id = $1`, unitID).Scan(&level, &tree); err != nil {
			return "", fmt.Errorf("invite to unit %d: %w", unitID, notFound(err))
		}
		// A unit of the two-level tree has no district to work for.
		if !role.ActiveOn(tree) {
			return "", fmt.Errorf("invite to unit %d: %w", unitID, ocop.ErrRoleAbolished)
		}
		if role.Level() == 0 || int(level) != role.Level() {
			return "", fmt.Errorf("role %q does not fit a unit of level %d", role, level)
		}
		unit = &unitID
	}
	code, hash, err := newCode()
	if err != nil {
		return "", fmt.Errorf("invite code: %w", err)
	}
	var creator *int64
	if createdBy != 0 {
		creator = &createdBy
	}
	err = s.WithTx(ctx, func(tx pgx.Tx) error {
		var id int64
		const q = `INSERT INTO invites (code_hash, unit_id, role, created_by, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) RETURNING id`
		if err := tx.QueryRow(ctx, q, hash, unit, string(role), creator, ttl.Seconds()).Scan(&id); err != nil {
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
	hash := codeHash(code)
	var off ocop.Official
	var refused error
	err := s.WithTx(ctx, func(tx pgx.Tx) error {
		const q = `
SELECT id, unit_id, role, expires_at < now() AS expired, used_at IS NOT NULL AS used, revoked_at IS NOT NULL AS revoked
FROM invites WHERE code_hash = $1 FOR UPDATE`
		rows, err := tx.Query(ctx, q, hash)
		if err != nil {
			return fmt.Errorf("load invite: %w", err)
		}
		inv, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[inviteRow])
		if errors.Is(err, pgx.ErrNoRows) {
			refused = ocop.ErrInviteUnknown
			return nil
		}
		if err != nil {
			return fmt.Errorf("load invite: %w", err)
		}
		switch {
		case inv.Revoked:
			refused = ocop.ErrInviteUnknown
		case inv.Used:
			refused = ocop.ErrInviteUsed
		case inv.Expired:
			refused = ocop.ErrInviteExpired
		}
		if refused != nil {
			return audit(ctx, tx, userID, "invite.refused", "invite", inv.ID, map[string]any{"reason": refused.Error()})
		}
		if _, err := tx.Exec(ctx, `UPDATE invites SET used_at = now(), used_by = $2 WHERE id = $1`, inv.ID, userID); err != nil {
			return fmt.Errorf("use invite: %w", err)
		}
		const qo = `
INSERT INTO officials (user_id, chat_id, unit_id, role, invite_id) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (user_id) DO UPDATE SET chat_id = EXCLUDED.chat_id, unit_id = EXCLUDED.unit_id, role = EXCLUDED.role,
    invite_id = EXCLUDED.invite_id, updated_at = now(), revoked_at = NULL`
		if _, err := tx.Exec(ctx, qo, userID, chatID, inv.UnitID, string(inv.Role), inv.ID); err != nil {
			return fmt.Errorf("bind official: %w", err)
		}
		off = inv.official(userID, chatID)
		return audit(ctx, tx, userID, "invite.used", "invite", inv.ID, map[string]any{"unit_id": off.UnitID, "role": string(off.Role)})
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
	hash := codeHash(code)
	return s.WithTx(ctx, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `UPDATE invites SET revoked_at = now() WHERE code_hash = $1 AND used_at IS NULL AND revoked_at IS NULL RETURNING id`, hash).Scan(&id)
		if err != nil {
			return fmt.Errorf("revoke invite: %w", notFound(err))
		}
		return audit(ctx, tx, by, "invite.revoked", "invite", id, map[string]any{})
	})
}

// inviteRow is an invitation as RedeemInvite reads it.
type inviteRow struct {
	ID      int64     `db:"id"`
	UnitID  *int64    `db:"unit_id"` // an administrator's has none
	Role    ocop.Role `db:"role"`
	Expired bool      `db:"expired"`
	Used    bool      `db:"used"`
	Revoked bool      `db:"revoked"`
}

// official is the official userID becomes by redeeming the invitation.
func (r inviteRow) official(userID, chatID int64) ocop.Official {
	return ocop.Official{UserID: userID, ChatID: chatID, UnitID: deref(r.UnitID), Role: r.Role}
}

// officialRow is a row of OfficialByUser.
type officialRow struct {
	UserID int64     `db:"user_id"`
	ChatID int64     `db:"chat_id"`
	UnitID *int64    `db:"unit_id"` // an administrator has none
	Role   ocop.Role `db:"role"`
	Digest bool      `db:"digest"`
	Daily  string    `db:"unlinked_digest"`
	Told   bool      `db:"reform_noticed"`
}

func (r officialRow) official() ocop.Official {
	return ocop.Official{UserID: r.UserID, ChatID: r.ChatID, UnitID: deref(r.UnitID), Role: r.Role, Digest: r.Digest,
		Daily: ocop.DigestDetail(r.Daily), ReformNoticed: r.Told}
}

// OfficialByUser returns the active official a Telegram user is, or
// ErrNotFound.
func (s *Store) OfficialByUser(ctx context.Context, userID int64) (ocop.Official, error) {
	o, err := collectOne(ctx, s.pool, officialRow.official, `SELECT user_id, chat_id, unit_id, role, digest, unlinked_digest, reform_noticed_at IS NOT NULL AS reform_noticed FROM officials WHERE user_id = $1 AND revoked_at IS NULL`, userID)
	if err != nil {
		return ocop.Official{}, fmt.Errorf("load official %d: %w", userID, notFound(err))
	}
	return o, nil
}

// Identity is who userID is to the bot, in one round trip: the active
// official they are, the producer they manage, and whether they agreed to
// consentVersion of the notice. A turn asks some of these and starting a
// registration all three: apart, they were three round trips.
func (s *Store) Identity(ctx context.Context, userID int64, consentVersion string) (ocop.Identity, error) {
	const q = `
SELECT o.user_id, o.chat_id, o.unit_id, o.role, o.digest, o.unlinked_digest, o.reform_noticed_at IS NOT NULL,
       p.id, p.chat_id, p.kind, p.name, p.representative, p.phone, p.tax_code, p.citizen_id, p.unit_id, p.address_line, p.created_at,
       EXISTS (SELECT 1 FROM consents c WHERE c.user_id = $1 AND c.version = $2 AND c.withdrawn_at IS NULL),
       EXISTS (SELECT 1 FROM officials r WHERE r.user_id = $1 AND r.revoked_at IS NOT NULL)
FROM (VALUES (1)) AS one
LEFT JOIN officials o ON o.user_id = $1 AND o.revoked_at IS NULL
LEFT JOIN producers p ON p.owner_user_id = $1`
	var (
		oUser, oChat, oUnit                 *int64
		oRole                               *ocop.Role
		oDigest, oTold                      *bool
		oDaily                              *string
		pID, pChat, pUnit                   *int64
		pKind                               *ocop.ProducerKind
		pName, pRep, pPhone, pTax, pCitizen *string
		pLine                               *string
		pCreated                            *time.Time
		id                                  ocop.Identity
	)
	err := s.pool.QueryRow(ctx, q, userID, consentVersion).Scan(&oUser, &oChat, &oUnit, &oRole, &oDigest, &oDaily, &oTold,
		&pID, &pChat, &pKind, &pName, &pRep, &pPhone, &pTax, &pCitizen, &pUnit, &pLine, &pCreated, &id.Consented, &id.FormerOfficial)
	if err != nil {
		return ocop.Identity{}, fmt.Errorf("identify user %d: %w", userID, err)
	}
	if oUser != nil {
		id.Official = &ocop.Official{UserID: *oUser, ChatID: *oChat, UnitID: deref(oUnit), Role: *oRole,
			Digest: *oDigest, Daily: ocop.DigestDetail(*oDaily), ReformNoticed: *oTold}
	}
	if pID != nil {
		id.Producer = &ocop.Producer{ID: *pID, OwnerUserID: userID, ChatID: *pChat, Kind: *pKind, Name: *pName,
			Representative: *pRep, Phone: *pPhone, TaxCode: *pTax, CitizenID: *pCitizen, UnitID: *pUnit,
			AddressLine: *pLine, CreatedAt: *pCreated}
	}
	return id, nil
}

// MarkReformNoticed records that official userID was told the district
// level ended; it reports whether this call did (false: told before), so
// two updates racing tell them once.
func (s *Store) MarkReformNoticed(ctx context.Context, userID int64) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE officials SET reform_noticed_at = now() WHERE user_id = $1 AND reform_noticed_at IS NULL`, userID)
	if err != nil {
		return false, fmt.Errorf("mark reform notice of official %d: %w", userID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// OfficialListing is an active official as `ocopbot officials list` shows
// them: no phone, no chat.
type OfficialListing struct {
	UserID   int64     `db:"user_id"`
	Role     ocop.Role `db:"role"`
	UnitID   int64     `db:"unit_id"` // 0 for an administrator
	UnitCode string    `db:"unit_code"`
	UnitName string    `db:"unit_name"`
	Since    time.Time `db:"since"` // bound to this unit and role
}

// Officials lists the active officials, by unit and then user.
func (s *Store) Officials(ctx context.Context) ([]OfficialListing, error) {
	rows, err := s.pool.Query(ctx, `
SELECT o.user_id, o.role, coalesce(o.unit_id, 0) AS unit_id, coalesce(u.code, '') AS unit_code,
       coalesce(u.name, '') AS unit_name, o.updated_at AS since
FROM officials o LEFT JOIN admin_units u ON u.id = o.unit_id
WHERE o.revoked_at IS NULL
ORDER BY u.level NULLS FIRST, u.code, o.user_id`)
	if err != nil {
		return nil, fmt.Errorf("list officials: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[OfficialListing])
	if err != nil {
		return nil, fmt.Errorf("list officials: %w", err)
	}
	return list, nil
}

// RevokeOfficial ends the access of official userID: from their next
// update the bot answers them as anyone else, and they get no notices or
// digests. by is who revoked (0: the command line), operator the system
// user who ran it ("" in the chat). ErrNotFound when userID is no active
// official.
func (s *Store) RevokeOfficial(ctx context.Context, userID, by int64, operator string) (ocop.Official, error) {
	var off ocop.Official
	err := s.WithTx(ctx, func(tx pgx.Tx) error {
		var err error
		off, err = collectOne(ctx, tx, officialRow.official, `
UPDATE officials SET revoked_at = now(), updated_at = now() WHERE user_id = $1 AND revoked_at IS NULL
RETURNING user_id, chat_id, unit_id, role, digest, unlinked_digest, reform_noticed_at IS NOT NULL AS reform_noticed`, userID)
		if err != nil {
			return fmt.Errorf("revoke official %d: %w", userID, notFound(err))
		}
		details := map[string]any{"unit_id": off.UnitID, "role": string(off.Role)}
		if operator != "" {
			details["operator"] = operator
		}
		return audit(ctx, tx, by, "official.revoked", "official", userID, details)
	})
	if err != nil {
		return ocop.Official{}, err
	}
	return off, nil
}

// SetDailyDetail sets how much official userID's daily digest of
// producers not linked to the bot says, from the next one. updated_at is
// when they were bound to their unit and role (`officials list`), so a
// setting leaves it.
func (s *Store) SetDailyDetail(ctx context.Context, userID int64, d ocop.DigestDetail) error {
	tag, err := s.pool.Exec(ctx, `UPDATE officials SET unlinked_digest = $2 WHERE user_id = $1 AND revoked_at IS NULL`,
		userID, string(d))
	if err != nil {
		return fmt.Errorf("set daily digest detail: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// dailyBrief reports whether official userID asked for their daily
// digest in brief: the sweep writes it into the digest, which is then
// rendered without reading the official again.
func dailyBrief(ctx context.Context, tx pgx.Tx, userID int64) (bool, error) {
	var brief bool
	err := tx.QueryRow(ctx, `SELECT unlinked_digest = $2 FROM officials WHERE user_id = $1`, userID, string(ocop.DigestBrief)).Scan(&brief)
	if err != nil {
		return false, fmt.Errorf("read daily digest detail of official %d: %w", userID, err)
	}
	return brief, nil
}
