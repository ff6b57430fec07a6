package flows

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/locales"
)

// Personal data under Law 91/2025/QH15 (in force since 1/1/2026) and
// Decree 356/2025/NĐ-CP: before the first personal question
// (registration's, the claim's contact, a correction) a producer is told
// who controls its data and how to reach them, what is collected, why, who
// sees it, that the chat service keeps the messages on servers abroad, how
// long it is kept, and each of its rights with the command that exercises
// it — and agrees. /dulieu shows everything stored about them;
// /suathongtin corrects the phone or representative; /xoadulieu withdraws
// the consent and erases what identifies them, keeping the public record.

// ConsentVersion is the version of the personal-data notice (locale keys
// privacy.notice*). Change it whenever the notice changes: everyone is
// asked again before their next personal question, also those who agreed
// to an earlier version (a consent is to the text it was given for).
// 2026-12-07: the controller, abroad storage, correcting and complaining.
// 2026-12-07.2: the same in today's terms (cấp xã for xã, phường and đặc
// khu; the law by its name and number) and one spelling (xóa).
const ConsentVersion = "2026-12-07.2"

// eraseConfirmTTL is how long the confirmation button of /xoadulieu works.
const eraseConfirmTTL = 15 * time.Minute

// PrivacyRecords are the consents, a user's data and its erasure.
type PrivacyRecords interface {
	GiveConsent(ctx context.Context, userID int64, version string, at time.Time) error
	PersonalData(ctx context.Context, userID, chatID int64) (ocop.PersonalData, error)
	ErasePersonalData(ctx context.Context, userID, chatID int64, at time.Time) (ocop.Erasure, error)
}

// Controller is who decides what is done with producers' personal data: a
// province's OCOP office (its Văn phòng Điều phối), which runs the bot for
// its producers, named in the notice with how to reach it.
type Controller struct {
	Name    string
	Contact string // phone, e-mail, address; "" when none was configured
}

// Controllers are the controllers of the provinces the bot serves.
type Controllers struct {
	// Default is named when the producer's province is not known yet, or
	// has no entry of its own; zero: the locale's words for "the OCOP
	// office of your province" (privacy.controller_default).
	Default Controller
	// ByProvince is by GSO code of a province of the tree in force.
	ByProvince map[string]Controller
}

// controller is the controller of the producers of unit (0: not known
// yet): its province's, through the merges for a commune of an older tree,
// else the default.
func (e *Engine) controller(p locales.Printer, unit int64) Controller {
	if unit != 0 && len(e.controllers.ByProvince) > 0 {
		if u, ok := e.atlas.MergedInto(e.atlas.At(e.today()), unit); ok {
			unit = u.ID
		}
		if prov, ok := e.atlas.Unit(e.rootOf(unit)); ok {
			if c, ok := e.controllers.ByProvince[prov.Code]; ok {
				return c
			}
		}
	}
	if c := e.controllers.Default; c.Name != "" {
		return c
	}
	return Controller{Name: p.T("privacy.controller_default")}
}

// noticeKind is where the notice is shown, which its first lines say.
type noticeKind string

const (
	noticeRegister noticeKind = "privacy.notice"        // before registering
	noticeClaim    noticeKind = "privacy.notice_claim"  // before the claim's contact: the record is the registry's
	noticeLink     noticeKind = "privacy.notice_link"   // before a claim link's record: the same, and where it came from
	noticeFix      noticeKind = "privacy.notice_update" // before a correction
)

// consentNotice is the notice for the producers of unit (0: not known)
// with its two buttons. The body is one text whatever the head, so every
// path states the same rights.
func (e *Engine) consentNotice(t *turn, kind noticeKind, unit int64, agree, decline string) Reply {
	c := e.controller(t.p, unit)
	text := t.p.T(string(kind), "Controller", c.Name) + "\n\n" +
		t.p.T("privacy.notice_body", "Controller", c.Name, "Contact", c.Contact, "Version", ConsentVersion,
			"Account", t.p.T("privacy.account."+t.chat.channel()), "Transfer", t.p.T("privacy.transfer."+t.chat.channel()))
	return Reply{Text: text, Choices: [][]Choice{
		{{Label: t.p.T("privacy.button_agree"), ID: agree}},
		{{Label: t.p.T("privacy.button_decline"), ID: decline}},
	}}
}

// noticeUnit is the unit of the producer the user manages (0: none yet),
// whose controller the notice names.
func (e *Engine) noticeUnit(t *turn) (int64, error) {
	who, err := e.identity(t)
	if err != nil || who.Producer == nil {
		return 0, err
	}
	return who.Producer.UnitID, nil
}

// declineConsent answers "I do not agree": nothing starts, and the user is
// told how to come back.
func declineConsent(t *turn) {
	t.say(Reply{Text: t.p.T("privacy.declined"), EndContact: true})
}

