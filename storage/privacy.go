package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// Personal data (Law 91/2025/QH15): consents to the notice by version,
// everything stored about a user (/dulieu), and its erasure (/xoadulieu).

// ConsentGiven reports whether userID agreed to version of the notice and
// has not withdrawn it since.
func (s *Store) ConsentGiven(ctx context.Context, userID int64, version string) (bool, error) {
	const q = `SELECT EXISTS (SELECT 1 FROM consents WHERE user_id = $1 AND version = $2 AND withdrawn_at IS NULL)`
	var ok bool
	if err := s.pool.QueryRow(ctx, q, userID, version).Scan(&ok); err != nil {
		return false, fmt.Errorf("check consent of user %d: %w", userID, err)
	}
	return ok, nil
}

// GiveConsent records that userID agreed to version of the notice at at;
// agreeing again (after withdrawing) renews the row.
func (s *Store) GiveConsent(ctx context.Context, userID int64, version string, at time.Time) error {
	const q = `
INSERT INTO consents (user_id, version, agreed_at) VALUES ($1, $2, $3)
ON CONFLICT (user_id, version) DO UPDATE SET agreed_at = EXCLUDED.agreed_at, withdrawn_at = NULL
WHERE consents.withdrawn_at IS NOT NULL`
	if _, err := s.pool.Exec(ctx, q, userID, version, at); err != nil {
		return fmt.Errorf("record consent of user %d: %w", userID, err)
	}
	return nil
}

type productDataRow struct {
	Name        string  `db:"name"`
	Group       string  `db:"group_code"`
	Subgroup    *string `db:"subgroup_code"`
	Description string  `db:"description"`
	HasPhoto    bool    `db:"has_photo"`
	TargetStars *int16  `db:"target_stars"`
}

func (r productDataRow) product() ocop.ProductData {
	return ocop.ProductData{Name: r.Name, Group: r.Group, Subgroup: deref(r.Subgroup), Description: r.Description,
		HasPhoto: r.HasPhoto, TargetStars: int(deref(r.TargetStars))}
}

type certificateDataRow struct {
	Product      string     `db:"product"`
	Stars        int16      `db:"stars"`
	DecisionNo   string     `db:"decision_no"`
	DecisionDate time.Time  `db:"decision_date"`
	ValidUntil   time.Time  `db:"valid_until"`
	RevokedOn    *time.Time `db:"revoked_on"`
}

func (r certificateDataRow) certificate() ocop.CertificateData {
	return ocop.CertificateData{Product: r.Product, Stars: int(r.Stars), DecisionNo: r.DecisionNo,
		DecisionDate: r.DecisionDate, ValidUntil: r.ValidUntil, RevokedOn: deref(r.RevokedOn)}
}

type consentRow struct {
	Version     string     `db:"version"`
	AgreedAt    time.Time  `db:"agreed_at"`
	WithdrawnAt *time.Time `db:"withdrawn_at"`
}

func (r consentRow) consent() ocop.Consent {
	return ocop.Consent{Version: r.Version, AgreedAt: r.AgreedAt, WithdrawnAt: deref(r.WithdrawnAt)}
}

