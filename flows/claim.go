package flows

import (
	"errors"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
)

// Claiming a record (issue 15): a producer a province imported from its
// registry links its chat account to it, by sharing its own phone with
// the contact button (/nhanhoso, or the menu's button), by typing the
// printed claim code where the channel shares no contact, or by opening a
// single-use link an official printed for it (/start c<code>). Either way the
// user first agrees to the personal-data notice, then sees the producer and
// its products and confirms; the confirmation is accepted only from the user
// the link was offered to (storage refuses any other), so a button pressed
// in another chat, or forged, cannot take someone else's record.

// claimOfferTTL is how long the confirmation buttons of the contact path
// stay usable.
const claimOfferTTL = time.Hour

// claimListed is how many matching producers the contact path offers.
const claimListed = 8

// isClaimCode reports whether a /start argument is a claim code ("c" and 24
// characters) rather than an official's invitation (24 characters).
func isClaimCode(s string) bool { return len(s) == 25 && s[0] == 'c' }

// typedClaimCode reads a claim code a user typed from the printed sheet
// (a channel with no links to open, such as Zalo): spaces dropped, and the
// capital a phone's keyboard puts first undone. "" when it is none.
func typedClaimCode(s string) string {
	code := strings.Join(strings.Fields(s), "")
	if strings.HasPrefix(code, "C") {
		code = "c" + code[1:]
	}
	if !isClaimCode(code) {
		return ""
	}
	return code
}

// claimCommand answers /nhanhoso and the menu's button: it asks for the
// user's own phone through the contact button, or, on a channel that
// shares no contact, for the code printed for them.
func (e *Engine) claimCommand(t *turn) error {
	if owns, err := e.records.OwnsProducer(t.ctx, t.chat.UserID); err != nil || owns {
		if owns {
			t.say(Reply{Text: t.p.T("claim.already_owner")})
		}
		return err
	}
	if ok, err := e.consented(t); err != nil || !ok {
		if err == nil {
			e.askClaimConsent(t)
		}
		return err
	}
	if t.chat.Typed {
		t.say(Reply{Text: t.p.T("claim.ask_code")})
		return nil
	}
	e.askContact(t, "claim.ask_contact")
	return nil
}

func (e *Engine) askContact(t *turn, msgID string) {
	t.say(Reply{Text: t.p.T(msgID), AskContact: t.p.T("claim.button_contact")})
}

// claimContact handles a contact shared outside a conversation: only the
// user's own (the contact's user is the sender) proves the number is theirs.
func (e *Engine) claimContact(t *turn) error {
	if !t.in.OwnContact {
		t.say(Reply{Text: t.p.T("claim.not_own_contact"), EndContact: true})
		return nil
	}
	// The number is read only once the user agreed to the notice.
	if ok, err := e.consented(t); err != nil || !ok {
		if err == nil {
			t.say(Reply{Text: t.p.T("privacy.before_contact"), EndContact: true})
			e.askClaimConsent(t)
		}
		return err
	}
	if owns, err := e.records.OwnsProducer(t.ctx, t.chat.UserID); err != nil || owns {
		if owns {
			t.say(Reply{Text: t.p.T("claim.already_owner"), EndContact: true})
		}
		return err
	}
	phone, err := ocop.NormalizePhone(t.in.Phone)
	var found []ocop.ClaimCandidate
	if err == nil {
		if found, err = e.records.UnclaimedByPhone(t.ctx, phone); err != nil {
			return err
		}
	}
	if len(found) == 0 {
		t.say(Reply{Text: t.p.T("claim.none"), EndContact: true})
		t.say(Reply{Text: t.p.T("claim.none_next"), Choices: [][]Choice{{{Label: t.p.T("button.register"), ID: globalData("reg")}}}})
		return nil
	}
	found = found[:min(len(found), claimListed)]
	ids := make([]int64, len(found))
	for i, c := range found {
		ids[i] = c.ProducerID
	}
	codes, err := e.records.CreateClaimLinks(t.ctx, ids, t.chat.UserID, claimOfferTTL)
	if err != nil {
		return err
	}
	t.say(Reply{Text: t.p.T("claim.contact_ok"), EndContact: true})
	if len(found) == 1 {
		e.offerClaim(t, "claim.found", found[0], codes[0])
		return nil
	}
	parts := []string{t.p.T("claim.found_several", "Count", len(found))}
	rows := make([][]Choice, 0, len(found)+1)
	for i, c := range found {
		parts = append(parts, e.describeCandidate(t, c))
		rows = append(rows, []Choice{{Label: t.p.T("claim.button_choose", "Name", shorten(c.Name, 40)), ID: globalData("cl", codes[i])}})
	}
	rows = append(rows, []Choice{{Label: t.p.T("claim.button_not_me"), ID: globalData("menu")}})
	sayParts(t, parts, "\n\n", rows)
	return nil
}

