package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
)

// dueReminders lists, for the day $1, each certificate with a reminder or
// an expiry notice due and not yet queued, with its stage: the most urgent
// one whose day has come, so a sweep after an outage sends only that one.
// A certificate counts while it is the product's latest (on that day) and
// not revoked; reminders stop once the producer has answered. The
// valid_until index bounds the scan to the certificates near their end.
// By producer: a batch holds a producer's certificates together, so that
// officials hear once of a producer with no chat (tellOfficialsUnlinked).
const dueReminders = `
SELECT c.id, d.stage
FROM certificates c
CROSS JOIN LATERAL (
    SELECT CASE WHEN c.valid_until <= $1::date THEN 0
                ELSE (SELECT min(x) FROM unnest($2::int[]) x WHERE x >= c.valid_until - $1::date) END AS stage
) d
WHERE c.valid_until > $1::date - $3::int AND c.valid_until <= $1::date + $4::int
  AND c.revoked_on IS NULL
  AND NOT EXISTS (SELECT 1 FROM certificates n
                  WHERE n.product_id = c.product_id AND n.valid_until > c.valid_until AND n.decision_date <= $1::date)
  AND (d.stage = 0 OR NOT EXISTS (SELECT 1 FROM renewal_requests q WHERE q.certificate_id = c.id))
  AND NOT EXISTS (SELECT 1 FROM certificate_reminders r WHERE r.certificate_id = c.id AND r.stage <= d.stage)
ORDER BY (SELECT pr.producer_id FROM products pr WHERE pr.id = c.product_id), c.id`

// recordReminders records a batch of due reminders and returns each with
// what its notice says. The primary key of certificate_reminders decides,
// row by row, which sweep queues a reminder when two run at once: the
// other skips it. Each reminder draws its notification's id, inserted
// after it in the same transaction (the foreign key is deferred).
// The producer's row is read locked: a claim linking its chat in a
// transaction not yet committed holds its row, so the sweep waits for it
// and then sees the chat, instead of holding a reminder that the claim's
// ReleaseHeld, already past, would never release.
const recordReminders = `
WITH due AS (SELECT * FROM unnest($1::bigint[], $2::smallint[]) AS t (certificate_id, stage)),
ins AS (
    INSERT INTO certificate_reminders (certificate_id, stage, due_on, notification_id)
    SELECT due.certificate_id, due.stage, $3::date, nextval(pg_get_serial_sequence('notifications', 'id')) FROM due
    WHERE NOT EXISTS (SELECT 1 FROM certificate_reminders r WHERE r.certificate_id = due.certificate_id AND r.stage <= due.stage)
    ON CONFLICT DO NOTHING
    RETURNING certificate_id, stage, notification_id)
SELECT ins.notification_id, ins.certificate_id, ins.stage, p.chat_id, p.id AS producer_id, p.unit_id,
       g.code, pr.name AS product, c.stars, c.decision_no, c.valid_until,
       p.name AS producer, p.representative, p.phone
FROM ins
JOIN certificates c ON c.id = ins.certificate_id
JOIN products pr ON pr.id = c.product_id
JOIN producers p ON p.id = pr.producer_id
LEFT JOIN registrations g ON g.product_id = pr.id
FOR SHARE OF p`

// recordedReminder is a row of recordReminders.
type recordedReminder struct {
	NotificationID int64     `db:"notification_id"`
	CertificateID  int64     `db:"certificate_id"`
	Stage          int16     `db:"stage"`
	ChatID         *int64    `db:"chat_id"` // an imported producer that has not claimed its record has none
	ProducerID     int64     `db:"producer_id"`
	UnitID         int64     `db:"unit_id"`
	Code           *string   `db:"code"` // products registered before the bot have none
	Product        string    `db:"product"`
	Stars          int16     `db:"stars"`
	DecisionNo     string    `db:"decision_no"`
	ValidUntil     time.Time `db:"valid_until"`
	Producer       string    `db:"producer"`
	Representative string    `db:"representative"`
	Phone          string    `db:"phone"`
}

