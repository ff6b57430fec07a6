package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// validOn is the condition of a certificate (alias c) counting on day $1.
const validOn = `c.decision_date <= $1 AND c.valid_until > $1 AND (c.revoked_on IS NULL OR c.revoked_on > $1)`

// CommuneTallies counts, per producer commune, the products holding a valid
// certificate on day, by their best stars, and how many of them lose their
// last valid certificate by until. With communes nil every commune is
// counted; else only those. It reads product_spans (migration 013), which
// the database keeps as certificates and producers change: one row per
// product and stretch of days, so the country on any day is one pass over
// the stretches running on it.
func (s *Store) CommuneTallies(ctx context.Context, day, until time.Time, communes []int64) ([]ocop.CommuneTally, error) {
	const q = `
SELECT unit_id, stars, count(*)::int, (count(*) FILTER (WHERE ends <= $2))::int
FROM product_spans s
WHERE ` + spanOn + ` AND {scope}
GROUP BY 1, 2`
	rows, err := s.pool.Query(ctx, scoped(q, "s.unit_id", 3, communes), day, until, communes)
	if err != nil {
		return nil, fmt.Errorf("count certified products: %w", err)
	}
	byUnit := map[int64]int{}
	var out []ocop.CommuneTally
	var unit int64
	var stars int16
	var n, expiring int
	_, err = pgx.ForEachRow(rows, []any{&unit, &stars, &n, &expiring}, func() error {
		i, ok := byUnit[unit]
		if !ok {
			i = len(out)
			byUnit[unit] = i
			out = append(out, ocop.CommuneTally{UnitID: unit})
		}
		out[i].Tally.Stars[stars] += n
		out[i].Tally.Expiring += expiring
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read certified counts: %w", err)
	}
	return out, nil
}

// spanOn is the condition of a product's stretch (alias s) running on day
// $1: the product then holds a valid certificate of s.stars.
const spanOn = `s.valid_from <= $1 AND s.valid_to > $1`

// ExpiringProducts lists the products of the communes (nil: all) whose last
// valid certificate on day ends by until, soonest first, at most limit,
// each with that certificate.
func (s *Store) ExpiringProducts(ctx context.Context, day, until time.Time, communes []int64, limit int) ([]ocop.CertifiedProduct, error) {
	const q = `
SELECT ` + certifiedColumns + `
FROM product_spans s
JOIN products pr ON pr.id = s.product_id
JOIN producers p ON p.id = pr.producer_id
CROSS JOIN LATERAL (
    SELECT * FROM certificates c
    WHERE c.product_id = s.product_id AND c.valid_until = s.ends AND ` + validOn + `
    ORDER BY c.id DESC LIMIT 1) c
WHERE ` + spanOn + ` AND s.ends <= $2 AND {scope}
ORDER BY s.ends, pr.name, pr.id
LIMIT $3`
	out, err := collectRows(ctx, s.pool, certifiedRow.product, scoped(q, "s.unit_id", 4, communes), day, until, limit, communes)
	if err != nil {
		return nil, fmt.Errorf("read expiring products: %w", err)
	}
	return out, nil
}

// certifiedColumns are a product and one of its certificates as
// certifiedRow reads them.
const certifiedColumns = `pr.id AS product_id, pr.name AS product, p.name AS producer, p.kind AS producer_kind, p.unit_id,
       coalesce(pr.subgroup_code, '') AS subgroup_code, pr.group_code, c.id AS certificate_id, c.stars, c.score::float8 AS score, c.decision_no, c.decision_date, c.valid_until,
       p.address_line`

// certifiedRow is a row of certifiedColumns: a product with a certificate
// valid on the day asked.
type certifiedRow struct {
	ProductID     int64             `db:"product_id"`
	Product       string            `db:"product"`
	Producer      string            `db:"producer"`
	ProducerKind  ocop.ProducerKind `db:"producer_kind"`
	UnitID        int64             `db:"unit_id"`
	SubgroupCode  string            `db:"subgroup_code"` // "" for a product imported from a registry
	GroupCode     string            `db:"group_code"`
	CertificateID int64             `db:"certificate_id"`
	Stars         int16             `db:"stars"`
	Score         *float64          `db:"score"` // not recorded
	DecisionNo    string            `db:"decision_no"`
	DecisionDate  time.Time         `db:"decision_date"`
	ValidUntil    time.Time         `db:"valid_until"`
	AddressLine   string            `db:"address_line"`
}

func (r certifiedRow) product() ocop.CertifiedProduct {
	return ocop.CertifiedProduct{ProductID: r.ProductID, Product: r.Product, Producer: r.Producer, ProducerKind: r.ProducerKind,
		UnitID: r.UnitID, AddressLine: r.AddressLine, SubgroupCode: r.SubgroupCode, GroupCode: r.GroupCode, Valid: true,
		Certificate: ocop.Certificate{ID: r.CertificateID, ProductID: r.ProductID, Stars: int(r.Stars), Score: deref(r.Score),
			DecisionNo: r.DecisionNo, DecisionDate: r.DecisionDate, ValidUntil: r.ValidUntil}}
}

// standingRow is a row of CertifiedProducts: certifiedRow with the
// certificate's end and issuer, and whether it is valid on the day asked.
type standingRow struct {
	certifiedRow
	RevokedOn    *time.Time `db:"revoked_on"`
	IssuerUnitID *int64     `db:"issuer_unit_id"` // not recorded
	Valid        bool       `db:"valid"`
}

func (r standingRow) product() ocop.CertifiedProduct {
	cp := r.certifiedRow.product()
	cp.Certificate.RevokedOn, cp.Certificate.IssuerUnitID, cp.Valid = deref(r.RevokedOn), deref(r.IssuerUnitID), r.Valid
	return cp
}

// scoped fills the {scope} of a query: col = ANY($n) for a list of
// communes, true for all (communes nil, then $n is ignored). Two texts, not
// "$n IS NULL OR …": a cached statement's generic plan could not use the
// index on col for the latter, and a district would scan the country.
func scoped(q, col string, n int, communes []int64) string {
	cond := "($" + strconv.Itoa(n) + "::bigint[] IS NULL)"
	if communes != nil {
		cond = col + " = ANY($" + strconv.Itoa(n) + ")"
	}
	return strings.Replace(q, "{scope}", cond, 1)
}

// endOfDay is the first instant after day $1 in Vietnam: what happened on
// or before D (as Vietnam's calendar has it) happened before it.
const endOfDay = `(($1::date + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh')`

// asOf picks the text and arguments of a count of records as they stand on
// day: now, for the zero day (today's report: whatever was recorded a
// moment ago counts, whichever clock stamped it), with {scope} as $1; else
// then, with day as $1 and {scope} as $2. Two texts, as scoped's.
func asOf(now, then, col string, day time.Time, communes []int64) (string, []any) {
	if day.IsZero() {
		return scoped(now, col, 1, communes), []any{communes}
	}
	return scoped(then, col, 2, communes), []any{day, communes}
}

// PendingRegistrations counts the registrations of the communes (nil: all)
// waiting for review on day (zero: now): submitted on or before it
// (Vietnam's date) and not decided by it. A registration is decided by its
// council result's decision date; one marked decided without a result (the
// generator's data) by its product's first certificate, else by its last
// update.
func (s *Store) PendingRegistrations(ctx context.Context, day time.Time, communes []int64) (int, error) {
	const now = `
SELECT count(*) FROM registrations r
WHERE r.status IN ('submitted', 'in_review') AND {scope}`
	const then = `
SELECT count(*) FROM registrations r
WHERE r.submitted_at < ` + endOfDay + ` AND {scope}
  AND NOT EXISTS (
    SELECT 1 FROM council_results cr
    WHERE cr.product_id = r.product_id AND cr.registration_id = r.id AND cr.decision_date <= $1)
  AND (r.status IN ('submitted', 'in_review')
    OR EXISTS (SELECT 1 FROM council_results cr WHERE cr.product_id = r.product_id AND cr.registration_id = r.id)
    OR coalesce(
        (SELECT min(c.decision_date) FROM certificates c WHERE c.product_id = r.product_id AND c.result_id IS NULL),
        (r.updated_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date) > $1)`
	q, args := asOf(now, then, "r.unit_id", day, communes)
	var n int
	if err := s.pool.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pending registrations: %w", err)
	}
	return n, nil
}

