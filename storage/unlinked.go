package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// heldProducers is, for each active official, the producers of their
// scope (noticeUnits) that have not linked the bot and have reminders
// held, with what a digest says of them: its commune, how many of its
// certificates are held and the earliest end among them. A producer that
// claims its record has its held reminders released (ReleaseHeld), so it
// is no longer here the next day.
var heldProducers = `
WITH h AS (
    SELECT p.id AS key, p.unit_id AS commune_id, min(r.certificate_id) AS certificate_id,
           p.name, p.representative, p.phone, u.name AS commune,
           count(DISTINCT r.certificate_id) AS products, min(c.valid_until) AS valid_until
    FROM notifications n
    JOIN certificate_reminders r ON r.notification_id = n.id
    JOIN certificates c ON c.id = r.certificate_id
    JOIN producers p ON p.id = n.producer_id
    JOIN admin_units u ON u.id = p.unit_id
    WHERE n.status = 'held' AND p.chat_id IS NULL
    GROUP BY p.id, u.name),
t AS (SELECT h.*, ` + "(SELECT x.issuer_unit_id FROM certificates x WHERE x.id = h.certificate_id)" + ` AS issuer_id FROM h)
SELECT o.chat_id, o.user_id, o.unit_id, o.role, t.key, t.name, coalesce(t.representative, ''), coalesce(t.phone, ''), t.commune,
       t.products, t.valid_until
FROM (` + noticeUnits("t") + `) v
JOIN t ON t.key = v.key
JOIN officials o ON o.revoked_at IS NULL AND o.unit_id = v.id
ORDER BY o.chat_id, t.valid_until, t.name`

// heldNotices are the officials' single notices written held: those of
// producers not linked to the bot, from this sweep (tellOfficialsUnlinked),
// and events past the day's allowance (tellOfficialsPaced) since the last
// sweep, with, for a producer that blocked the bot, the producer as it is
// now (a correction or an erasure since shows). Their officials are read
// apart (chatOfficials): a join planned on stale statistics — a registry's
// first sweep writes tens of thousands of these rows at once — took a
// minute on the national set.
const heldNotices = `
SELECT n.id, n.chat_id, n.kind, n.payload,
       coalesce(p.id, 0), coalesce(p.name, ''), coalesce(p.representative, ''), coalesce(p.phone, ''), coalesce(p.commune, '')
FROM notifications n
LEFT JOIN LATERAL (
    SELECT p.id, p.name, p.representative, p.phone, u.name AS commune
    FROM producers p JOIN admin_units u ON u.id = p.unit_id
    WHERE n.kind = 'unreachable' AND coalesce(n.payload->>'reason', '') = '' AND p.id = (n.payload->>'producer_id')::bigint) p ON true
WHERE n.kind = ANY($1) AND n.status = 'held' AND n.producer_id IS NULL AND n.chat_id IS NOT NULL
ORDER BY n.id`

// chatOfficials is the active official of each chat of $1.
const chatOfficials = `
SELECT DISTINCT ON (chat_id) chat_id, user_id, unit_id, role FROM officials
WHERE revoked_at IS NULL AND chat_id = ANY($1) ORDER BY chat_id, user_id`

// heldNotice is a row of heldNotices.
type heldNotice struct {
	id, chat, producer int64
	kind               string
	payload            []byte
	entry              ocop.UnlinkedEntry
}

// officialHeld is what sendUnlinked knows of one official's chat.
type officialHeld struct {
	user, unit int64
	role       string
	producers  map[int64]bool
	entries    []ocop.UnlinkedEntry
	singles    []int64 // today's held notices of producers not linked
	events     []int64 // held notices of events: blocked chats, answers
	blocked    int
	answers    []ocop.AnswerNotice
}

// hold adds a held notice to what the official is told.
func (o *officialHeld) hold(h heldNotice) error {
	switch {
	case h.kind == ocop.NoticeRenewalAnswer:
		var a ocop.AnswerNotice
		if err := json.Unmarshal(h.payload, &a); err != nil {
			return fmt.Errorf("decode held answer %d: %w", h.id, err)
		}
		o.answers = append(o.answers, a)
		o.events = append(o.events, h.id)
	case h.producer == 0: // not linked: the digest reads it from its reminders
		o.singles = append(o.singles, h.id)
	default:
		var u ocop.UnreachableNotice
		if err := json.Unmarshal(h.payload, &u); err != nil {
			return fmt.Errorf("decode held notice %d: %w", h.id, err)
		}
		o.events = append(o.events, h.id)
		if o.producers[h.producer] {
			return nil
		}
		o.producers[h.producer] = true
		e := h.entry
		e.Products, e.ValidUntil, e.Blocked = 1+len(u.More), u.ValidUntil, true
		o.entries = append(o.entries, e)
		o.blocked++
	}
	return nil
}