// notice is the payload of the reminder's notification: read by
// flows.Engine.Notice, and by NotificationBlocked when it cannot be sent.
func (r recordedReminder) notice() ocop.ReminderNotice {
	n := ocop.ReminderNotice{CertificateID: r.CertificateID, Stage: int(r.Stage), Product: r.Product,
		Stars: int(r.Stars), DecisionNo: r.DecisionNo, ValidUntil: r.ValidUntil}
	if r.Code != nil {
		n.Code = *r.Code
	}
	return n
}

// unlinked is what officials are told of a reminder held because its
// producer has not claimed its record: the unreachable notice, with its
// reason.
func (r recordedReminder) unlinked() ocop.UnreachableNotice {
	item := ocop.CertificateItem{Code: deref(r.Code), Product: r.Product, Producer: r.Producer, Stars: int(r.Stars), ValidUntil: r.ValidUntil}
	return ocop.UnreachableNotice{CertificateItem: item, Representative: r.Representative, Phone: r.Phone,
		Stage: int(r.Stage), Reason: ocop.UnreachableUnlinked, ProducerID: r.ProducerID}
}

// insertReminderNotices inserts the notifications of reminders just
// recorded, under the ids they drew: queued, or held (no chat) for a
// producer that has not claimed its record.
const insertReminderNotices = `
INSERT INTO notifications (id, kind, chat_id, producer_id, unit_id, payload, status)
SELECT id, kind, chat_id, producer_id, unit_id, payload::jsonb, CASE WHEN chat_id IS NULL THEN 'held' ELSE 'queued' END
FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[])
     AS t (id, kind, chat_id, producer_id, unit_id, payload)`

// queueReminders records a batch of due reminders with their
// notifications, and says how many of each kind it queued. A reminder of
// a producer with no chat yet (imported from a registry, not claimed) is
// held, with no job: ReleaseHeld sends it when the producer claims its
// record, and the officials of its commune are told now, as for a chat
// that blocked the bot, so that they can call: once per producer and
// stage, since each reminder is recorded once.
func (s *Store) queueReminders(ctx context.Context, tx pgx.Tx, certs []int64, stages []int16, day time.Time) (ocop.Swept, error) {
	rows, err := tx.Query(ctx, recordReminders, certs, stages, day)
	if err != nil {
		return ocop.Swept{}, fmt.Errorf("record reminders: %w", err)
	}
	recorded, err := pgx.CollectRows(rows, pgx.RowToStructByName[recordedReminder])
	if err != nil {
		return ocop.Swept{}, fmt.Errorf("record reminders: %w", err)
	}
	var got ocop.Swept
	n := len(recorded)
	ids, kinds, chats, producers, units, payloads :=
		make([]int64, n), make([]string, n), make([]*int64, n), make([]int64, n), make([]int64, n), make([]string, n)
	queued := make([]int64, 0, n)
	var held []recordedReminder
	for i, r := range recorded {
		body, err := json.Marshal(r.notice())
		if err != nil {
			return ocop.Swept{}, fmt.Errorf("encode reminder of certificate %d: %w", r.CertificateID, err)
		}
		kinds[i] = ocop.NoticeReminder
		if r.Stage == 0 {
			kinds[i] = ocop.NoticeExpired
			got.Expired++
		} else {
			got.Reminders++
		}
		ids[i], chats[i], producers[i], units[i], payloads[i] = r.NotificationID, r.ChatID, r.ProducerID, r.UnitID, string(body)
		if r.ChatID == nil {
			held = append(held, r)
			got.Held++
		} else {
			queued = append(queued, r.NotificationID)
		}
	}
	if n == 0 {
		return got, nil
	}
	if _, err := tx.Exec(ctx, insertReminderNotices, ids, kinds, chats, producers, units, payloads); err != nil {
		return ocop.Swept{}, fmt.Errorf("insert reminder notifications: %w", err)
	}
	if err := s.insertNotifyJobs(ctx, tx, queued); err != nil {
		return ocop.Swept{}, err
	}
	if err := s.tellOfficialsUnlinked(ctx, tx, held); err != nil {
		return ocop.Swept{}, err
	}
	return got, nil
}