// CertifiedProducts lists every product of the communes (nil: all) with a
// certificate decided by day, each with the certificate that speaks for it
// then: its best valid one, else its latest. Ordered by commune, then name.
func (s *Store) CertifiedProducts(ctx context.Context, day time.Time, communes []int64) ([]ocop.CertifiedProduct, error) {
	const q = `
SELECT * FROM (
    SELECT DISTINCT ON (pr.id)
           ` + certifiedColumns + `,
           c.revoked_on, c.issuer_unit_id,
           (c.valid_until > $1 AND (c.revoked_on IS NULL OR c.revoked_on > $1)) AS valid
    FROM producers p
    JOIN products pr ON pr.producer_id = p.id
    JOIN certificates c ON c.product_id = pr.id
    WHERE c.decision_date <= $1 AND {scope}
    ORDER BY pr.id, valid DESC, c.stars DESC, c.decision_date DESC
) x ORDER BY 5, 2, 1`
	out, err := collectRows(ctx, s.pool, standingRow.product, scoped(q, "p.unit_id", 2, communes), day, communes)
	if err != nil {
		return nil, fmt.Errorf("read certified products: %w", err)
	}
	return out, nil
}

// AddCertificate records a certificate; ValidUntil defaults to 36 months
// after the decision. The council-result flow and the data generator write
// through it.
func (s *Store) AddCertificate(ctx context.Context, c ocop.Certificate, actor int64) (int64, error) {
	if c.ValidUntil.IsZero() {
		c.ValidUntil = ocop.CertificateExpiry(c.DecisionDate)
	}
	var id int64
	err := s.WithTx(ctx, func(tx pgx.Tx) error {
		const q = `
INSERT INTO certificates (product_id, stars, score, decision_no, decision_date, issuer_unit_id, valid_until, revoked_on)
VALUES ($1, $2, nullif($3, 0::float8), $4, $5, nullif($6, 0::bigint), $7, $8) RETURNING id`
		var revoked *time.Time
		if !c.RevokedOn.IsZero() {
			revoked = &c.RevokedOn
		}
		if err := tx.QueryRow(ctx, q, c.ProductID, c.Stars, c.Score, c.DecisionNo, c.DecisionDate, c.IssuerUnitID, c.ValidUntil, revoked).Scan(&id); err != nil {
			return fmt.Errorf("insert certificate: %w", err)
		}
		return audit(ctx, tx, actor, "certificate.added", "certificate", id, map[string]any{"product_id": c.ProductID, "stars": c.Stars, "decision_no": c.DecisionNo})
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}
