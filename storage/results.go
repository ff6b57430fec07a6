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

// authorityRow is a row of Authorities.
type authorityRow struct {
	Regime   string      `db:"regime"`
	From     time.Time   `db:"valid_from"`
	To       *time.Time  `db:"valid_to"` // still in force
	Office   ocop.Office `db:"level"`
	MinStars int16       `db:"min_stars"`
	MaxStars int16       `db:"max_stars"`
	Proposal bool        `db:"on_proposal"`
}

func (r authorityRow) authority() ocop.Authority {
	return ocop.Authority{Regime: r.Regime, From: r.From, To: deref(r.To), Office: r.Office,
		MinStars: int(r.MinStars), MaxStars: int(r.MaxStars), OnProposal: r.Proposal}
}

// Authorities reads the recognition table.
func (s *Store) Authorities(ctx context.Context) (ocop.Authorities, error) {
	out, err := collectRows(ctx, s.pool, authorityRow.authority, `
SELECT regime, valid_from, valid_to, level, min_stars, max_stars, on_proposal
FROM recognition_authority ORDER BY valid_from, level`)
	if err != nil {
		return nil, fmt.Errorf("read recognition authority: %w", err)
	}
	return out, nil
}

const applicantColumns = `
SELECT r.id, r.code, r.product_id, pr.name AS product_name, p.name AS producer_name, p.unit_id, r.status, pr.target_stars,
       (r.submitted_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS submitted_on,
       l.decision_no, l.decision_date, l.score::float8 AS score, l.stars
FROM registrations r
JOIN products pr ON pr.id = r.product_id
JOIN producers p ON p.id = r.producer_id
LEFT JOIN LATERAL (
    SELECT decision_no, decision_date, score, stars FROM (
        SELECT decision_no, decision_date, score, stars, 1 AS o FROM council_results cr WHERE cr.product_id = r.product_id
        UNION ALL -- certificates recorded before results were (no result row)
        SELECT decision_no, decision_date, coalesce(score, 0), stars, 0 FROM certificates c
        WHERE c.product_id = r.product_id AND c.result_id IS NULL
    ) x ORDER BY decision_date DESC, o DESC LIMIT 1
) l ON true`

// applicantRow is a row of applicantColumns; the latest result's columns
// are NULL before the product has one.
type applicantRow struct {
	ID           int64                   `db:"id"`
	Code         string                  `db:"code"`
	ProductID    int64                   `db:"product_id"`
	ProductName  string                  `db:"product_name"`
	ProducerName string                  `db:"producer_name"`
	UnitID       int64                   `db:"unit_id"`
	Status       ocop.RegistrationStatus `db:"status"`
	TargetStars  int16                   `db:"target_stars"`
	SubmittedOn  time.Time               `db:"submitted_on"`
	DecisionNo   *string                 `db:"decision_no"`
	DecisionDate *time.Time              `db:"decision_date"`
	Score        *float64                `db:"score"`
	Stars        *int16                  `db:"stars"`
}

func (r applicantRow) applicant() ocop.Applicant {
	return ocop.Applicant{RegistrationID: r.ID, Code: r.Code, ProductID: r.ProductID, ProductName: r.ProductName,
		ProducerName: r.ProducerName, CommuneID: r.UnitID, Status: r.Status, TargetStars: int(r.TargetStars),
		SubmittedOn:    r.SubmittedOn,
		LastDecisionNo: deref(r.DecisionNo), LastDecisionDate: deref(r.DecisionDate), LastScore: deref(r.Score),
		LastStars: int(deref(r.Stars))}
}

// Applicants finds registrations by code (case-insensitive); codes not
// found are absent from the map, which is keyed by the upper-case code.
func (s *Store) Applicants(ctx context.Context, codes []string) (map[string]ocop.Applicant, error) {
	up := make([]string, len(codes))
	for i, c := range codes {
		up[i] = strings.ToUpper(strings.TrimSpace(c))
	}
	list, err := collectRows(ctx, s.pool, applicantRow.applicant, applicantColumns+` WHERE r.code = ANY($1)`, up)
	if err != nil {
		return nil, fmt.Errorf("read registrations: %w", err)
	}
	out := make(map[string]ocop.Applicant, len(list))
	for _, a := range list {
		out[a.Code] = a
	}
	return out, nil
}

