package flows

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/locales"
)

// Notice renders a notification in its recipient's language. The sender
// calls it when it sends, so a notification queued before a user changed
// language arrives in the new one.
func (e *Engine) Notice(n ocop.Notification) (Reply, error) {
	p := e.text.Printer(n.Locale)
	switch n.Kind {
	case ocop.NoticeResult:
		return render(n, func(r ocop.ResultNotice) Reply {
			return Reply{Text: resultNoticeText(p, r, e.today()), Choices: [][]Choice{
				{{Label: p.T("button.my_records"), ID: globalData("hoso")}},
			}}
		})
	case ocop.NoticeResultSummary:
		return render(n, func(s ocop.SummaryNotice) Reply { return Reply{Text: summaryNoticeText(p, s)} })
	case ocop.NoticeRevoked:
		return render(n, func(r ocop.RevokedNotice) Reply {
			return Reply{Text: p.T("notice.revoked", "Product", r.Product, "Stars", r.Stars, "DecisionNo", r.DecisionNo,
				"Date", day(r.RevokedOn), "Reason", r.Reason)}
		})
	case ocop.NoticeReminder, ocop.NoticeExpired:
		return render(n, func(r ocop.ReminderNotice) Reply { return e.reminderText(p, r) })
	case ocop.NoticeRenewalAnswer:
		return render(n, func(a ocop.AnswerNotice) Reply { return Reply{Text: answerNoticeText(p, a, e.today())} })
	case ocop.NoticeUnreachable:
		return render(n, func(u ocop.UnreachableNotice) Reply {
			head := "notice.unreachable"
			if u.Reason == ocop.UnreachableUnlinked {
				head = "notice.unlinked"
			}
			lines := []string{p.T(head, "Stage", u.Stage), unreachableLine(p, u, e.today())}
			for _, m := range u.More {
				lines = append(lines, p.T("notice.unlinked_more", "Product", m.Product, "Stars", m.Stars, "End", certEnd(p, m.ValidUntil, e.today())))
			}
			return Reply{Text: strings.Join(lines, "\n")}
		})
	case ocop.NoticeDigest:
		return render(n, func(d ocop.DigestNotice) Reply { return Reply{Text: digestText(p, d, e.today())} })
	case ocop.NoticeUnlinkedDigest:
		var d ocop.UnlinkedDigestNotice
		if err := json.Unmarshal(n.Payload, &d); err != nil {
			return Reply{}, fmt.Errorf("decode %s notice %d: %w", n.Kind, n.ID, err)
		}
		return e.unlinkedDigest(p, n.ID, d)
	case ocop.NoticeErased:
		return render(n, func(d ocop.ErasedNotice) Reply {
			text := p.T("notice.erased", "Producer", d.Producer, "Date", day(dates.LocalDay(d.ErasedOn)))
			if d.KeptTaxCode {
				text += "\n" + p.T("notice.erased_tax_kept")
			}
			return Reply{Text: text}
		})
	case ocop.NoticeCorrected:
		return render(n, func(c ocop.CorrectedNotice) Reply {
			value := c.Value
			if value == "" {
				value = p.T("notice.corrected_erased")
			}
			return Reply{Text: p.T("notice.corrected", "Producer", c.Producer, "Field", p.T("fix.field."+string(c.Field)),
				"Value", value, "Date", day(dates.LocalDay(c.CorrectedOn)))}
		})
	}
	return Reply{}, fmt.Errorf("notification %d: unknown kind %q", n.ID, n.Kind)
}

// render decodes a notification's payload and renders it.
func render[T any](n ocop.Notification, text func(T) Reply) (Reply, error) {
	var v T
	if err := json.Unmarshal(n.Payload, &v); err != nil {
		return Reply{}, fmt.Errorf("decode %s notice %d: %w", n.Kind, n.ID, err)
	}
	return text(v), nil
}

func day(t time.Time) string { return dates.Format(t) }

// certEnd is how every text names a certificate's end, given validUntil
// (the first day it no longer counts, as stored): its last valid day,
// "hiệu lực đến hết ngày 27/06/2027", marked "(đã hết hạn)" once today is
// past it. Messages take it as End and never a date of their own, so a
// producer and an official reading side by side see the same day.
func certEnd(p locales.Printer, validUntil, today time.Time) string {
	if !today.Before(validUntil) {
		return p.T("cert.ended", "Last", day(ocop.LastValidDay(validUntil)))
	}
	return certLast(p, validUntil)
}