// PersonalData reads everything stored about userID in chatID: the
// producer it manages with its products, registrations and certificates,
// its consents and the chat's record. Only the user's own.
func (s *Store) PersonalData(ctx context.Context, userID, chatID int64) (ocop.PersonalData, error) {
	var d ocop.PersonalData
	p, err := s.ProducerByOwner(ctx, userID)
	switch {
	case err == nil:
		d.Producer = p
	case !errors.Is(err, ErrNotFound):
		return d, err
	}
	if p.ID != 0 {
		const qp = `
SELECT name, group_code, subgroup_code, description, photo_file_id <> '' AS has_photo, target_stars
FROM products WHERE producer_id = $1 ORDER BY id`
		if d.Products, err = collectRows(ctx, s.pool, productDataRow.product, qp, p.ID); err != nil {
			return d, fmt.Errorf("read products of user %d: %w", userID, err)
		}
		if d.Registrations, err = s.RegistrationsByOwner(ctx, userID); err != nil {
			return d, err
		}
		const qc = `
SELECT pr.name AS product, c.stars, c.decision_no, c.decision_date, c.valid_until, c.revoked_on
FROM certificates c JOIN products pr ON pr.id = c.product_id
WHERE pr.producer_id = $1 ORDER BY c.decision_date, c.id`
		if d.Certificates, err = collectRows(ctx, s.pool, certificateDataRow.certificate, qc, p.ID); err != nil {
			return d, fmt.Errorf("read certificates of user %d: %w", userID, err)
		}
	}
	const qs = `SELECT version, agreed_at, withdrawn_at FROM consents WHERE user_id = $1 ORDER BY agreed_at, version`
	if d.Consents, err = collectRows(ctx, s.pool, consentRow.consent, qs, userID); err != nil {
		return d, fmt.Errorf("read consents of user %d: %w", userID, err)
	}
	err = s.pool.QueryRow(ctx, `SELECT locale, created_at FROM chats WHERE chat_id = $1 AND user_id = $2`, chatID, userID).
		Scan(&d.ChatLocale, &d.ChatSince)
	switch {
	case err == nil:
		d.ChatLinked = true
	case !errors.Is(err, pgx.ErrNoRows):
		return d, fmt.Errorf("read chat %d: %w", chatID, err)
	}
	d.ChatLinked = d.ChatLinked || p.ChatID == chatID && p.ID != 0
	if d.Accounts, err = s.LinkedAccounts(ctx, chatID); err != nil {
		return d, err
	}
	return d, nil
}

// ErasePersonalData erases, in one transaction, what identifies userID and
// its chat: the producer it manages loses its link to the user and chat,
// its phone, representative, CCCD and address line (a house number locates
// a home: the commune stays), and its tax code unless that is an
// organisation's (ocop.KeepsTaxCode); its registered name, products,
// registrations, certificates and council results stay as public records.
// Notifications queued to the chat are not sent (blocked), officials'
// notices stop carrying its phone, its consents are withdrawn and the
// chat's record is removed (unless the user is also an official). The
// officials of its commune and the unit above, today's too (noticeUnits),
// are told; one audit row, without personal
// values, records it.
func (s *Store) ErasePersonalData(ctx context.Context, userID, chatID int64, at time.Time) (ocop.Erasure, error) {
	var out ocop.Erasure
	err := s.WithTx(ctx, func(tx pgx.Tx) error {
		out = ocop.Erasure{}
		var (
			producerID, unitID   int64
			kind                 ocop.ProducerKind
			name, phone, taxCode string
		)
		err := tx.QueryRow(ctx, `
SELECT id, kind, name, phone, tax_code, unit_id FROM producers WHERE owner_user_id = $1 FOR UPDATE`, userID).
			Scan(&producerID, &kind, &name, &phone, &taxCode, &unitID)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return fmt.Errorf("lock producer of user %d: %w", userID, err)
		default:
			out.Producer = name
			out.KeptTaxCode = ocop.KeepsTaxCode(kind, taxCode)
			if err := s.eraseProducer(ctx, tx, producerID, chatID, name, phone, out.KeptTaxCode, &out); err != nil {
				return err
			}
			n := ocop.ErasedNotice{Producer: name, Kind: kind, KeptTaxCode: out.KeptTaxCode, ErasedOn: at}
			if out.Officials, err = s.tellOfficialsErased(ctx, tx, unitID, n); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE consents SET withdrawn_at = $2 WHERE user_id = $1 AND withdrawn_at IS NULL`, userID, at); err != nil {
			return fmt.Errorf("withdraw consents: %w", err)
		}
		// An official's chat stays: their invitation bound it.
		if _, err := tx.Exec(ctx, `
DELETE FROM chats WHERE chat_id = $1 AND NOT EXISTS (SELECT 1 FROM officials WHERE user_id = $2 AND revoked_at IS NULL)`, chatID, userID); err != nil {
			return fmt.Errorf("delete chat %d: %w", chatID, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM unreachable_chats WHERE chat_id = $1`, chatID); err != nil {
			return fmt.Errorf("forget unreachable chat %d: %w", chatID, err)
		}
		rows, err := tx.Query(ctx, `SELECT chat_id FROM accounts WHERE person = $1 ORDER BY chat_id`, chatID)
		if err != nil {
			return fmt.Errorf("accounts of chat %d: %w", chatID, err)
		}
		if out.Accounts, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return fmt.Errorf("accounts of chat %d: %w", chatID, err)
		}
		return audit(ctx, tx, userID, "personal_data.erased", "producer", producerID, map[string]any{
			"kept_tax_code": out.KeptTaxCode, "certificates_kept": out.Certificates,
			"officials_told": out.Officials, "notifications_cancelled": out.Cancelled,
		})
	})
	if err != nil {
		return ocop.Erasure{}, fmt.Errorf("erase personal data of user %d: %w", userID, err)
	}
	return out, nil
}