// AwaitingResults lists the registrations of the communes (nil: all) that
// have no council result yet, and those whose producer asked for a
// re-evaluation or an upgrade, oldest first.
func (s *Store) AwaitingResults(ctx context.Context, communes []int64, limit int) ([]ocop.Applicant, error) {
	q := scoped(applicantColumns+`
WHERE (r.status IN ('submitted', 'in_review') OR EXISTS (
    SELECT 1 FROM renewal_requests q WHERE q.product_id = r.product_id AND q.status = 'open' AND q.answer <> 'lapse'))
  AND {scope}
ORDER BY r.submitted_at, r.id LIMIT $2`, "r.unit_id", 1, communes)
	out, err := collectRows(ctx, s.pool, applicantRow.applicant, q, communes, limit)
	if err != nil {
		return nil, fmt.Errorf("read registrations awaiting results: %w", err)
	}
	return out, nil
}

// proposalRow is a row of Proposals: the registration, what it proposes
// and how many proposals the query found in all.
type proposalRow struct {
	applicantRow
	Proposed int16  `db:"proposed"`
	Proposer string `db:"proposer"`
	Total    int    `db:"total"`
}

type countedProposal struct {
	ocop.Proposal
	total int
}

func (r proposalRow) proposal() countedProposal {
	return countedProposal{ocop.Proposal{Applicant: r.applicant(), Stars: int(r.Proposed), Proposer: r.Proposer}, r.Total}
}

// Proposals lists the open proposals addressed to office for the products
// of the communes (nil: all), oldest first, at most limit, and how many
// there are in all.
func (s *Store) Proposals(ctx context.Context, office ocop.Office, communes []int64, limit int) ([]ocop.Proposal, int, error) {
	q := scoped(`
SELECT x.*, sp.stars AS proposed, coalesce(u.name, '') AS proposer, count(*) OVER () AS total
FROM star_proposals sp
JOIN council_results cr ON cr.id = sp.result_id
LEFT JOIN admin_units u ON u.id = cr.issuer_unit_id
JOIN LATERAL (`+applicantColumns+` WHERE r.id = sp.registration_id) x ON true
WHERE sp.decided_by IS NULL AND sp.to_level = $3 AND {scope}
ORDER BY sp.created_at, sp.id LIMIT $2`, "x.unit_id", 1, communes)
	list, err := collectRows(ctx, s.pool, proposalRow.proposal, q, communes, limit, string(office))
	if err != nil {
		return nil, 0, fmt.Errorf("read proposals: %w", err)
	}
	out := make([]ocop.Proposal, len(list))
	total := 0
	for i, c := range list {
		out[i], total = c.Proposal, c.total
	}
	return out, total, nil
}

// RecordResults writes council results, all or none, in one transaction:
// each result, the certificate it earns (3★ and above), the end of the
// certificate it supersedes, and the notifications it causes with their
// jobs. A result identical to one already recorded (same product and
// decision number, score and date) is skipped, so a file imported twice
// changes nothing; a different one under the same number is refused with
// ErrResultConflict, as is a result older than the product's latest
// (ErrResultOutdated), each wrapped in a *ocop.RowError.
func (s *Store) RecordResults(ctx context.Context, results []ocop.Result) (ocop.Recorded, error) {
	var done ocop.Recorded
	err := s.WithTx(ctx, func(tx pgx.Tx) error {
		done = ocop.Recorded{}
		var notices []int64
		summaries := map[int64]*officialSummary{} // by official's user id
		for _, r := range results {
			n, err := s.recordResult(ctx, tx, r, summaries)
			if err != nil {
				return &ocop.RowError{Code: r.Code, Err: err}
			}
			if n.id == 0 {
				done.Unchanged++
				continue
			}
			done.New++
			if n.certified {
				done.Certificates++
			}
			if n.proposed {
				done.Proposals++
			}
			notices = append(notices, n.id)
		}
		for _, sum := range summaries {
			id, err := insertNotification(ctx, tx, ocop.NoticeResultSummary, sum.chatID, 0, sum.unitID, ocop.SummaryNotice{Results: sum.results})
			if err != nil {
				return err
			}
			notices = append(notices, id)
		}
		done.Notifications = len(notices)
		return s.insertNotifyJobs(ctx, tx, notices)
	})
	return done, err
}

type officialSummary struct {
	chatID, unitID int64
	results        []ocop.ResultNotice
}

type recordedResult struct {
	id        int64 // the producer's notification; 0 when the result was already there
	certified bool
	proposed  bool
}

