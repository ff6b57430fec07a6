package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/vntext"
)

// ProducerByOwner returns the producer a Telegram user manages, or ErrNotFound.
func (s *Store) ProducerByOwner(ctx context.Context, userID int64) (ocop.Producer, error) {
	const q = `
SELECT id, owner_user_id, chat_id, kind, name, representative, phone, tax_code, citizen_id, unit_id, address_line, created_at
FROM producers WHERE owner_user_id = $1`
	var p ocop.Producer
	err := s.pool.QueryRow(ctx, q, userID).Scan(&p.ID, &p.OwnerUserID, &p.ChatID, &p.Kind, &p.Name,
		&p.Representative, &p.Phone, &p.TaxCode, &p.CitizenID, &p.UnitID, &p.AddressLine, &p.CreatedAt)
	if err != nil {
		return ocop.Producer{}, fmt.Errorf("load producer of user %d: %w", userID, notFound(err))
	}
	return p, nil
}

// SubmitRegistration writes the producer (if new), the product, the
// registration and its audit rows together, so a crash leaves either all
// of them or none.
//
// A submission whose SubmissionID was written before returns that
// registration and writes nothing: submitting twice registers once.
func (s *Store) SubmitRegistration(ctx context.Context, sub ocop.Submission) (ocop.Registration, error) {
	var reg ocop.Registration
	var err error
	if sub.Producer.ID != 0 {
		reg, err = submitProduct(ctx, s.pool, sub)
	} else {
		err = s.WithTx(ctx, func(tx pgx.Tx) error {
			if sub.Producer.ID, err = insertProducer(ctx, tx, sub); err != nil {
				return err
			}
			reg, err = submitProduct(ctx, tx, sub)
			return err
		})
	}
	switch {
	case err == nil:
		return reg, nil
	case errors.Is(err, pgx.ErrNoRows) && sub.SubmissionID != "",
		sub.SubmissionID != "" && isUniqueViolation(err):
		// Stored before, or concurrently: answer with it (if it is the
		// submitter's; ErrNotFound otherwise).
		return s.registrationBySubmission(ctx, sub.SubmissionID, sub.ActorID)
	case errors.Is(err, pgx.ErrNoRows):
		return ocop.Registration{}, fmt.Errorf("submit registration: producer %d of user %d: %w", sub.Producer.ID, sub.ActorID, ErrNotFound)
	}
	return ocop.Registration{}, fmt.Errorf("submit registration: %w", err)
}

// insertProducer writes the submitter's new producer and its audit row and
// returns its ID. The owner may have registered as a producer meanwhile
// (another device): the registration then goes to that producer.
func insertProducer(ctx context.Context, tx pgx.Tx, sub ocop.Submission) (int64, error) {
	const q = `
INSERT INTO producers (owner_user_id, chat_id, kind, name, representative, phone, tax_code, citizen_id, unit_id, province_code, address_line)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, (` + provinceOf + `), $10)
ON CONFLICT (owner_user_id) DO NOTHING RETURNING id`
	p := sub.Producer
	var id int64
	err := tx.QueryRow(ctx, q, p.OwnerUserID, p.ChatID, string(p.Kind), p.Name, p.Representative,
		p.Phone, p.TaxCode, p.CitizenID, p.UnitID, p.AddressLine).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		if err := tx.QueryRow(ctx, `SELECT id FROM producers WHERE owner_user_id = $1`, p.OwnerUserID).Scan(&id); err != nil {
			return 0, fmt.Errorf("load existing producer: %w", err)
		}
		return id, nil
	}
	if err != nil {
		return 0, fmt.Errorf("insert producer: %w", err)
	}
	return id, audit(ctx, tx, sub.ActorID, "producer.registered", "producer", id, map[string]any{"kind": p.Kind, "unit_id": p.UnitID})
}

// submitProduct registers a product of the submitter's producer in one
// statement: the product, the registration and its audit row, with one
// round trip (it used to be seven: a fifth of Postgres' work under load).
// It writes nothing, and answers pgx.ErrNoRows, when the producer is not
// the submitter's or the submission was stored before.
func submitProduct(ctx context.Context, db rowQuerier, sub ocop.Submission) (ocop.Registration, error) {
	const q = `
WITH p AS (
    SELECT id, unit_id FROM producers
    WHERE id = $1 AND owner_user_id = $2
      AND NOT EXISTS (SELECT 1 FROM registrations WHERE submission_id = nullif($8, ''))),
pr AS (
    INSERT INTO products (producer_id, name, subgroup_code, group_code, description, photo_file_id, target_stars, name_key)
    SELECT p.id, $3, $4, (SELECT group_code FROM product_subgroups WHERE code = $4), $5, $6, $7, $9 FROM p
    RETURNING id),
n AS (
    -- The sequence moves only for a product written: nextval in a
    -- subquery over pr runs once per row of pr.
    SELECT id AS product_id, nextval('registration_code_seq')::text AS s FROM pr),
r AS (
    -- lpad would cut a number past 999999 to six digits: pad only.
    INSERT INTO registrations (code, producer_id, product_id, unit_id, submission_id)
    SELECT 'OCOP-' || to_char(now() AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YY') || '-' || lpad(n.s, greatest(6, length(n.s)), '0'),
           p.id, n.product_id, p.unit_id, nullif($8, '')
    FROM p, n
    RETURNING id, code, product_id, status, submitted_at, unit_id),
a AS (
    INSERT INTO audit_log (at, actor_user, action, entity, entity_id, details)
    SELECT $10, $2, 'registration.submitted', 'registration', r.id,
           jsonb_build_object('code', r.code, 'product_id', r.product_id)
    FROM r)
SELECT id, code, product_id, status, submitted_at, unit_id FROM r`
	pr := sub.Product
	reg := ocop.Registration{ProducerID: sub.Producer.ID, ProductName: pr.Name, TargetStars: pr.TargetStars}
	// name_key: a registry import finds this product by its folded name.
	err := db.QueryRow(ctx, q, sub.Producer.ID, sub.ActorID, pr.Name, pr.SubgroupCode, pr.Description,
		pr.PhotoFileID, pr.TargetStars, sub.SubmissionID, vntext.Fold(pr.Name), time.Now()).
		Scan(&reg.ID, &reg.Code, &reg.ProductID, &reg.Status, &reg.SubmittedAt, &reg.UnitID)
	return reg, err
}