// SweepReminders queues the reminders and expiry notices due on day, in
// transactions of at most batch reminders (with their notifications and
// jobs): a sweep cut short keeps what it committed, and the next one
// queues the rest. It may run again, or in several processes at once:
// each reminder is queued once.
func (s *Store) SweepReminders(ctx context.Context, day time.Time, stages []int, batch int) (ocop.Swept, error) {
	stages = ocop.ReminderStages(stages)
	if len(stages) == 0 {
		return ocop.Swept{}, errors.New("sweep reminders: no stages")
	}
	if batch <= 0 {
		batch = 2000
	}
	rows, err := s.pool.Query(ctx, dueReminders, day, stages, ocop.ExpiredNoticeWindow, stages[0])
	if err != nil {
		return ocop.Swept{}, fmt.Errorf("find due reminders: %w", err)
	}
	var certs []int64
	var due []int16
	var cert int64
	var stage int16
	if _, err := pgx.ForEachRow(rows, []any{&cert, &stage}, func() error {
		certs, due = append(certs, cert), append(due, stage)
		return nil
	}); err != nil {
		return ocop.Swept{}, fmt.Errorf("read due reminders: %w", err)
	}
	var done ocop.Swept
	for len(certs) > 0 {
		n := min(batch, len(certs))
		err := s.WithTx(ctx, func(tx pgx.Tx) error {
			got, err := s.queueReminders(ctx, tx, certs[:n], due[:n], day)
			if err != nil {
				return err
			}
			done.Reminders += got.Reminders
			done.Expired += got.Expired
			done.Held += got.Held
			return nil
		})
		if err != nil {
			return done, err
		}
		certs, due = certs[n:], due[n:]
	}
	var told ocop.Swept
	if err := s.WithTx(ctx, func(tx pgx.Tx) error {
		told = ocop.Swept{}
		return s.sendUnlinked(ctx, tx, day, &told)
	}); err != nil {
		return done, err
	}
	done.Told, done.Joined, done.Digests = told.Told, told.Joined, told.Digests
	return done, nil
}

// tellOfficials queues a notification of kind for each official
// responsible for the certificate, and their jobs: those of the producer's
// commune and the unit above it, today's too (noticeUnits), and of the
// unit that issued the certificate (none for certificateID 0: a notice
// about the producer itself). It returns how many.
func (s *Store) tellOfficials(ctx context.Context, tx pgx.Tx, kind string, communeID, certificateID int64, payload any) (int, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return 0, fmt.Errorf("encode %s notification: %w", kind, err)
	}
	rows, err := tx.Query(ctx, `
INSERT INTO notifications (kind, chat_id, unit_id, payload)
SELECT $3, o.chat_id, o.unit_id, $4 FROM officials o
WHERE o.revoked_at IS NULL AND o.unit_id IN (`+noticeUnitsOf("$1::bigint", certificateIssuer("$2::bigint"))+`)
RETURNING id`, communeID, certificateID, kind, body)
	if err != nil {
		return 0, fmt.Errorf("queue %s notifications: %w", kind, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, fmt.Errorf("queue %s notifications: %w", kind, err)
	}
	return len(ids), s.insertNotifyJobs(ctx, tx, ids)
}