// certLast is certEnd without "(đã hết hạn)", for a certificate a later
// result replaced: it ended by being replaced, not by expiring, and a
// producer reading "đã hết hạn" would think they missed a renewal.
func certLast(p locales.Printer, validUntil time.Time) string {
	return p.T("cert.end", "Last", day(ocop.LastValidDay(validUntil)))
}

func resultNoticeText(p locales.Printer, r ocop.ResultNotice, today time.Time) string {
	args := []any{"Product", r.Product, "Code", r.Code, "Score", scoreText(p, r.Score), "Stars", r.Stars,
		"DecisionNo", r.DecisionNo, "Date", day(r.DecisionDate)}
	// The certificate a result replaces ends on the result's decision date
	// (storage.RecordResults): its last valid day is the day before, said
	// as every certificate's end is.
	previousEnd := certLast(p, r.DecisionDate)
	if !ocop.IsOCOP(r.Stars) {
		text := p.T("notice.result_low", args...)
		if r.PreviousStars > 0 {
			text += "\n" + p.T("notice.result_lost", "Previous", r.PreviousStars, "End", previousEnd)
		}
		return text
	}
	text := p.T("notice.result", append(args, "End", certEnd(p, r.ValidUntil, today))...)
	if r.PreviousStars > 0 {
		text += "\n" + p.T("notice.result_replaces", "Previous", r.PreviousStars, "End", previousEnd)
	}
	if r.Proposed > 0 {
		text += "\n" + p.T("notice.result_proposal", "Stars", r.Stars, "To", proposalTo(p, r.ProposedTo), "Proposed", r.Proposed)
	}
	return text
}

func summaryNoticeText(p locales.Printer, s ocop.SummaryNotice) string {
	var b strings.Builder
	b.WriteString(p.N("notice.summary", len(s.Results)))
	for i, r := range s.Results {
		line := p.T("notice.summary_item", "Product", r.Product, "Producer", r.Producer, "Score", scoreText(p, r.Score),
			"Stars", r.Stars, "DecisionNo", r.DecisionNo)
		if r.Proposed > 0 {
			line += "; " + p.T("notice.summary_proposal", "To", proposalTo(p, r.ProposedTo), "Proposed", r.Proposed)
		}
		if utf8.RuneCountInString(b.String())+utf8.RuneCountInString(line) > noticeMax {
			b.WriteString("\n" + p.T("notice.summary_more", "N", len(s.Results)-i))
			break
		}
		b.WriteString("\n" + line)
	}
	return b.String()
}

// NoticeRecords are what officials read of notifications.
type NoticeRecords interface {
	Undelivered(ctx context.Context, units []int64, olderThan time.Duration, limit int) ([]ocop.Notification, int, error)
}

// undeliveredAge is how long a queued notification may wait before
// officials see it as undelivered.
const undeliveredAge = 15 * time.Minute

// undeliveredCommand answers /thongbao: the notifications of the
// official's units that did not reach their recipient.
func (e *Engine) undeliveredCommand(t *turn) error {
	off, ok, err := e.official(t)
	if !ok || err != nil {
		return err
	}
	var units []int64
	if off.Role != ocop.RoleAdmin {
		units = e.scopeUnits(off)
	}
	list, total, err := e.records.Undelivered(t.ctx, units, undeliveredAge, 20)
	if err != nil {
		return err
	}
	if total == 0 {
		t.say(Reply{Text: t.p.T("undelivered.none")})
		return nil
	}
	var b strings.Builder
	b.WriteString(t.p.N("undelivered.header", total))
	for _, n := range list {
		who := n.Recipient
		if who == "" {
			who = t.p.T("undelivered.official")
		}
		b.WriteString("\n" + t.p.T("undelivered.item", "When", n.CreatedAt.In(dates.Vietnam).Format("02/01 15:04"),
			"Kind", t.p.T("notice.kind."+n.Kind), "Who", who, "Status", t.p.T("notice.status."+n.Status), "Attempts", n.Attempts))
	}
	sayLong(t, b.String(), nil)
	return nil
}

// scopeUnits is every unit an official answers for, in any tree: the
// communes (whose producers' notifications carry them) and the units
// between (whose officials' summaries do).
func (e *Engine) scopeUnits(off ocop.Official) []int64 {
	out := []int64{off.UnitID}
	for _, tree := range e.atlas.Trees() {
		tr := tree
		out = append(out, e.atlas.Sources(&tr, off.UnitID)...)
		var walk func(id int64)
		walk = func(id int64) {
			for _, c := range tr.Units.Children(id) {
				out = append(out, c.ID)
				walk(c.ID)
			}
		}
		if _, ok := tr.Units.Get(off.UnitID); ok {
			walk(off.UnitID)
		}
	}
	return out
}

