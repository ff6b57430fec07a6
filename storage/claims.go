package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// Claims: a producer imported from a registry links its Telegram user to its
// record (issue 15). Both ways in — its own phone shared with the contact
// button, or a printed link — go through a claim link: the contact path makes
// a short-lived one per producer matched, whose code only the claiming chat's
// buttons carry, so a forged button cannot claim a producer.

// DefaultClaimLinkTTL is how long a printed claim link stays usable.
const DefaultClaimLinkTTL = 60 * 24 * time.Hour

// ClaimCodePrefix starts every claim code, telling it apart from an
// official's invitation code in a /start deep link.
const ClaimCodePrefix = "c"

// newClaimCode is a single-use code of 25 characters, the prefix and a
// random code, and its hash.
func newClaimCode() (string, []byte, error) {
	code, _, err := newCode()
	if err != nil {
		return "", nil, fmt.Errorf("claim code: %w", err)
	}
	code = ClaimCodePrefix + code
	return code, codeHash(code), nil
}

// candidateRow is a producer and one of its products, as candidates reads them.
type candidateRow struct {
	ProducerID int64      `db:"producer_id"`
	Name       string     `db:"name"`
	UnitID     int64      `db:"unit_id"`
	Product    *string    `db:"product"`
	Stars      *int16     `db:"stars"`
	ValidUntil *time.Time `db:"valid_until"`
}

// candidates reads the unclaimed producers a condition on p selects, with
// their products and each product's newest certificate not revoked.
func candidates(ctx context.Context, db querier, where string, args ...any) ([]ocop.ClaimCandidate, error) {
	q := `
SELECT p.id AS producer_id, p.name, p.unit_id, pr.name AS product, c.stars, c.valid_until
FROM producers p
LEFT JOIN products pr ON pr.producer_id = p.id
LEFT JOIN LATERAL (
    SELECT stars, valid_until FROM certificates c
    WHERE c.product_id = pr.id AND c.revoked_on IS NULL
    ORDER BY c.decision_date DESC, c.id DESC LIMIT 1) c ON true
WHERE p.owner_user_id IS NULL AND ` + where + `
ORDER BY p.name, p.id, pr.name
LIMIT 500`
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[candidateRow])
	if err != nil {
		return nil, err
	}
	var out []ocop.ClaimCandidate
	for _, r := range list {
		if n := len(out); n == 0 || out[n-1].ProducerID != r.ProducerID {
			out = append(out, ocop.ClaimCandidate{ProducerID: r.ProducerID, Name: r.Name, UnitID: r.UnitID})
		}
		if r.Product != nil {
			c := &out[len(out)-1]
			c.Products = append(c.Products, ocop.ClaimProduct{Name: *r.Product, Stars: int(deref(r.Stars)), ValidUntil: deref(r.ValidUntil)})
		}
	}
	return out, nil
}

// UnclaimedByPhone lists the producers not claimed yet whose phone is phone
// (as ocop.NormalizePhone writes it).
func (s *Store) UnclaimedByPhone(ctx context.Context, phone string) ([]ocop.ClaimCandidate, error) {
	if phone == "" {
		return nil, nil
	}
	out, err := candidates(ctx, s.pool, `p.phone = $1`, phone)
	if err != nil {
		return nil, fmt.Errorf("find unclaimed producers by phone: %w", err)
	}
	return out, nil
}