// tellOfficialsUnlinked tells the officials responsible for each producer
// of held reminders (those of its commune and the unit above it, today's
// too, and of the unit that issued its first certificate here: see
// noticeUnits) that it has not linked
// the bot yet: one notice per producer and stage, naming all its
// certificates held at that stage, in one statement for the batch. The
// notices are written held (a chat, no producer, no job): at the end of
// the sweep, sendUnlinked queues them, or replaces them by the day's
// digest for an official above ocop.UnlinkedThreshold.
func (s *Store) tellOfficialsUnlinked(ctx context.Context, tx pgx.Tx, held []recordedReminder) error {
	type key struct {
		producer int64
		stage    int16
	}
	at := map[key]int{}
	var notices []ocop.UnreachableNotice
	var communes, certs []int64
	for _, r := range held {
		k := key{r.ProducerID, r.Stage}
		if i, ok := at[k]; ok {
			notices[i].More = append(notices[i].More, r.unlinked().CertificateItem)
			continue
		}
		at[k] = len(notices)
		notices, communes, certs = append(notices, r.unlinked()), append(communes, r.UnitID), append(certs, r.CertificateID)
	}
	if len(notices) == 0 {
		return nil
	}
	payloads := make([]string, len(notices))
	for i, n := range notices {
		body, err := json.Marshal(n)
		if err != nil {
			return fmt.Errorf("encode unlinked notice: %w", err)
		}
		payloads[i] = string(body)
	}
	rows, err := tx.Query(ctx, `
WITH t AS (
    SELECT t.*, `+certificateIssuer("t.certificate_id")+` AS issuer_id
    FROM unnest($2::bigint[], $3::bigint[], $4::text[]) WITH ORDINALITY AS t (commune_id, certificate_id, payload, key))
INSERT INTO notifications (kind, chat_id, unit_id, payload, status)
SELECT $1, o.chat_id, o.unit_id, t.payload::jsonb, 'held'
FROM (`+noticeUnits("t")+`) u
JOIN t ON t.key = u.key
JOIN officials o ON o.revoked_at IS NULL AND o.unit_id = u.id`, ocop.NoticeUnreachable, communes, certs, payloads)
	if err != nil {
		return fmt.Errorf("queue unlinked notices: %w", err)
	}
	rows.Close()
	return rows.Err()
}

// reportUnreachable tells the responsible officials that a reminder or an
// expiry notice could not reach its producer, with the producer's phone so
// that they can call instead.
func (s *Store) reportUnreachable(ctx context.Context, tx pgx.Tx, payload []byte, at time.Time) error {
	var r ocop.ReminderNotice
	if err := json.Unmarshal(payload, &r); err != nil {
		return fmt.Errorf("decode reminder: %w", err)
	}
	n := ocop.UnreachableNotice{Stage: r.Stage}
	n.Code, n.Product, n.Stars, n.ValidUntil = r.Code, r.Product, r.Stars, r.ValidUntil
	var communeID int64
	err := tx.QueryRow(ctx, `
SELECT p.id, p.name, p.representative, p.phone, p.unit_id
FROM certificates c JOIN products pr ON pr.id = c.product_id JOIN producers p ON p.id = pr.producer_id
WHERE c.id = $1`, r.CertificateID).Scan(&n.ProducerID, &n.Producer, &n.Representative, &n.Phone, &communeID)
	if err != nil {
		return fmt.Errorf("read unreachable producer: %w", notFound(err))
	}
	return s.tellOfficialsPaced(ctx, tx, at, ocop.NoticeUnreachable, communeID, r.CertificateID, n)
}

// dayStart is the instant Vietnam's day of t began.
func dayStart(t time.Time) time.Time {
	l := t.In(dates.Vietnam)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, dates.Vietnam)
}

// pacedKinds are the officials' single notices of events that come in
// numbers after a sweep (answers to its reminders, the chats that blocked
// the bot) and so share the day's allowance (tellOfficialsPaced), with
// the sweep's own notices and digests.
var pacedKinds = []string{ocop.NoticeUnreachable, ocop.NoticeRenewalAnswer, ocop.NoticeUnlinkedDigest}