// askClaimConsent shows the notice before the claim's contact question;
// agreeing goes on to it ("x|cs|<version>|claim").
func (e *Engine) askClaimConsent(t *turn) {
	t.say(e.consentNotice(t, noticeClaim, 0, globalData("cs", ConsentVersion, "claim"), globalData("cs", "no")))
}

// askLinkConsent shows the notice before the record of a claim link is
// shown (of a producer of unit, 0 when not known here), saying that the
// record came from the province's registry; agreeing opens the link
// ("x|cs|<version>|<code>").
func (e *Engine) askLinkConsent(t *turn, code string, unit int64) {
	t.say(e.consentNotice(t, noticeLink, unit, globalData("cs", ConsentVersion, code), globalData("cs", "no")))
}

// consentButton answers the notice's buttons outside a conversation.
func (e *Engine) consentButton(t *turn, arg string) error {
	version, then, _ := strings.Cut(arg, "|")
	switch {
	case version == "no":
		declineConsent(t)
		return nil
	case version != ConsentVersion && isClaimCode(then): // the notice changed since it was shown
		e.askLinkConsent(t, then, 0)
		return nil
	case version != ConsentVersion && then == "fix":
		return e.fix.start(t, "")
	case version != ConsentVersion:
		e.askClaimConsent(t)
		return nil
	}
	if err := e.records.GiveConsent(t.ctx, t.chat.UserID, ConsentVersion, e.now()); err != nil {
		return err
	}
	t.changedIdentity()
	t.preface(t.p.T("privacy.agreed"))
	switch {
	case then == "claim":
		return e.claimCommand(t)
	case isClaimCode(then):
		return e.claimLinkStart(t, then)
	case then == "fix":
		if t.st != nil {
			return e.offerResume(t, e.flow(t.st))
		}
		return e.fix.start(t, "")
	}
	return e.menu(t, false)
}

// consented reports whether the chat's user agreed to the notice in force.
func (e *Engine) consented(t *turn) (bool, error) {
	who, err := e.identity(t)
	return who.Consented, err
}

// showData answers /dulieu: everything stored about the user, their own
// records only.
func (e *Engine) showData(t *turn) error {
	d, err := e.records.PersonalData(t.ctx, t.chat.UserID, t.chat.ID)
	if err != nil {
		return err
	}
	p := t.p
	empty := func(s string) string {
		if strings.TrimSpace(s) == "" {
			return p.T("privacy.data.empty")
		}
		return s
	}
	parts := []string{p.T("privacy.data.header")}
	if pr := d.Producer; pr.ID != 0 {
		lines := []string{p.T("reg.summary.producer")}
		line := func(labelID, value string) { lines = append(lines, "• "+p.T(labelID)+": "+empty(value)) }
		line("field.name", pr.Name)
		line("field.kind", p.T("kind."+string(pr.Kind)))
		line("field.rep", pr.Representative)
		line("field.phone", pr.Phone)
		if pr.CitizenID != "" {
			line("field.citizen_id", pr.CitizenID)
		}
		if pr.TaxCode != "" || pr.CitizenID == "" {
			line("field.tax", pr.TaxCode)
		}
		line("field.address", withAddressLine(pr.AddressLine, e.addressToday(p, pr.UnitID)))
		lines = append(lines, p.T("privacy.data.since", "Date", dates.Format(pr.CreatedAt.In(dates.Vietnam))))
		parts = append(parts, strings.Join(lines, "\n"))
	} else {
		parts = append(parts, p.T("privacy.data.no_producer"))
	}
	if len(d.Products) > 0 {
		lines := []string{p.T("privacy.data.products", "N", len(d.Products))}
		for _, pr := range d.Products {
			group := pr.Group
			if g, ok := e.group(pr.Group); ok {
				group = g.Name(p.Lang)
			}
			if _, sg, ok := e.subgroup(pr.Subgroup); ok {
				group += " › " + sg.Name(p.Lang)
			}
			item := "• " + pr.Name + " — " + group
			if pr.TargetStars > 0 {
				item += ", " + p.T("stars.wished", "Stars", pr.TargetStars)
			}
			if pr.Description != "" {
				item += "\n  " + p.T("field.desc") + ": " + pr.Description
			}
			if pr.HasPhoto {
				item += "\n  " + p.T("field.photo") + ": " + p.T("field.photo_yes")
			}
			lines = append(lines, item)
		}
		parts = append(parts, strings.Join(lines, "\n"))
	}
	if len(d.Registrations) > 0 {
		lines := []string{p.T("privacy.data.registrations", "N", len(d.Registrations))}
		for _, r := range d.Registrations {
			lines = append(lines, p.T("privacy.data.registration", "Code", r.Code, "Product", r.ProductName, "Stars", r.TargetStars,
				"Status", p.T("status."+string(r.Status)), "Date", dates.Format(r.SubmittedAt.In(dates.Vietnam))))
		}
		parts = append(parts, strings.Join(lines, "\n"))
	}
	if len(d.Certificates) > 0 {
		lines := []string{p.T("privacy.data.certificates", "N", len(d.Certificates))}
		for _, c := range d.Certificates {
			item := p.T("privacy.data.certificate", "Product", c.Product, "Stars", c.Stars, "DecisionNo", c.DecisionNo,
				"Date", day(c.DecisionDate), "End", certEnd(p, c.ValidUntil, e.today()))
			if !c.RevokedOn.IsZero() {
				item += " " + p.T("privacy.data.revoked", "Date", day(c.RevokedOn))
			}
			lines = append(lines, item)
		}
		parts = append(parts, strings.Join(lines, "\n"))
	}
	consents := []string{p.T("privacy.data.consents")}
	for _, c := range d.Consents {
		when := c.AgreedAt.In(dates.Vietnam).Format("15:04 02/01/2006")
		if c.WithdrawnAt.IsZero() {
			consents = append(consents, p.T("privacy.data.consent", "Version", c.Version, "When", when))
		} else {
			consents = append(consents, p.T("privacy.data.consent_withdrawn", "Version", c.Version, "When", when,
				"Withdrawn", c.WithdrawnAt.In(dates.Vietnam).Format("15:04 02/01/2006")))
		}
	}
	if len(d.Consents) == 0 {
		consents = append(consents, p.T("privacy.data.consent_none"))
	}
	parts = append(parts, strings.Join(consents, "\n"))
	switch {
	case d.Producer.ID != 0:
		parts = append(parts, p.T("privacy.data.chat_linked", "ChatID", t.chat.ID))
	case d.ChatLinked:
		parts = append(parts, p.T("privacy.data.chat_known", "ChatID", t.chat.ID,
			"Date", dates.Format(d.ChatSince.In(dates.Vietnam))))
	}
	if len(d.Accounts) > 0 {
		names := make([]string, len(d.Accounts))
		for i, a := range d.Accounts {
			names[i] = p.T("channel." + a.Channel)
		}
		parts = append(parts, p.T("privacy.data.accounts", "Accounts", strings.Join(names, ", ")))
	}
	c := e.controller(p, d.Producer.UnitID)
	parts = append(parts, p.T("privacy.data.footer", "Controller", c.Name, "Contact", c.Contact))
	sayParts(t, parts, "\n\n", nil)
	return nil
}

