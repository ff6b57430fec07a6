package flows

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/locales"
)

// Renewal: the reminders before a certificate ends, the producer's answer
// (three buttons under the reminder), and what officials see of it.

// answerCodes are the answers as they travel in a button's data.
var answerCodes = map[string]ocop.RenewalAnswer{"r": ocop.AnswerReevaluate, "u": ocop.AnswerUpgrade, "n": ocop.AnswerLapse}

func answerButton(p locales.Printer, certificateID int64, code string) Button {
	return Button{Label: p.T("button.renewal." + string(answerCodes[code])), Data: globalData("rn", strconv.FormatInt(certificateID, 10), code)}
}

// reminderText renders a reminder (stage > 0) or an expiry notice, with
// the answers the producer may give.
func (e *Engine) reminderText(p locales.Printer, r ocop.ReminderNotice) Reply {
	args := []any{"Product", r.Product, "Code", r.Code, "Stars", r.Stars, "DecisionNo", r.DecisionNo, "Date", day(r.ValidUntil)}
	if r.Stage == 0 {
		return Reply{Text: p.T("notice.expired", args...), Buttons: [][]Button{{answerButton(p, r.CertificateID, "r")}}}
	}
	// Days left when it is sent, which a queue held back by Telegram may
	// have made fewer than the stage.
	left := int(r.ValidUntil.Sub(e.today()).Hours() / 24)
	if left <= 0 || left > r.Stage {
		left = r.Stage
	}
	rows := [][]Button{{answerButton(p, r.CertificateID, "r")}}
	if r.Stars < 5 {
		rows = append(rows, []Button{answerButton(p, r.CertificateID, "u")})
	}
	rows = append(rows, []Button{answerButton(p, r.CertificateID, "n")})
	return Reply{Text: p.N("notice.reminder", left, args...), Buttons: rows}
}

// renewalButton records the producer's answer to a reminder:
// "<certificate>|<r|u|n>".
func (e *Engine) renewalButton(t *turn, arg string) error {
	idText, code, _ := strings.Cut(arg, "|")
	id, err := strconv.ParseInt(idText, 10, 64)
	answer, ok := answerCodes[code]
	if err != nil || !ok {
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
		t.res.ClearKeyboardOf = 0 // the other answers stay open
		t.say(Reply{Text: t.p.T("renewal.no_upgrade")})
		return nil
	case err != nil:
		return err
	}
	r := out.Request
	if out.Unchanged {
		t.say(Reply{Text: t.p.T("renewal.unchanged", "Answer", t.p.T("renewal.answer."+string(r.Answer)), "Product", r.Product)})
		return nil
	}
	var b strings.Builder
	if out.Previous != "" {
		b.WriteString(t.p.T("renewal.changed", "Previous", t.p.T("renewal.answer."+string(out.Previous)),
			"Answer", t.p.T("renewal.answer."+string(r.Answer))) + "\n")
	}
	b.WriteString(t.p.T("renewal.recorded."+string(r.Answer), "Product", r.Product, "Code", r.Code,
		"Target", r.TargetStars, "Date", day(r.ValidUntil)))
	// The other answers stay under the confirmation, for a change of mind.
	var rows [][]Button
	for _, c := range []string{"r", "u", "n"} {
		if answerCodes[c] != r.Answer && (c != "u" || r.Stars < 5) {
			rows = append(rows, []Button{answerButton(t.p, r.CertificateID, c)})
		}
	}
	t.say(Reply{Text: b.String(), Buttons: rows})
	return nil
}

// answerNoticeText tells officials a producer's answer.
func answerNoticeText(p locales.Printer, a ocop.AnswerNotice) string {
	text := p.T("notice.renewal_answer", "Producer", a.Producer, "Product", a.Product, "Code", a.Code, "Stars", a.Stars,
		"Date", day(a.ValidUntil), "Answer", answerLabel(p, a))
	if a.Previous != "" {
		text += "\n" + p.T("notice.renewal_previous", "Previous", p.T("renewal.answer."+string(a.Previous)))
	}
	return text
}

// answerLabel names an answer, with the rank asked for an upgrade.
func answerLabel(p locales.Printer, a ocop.AnswerNotice) string {
	if a.Answer == ocop.AnswerUpgrade {
		return p.T("renewal.answer.upgrade_to", "Target", a.TargetStars)
	}
	return p.T("renewal.answer." + string(a.Answer))
}

func unreachableLine(p locales.Printer, u ocop.UnreachableNotice) string {
	return p.T("renewal.unreachable_item", "Product", u.Product, "Code", u.Code, "Producer", u.Producer,
		"Who", u.Representative, "Phone", u.Phone, "Date", day(u.ValidUntil))
}