// tellOfficialsPaced is tellOfficials for an event at at that may come in
// numbers: an official already sent ocop.UnlinkedThreshold such messages
// on that day (Vietnam's) gets this one held instead — no job; the next
// sweep's sendUnlinked sends it then, alone, or within that morning's
// digest. The notices are stamped with at, the clock of the event, so
// that the day counted is the event's. The officials' chats are locked
// (in order: no deadlock) for the count and the insert, or two events at
// once — a sweep's blocked chats are refused together — would both pass.
func (s *Store) tellOfficialsPaced(ctx context.Context, tx pgx.Tx, at time.Time, kind string, communeID, certificateID int64, payload any) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode %s notification: %w", kind, err)
	}
	officials := `
SELECT o.chat_id, o.unit_id FROM officials o
WHERE o.revoked_at IS NULL AND o.unit_id IN (` + noticeUnitsOf("$1::bigint", certificateIssuer("$2::bigint")) + `)`
	if _, err := tx.Exec(ctx, `
SELECT pg_advisory_xact_lock(hashtextextended('ocopbot.paced', o.chat_id)) FROM (`+officials+`) o ORDER BY o.chat_id`,
		communeID, certificateID); err != nil {
		return fmt.Errorf("lock officials' allowance: %w", err)
	}
	rows, err := tx.Query(ctx, `
INSERT INTO notifications (kind, chat_id, unit_id, payload, status, created_at)
SELECT $3, o.chat_id, o.unit_id, $4,
       CASE WHEN (SELECT count(*) FROM notifications n
                  WHERE n.chat_id = o.chat_id AND n.producer_id IS NULL AND n.kind = ANY($5) AND n.status <> 'held'
                    AND n.created_at >= $6 AND n.created_at < $6 + interval '1 day') >= $7
            THEN 'held' ELSE 'queued' END, $8
FROM (`+officials+`) o
RETURNING id, status`, communeID, certificateID, kind, body, pacedKinds, dayStart(at), ocop.UnlinkedThreshold, at)
	if err != nil {
		return fmt.Errorf("queue %s notifications: %w", kind, err)
	}
	var queued []int64
	var id int64
	var status string
	if _, err := pgx.ForEachRow(rows, []any{&id, &status}, func() error {
		if status == ocop.NoticeQueued {
			queued = append(queued, id)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("queue %s notifications: %w", kind, err)
	}
	return s.insertNotifyJobs(ctx, tx, queued)
}

// AnswerRenewal records the answer of the user who owns the certificate's
// product, tells the responsible officials, and returns what it did. A
// certificate not theirs is ErrNotFound; one already replaced, revoked or
// re-evaluated is ErrRenewalSettled; an upgrade of 5★ is ErrNoUpgrade. The
// same answer twice changes nothing.
func (s *Store) AnswerRenewal(ctx context.Context, userID, certificateID int64, answer ocop.RenewalAnswer, at time.Time) (ocop.RenewalOutcome, error) {
	if !answer.Valid() {
		return ocop.RenewalOutcome{}, fmt.Errorf("renewal answer %q: %w", answer, ErrNotFound)
	}
	var out ocop.RenewalOutcome
	err := s.WithTx(ctx, func(tx pgx.Tx) error {
		out = ocop.RenewalOutcome{}
		r := &out.Request
		rows, err := tx.Query(ctx, `
SELECT c.id, c.stars, c.valid_until, pr.id AS product_id, pr.name AS product, p.id AS producer_id, p.name AS producer,
       p.unit_id, g.code,
       c.revoked_on IS NOT NULL OR EXISTS (
           SELECT 1 FROM certificates n WHERE n.product_id = c.product_id AND n.valid_until > c.valid_until) AS settled
FROM certificates c
JOIN products pr ON pr.id = c.product_id
JOIN producers p ON p.id = pr.producer_id
LEFT JOIN registrations g ON g.product_id = pr.id
WHERE c.id = $1 AND p.owner_user_id = $2
FOR UPDATE OF c`, certificateID, userID)
		if err != nil {
			return fmt.Errorf("find certificate %d: %w", certificateID, err)
		}
		c, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[answeredCertificate])
		if err != nil {
			return fmt.Errorf("find certificate %d: %w", certificateID, notFound(err))
		}
		r.CertificateID, r.CertificateItem, r.UnitID = c.ID, c.item(), c.UnitID
		if c.Settled {
			return ocop.ErrRenewalSettled
		}
		rows, err = tx.Query(ctx, `SELECT id, answer, status, answered_at FROM renewal_requests WHERE certificate_id = $1`, certificateID)
		if err != nil {
			return fmt.Errorf("read renewal request: %w", err)
		}
		prev, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[previousAnswer])
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return fmt.Errorf("read renewal request: %w", err)
		case prev.Status == ocop.RenewalDone:
			return ocop.ErrRenewalSettled
		}
		r.ID, r.AnsweredAt, out.Previous = prev.ID, prev.AnsweredAt, prev.Answer
		if answer == ocop.AnswerUpgrade && !ocop.CanUpgrade(r.Stars) {
			return ocop.ErrNoUpgrade
		}
		r.Answer, r.Status = answer, ocop.RenewalOpen
		if answer == ocop.AnswerUpgrade {
			r.TargetStars = r.Stars + 1
		}
		if out.Previous == answer {
			out.Unchanged = true
			return nil
		}
		if err := tx.QueryRow(ctx, `
INSERT INTO renewal_requests (certificate_id, product_id, producer_id, unit_id, answer, target_stars, answered_at)
VALUES ($1, $2, $3, $4, $5, nullif($6, 0), $7)
ON CONFLICT (certificate_id) DO UPDATE
SET answer = excluded.answer, target_stars = excluded.target_stars, answered_at = excluded.answered_at, updated_at = now()
RETURNING id, answered_at`, certificateID, c.ProductID, c.ProducerID, r.UnitID, answer, r.TargetStars, at).Scan(&r.ID, &r.AnsweredAt); err != nil {
			return fmt.Errorf("record renewal answer: %w", err)
		}
		notice := ocop.AnswerNotice{CertificateItem: r.CertificateItem, Answer: answer, TargetStars: r.TargetStars, Previous: out.Previous}
		if err := s.tellOfficialsPaced(ctx, tx, at, ocop.NoticeRenewalAnswer, r.UnitID, certificateID, notice); err != nil {
			return err
		}
		return audit(ctx, tx, userID, "renewal.answered", "certificate", certificateID,
			map[string]any{"answer": answer, "previous": string(prev.Answer), "code": r.Code})
	})
	return out, err
}