// unlinkedDigestShown bound what the digest's caption lists: the
// workbook has every producer.
const (
	unlinkedDigestCommunes = 8
	unlinkedDigestUrgent   = 5
	// digestMax is how long a digest's text may be, in characters: it is
	// read at a glance, beside its workbook, as one caption.
	digestMax = 1000
	// noticeMax is how long a summary of results may be, in characters:
	// one message on every channel; the rest is in /ketqua.
	noticeMax = 3500
)

// unlinkedDigest renders an official's daily digest of producers not
// linked to the bot (notification id): the counts, by commune, the most
// urgent five, the workbook of all of them (with phones) and, for a
// province's official, the button that prints their claim links. The
// events past the day's allowance of single notices join it: producers
// that blocked the bot (in the list and the workbook, marked) and answers
// to reminders. A brief one (/bantin) stops at the counts (unlinkedBrief).
func (e *Engine) unlinkedDigest(p locales.Printer, id int64, d ocop.UnlinkedDigestNotice) (Reply, error) {
	today := e.today()
	var head []string
	if d.Total > 0 {
		head = append(head, p.T("notice.unlinked_digest", "Total", d.Total, "Soon", d.Soon, "Days", ocop.UnlinkedSoonDays))
	}
	if d.Blocked > 0 {
		head = append(head, p.T("notice.unlinked_digest_blocked", "N", d.Blocked))
	}
	var communes []string
	if len(d.Communes) > 1 {
		communes = append(communes, p.T("notice.unlinked_digest_communes"))
		for i, c := range d.Communes {
			if i == unlinkedDigestCommunes {
				communes = append(communes, p.T("notice.unlinked_digest_more_communes", "N", len(d.Communes)-i))
				break
			}
			communes = append(communes, p.T("notice.unlinked_digest_commune", "Unit", c.Commune, "N", c.N))
		}
	}
	var answers []string
	if len(d.Answers) > 0 {
		answers = append(answers, p.N("notice.unlinked_digest_answers", len(d.Answers)))
	}
	if d.Brief {
		return e.unlinkedBrief(p, id, d, head, communes, answers), nil
	}
	var urgent []string
	for i, u := range d.Items {
		if i == 0 {
			urgent = append(urgent, p.T("notice.unlinked_digest_urgent"))
		}
		if i == unlinkedDigestUrgent {
			break
		}
		line := p.T("notice.unlinked_digest_item", "Producer", u.Producer, "Unit", u.Commune,
			"Phone", u.Phone, "End", certEnd(p, u.ValidUntil, today))
		if u.Blocked {
			line += " " + p.T("notice.unlinked_digest_blocked_mark")
		}
		urgent = append(urgent, line)
	}
	if len(d.Answers) > 0 {
		for i, a := range d.Answers {
			if i == unlinkedDigestUrgent {
				break
			}
			answers = append(answers, p.T("digest.answer_item", "Product", a.Product, "Producer", a.Producer,
				"Answer", answerLabel(p, a.Answer, a.TargetStars)))
		}
		answers = appendMore(answers, p, len(d.Answers), min(len(d.Answers), unlinkedDigestUrgent))
	}
	tail := p.T("notice.unlinked_digest_file")
	// The counts by commune go first when the names are long, then the
	// answers' lines.
	text := joinParts([][]string{head, communes, urgent, answers, {tail}})
	if utf8.RuneCountInString(text) > digestMax {
		text = joinParts([][]string{head, urgent, answers, {tail}})
	}
	if utf8.RuneCountInString(text) > digestMax {
		text = joinParts([][]string{head, answers[:min(len(answers), 1)], {tail}})
	}
	doc, err := unlinkedWorkbook(p, d)
	if err != nil {
		return Reply{}, err
	}
	r := Reply{Text: text, Document: doc}
	if d.Total > 0 {
		r.Choices = e.claimLinksRows(p, d)
	}
	return r, nil
}

func joinParts(parts [][]string) string {
	var out []string
	for _, p := range parts {
		if len(p) > 0 {
			out = append(out, strings.Join(p, "\n"))
		}
	}
	return strings.Join(out, "\n\n")
}