// CreateClaimLinks makes one single-use claim link per producer, valid for
// ttl, and returns their codes in the same order. createdBy is the user who
// asked (0: the command line); one audit row tells who and how many.
func (s *Store) CreateClaimLinks(ctx context.Context, producers []int64, createdBy int64, ttl time.Duration) ([]string, error) {
	codes := make([]string, len(producers))
	err := s.WithTx(ctx, func(tx pgx.Tx) error {
		var err error
		codes, err = insertClaimLinks(ctx, tx, producers, createdBy, createdBy, ttl)
		if err != nil {
			return err
		}
		return audit(ctx, tx, createdBy, "claim_links.created", "producer", 0, map[string]any{"count": len(producers)})
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// insertClaimLinks makes a link for each producer; offeredTo is the user the
// links are made for (0: printed, offered to whoever opens one).
func insertClaimLinks(ctx context.Context, tx pgx.Tx, producers []int64, createdBy, offeredTo int64, ttl time.Duration) ([]string, error) {
	codes := make([]string, len(producers))
	hashes := make([][]byte, len(producers))
	for i := range producers {
		code, hash, err := newClaimCode()
		if err != nil {
			return nil, err
		}
		codes[i], hashes[i] = code, hash
	}
	const q = `
INSERT INTO claim_links (code_hash, producer_id, created_by, offered_to, expires_at)
SELECT h, p, NULLIF($3, 0), NULLIF($4, 0), now() + make_interval(secs => $5) FROM unnest($1::bytea[], $2::bigint[]) AS u(h, p)`
	if _, err := tx.Exec(ctx, q, hashes, producers, createdBy, offeredTo, ttl.Seconds()); err != nil {
		return nil, fmt.Errorf("insert claim links: %w", err)
	}
	return codes, nil
}

// ClaimLinksForCommunes makes a claim link, valid for ttl, for every
// unclaimed producer of the communes, in one transaction with one audit row
// (who, the province, how many — never the phones).
func (s *Store) ClaimLinksForCommunes(ctx context.Context, communes []int64, province string, createdBy int64, ttl time.Duration) ([]ocop.ClaimLink, error) {
	var out []ocop.ClaimLink
	err := s.WithTx(ctx, func(tx pgx.Tx) error {
		const q = `
SELECT id, name, unit_id, phone FROM producers
WHERE owner_user_id IS NULL AND unit_id = ANY($1)
ORDER BY unit_id, name, id`
		rows, err := tx.Query(ctx, q, communes)
		if err != nil {
			return fmt.Errorf("list unclaimed producers: %w", err)
		}
		var l ocop.ClaimLink
		ids := []int64{}
		_, err = pgx.ForEachRow(rows, []any{&l.ProducerID, &l.Name, &l.UnitID, &l.Phone}, func() error {
			out = append(out, l)
			ids = append(ids, l.ProducerID)
			return nil
		})
		if err != nil {
			return fmt.Errorf("read unclaimed producers: %w", err)
		}
		codes, err := insertClaimLinks(ctx, tx, ids, createdBy, 0, ttl)
		if err != nil {
			return err
		}
		for i := range out {
			out[i].Code = codes[i]
		}
		return audit(ctx, tx, createdBy, "claim_links.created", "province", 0, map[string]any{"province": province, "count": len(out)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// errClaimNotOffered: the link was offered to another user. The user is
// told what an unknown link gets: they never had this one.
var errClaimNotOffered = errors.New("claim link offered to another user")

// claimLinkRow is a claim link as its checks read it.
type claimLinkRow struct {
	ID         int64 `db:"id"`
	ProducerID int64 `db:"producer_id"`
	OfferedTo  int64 `db:"offered_to"` // 0: offered to nobody yet
	Expired    bool  `db:"expired"`
	Used       bool  `db:"used"`
	Revoked    bool  `db:"revoked"`
}

// refusal is why a link cannot be used, nil when it can.
func (r claimLinkRow) refusal() error {
	switch {
	case r.Revoked:
		return ocop.ErrClaimUnknown
	case r.Used:
		return ocop.ErrClaimUsed
	case r.Expired:
		return ocop.ErrClaimExpired
	}
	return nil
}

func loadClaimLink(ctx context.Context, db querier, code string, lock bool) (claimLinkRow, error) {
	q := `
SELECT id, producer_id, coalesce(offered_to, 0) AS offered_to, expires_at < now() AS expired, used_at IS NOT NULL AS used, revoked_at IS NOT NULL AS revoked
FROM claim_links WHERE code_hash = $1`
	if lock {
		q += ` FOR UPDATE`
	}
	rows, err := db.Query(ctx, q, codeHash(code))
	if err != nil {
		return claimLinkRow{}, fmt.Errorf("load claim link: %w", err)
	}
	l, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[claimLinkRow])
	if errors.Is(err, pgx.ErrNoRows) {
		return claimLinkRow{}, ocop.ErrClaimUnknown
	}
	if err != nil {
		return claimLinkRow{}, fmt.Errorf("load claim link: %w", err)
	}
	return l, l.refusal()
}

// OfferClaimLink is the producer a claim link is for, to be shown to userID
// before they confirm: the link is offered to them from now on (only the user
// a link was last offered to may confirm it, so a confirmation button pressed
// by anyone else is refused). ocop.ErrClaimUnknown, ErrClaimUsed,
// ErrClaimExpired or ErrClaimTaken when the link cannot be used.
func (s *Store) OfferClaimLink(ctx context.Context, code string, userID int64) (ocop.ClaimCandidate, error) {
	var c ocop.ClaimCandidate
	err := s.WithTx(ctx, func(tx pgx.Tx) error {
		l, err := loadClaimLink(ctx, tx, code, true)
		if err != nil {
			return err
		}
		list, err := candidates(ctx, tx, `p.id = $1`, l.ProducerID)
		if err != nil {
			return fmt.Errorf("load claim candidate: %w", err)
		}
		if len(list) == 0 {
			return ocop.ErrClaimTaken
		}
		if _, err := tx.Exec(ctx, `UPDATE claim_links SET offered_to = $2 WHERE id = $1`, l.ID, userID); err != nil {
			return fmt.Errorf("offer claim link: %w", err)
		}
		c = list[0]
		return nil
	})
	if err != nil {
		return ocop.ClaimCandidate{}, err
	}
	return c, nil
}

// Claim links the producer of a claim link to userID and chatID, once: the
// link row is locked, and the producer is taken only while it has no user
// (compare-and-set), so neither two users nor two links can both win. A user
// who already manages a producer is refused (ocop.ErrClaimOwner). Every
// claim and every refusal of a known link is audited.
func (s *Store) Claim(ctx context.Context, code string, userID, chatID int64) (ocop.ClaimCandidate, error) {
	var claimed ocop.ClaimCandidate
	var refused error
	err := s.WithTx(ctx, func(tx pgx.Tx) error {
		l, err := loadClaimLink(ctx, tx, code, true)
		if errors.Is(err, ocop.ErrClaimUnknown) {
			refused = err
			return nil
		}
		if err == nil && l.OfferedTo != userID {
			// Made for another user (a button pressed in another chat, or
			// forged): refused as a link this user does not have.
			err = errClaimNotOffered
		}
		if err == nil {
			var owns bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM producers WHERE owner_user_id = $1)`, userID).Scan(&owns); err != nil {
				return fmt.Errorf("check user's producer: %w", err)
			}
			if owns {
				err = ocop.ErrClaimOwner
			}
		}
		if err == nil {
			list, lerr := candidates(ctx, tx, `p.id = $1`, l.ProducerID)
			if lerr != nil {
				return fmt.Errorf("load claimed producer: %w", lerr)
			}
			tag, uerr := tx.Exec(ctx, `
UPDATE producers SET owner_user_id = $2, chat_id = $3, claimed_at = now()
WHERE id = $1 AND owner_user_id IS NULL`, l.ProducerID, userID, chatID)
			switch {
			case uerr != nil:
				return fmt.Errorf("claim producer %d: %w", l.ProducerID, uerr)
			case tag.RowsAffected() == 0 || len(list) == 0:
				err = ocop.ErrClaimTaken
			default:
				claimed = list[0]
			}
		}
		if err != nil && !errors.Is(err, ocop.ErrClaimUsed) && !errors.Is(err, ocop.ErrClaimExpired) &&
			!errors.Is(err, ocop.ErrClaimTaken) && !errors.Is(err, ocop.ErrClaimOwner) && !errors.Is(err, errClaimNotOffered) {
			return err
		}
		if err != nil {
			refused = err
			if errors.Is(err, errClaimNotOffered) {
				refused = ocop.ErrClaimUnknown
			}
			return audit(ctx, tx, userID, "claim.refused", "claim_link", l.ID, map[string]any{"reason": err.Error()})
		}
		if _, err := tx.Exec(ctx, `UPDATE claim_links SET used_at = now(), used_by = $2 WHERE id = $1`, l.ID, userID); err != nil {
			return fmt.Errorf("use claim link: %w", err)
		}
		// What waited for the claim goes out now, in this transaction: the
		// producer's row is locked by the update above, so a sweep running
		// meanwhile writes to the new chat (held.go).
		released, err := s.ReleaseHeld(ctx, tx, l.ProducerID, chatID)
		if err != nil {
			return err
		}
		return audit(ctx, tx, userID, "producer.claimed", "producer", l.ProducerID, map[string]any{"claim_link": l.ID, "chat_id": chatID, "released": released})
	})
	if err != nil {
		return ocop.ClaimCandidate{}, err
	}
	if refused != nil {
		return ocop.ClaimCandidate{}, refused
	}
	return claimed, nil
}

// RevokeClaimLink makes an unused claim link unusable; ErrNotFound when no
// such link is usable.
func (s *Store) RevokeClaimLink(ctx context.Context, code string, by int64) error {
	return s.WithTx(ctx, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `UPDATE claim_links SET revoked_at = now() WHERE code_hash = $1 AND used_at IS NULL AND revoked_at IS NULL RETURNING id`, codeHash(code)).Scan(&id)
		if err != nil {
			return fmt.Errorf("revoke claim link: %w", notFound(err))
		}
		return audit(ctx, tx, by, "claim_link.revoked", "claim_link", id, map[string]any{})
	})
}

// OwnsProducer reports whether userID manages a producer.
func (s *Store) OwnsProducer(ctx context.Context, userID int64) (bool, error) {
	var owns bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM producers WHERE owner_user_id = $1)`, userID).Scan(&owns); err != nil {
		return false, fmt.Errorf("check user %d's producer: %w", userID, err)
	}
	return owns, nil
}

// existedOn is the condition of a producer (alias p) being recorded on day
// $1: imported by a registry, or registered in the chat, by its end.
const existedOn = `coalesce(p.imported_at, p.created_at) < ` + endOfDay

// linkedOn is the condition of a producer (alias p) being linked to the bot
// on day $1: a registry's producer from its claim, one registered in the
// chat from its registration, until its personal data was erased (which
// unlinks it and forgets its claim).
const linkedOn = `coalesce(CASE WHEN p.imported_at IS NULL THEN p.created_at ELSE p.claimed_at END < ` + endOfDay + `
    AND (p.erased_at IS NULL OR p.erased_at >= ` + endOfDay + `), false)`

// LinkTally counts the producers of the communes (nil: all) recorded on
// day (zero: now), linked to the bot on it and not linked.
func (s *Store) LinkTally(ctx context.Context, day time.Time, communes []int64) (ocop.LinkTally, error) {
	const now = `SELECT count(*) FILTER (WHERE owner_user_id IS NOT NULL)::int, count(*) FILTER (WHERE owner_user_id IS NULL)::int
FROM producers p WHERE {scope}`
	const then = `SELECT count(*) FILTER (WHERE ` + linkedOn + `)::int, count(*) FILTER (WHERE NOT ` + linkedOn + `)::int
FROM producers p WHERE ` + existedOn + ` AND {scope}`
	q, args := asOf(now, then, "p.unit_id", day, communes)
	var t ocop.LinkTally
	if err := s.pool.QueryRow(ctx, q, args...).Scan(&t.Linked, &t.Unlinked); err != nil {
		return ocop.LinkTally{}, fmt.Errorf("count linked producers: %w", err)
	}
	return t, nil
}

// UnlinkedProducers lists the producers of the communes (nil: all)
// recorded on day (zero: now) and not linked to the bot on it, with whom
// to call (as they are recorded now).
func (s *Store) UnlinkedProducers(ctx context.Context, day time.Time, communes []int64) ([]ocop.UnlinkedProducer, error) {
	const now = `SELECT id, name, unit_id, address_line, representative, phone FROM producers p
WHERE owner_user_id IS NULL AND {scope} ORDER BY unit_id, name, id`
	const then = `SELECT id, name, unit_id, address_line, representative, phone FROM producers p
WHERE ` + existedOn + ` AND NOT ` + linkedOn + ` AND {scope} ORDER BY unit_id, name, id`
	q, args := asOf(now, then, "p.unit_id", day, communes)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list unlinked producers: %w", err)
	}
	var out []ocop.UnlinkedProducer
	var u ocop.UnlinkedProducer
	_, err = pgx.ForEachRow(rows, []any{&u.ProducerID, &u.Name, &u.UnitID, &u.AddressLine, &u.Representative, &u.Phone}, func() error {
		out = append(out, u)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read unlinked producers: %w", err)
	}
	return out, nil
}

// RegistryProductsByOwner lists the products of the producer userID
// manages that came from a registry, not from a registration in the chat,
// each with its newest certificate not revoked.
func (s *Store) RegistryProductsByOwner(ctx context.Context, userID int64) ([]ocop.ClaimProduct, error) {
	const q = `
SELECT pr.name, coalesce(c.stars, 0)::int, coalesce(c.valid_until, '0001-01-01'::date)
FROM producers p
JOIN products pr ON pr.producer_id = p.id
LEFT JOIN LATERAL (
    SELECT stars, valid_until FROM certificates c
    WHERE c.product_id = pr.id AND c.revoked_on IS NULL
    ORDER BY c.decision_date DESC, c.id DESC LIMIT 1) c ON true
WHERE p.owner_user_id = $1 AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.product_id = pr.id)
ORDER BY pr.name
LIMIT 200`
	rows, err := s.pool.Query(ctx, q, userID)
	if err != nil {
		return nil, fmt.Errorf("read registry products of user %d: %w", userID, err)
	}
	var out []ocop.ClaimProduct
	var p ocop.ClaimProduct
	_, err = pgx.ForEachRow(rows, []any{&p.Name, &p.Stars, &p.ValidUntil}, func() error {
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read registry products of user %d: %w", userID, err)
	}
	return out, nil
}