// answeredCertificate is the certificate AnswerRenewal answers for.
type answeredCertificate struct {
	ID         int64     `db:"id"`
	Stars      int16     `db:"stars"`
	ValidUntil time.Time `db:"valid_until"`
	ProductID  int64     `db:"product_id"`
	Product    string    `db:"product"`
	ProducerID int64     `db:"producer_id"`
	Producer   string    `db:"producer"`
	UnitID     int64     `db:"unit_id"`
	Code       *string   `db:"code"` // products registered before the bot have none
	Settled    bool      `db:"settled"`
}

func (c answeredCertificate) item() ocop.CertificateItem {
	return ocop.CertificateItem{Code: deref(c.Code), Product: c.Product, Producer: c.Producer, Stars: int(c.Stars), ValidUntil: c.ValidUntil}
}

// previousAnswer is the producer's earlier answer, if any.
type previousAnswer struct {
	ID         int64              `db:"id"`
	Answer     ocop.RenewalAnswer `db:"answer"`
	Status     string             `db:"status"`
	AnsweredAt time.Time          `db:"answered_at"`
}

// RenewalTally counts the renewals of the communes (nil: all) on day.
func (s *Store) RenewalTally(ctx context.Context, day time.Time, communes []int64) (ocop.RenewalTally, error) {
	var t ocop.RenewalTally
	err := s.pool.QueryRow(ctx, scoped(`
SELECT count(*) FILTER (WHERE q.status = 'open' AND q.answer = 'reevaluate'),
       count(*) FILTER (WHERE q.status = 'open' AND q.answer = 'upgrade'),
       count(*) FILTER (WHERE q.status = 'open' AND q.answer = 'lapse' AND c.valid_until > $1)
FROM renewal_requests q
JOIN certificates c ON c.id = q.certificate_id
WHERE {scope}`, "q.unit_id", 2, communes), day, communes).Scan(&t.Reevaluate, &t.Upgrade, &t.Lapse)
	if err != nil {
		return t, fmt.Errorf("count renewal answers: %w", err)
	}
	err = s.pool.QueryRow(ctx, awaitingAnswers(`
SELECT count(*) FILTER (WHERE NOT blocked), count(*) FILTER (WHERE blocked) FROM ({awaiting}) x`, communes), day, communes).
		Scan(&t.Unanswered, &t.Unreachable)
	if err != nil {
		return t, fmt.Errorf("count unanswered reminders: %w", err)
	}
	return t, nil
}