func digestText(p locales.Printer, d ocop.DigestNotice) string {
	lines := []string{p.T("digest.title", "Unit", d.Unit, "Date", day(d.From.AddDate(0, 0, 7)))}
	lines = append(lines, p.N("digest.expiring", d.Expiring, "Until", day(d.Until)))
	for _, c := range d.Soonest {
		lines = append(lines, p.T("digest.expiring_item", "Product", c.Product, "Producer", c.Producer, "Stars", c.Stars,
			"Date", day(c.ValidUntil)))
	}
	if more := d.Expiring - len(d.Soonest); more > 0 {
		lines = append(lines, p.N("list.more", more))
	}
	lines = append(lines, "", p.N("digest.answers", d.Received, "Date", day(d.From)))
	for _, a := range d.Answers {
		lines = append(lines, p.T("digest.answer_item", "Product", a.Product, "Producer", a.Producer, "Answer", answerLabel(p, a)))
	}
	if more := d.Received - len(d.Answers); more > 0 {
		lines = append(lines, p.N("list.more", more))
	}
	lines = append(lines, "", p.T("digest.footer"))
	return strings.Join(lines, "\n")
}

// renewalNotice renders the renewal kinds of notification; ok is false
// for other kinds.
func (e *Engine) renewalNotice(p locales.Printer, n ocop.Notification) (Reply, bool, error) {
	var into any
	var render func() Reply
	switch n.Kind {
	case ocop.NoticeReminder, ocop.NoticeExpired:
		var r ocop.ReminderNotice
		into, render = &r, func() Reply { return e.reminderText(p, r) }
	case ocop.NoticeRenewalAnswer:
		var a ocop.AnswerNotice
		into, render = &a, func() Reply { return Reply{Text: answerNoticeText(p, a)} }
	case ocop.NoticeUnreachable:
		var u ocop.UnreachableNotice
		into, render = &u, func() Reply {
			return Reply{Text: p.T("notice.unreachable", "Stage", u.Stage) + "\n" + unreachableLine(p, u)}
		}
	case ocop.NoticeDigest:
		var d ocop.DigestNotice
		into, render = &d, func() Reply { return Reply{Text: digestText(p, d)} }
	default:
		return Reply{}, false, nil
	}
	if err := json.Unmarshal(n.Payload, into); err != nil {
		return Reply{}, true, fmt.Errorf("decode %s notice %d: %w", n.Kind, n.ID, err)
	}
	return render(), true, nil
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
			"Answer", answerLabel(t.p, ocop.AnswerNotice{Answer: r.Answer, TargetStars: r.TargetStars}),
			"When", r.AnsweredAt.In(vnTime).Format("02/01"), "Date", day(r.ValidUntil)))
	}
	if more := total - len(reqs); more > 0 {
		lines = append(lines, t.p.N("list.more", more))
	}
	if unreachable > 0 {
		lines = append(lines, "", t.p.N("renewal.unreachable_header", unreachable))
		for _, u := range gone {
			lines = append(lines, unreachableLine(t.p, u))
		}
		if more := unreachable - len(gone); more > 0 {
			lines = append(lines, t.p.N("list.more", more))
		}
	}
	if total > 0 {
		lines = append(lines, "", t.p.T("renewal.list_footer"))
	}
	e.sayLong(t, strings.Join(lines, "\n"), nil)
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

// digestCommand answers /bantin: whether the official gets the weekly
// digest, with a button to change it.
func (e *Engine) digestCommand(t *turn) error {
	off, ok, err := e.official(t)
	if !ok || err != nil {
		return err
	}
	return e.showDigest(t, off)
}

func (e *Engine) showDigest(t *turn, off ocop.Official) error {
	if off.Role != ocop.RoleDistrict && off.Role != ocop.RoleProvince {
		t.say(Reply{Text: t.p.T("digest.not_for_role")})
		return nil
	}
	if off.Digest {
		t.say(Reply{Text: t.p.T("digest.on"), Buttons: [][]Button{{{Label: t.p.T("button.digest_off"), Data: globalData("dg", "off")}}}})
	} else {
		t.say(Reply{Text: t.p.T("digest.off"), Buttons: [][]Button{{{Label: t.p.T("button.digest_on"), Data: globalData("dg", "on")}}}})
	}
	return nil
}

// digestButton turns the digest on or off.
func (e *Engine) digestButton(t *turn, arg string) error {
	if arg != "on" && arg != "off" {
		return e.oldButton(t)
	}
	off, ok, err := e.official(t)
	if !ok || err != nil {
		return err
	}
	if off.Role != ocop.RoleDistrict && off.Role != ocop.RoleProvince {
		t.say(Reply{Text: t.p.T("digest.not_for_role")})
		return nil
	}
	off.Digest = arg == "on"
	if err := e.records.SetDigest(t.ctx, off.UserID, off.Digest); err != nil {
		return err
	}
	return e.showDigest(t, off)
}