func (s *Store) recordResult(ctx context.Context, tx pgx.Tx, r ocop.Result, summaries map[int64]*officialSummary) (recordedResult, error) {
	// The product's row lock orders concurrent results for it.
	var producerID, chatID, communeID int64
	var product, producer string
	err := tx.QueryRow(ctx, `
SELECT pr.name, p.id, p.name, p.chat_id, p.unit_id
FROM products pr JOIN producers p ON p.id = pr.producer_id WHERE pr.id = $1 FOR UPDATE OF pr`, r.ProductID).
		Scan(&product, &producerID, &producer, &chatID, &communeID)
	if err != nil {
		return recordedResult{}, fmt.Errorf("lock product %d: %w", r.ProductID, notFound(err))
	}
	var sameScore, sameDate bool
	err = tx.QueryRow(ctx, `
SELECT score = $3::numeric(5,2), decision_date = $4 FROM council_results WHERE product_id = $1 AND decision_no = $2`,
		r.ProductID, r.DecisionNo, r.Score, r.DecisionDate).Scan(&sameScore, &sameDate)
	switch {
	case err == nil && sameScore && sameDate:
		return recordedResult{}, nil
	case err == nil:
		return recordedResult{}, ocop.ErrResultConflict
	case !errors.Is(err, pgx.ErrNoRows):
		return recordedResult{}, fmt.Errorf("read earlier result: %w", err)
	}
	var later bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM council_results WHERE product_id = $1 AND decision_date > $2)`,
		r.ProductID, r.DecisionDate).Scan(&later); err != nil {
		return recordedResult{}, fmt.Errorf("read later results: %w", err)
	}
	if later {
		return recordedResult{}, ocop.ErrResultOutdated
	}
	var resultID int64
	if err := tx.QueryRow(ctx, `
INSERT INTO council_results (registration_id, product_id, score, stars, decision_no, decision_date, issuer_unit_id, recorded_by)
VALUES ($1, $2, $3, $4, $5, $6, nullif($7, 0::bigint), nullif($8, 0::bigint)) RETURNING id`,
		r.RegistrationID, r.ProductID, r.Score, r.Stars, r.DecisionNo, r.DecisionDate, r.IssuerUnitID, r.RecordedBy).Scan(&resultID); err != nil {
		return recordedResult{}, fmt.Errorf("insert result: %w", err)
	}
	// The certificate in force when this decision is taken ends with it.
	var previous int16
	if err := tx.QueryRow(ctx, `
WITH ended AS (
    UPDATE certificates SET revoked_on = $2, ended_by_result = $3
    WHERE product_id = $1 AND decision_date <= $2 AND valid_until > $2 AND revoked_on IS NULL
    RETURNING stars)
SELECT coalesce(max(stars), 0) FROM ended`, r.ProductID, r.DecisionDate, resultID).Scan(&previous); err != nil {
		return recordedResult{}, fmt.Errorf("end superseded certificate: %w", err)
	}
	if r.Certified() {
		if _, err := tx.Exec(ctx, `
WITH c AS (
    INSERT INTO certificates (product_id, stars, score, decision_no, decision_date, issuer_unit_id, valid_until, result_id)
    VALUES ($1, $2, $3, $4, $5, nullif($6, 0::bigint), $7, $8) RETURNING id)
SELECT id FROM c`, r.ProductID, r.Stars, r.Score, r.DecisionNo, r.DecisionDate, r.IssuerUnitID, r.ValidUntil(), resultID); err != nil {
			return recordedResult{}, fmt.Errorf("insert certificate: %w", err)
		}
	}
	// A later result settles the product's open proposal: the central
	// level's decision on it, or a re-evaluation that supersedes the result
	// it came with (which proposes again if it scores as high).
	if _, err := tx.Exec(ctx, `UPDATE star_proposals SET decided_by = $2 WHERE product_id = $1 AND decided_by IS NULL`,
		r.ProductID, resultID); err != nil {
		return recordedResult{}, fmt.Errorf("settle proposals: %w", err)
	}
	if r.Proposed > 0 {
		if _, err := tx.Exec(ctx, `
