package flows

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/report"
	"github.com/ocopbot/ocopbot/locales"
)

// Renewal: the reminders before a certificate ends, the producer's answer
// (three buttons under the reminder), and what officials see of it.

// RenewalRecords are what renewals read and write.
type RenewalRecords interface {
	AnswerRenewal(ctx context.Context, userID, certificateID int64, answer ocop.RenewalAnswer, at time.Time) (ocop.RenewalOutcome, error)
	RenewalRequests(ctx context.Context, communes []int64, limit int) ([]ocop.RenewalRequest, int, error)
	UnreachableProducers(ctx context.Context, day time.Time, communes []int64, limit int) ([]ocop.UnreachableNotice, int, error)
}

// answerCodes are the answers, in the order their buttons are shown, with
// the code each travels as in a button's data ("<certificate>|<code>").
var answerCodes = []answerCode{{"r", ocop.AnswerReevaluate}, {"u", ocop.AnswerUpgrade}, {"n", ocop.AnswerLapse}}

type answerCode struct {
	code   string
	answer ocop.RenewalAnswer
}

func answerButton(p locales.Printer, certificateID int64, c answerCode) Choice {
	return Choice{Label: p.T("button.renewal." + string(c.answer)), ID: globalData("rn", idArg(certificateID), c.code)}
}

// answerOf is the answer a button's code stands for.
func answerOf(code string) (ocop.RenewalAnswer, bool) {
	for _, c := range answerCodes {
		if c.code == code {
			return c.answer, true
		}
	}
	return "", false
}

// answerRows are the buttons of the answers a producer may give for a
// certificate of stars, one per row, but except (the answer already given)
// and an upgrade of 5★.
func answerRows(p locales.Printer, certificateID int64, stars int, except ocop.RenewalAnswer) [][]Choice {
	var rows [][]Choice
	for _, c := range answerCodes {
		if c.answer != except && (c.answer != ocop.AnswerUpgrade || ocop.CanUpgrade(stars)) {
			rows = append(rows, []Choice{answerButton(p, certificateID, c)})
		}
	}
	return rows
}

// answerName names an answer.
func answerName(p locales.Printer, a ocop.RenewalAnswer) string {
	return p.T("renewal.answer." + string(a))
}

// reminderText renders a reminder (stage > 0) or an expiry notice, with
// the answers the producer may give.
func (e *Engine) reminderText(p locales.Printer, r ocop.ReminderNotice) Reply {
	today := e.today()
	if r.Stage == 0 && today.Before(r.ValidUntil) {
		today = r.ValidUntil // the expiry notice: ended, whatever the clock
	}
	args := []any{"Product", r.Product, "Code", r.Code, "Stars", r.Stars, "DecisionNo", r.DecisionNo, "End", certEnd(p, r.ValidUntil, today)}
	if r.Stage == 0 {
		return Reply{Text: p.T("notice.expired", args...), Choices: [][]Choice{{answerButton(p, r.CertificateID, answerCodes[0])}}} // re-evaluate
	}
	// Days left when it is sent, which a queue held back by the channel may
	// have made fewer than the stage.
	left := int(r.ValidUntil.Sub(today).Hours() / 24)
	if left <= 0 || left > r.Stage {
		left = r.Stage
	}
	return Reply{Text: p.N("notice.reminder", left, args...), Choices: answerRows(p, r.CertificateID, r.Stars, "")}
}

// renewalButton records the producer's answer to a reminder:
// "<certificate>|<r|u|n>".
func (e *Engine) renewalButton(t *turn, arg string) error {
	idText, code, _ := strings.Cut(arg, "|")
	id, okID := parseID(idText)
	answer, okCode := answerOf(code)
	if !okID || !okCode {
		return e.oldButton(t)
	}
	out, err := e.records.AnswerRenewal(t.ctx, t.chat.UserID, id, answer, e.now())
	switch {
	case errNotFound(err):
		// Not a certificate of this user's: a forged or foreign button.
		return e.oldButton(t)
	case errors.Is(err, ocop.ErrRenewalSettled):
		t.say(Reply{Text: t.p.T("renewal.settled")})
		return nil
	case errors.Is(err, ocop.ErrNoUpgrade):
		t.res.Closes = 0 // the other answers stay open
		t.say(Reply{Text: t.p.T("renewal.no_upgrade")})
		return nil
	case err != nil:
		return err
	}
	r := out.Request
	if out.Unchanged {
		t.say(Reply{Text: t.p.T("renewal.unchanged", "Answer", answerName(t.p, r.Answer), "Product", r.Product)})
		return nil
	}
	var b strings.Builder
	if out.Previous != "" {
		b.WriteString(t.p.T("renewal.changed", "Previous", answerName(t.p, out.Previous),
			"Answer", answerName(t.p, r.Answer)) + "\n")
	}
	b.WriteString(t.p.T("renewal.recorded."+string(r.Answer), "Product", r.Product, "Code", r.Code,
		"Target", r.TargetStars, "End", certEnd(t.p, r.ValidUntil, e.today())))
	// The other answers stay under the confirmation, for a change of mind.
	t.say(Reply{Text: b.String(), Choices: answerRows(t.p, r.CertificateID, r.Stars, r.Answer)})
	return nil
}