// awaitingAnswers fills {awaiting} of q with the certificates in force on
// $1 of the communes $2 (nil: all) whose producer was reminded and has not
// answered, and whether the latest reminder could not be delivered
// (blocked: the chat refused it, or held: the producer has no chat yet).
// The country walks from the reminders, far fewer than the certificates:
// those of a certificate in force on $1 and ending within a year (stages
// are at most 365 days) were due within a year either side of it (index on
// due_on). A list of communes walks from the products certified there on
// $1 (product_spans: a certificate in force on $1 is one of theirs), a few
// hundred for a commune, thousands for a province.
func awaitingAnswers(q string, communes []int64) string {
	const each = `
SELECT c.id, c.valid_until, r.stage, n.status IN ('blocked', 'held') AS blocked, n.status = 'held' AS held
FROM product_spans s
JOIN certificates c ON c.product_id = s.product_id
CROSS JOIN LATERAL (
    SELECT r.stage, r.notification_id FROM certificate_reminders r
    WHERE r.certificate_id = c.id AND r.stage > 0 ORDER BY r.stage LIMIT 1) r
JOIN notifications n ON n.id = r.notification_id
WHERE s.unit_id = ANY($2) AND ` + spanOn + `
  AND c.decision_date <= $1 AND c.valid_until > $1 AND c.valid_until <= $1::date + 366 AND c.revoked_on IS NULL
  AND NOT EXISTS (SELECT 1 FROM renewal_requests q WHERE q.certificate_id = c.id)`
	const all = `
SELECT c.id, c.valid_until, r.stage, n.status IN ('blocked', 'held') AS blocked, n.status = 'held' AS held
FROM (
    SELECT DISTINCT ON (r.certificate_id) r.certificate_id, r.stage, r.notification_id
    FROM certificate_reminders r
    WHERE r.stage > 0 AND r.due_on > $1::date - 366 AND r.due_on <= $1::date + 366
    ORDER BY r.certificate_id, r.stage) r
JOIN certificates c ON c.id = r.certificate_id
JOIN notifications n ON n.id = r.notification_id
WHERE c.valid_until > $1 AND c.valid_until <= $1::date + 366 AND c.revoked_on IS NULL AND ($2::bigint[] IS NULL)
  AND NOT EXISTS (SELECT 1 FROM renewal_requests q WHERE q.certificate_id = c.id)`
	if communes != nil {
		return strings.Replace(q, "{awaiting}", each, 1)
	}
	return strings.Replace(q, "{awaiting}", all, 1)
}