// provinceOf is the GSO code of the province of the commune $9: its
// parent in the two-level tree, its grandparent in the three-level one.
const provinceOf = `
SELECT coalesce(
    (SELECT a.code FROM admin_units c JOIN admin_units a ON a.id = c.parent_id WHERE c.id = $9 AND a.level = 1),
    (SELECT g.code FROM admin_units c JOIN admin_units a ON a.id = c.parent_id JOIN admin_units g ON g.id = a.parent_id
     WHERE c.id = $9 AND g.level = 1))`

// registrationColumns are the registrations as registrationRow reads them.
const registrationColumns = `
SELECT r.id, r.code, r.producer_id, r.product_id, pr.name AS product_name, pr.target_stars, r.status, r.submitted_at,
       r.unit_id, c.stars AS cert_stars, c.valid_until AS cert_valid_until`

// newestCertificate joins each registration's newest certificate not
// revoked, for registrationColumns.
const newestCertificate = `
LEFT JOIN LATERAL (
    SELECT stars, valid_until FROM certificates c
    WHERE c.product_id = r.product_id AND c.revoked_on IS NULL
    ORDER BY c.decision_date DESC, c.id DESC LIMIT 1) c ON true`

// registrationRow is a row of registrationColumns.
type registrationRow struct {
	ID          int64                   `db:"id"`
	Code        string                  `db:"code"`
	ProducerID  int64                   `db:"producer_id"`
	ProductID   int64                   `db:"product_id"`
	ProductName string                  `db:"product_name"`
	TargetStars int16                   `db:"target_stars"`
	Status      ocop.RegistrationStatus `db:"status"`
	SubmittedAt time.Time               `db:"submitted_at"`
	UnitID      int64                   `db:"unit_id"`
	CertStars   *int16                  `db:"cert_stars"`
	CertUntil   *time.Time              `db:"cert_valid_until"`
}

func (r registrationRow) registration() ocop.Registration {
	return ocop.Registration{ID: r.ID, Code: r.Code, ProducerID: r.ProducerID, ProductID: r.ProductID,
		ProductName: r.ProductName, TargetStars: int(r.TargetStars), Status: r.Status, SubmittedAt: r.SubmittedAt,
		UnitID: r.UnitID, CertStars: int(deref(r.CertStars)), CertValidUntil: deref(r.CertUntil)}
}

func (s *Store) registrationBySubmission(ctx context.Context, submissionID string, owner int64) (ocop.Registration, error) {
	const q = registrationColumns + `
FROM registrations r JOIN producers p ON p.id = r.producer_id JOIN products pr ON pr.id = r.product_id` + newestCertificate + `
WHERE r.submission_id = $1 AND p.owner_user_id = $2`
	r, err := collectOne(ctx, s.pool, registrationRow.registration, q, submissionID, owner)
	if err != nil {
		return ocop.Registration{}, fmt.Errorf("look up submission: %w", notFound(err))
	}
	return r, nil
}

// RegistrationsByOwner lists the registrations of the producer a user
// manages, newest first. A user sees only their own.
func (s *Store) RegistrationsByOwner(ctx context.Context, userID int64) ([]ocop.Registration, error) {
	const q = registrationColumns + `
FROM registrations r
JOIN producers p ON p.id = r.producer_id
JOIN products pr ON pr.id = r.product_id` + newestCertificate + `
WHERE p.owner_user_id = $1
ORDER BY r.submitted_at DESC, r.id DESC
LIMIT 200`
	regs, err := collectRows(ctx, s.pool, registrationRow.registration, q, userID)
	if err != nil {
		return nil, fmt.Errorf("read registrations of user %d: %w", userID, err)
	}
	return regs, nil
}

func audit(ctx context.Context, tx pgx.Tx, actor int64, action, entity string, entityID int64, details map[string]any) error {
	d, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("encode audit details: %w", err)
	}
	const q = `INSERT INTO audit_log (at, actor_user, action, entity, entity_id, details) VALUES ($1, $2, $3, $4, $5, $6)`
	if _, err := tx.Exec(ctx, q, time.Now(), actor, action, entity, entityID, d); err != nil {
		return fmt.Errorf("write audit %s: %w", action, err)
	}
	return nil
}