// answerNoticeText tells officials a producer's answer.
func answerNoticeText(p locales.Printer, a ocop.AnswerNotice, today time.Time) string {
	text := p.T("notice.renewal_answer", "Producer", a.Producer, "Product", a.Product, "Code", a.Code, "Stars", a.Stars,
		"End", certEnd(p, a.ValidUntil, today), "Answer", answerLabel(p, a.Answer, a.TargetStars))
	if a.Previous != "" {
		text += "\n" + p.T("notice.renewal_previous", "Previous", answerName(p, a.Previous))
	}
	return text
}

// answerLabel names an answer, with the rank asked for an upgrade.
func answerLabel(p locales.Printer, a ocop.RenewalAnswer, target int) string {
	return report.AnswerLabel(p, a, target)
}

// appendMore adds "… and N more" when shown is fewer than total.
func appendMore(lines []string, p locales.Printer, total, shown int) []string {
	if more := total - shown; more > 0 {
		lines = append(lines, p.N("list.more", more))
	}
	return lines
}

func unreachableLine(p locales.Printer, u ocop.UnreachableNotice, today time.Time) string {
	line := p.T("renewal.unreachable_item", "Product", u.Product, "Code", u.Code, "Producer", u.Producer,
		"Who", u.Representative, "Phone", u.Phone, "End", certEnd(p, u.ValidUntil, today))
	if u.Reason == ocop.UnreachableUnlinked {
		line += " " + p.T("renewal.unlinked_mark")
	}
	return line
}

func digestText(p locales.Printer, d ocop.DigestNotice, today time.Time) string {
	lines := []string{p.T("digest.title", "Unit", d.Unit, "Date", day(d.From.AddDate(0, 0, 7)))}
	// Certificates ending by d.Until: their last valid days are before it.
	lines = append(lines, p.N("digest.expiring", d.Expiring, "Last", day(ocop.LastValidDay(d.Until))))
	for _, c := range d.Soonest {
		lines = append(lines, p.T("digest.expiring_item", "Product", c.Product, "Producer", c.Producer, "Stars", c.Stars,
			"End", certEnd(p, c.ValidUntil, today)))
	}
	lines = appendMore(lines, p, d.Expiring, len(d.Soonest))
	lines = append(lines, "", p.N("digest.answers", d.Received, "Date", day(d.From)))
	for _, a := range d.Answers {
		lines = append(lines, p.T("digest.answer_item", "Product", a.Product, "Producer", a.Producer, "Answer", answerLabel(p, a.Answer, a.TargetStars)))
	}
	lines = appendMore(lines, p, d.Received, len(d.Answers))
	lines = append(lines, "", p.T("digest.footer"))
	return strings.Join(lines, "\n")
}

// renewalListed is how many requests and unreachable producers /giahan
// lists.
const renewalListed = 20

// renewalCommand answers /giahan: the renewal requests of the official's
// units waiting for a council, and the producers reminders could not
// reach.
func (e *Engine) renewalCommand(t *turn) error {
	off, ok, err := e.official(t)
	if !ok || err != nil {
		return err
	}
	communes := e.ScopeCommunes(off)
	reqs, total, err := e.records.RenewalRequests(t.ctx, communes, renewalListed)
	if err != nil {
		return err
	}
	gone, unreachable, err := e.records.UnreachableProducers(t.ctx, e.today(), communes, renewalListed)
	if err != nil {
		return err
	}
	if total == 0 && unreachable == 0 {
		t.say(Reply{Text: t.p.T("renewal.list_none")})
		return nil
	}
	lines := []string{t.p.N("renewal.list_header", total)}
	for _, r := range reqs {
		lines = append(lines, t.p.T("renewal.list_item", "Code", r.Code, "Product", r.Product, "Producer", r.Producer,
			"Answer", answerLabel(t.p, r.Answer, r.TargetStars),
			"When", r.AnsweredAt.In(dates.Vietnam).Format("02/01"), "End", certEnd(t.p, r.ValidUntil, e.today())))
	}
	lines = appendMore(lines, t.p, total, len(reqs))
	if len(gone) > 0 {
		// The list shows their phones.
		if err := e.recordExport(t, ocop.ExportUnreachable, ownScope(off), len(gone), 0); err != nil {
			return err
		}
	}
	if unreachable > 0 {
		lines = append(lines, "", t.p.N("renewal.unreachable_header", unreachable))
		for _, u := range gone {
			lines = append(lines, unreachableLine(t.p, u, e.today()))
		}
		lines = appendMore(lines, t.p, unreachable, len(gone))
	}
	if total > 0 {
		lines = append(lines, "", t.p.T("renewal.list_footer"))
	}
	sayLong(t, strings.Join(lines, "\n"), nil)
	return nil
}

// renewalStatus is the /status line on renewals, "" when there is nothing
// to say.
func renewalStatus(p locales.Printer, r ocop.RenewalTally) string {
	if r == (ocop.RenewalTally{}) {
		return ""
	}
	return p.T("status.renewals", "Reevaluate", r.Reevaluate, "Upgrade", r.Upgrade, "Lapse", r.Lapse,
		"Unanswered", r.Unanswered, "Unreachable", r.Unreachable)
}