INSERT INTO star_proposals (product_id, registration_id, result_id, stars, to_level) VALUES ($1, $2, $3, $4, $5)`,
			r.ProductID, r.RegistrationID, resultID, r.Proposed, string(r.ProposedTo)); err != nil {
			return recordedResult{}, fmt.Errorf("insert proposal: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE registrations SET status = 'evaluated', updated_at = now() WHERE id = $1`, r.RegistrationID); err != nil {
		return recordedResult{}, fmt.Errorf("mark registration evaluated: %w", err)
	}
	// The council's result settles the producer's renewal request.
	if _, err := tx.Exec(ctx, `
UPDATE renewal_requests SET status = 'done', result_id = $2, updated_at = now() WHERE product_id = $1 AND status = 'open'`,
		r.ProductID, resultID); err != nil {
		return recordedResult{}, fmt.Errorf("settle renewal request: %w", err)
	}
	notice := ocop.ResultNotice{
		Code: r.Code, Product: product, Producer: producer, Score: r.Score, Stars: r.Stars,
		DecisionNo: r.DecisionNo, DecisionDate: r.DecisionDate, ValidUntil: r.ValidUntil(), PreviousStars: int(previous),
		Proposed: r.Proposed, ProposedTo: r.ProposedTo,
	}
	id, err := insertNotification(ctx, tx, ocop.NoticeResult, chatID, producerID, communeID, notice)
	if err != nil {
		return recordedResult{}, err
	}
	// The officials of the producer's commune and the unit above it,
	// today's too (noticeUnits), hear of it in one summary per batch; the
	// official who records it already knows.
	rows, err := tx.Query(ctx, `
SELECT o.user_id, o.chat_id, o.unit_id FROM officials o
WHERE o.revoked_at IS NULL AND o.user_id <> $2 AND o.unit_id IN (`+noticeUnitsOf("$1::bigint", "NULL::bigint")+`)`,
		communeID, r.RecordedBy)
	if err != nil {
		return recordedResult{}, fmt.Errorf("find officials to tell: %w", err)
	}
	var user, chat, unit int64
	if _, err := pgx.ForEachRow(rows, []any{&user, &chat, &unit}, func() error {
		sum := summaries[user]
		if sum == nil {
			sum = &officialSummary{chatID: chat, unitID: unit}
			summaries[user] = sum
		}
		sum.results = append(sum.results, notice)
		return nil
	}); err != nil {
		return recordedResult{}, fmt.Errorf("read officials to tell: %w", err)
	}
	details := map[string]any{"code": r.Code, "score": r.Score, "stars": r.Stars, "decision_no": r.DecisionNo}
	if r.Proposed > 0 {
		details["proposed"], details["proposed_to"] = r.Proposed, r.ProposedTo
	}
	if err := audit(ctx, tx, r.RecordedBy, "result.recorded", "council_result", resultID, details); err != nil {
		return recordedResult{}, err
	}
	return recordedResult{id: id, certified: r.Certified(), proposed: r.Proposed > 0}, nil
}

// RevokeCertificate ends the product's certificate in force on day, from
// that day, and tells the producer. It returns ErrNotFound when the
// registration has no certificate in force then.
func (s *Store) RevokeCertificate(ctx context.Context, code string, on time.Time, reason string, actor int64) error {
	return s.WithTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
UPDATE certificates c SET revoked_on = $2
FROM registrations r, products pr, producers p
WHERE r.code = upper($1) AND c.product_id = r.product_id AND pr.id = r.product_id AND p.id = r.producer_id
  AND c.decision_date <= $2 AND c.valid_until > $2 AND c.revoked_on IS NULL
RETURNING c.id, c.stars, c.decision_no, pr.name AS product, p.id AS producer_id, p.chat_id, p.unit_id`, strings.TrimSpace(code), on)
		if err != nil {
			return fmt.Errorf("revoke certificate of %s: %w", code, err)
		}
		c, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[revokedRow])
		if err != nil {
			return fmt.Errorf("revoke certificate of %s: %w", code, notFound(err))
		}
		n := c.notice(on, reason)
		id, err := insertNotification(ctx, tx, ocop.NoticeRevoked, c.ChatID, c.ProducerID, c.UnitID, n)
		if err != nil {
			return err
		}
		if err := audit(ctx, tx, actor, "certificate.revoked", "certificate", c.ID, map[string]any{"code": code, "reason": reason}); err != nil {
			return err
		}
		return s.insertNotifyJobs(ctx, tx, []int64{id})
	})
}

// revokedRow is a certificate RevokeCertificate ended, with whom to tell.
type revokedRow struct {
	ID         int64  `db:"id"`
	Stars      int16  `db:"stars"`
	DecisionNo string `db:"decision_no"`
	Product    string `db:"product"`
	ProducerID int64  `db:"producer_id"`
	ChatID     int64  `db:"chat_id"`
	UnitID     int64  `db:"unit_id"`
}

// notice is what the producer is told of the revocation.
func (r revokedRow) notice(on time.Time, reason string) ocop.RevokedNotice {
	return ocop.RevokedNotice{Stars: int(r.Stars), DecisionNo: r.DecisionNo, Product: r.Product, RevokedOn: on, Reason: reason}
}

func insertNotification(ctx context.Context, tx pgx.Tx, kind string, chatID, producerID, unitID int64, payload any) (int64, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return 0, fmt.Errorf("encode %s notification: %w", kind, err)
	}
	var id int64
	err = tx.QueryRow(ctx, `
INSERT INTO notifications (kind, chat_id, producer_id, unit_id, payload)
VALUES ($1, $2, nullif($3, 0::bigint), nullif($4, 0::bigint), $5) RETURNING id`, kind, chatID, producerID, unitID, raw).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert %s notification: %w", kind, err)
	}
	return id, nil
}