// eraseProducer erases a producer's personal fields and its traces in
// notifications and claim links.
func (s *Store) eraseProducer(ctx context.Context, tx pgx.Tx, producerID, chatID int64, name, phone string, keepTax bool, out *ocop.Erasure) error {
	if _, err := tx.Exec(ctx, `
UPDATE producers SET owner_user_id = NULL, chat_id = NULL, phone = '', representative = '', citizen_id = '', address_line = '',
       tax_code = CASE WHEN $2 THEN tax_code ELSE '' END, claimed_at = NULL, erased_at = now(), updated_at = now()
WHERE id = $1`, producerID, keepTax); err != nil {
		return fmt.Errorf("erase producer %d: %w", producerID, err)
	}
	// What was queued to the chat is not sent; an official's own
	// notifications to the same chat (a producer who is also an official)
	// stay.
	tag, err := tx.Exec(ctx, `
UPDATE notifications SET status = 'blocked', last_error = 'personal data erased', updated_at = now()
WHERE status = 'queued' AND (producer_id = $1 OR (chat_id = $2 AND producer_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM officials o WHERE o.chat_id = $2 AND o.revoked_at IS NULL)))`, producerID, chatID)
	if err != nil {
		return fmt.Errorf("cancel notifications of producer %d: %w", producerID, err)
	}
	out.Cancelled = int(tag.RowsAffected())
	if _, err := tx.Exec(ctx, `UPDATE notifications SET chat_id = NULL WHERE producer_id = $1 AND chat_id IS NOT NULL`, producerID); err != nil {
		return fmt.Errorf("unlink notifications of producer %d: %w", producerID, err)
	}
	if phone != "" {
		// Officials were given the phone to call a producer a reminder
		// could not reach.
		if _, err := tx.Exec(ctx, `
UPDATE notifications SET payload = payload || '{"phone": "", "representative": ""}'::jsonb
WHERE kind = $1 AND payload->>'phone' = $2 AND payload->>'producer' = $3`, ocop.NoticeUnreachable, phone, name); err != nil {
			return fmt.Errorf("erase phone from officials' notices: %w", err)
		}
		// And in the daily digests of producers not linked to the bot.
		if _, err := tx.Exec(ctx, `
UPDATE notifications n SET payload = jsonb_set(n.payload, '{items}', (
    SELECT coalesce(jsonb_agg(CASE WHEN i->>'phone' = $2 AND i->>'producer' = $3
                                   THEN i || '{"phone": "", "representative": ""}'::jsonb ELSE i END ORDER BY o), '[]'::jsonb)
    FROM jsonb_array_elements(n.payload->'items') WITH ORDINALITY AS x (i, o)))
WHERE n.kind = $1 AND n.payload->'items' @> jsonb_build_array(jsonb_build_object('phone', $2::text, 'producer', $3::text))`,
			ocop.NoticeUnlinkedDigest, phone, name); err != nil {
			return fmt.Errorf("erase phone from officials' digests: %w", err)
		}
	}
	// Officials were told the phone or representative it corrected to.
	if _, err := tx.Exec(ctx, `
UPDATE notifications SET payload = payload || '{"value": ""}'::jsonb
WHERE kind = $1 AND payload->>'producer_id' = $2::bigint::text`, ocop.NoticeCorrected, producerID); err != nil {
		return fmt.Errorf("erase corrections from officials' notices: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE claim_links SET used_by = NULL WHERE producer_id = $1`, producerID); err != nil {
		return fmt.Errorf("unlink claim links of producer %d: %w", producerID, err)
	}
	err = tx.QueryRow(ctx, `
SELECT count(*) FROM certificates c JOIN products pr ON pr.id = c.product_id WHERE pr.producer_id = $1`, producerID).Scan(&out.Certificates)
	if err != nil {
		return fmt.Errorf("count certificates of producer %d: %w", producerID, err)
	}
	return nil
}

// tellOfficialsErased queues the erasure notice to the officials of the
// producer's commune and the unit above it, today's too (noticeUnits); it
// returns how many.
func (s *Store) tellOfficialsErased(ctx context.Context, tx pgx.Tx, communeID int64, n ocop.ErasedNotice) (int, error) {
	return s.tellOfficials(ctx, tx, ocop.NoticeErased, communeID, 0, n)
}

// CorrectPersonalData sets one personal field — the phone or the
// representative — of the producer userID manages (/suathongtin), in one
// transaction with its audit row (which field, never the values: the log
// outlives an erasure) and a notice to the officials who answer for the
// producer (noticeUnits), who call it on that phone. A value equal to the
// one stored changes nothing and tells nobody. ErrNotFound: the user
// manages no producer.
func (s *Store) CorrectPersonalData(ctx context.Context, userID int64, field ocop.PersonalField, value string, at time.Time) (ocop.Correction, error) {
	column := map[ocop.PersonalField]string{ocop.FieldPhone: "phone", ocop.FieldRepresentative: "representative"}[field]
	if column == "" {
		return ocop.Correction{}, fmt.Errorf("correct personal data: field %q cannot be corrected", field)
	}
	var out ocop.Correction
	err := s.WithTx(ctx, func(tx pgx.Tx) error {
		out = ocop.Correction{}
		var (
			producerID, unitID int64
			old                string
		)
		err := tx.QueryRow(ctx, `SELECT id, name, unit_id, `+column+` FROM producers WHERE owner_user_id = $1 FOR UPDATE`, userID).
			Scan(&producerID, &out.Producer, &unitID, &old)
		if err != nil {
			return fmt.Errorf("lock producer of user %d: %w", userID, notFound(err))
		}
		if old == value {
			return nil
		}
		out.Changed = true
		if _, err := tx.Exec(ctx, `UPDATE producers SET `+column+` = $2, updated_at = now() WHERE id = $1`, producerID, value); err != nil {
			return fmt.Errorf("correct producer %d: %w", producerID, err)
		}
		n := ocop.CorrectedNotice{ProducerID: producerID, Producer: out.Producer, Field: field, Value: value, CorrectedOn: at}
		if out.Officials, err = s.tellOfficials(ctx, tx, ocop.NoticeCorrected, unitID, 0, n); err != nil {
			return err
		}
		return audit(ctx, tx, userID, "personal_data.corrected", "producer", producerID, map[string]any{
			"field": string(field), "officials_told": out.Officials,
		})
	})
	if err != nil {
		return ocop.Correction{}, fmt.Errorf("correct personal data of user %d: %w", userID, err)
	}
	return out, nil
}