// sendUnlinked ends a sweep of day. Each official's single notices of
// producers not linked to the bot newly held today, written held
// (tellOfficialsUnlinked), and of events past the day's allowance
// (tellOfficialsPaced: producers that blocked the bot, answers) are
// queued when they are at most ocop.UnlinkedThreshold messages; above it
// they are dropped, and the official gets one digest instead, once a day
// (a sweep run again adds none; events then wait for tomorrow's), listing
// every producer of their scope still not linked and those events, with
// phones (an export of phones: audited as export.unreachable, unless
// brief). With nothing new, an official with more producers unlinked than
// the threshold gets that list again once a week (ocop.UnlinkedRepeatDays),
// not every morning.
func (s *Store) sendUnlinked(ctx context.Context, tx pgx.Tx, day time.Time, got *ocop.Swept) error {
	// One at a time: two sweeps ending at once would both digest the
	// same held notices. And the sweep of an earlier day run late (at
	// start, catching up) leaves them to the later day's.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('ocopbot.unlinked_digest'))`); err != nil {
		return fmt.Errorf("lock unlinked digests: %w", err)
	}
	var stale bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM certificate_reminders WHERE due_on > $1)`, day).Scan(&stale); err != nil {
		return fmt.Errorf("read later sweeps: %w", err)
	}
	if stale {
		return nil
	}
	rows, err := tx.Query(ctx, heldProducers)
	if err != nil {
		return fmt.Errorf("read held producers: %w", err)
	}
	chats := map[int64]*officialHeld{}
	var order []int64
	get := func(chat int64) *officialHeld {
		o, ok := chats[chat]
		if !ok {
			o = &officialHeld{producers: map[int64]bool{}}
			chats[chat] = o
			order = append(order, chat)
		}
		return o
	}
	var chat, user, unit, producer int64
	var role string
	var e ocop.UnlinkedEntry
	if _, err := pgx.ForEachRow(rows, []any{&chat, &user, &unit, &role, &producer, &e.Producer, &e.Representative, &e.Phone,
		&e.Commune, &e.Products, &e.ValidUntil}, func() error {
		o := get(chat)
		o.user, o.unit, o.role = user, unit, role
		if !o.producers[producer] {
			o.producers[producer] = true
			o.entries = append(o.entries, e)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("read held producers: %w", err)
	}
	rows, err = tx.Query(ctx, heldNotices, []string{ocop.NoticeUnreachable, ocop.NoticeRenewalAnswer})
	if err != nil {
		return fmt.Errorf("read held notices: %w", err)
	}
	var held []heldNotice
	var h heldNotice
	if _, err := pgx.ForEachRow(rows, []any{&h.id, &h.chat, &h.kind, &h.payload,
		&h.producer, &h.entry.Producer, &h.entry.Representative, &h.entry.Phone, &h.entry.Commune}, func() error {
		held = append(held, h)
		return nil
	}); err != nil {
		return fmt.Errorf("read held notices: %w", err)
	}
	var unknown []int64
	for _, h := range held {
		if _, ok := chats[h.chat]; !ok {
			unknown = append(unknown, h.chat)
		}
	}
	if len(unknown) > 0 {
		rows, err = tx.Query(ctx, chatOfficials, unknown)
		if err != nil {
			return fmt.Errorf("read officials of held notices: %w", err)
		}
		if _, err := pgx.ForEachRow(rows, []any{&chat, &user, &unit, &role}, func() error {
			o := get(chat)
			o.user, o.unit, o.role = user, unit, role
			return nil
		}); err != nil {
			return fmt.Errorf("read officials of held notices: %w", err)
		}
	}
	var revoked []int64
	for _, h := range held {
		o, ok := chats[h.chat]
		if !ok {
			revoked = append(revoked, h.id) // to an official no longer: nobody to tell
			continue
		}
		if err := o.hold(h); err != nil {
			return err
		}
	}
	var queue, drop []int64
	for _, chat := range order {
		o := chats[chat]
		// What the official would be told one by one today: a notice per
		// producer and stage newly held, and the events.
		news, since := len(o.singles)+len(o.events), day
		switch {
		case news == 0 && len(o.producers) <= ocop.UnlinkedThreshold:
			continue
		case news == 0:
			// Nothing new: the producers still not linked are listed again
			// once a week, not every morning.
			since = day.AddDate(0, 0, 1-ocop.UnlinkedRepeatDays)
		case news <= ocop.UnlinkedThreshold:
			queue = append(queue, o.singles...)
			queue = append(queue, o.events...)
			continue
		}
		drop = append(drop, o.singles...)
		sent, err := s.queueUnlinkedDigest(ctx, tx, chat, o, day, since)
		if err != nil {
			return err
		}
		if sent {
			got.Digests++
			// The events are in the digest; without one (today's went
			// already) they wait for tomorrow's.
			drop = append(drop, o.events...)
		}
	}
	got.Joined = len(drop)
	drop = append(drop, revoked...)
	if len(drop) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM notifications WHERE id = ANY($1)`, drop); err != nil {
			return fmt.Errorf("drop notices joining the digest: %w", err)
		}
	}
	got.Told = len(queue)
	if len(queue) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE notifications SET status = 'queued', updated_at = now() WHERE id = ANY($1)`, queue); err != nil {
		return fmt.Errorf("queue unlinked notices: %w", err)
	}
	return s.insertNotifyJobs(ctx, tx, queue)
}

// queueUnlinkedDigest queues the day's digest to one official, unless it
// has one of since or a later day already: a sweep run again, or the
// sweep of an earlier day run late (catching up at start), sends none.
func (s *Store) queueUnlinkedDigest(ctx context.Context, tx pgx.Tx, chat int64, o *officialHeld, day, since time.Time) (bool, error) {
	sort.SliceStable(o.entries, func(i, j int) bool {
		a, b := o.entries[i], o.entries[j]
		return a.ValidUntil.Before(b.ValidUntil) || a.ValidUntil.Equal(b.ValidUntil) && a.Producer < b.Producer
	})
	d := ocop.UnlinkedDigestNotice{Day: day, UnitID: o.unit, Total: len(o.entries) - o.blocked, Items: o.entries,
		Links: o.role == string(ocop.RoleProvince), Blocked: o.blocked, Answers: o.answers}
	soon := day.AddDate(0, 0, ocop.UnlinkedSoonDays)
	by := map[string]int{}
	for _, e := range o.entries {
		if e.Blocked {
			continue
		}
		if e.ValidUntil.Before(soon) {
			d.Soon++
		}
		by[e.Commune]++
	}
	for c, n := range by {
		d.Communes = append(d.Communes, ocop.CommuneCount{Commune: c, N: n})
	}
	sort.Slice(d.Communes, func(i, j int) bool {
		a, b := d.Communes[i], d.Communes[j]
		return a.N > b.N || a.N == b.N && a.Commune < b.Commune
	})
	var err error
	if d.Brief, err = dailyBrief(ctx, tx, o.user); err != nil {
		return false, err
	}
	body, err := json.Marshal(d)
	if err != nil {
		return false, fmt.Errorf("encode unlinked digest: %w", err)
	}
	var id int64
	err = tx.QueryRow(ctx, `
INSERT INTO notifications (kind, chat_id, unit_id, payload)
SELECT $1, $2, $3, $4
WHERE NOT EXISTS (SELECT 1 FROM notifications WHERE kind = $1 AND chat_id = $2 AND (payload->>'day')::timestamptz >= $5)
RETURNING id`, ocop.NoticeUnlinkedDigest, chat, o.unit, body, since).Scan(&id)
	if err == pgx.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("queue unlinked digest: %w", err)
	}
	if d.Brief { // no phone in it: its list is audited when the official asks for it
		return true, s.insertNotifyJobs(ctx, tx, []int64{id})
	}
	if err := audit(ctx, tx, o.user, "export."+string(ocop.ExportUnreachable), "unit", o.unit,
		map[string]any{"rows": len(o.entries), "digest": true}); err != nil {
		return false, err
	}
	return true, s.insertNotifyJobs(ctx, tx, []int64{id})
}