// askErase answers /xoadulieu: what would go, what would stay, and a
// confirmation button that works for eraseConfirmTTL.
func (e *Engine) askErase(t *turn) error {
	stamp := strconv.FormatInt(e.now().Unix(), 10)
	t.say(Reply{Text: t.p.T("privacy.erase.ask"), Choices: [][]Choice{
		{{Label: t.p.T("privacy.erase.button_yes"), ID: globalData("erase", stamp)}},
		{{Label: t.p.T("privacy.erase.button_no"), ID: globalData("menu")}},
	}})
	return nil
}

// eraseButton erases the user's personal data ("x|erase|<unix time asked>")
// and clears the conversation in progress: the state returned is nil, so
// nothing of it stays in Redis.
func (e *Engine) eraseButton(t *turn, arg string) error {
	asked, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || e.now().Sub(time.Unix(asked, 0)) > eraseConfirmTTL {
		t.say(Reply{Text: t.p.T("privacy.erase.expired")})
		return nil
	}
	out, err := e.records.ErasePersonalData(t.ctx, t.chat.UserID, t.chat.ID, e.now())
	t.changedIdentity()
	if err != nil {
		return err
	}
	// The person's other accounts: their conversations under way go too.
	for _, chat := range append(out.Accounts, t.chat.ID) {
		if chat != t.chat.account() {
			t.res.Forget = append(t.res.Forget, chat)
		}
	}
	t.st = nil
	e.log.InfoContext(t.ctx, "personal data erased", "chat_id", t.chat.ID, "officials_told", out.Officials,
		"notifications_cancelled", out.Cancelled)
	if out.Producer == "" {
		t.say(Reply{Text: t.p.T("privacy.erase.done_none"), EndContact: true})
		return nil
	}
	lines := []string{t.p.T("privacy.erase.done"),
		t.p.T("privacy.erase.kept", "Producer", out.Producer, "Certificates", out.Certificates)}
	if out.KeptTaxCode {
		lines = append(lines, t.p.T("privacy.erase.kept_tax"))
	} else {
		lines = append(lines, t.p.T("privacy.erase.tax_erased"))
	}
	if out.Officials > 0 {
		lines = append(lines, t.p.T("privacy.erase.officials_told"))
	}
	t.say(Reply{Text: strings.Join(lines, "\n\n"), EndContact: true})
	return nil
}