// UnreachableProducers lists the producers of the communes (nil: all)
// whose latest reminder could not be delivered and who have not answered,
// soonest expiry first, with how to call them; total counts them all.
func (s *Store) UnreachableProducers(ctx context.Context, day time.Time, communes []int64, limit int) ([]ocop.UnreachableNotice, int, error) {
	rows, err := s.pool.Query(ctx, awaitingAnswers(`
SELECT g.code, pr.name AS product, p.name AS producer, c.stars, c.valid_until, p.representative, p.phone, x.stage,
       x.held, count(*) OVER () AS total
FROM ({awaiting}) x
JOIN certificates c ON c.id = x.id
JOIN products pr ON pr.id = c.product_id
JOIN producers p ON p.id = pr.producer_id
LEFT JOIN registrations g ON g.product_id = pr.id
WHERE x.blocked ORDER BY c.valid_until, pr.name LIMIT $3`, communes), day, communes, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("list unreachable producers: %w", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[unreachableRow])
	if err != nil {
		return nil, 0, fmt.Errorf("read unreachable producers: %w", err)
	}
	out := make([]ocop.UnreachableNotice, len(found))
	var total int64
	for i, r := range found {
		out[i], total = r.notice(), r.Total
	}
	return out, int(total), nil
}

// unreachableRow is a row of UnreachableProducers, with the number of rows
// the query finds before its LIMIT.
type unreachableRow struct {
	Code           *string   `db:"code"` // products registered before the bot have none
	Product        string    `db:"product"`
	Producer       string    `db:"producer"`
	Stars          int16     `db:"stars"`
	ValidUntil     time.Time `db:"valid_until"`
	Representative string    `db:"representative"`
	Phone          string    `db:"phone"`
	Stage          int16     `db:"stage"`
	Held           bool      `db:"held"` // the producer has not claimed its record
	Total          int64     `db:"total"`
}

func (r unreachableRow) notice() ocop.UnreachableNotice {
	item := ocop.CertificateItem{Code: deref(r.Code), Product: r.Product, Producer: r.Producer, Stars: int(r.Stars), ValidUntil: r.ValidUntil}
	n := ocop.UnreachableNotice{CertificateItem: item, Representative: r.Representative, Phone: r.Phone, Stage: int(r.Stage)}
	if r.Held {
		n.Reason = ocop.UnreachableUnlinked
	}
	return n
}

// renewalColumns are the renewal requests as renewalRow reads them, with
// the number of rows the query finds before its LIMIT.
const renewalColumns = `
SELECT q.id, q.certificate_id, g.code, pr.name AS product, p.name AS producer, c.stars, c.valid_until, q.unit_id,
       q.answer, q.target_stars, q.status, q.answered_at, count(*) OVER () AS total
FROM renewal_requests q
JOIN certificates c ON c.id = q.certificate_id
JOIN products pr ON pr.id = q.product_id
JOIN producers p ON p.id = q.producer_id
LEFT JOIN registrations g ON g.product_id = q.product_id`

// renewalRow is a row of renewalColumns.
type renewalRow struct {
	ID            int64              `db:"id"`
	CertificateID int64              `db:"certificate_id"`
	Code          *string            `db:"code"` // products registered before the bot have none
	Product       string             `db:"product"`
	Producer      string             `db:"producer"`
	Stars         int16              `db:"stars"`
	ValidUntil    time.Time          `db:"valid_until"`
	UnitID        int64              `db:"unit_id"`
	Answer        ocop.RenewalAnswer `db:"answer"`
	TargetStars   *int16             `db:"target_stars"` // an upgrade's only
	Status        string             `db:"status"`
	AnsweredAt    time.Time          `db:"answered_at"`
	Total         int64              `db:"total"`
}

func (r renewalRow) request() ocop.RenewalRequest {
	item := ocop.CertificateItem{Code: deref(r.Code), Product: r.Product, Producer: r.Producer, Stars: int(r.Stars), ValidUntil: r.ValidUntil}
	return ocop.RenewalRequest{ID: r.ID, CertificateID: r.CertificateID, CertificateItem: item, UnitID: r.UnitID,
		Answer: r.Answer, TargetStars: int(deref(r.TargetStars)), Status: r.Status, AnsweredAt: r.AnsweredAt}
}

// collectRenewals reads the rows of a query on renewalColumns, and the
// total they carry.
func collectRenewals(rows pgx.Rows) ([]ocop.RenewalRequest, int, error) {
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[renewalRow])
	if err != nil {
		return nil, 0, err
	}
	out := make([]ocop.RenewalRequest, len(found))
	var total int64
	for i, r := range found {
		out[i], total = r.request(), r.Total
	}
	return out, int(total), nil
}

// RenewalRequests lists the open renewal requests of the communes (nil:
// all), newest first; total counts them all.
func (s *Store) RenewalRequests(ctx context.Context, communes []int64, limit int) ([]ocop.RenewalRequest, int, error) {
	rows, err := s.pool.Query(ctx, scoped(renewalColumns+`
WHERE q.status = 'open' AND {scope} ORDER BY q.answered_at DESC, q.id DESC LIMIT $2`, "q.unit_id", 1, communes), communes, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("list renewal requests: %w", err)
	}
	out, total, err := collectRenewals(rows)
	if err != nil {
		return nil, 0, fmt.Errorf("read renewal requests: %w", err)
	}
	return out, total, nil
}

// SetDigest turns the weekly digest on or off for an official.
func (s *Store) SetDigest(ctx context.Context, userID int64, on bool) error {
	tag, err := s.pool.Exec(ctx, `UPDATE officials SET digest = $2, updated_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, userID, on)
	if err != nil {
		return fmt.Errorf("set digest: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}