// claimTyped refuses a phone number typed as text: only the contact button
// proves the number belongs to the user.
func (e *Engine) claimTyped(t *turn) error {
	if t.chat.Typed {
		t.say(Reply{Text: t.p.T("claim.typed_code")})
		return nil
	}
	e.askContact(t, "claim.typed")
	return nil
}

// claimLinkStart shows the producer of a printed claim link (/start c<code>)
// and asks to confirm.
func (e *Engine) claimLinkStart(t *turn, code string) error {
	if err := e.records.SaveChat(t.ctx, t.chat.ID, t.chat.UserID, t.chat.Locale); err != nil {
		return err
	}
	c, err := e.records.OfferClaimLink(t.ctx, code, t.chat.UserID)
	if msg := claimRefusal(err); msg != "" {
		t.say(Reply{Text: t.p.T(msg)})
		return nil
	}
	if err != nil {
		return err
	}
	// What the record holds is personal data: it is shown only once the
	// user agreed to the notice, which says where the record came from.
	if ok, err := e.consented(t); err != nil || !ok {
		if err == nil {
			e.askLinkConsent(t, code, c.UnitID)
		}
		return err
	}
	e.offerClaim(t, "claim.link_found", c, code)
	return nil
}

// offerClaim shows one producer and the buttons to confirm or decline.
func (e *Engine) offerClaim(t *turn, msgID string, c ocop.ClaimCandidate, code string) {
	t.say(Reply{Text: t.p.T(msgID) + "\n\n" + e.describeCandidate(t, c), Choices: [][]Choice{
		{{Label: t.p.T("claim.button_confirm"), ID: globalData("cl", code)}},
		{{Label: t.p.T("claim.button_not_me"), ID: globalData("menu")}},
	}})
}

// describeCandidate writes a producer, its commune as known today and its
// products with stars and validity.
func (e *Engine) describeCandidate(t *turn, c ocop.ClaimCandidate) string {
	lines := []string{t.p.T("claim.producer", "Name", c.Name, "Address", e.addressToday(t.p, c.UnitID))}
	today := e.today()
	for _, pr := range c.Products {
		lines = append(lines, e.productLine(t, pr, today))
	}
	return strings.Join(lines, "\n")
}

func (e *Engine) productLine(t *turn, pr ocop.ClaimProduct, today time.Time) string {
	if pr.Stars == 0 {
		return t.p.T("claim.product_none", "Product", pr.Name)
	}
	return t.p.T("claim.product", "Product", pr.Name, "Stars", pr.Stars, "End", certEnd(t.p, pr.ValidUntil, today))
}

// claimButton confirms a claim ("cl|<code>").
func (e *Engine) claimButton(t *turn, code string) error {
	if ok, err := e.consented(t); err != nil || !ok {
		if err == nil {
			e.askLinkConsent(t, code, 0)
		}
		return err
	}
	c, err := e.records.Claim(t.ctx, code, t.chat.UserID, t.chat.ID)
	t.changedIdentity()
	if msg := claimRefusal(err); msg != "" {
		t.say(Reply{Text: t.p.T(msg)})
		return nil
	}
	if err != nil {
		return err
	}
	e.log.InfoContext(t.ctx, "producer claimed", "producer_id", c.ProducerID, "chat_id", t.chat.ID)
	t.say(Reply{Text: t.p.T("claim.done", "Name", c.Name)})
	return e.showRecords(t)
}

// claimRefusal is the message of an expected refusal, "" for others.
func claimRefusal(err error) string {
	switch {
	case errors.Is(err, ocop.ErrClaimUsed):
		return "claim.link_used"
	case errors.Is(err, ocop.ErrClaimExpired):
		return "claim.link_expired"
	case errors.Is(err, ocop.ErrClaimUnknown):
		return "claim.link_unknown"
	case errors.Is(err, ocop.ErrClaimTaken):
		return "claim.taken"
	case errors.Is(err, ocop.ErrClaimOwner):
		return "claim.already_owner"
	}
	return ""
}

// shorten cuts s to n runes, with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// looksLikePhone reports whether a text is nothing but a phone number.
func looksLikePhone(s string) bool {
	_, err := ocop.NormalizePhone(strings.TrimSpace(s))
	return err == nil
}

// showRegistryRecords is /hoso for a producer claimed from a registry: its
// products as the registry brought them, then its registrations in the chat.
func (e *Engine) showRegistryRecords(t *turn, regs []ocop.Registration, imported []ocop.ClaimProduct) error {
	lines := []string{t.p.T("records.registry_header")}
	today := e.today()
	for _, pr := range imported {
		lines = append(lines, e.productLine(t, pr, today))
	}
	for _, r := range regs {
		lines = append(lines, t.p.T("records.item", "N", len(lines), "Product", r.ProductName, "Code", r.Code,
			"Stars", r.TargetStars, "Status", t.p.T("status."+string(r.Status)), "Date", dates.Format(r.SubmittedAt.In(dates.Vietnam))))
	}
	sayParts(t, lines, "\n", [][]Choice{{{Label: t.p.T("button.register_another"), ID: globalData("reg")}}})
	return nil
}
