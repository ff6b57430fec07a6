package flows

import (
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/report"
	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/locales"
)

// The menu: /start, the greeting and its buttons, and /hoso (the
// producer's own registrations); /trogiup and the command menus are in
// commands.go.

// startCommand answers /start: a deep link's invitation code, the question
// whether to resume, or the greeting.
func (e *Engine) startCommand(t *turn) error {
	if isClaimCode(t.in.Text) { // a claim link: t.me/<bot>?start=c<code>
		return e.claimLinkStart(t, t.in.Text)
	}
	if t.in.Text != "" { // a deep link: t.me/<bot>?start=<invite code>
		return e.redeem(t, t.in.Text)
	}
	if t.st != nil {
		return e.offerResume(t, e.flow(t.st))
	}
	if err := e.records.SaveChat(t.ctx, t.chat.ID, t.chat.UserID, t.chat.Locale); err != nil {
		return err
	}
	// /start is where a chat's command menu is set again: after an
	// official's binding (if that call failed), a revocation, or a restore.
	if err := e.setMenu(t); err != nil {
		return err
	}
	return e.menu(t, true)
}

// menu shows the greeting (on /start) or the short menu: an official's to
// an official.
func (e *Engine) menu(t *turn, greet bool) error {
	who, err := e.identity(t)
	if err != nil {
		return err
	}
	if who.Official != nil {
		e.officialMenu(t, *who.Official, greet)
		return nil
	}
	text := t.p.T("menu.short")
	if greet {
		text = t.p.T("start.greeting")
	}
	other := "en"
	if t.chat.Locale == "en" {
		other = "vi"
	}
	t.say(Reply{Text: text, Choices: [][]Choice{
		{{Label: t.p.T("button.register"), ID: globalData("reg")}},
		{{Label: t.p.T("button.my_records"), ID: globalData("hoso")}},
		{{Label: t.p.T("button.claim"), ID: globalData("claim")}},
		{{Label: t.p.T("button.switch_lang"), ID: globalData("lang", other)}},
	}})
	return nil
}

// showRecords lists the user's own registrations (/hoso).
func (e *Engine) showRecords(t *turn) error {
	regs, err := e.records.RegistrationsByOwner(t.ctx, t.chat.UserID)
	if err != nil {
		return err
	}
	imported, err := e.records.RegistryProductsByOwner(t.ctx, t.chat.UserID)
	if err != nil {
		return err
	}
	if len(imported) > 0 {
		return e.showRegistryRecords(t, regs, imported)
	}
	if len(regs) == 0 {
		t.say(Reply{Text: t.p.T("records.none"), Choices: [][]Choice{
			{{Label: t.p.T("button.register"), ID: globalData("reg")}},
		}})
		return nil
	}
	who, err := e.identity(t)
	if err != nil {
		return err
	}
	address := e.addressToday(t.p, regs[0].UnitID)
	if pr := who.Producer; pr != nil && pr.UnitID == regs[0].UnitID {
		// The thôn/ấp and house number were given in this commune.
		address = withAddressLine(pr.AddressLine, address)
	}
	lines := make([]string, 0, len(regs)+1)
	lines = append(lines, t.p.N("records.header", len(regs))+"\n"+
		t.p.T("records.address", "Address", address))
	today := e.today()
	for i, r := range regs {
		item := t.p.T("records.item",
			"N", i+1,
			"Product", r.ProductName,
			"Code", r.Code,
			"Stars", r.TargetStars,
			"Status", t.p.T("status."+string(r.Status)),
			"Date", dates.Format(r.SubmittedAt.In(dates.Vietnam)))
		if r.CertStars > 0 {
			item += "\n" + t.p.T("records.certificate", "Stars", r.CertStars, "End", certEnd(t.p, r.CertValidUntil, today))
		}
		lines = append(lines, item)
	}
	sayParts(t, lines, "\n\n", [][]Choice{
		{{Label: t.p.T("button.register_another"), ID: globalData("reg")}},
	})
	return nil
}

// sayLong says a text with the buttons under it. A channel splits a text
// too long for one of its messages where lines end.
func sayLong(t *turn, text string, buttons [][]Choice) {
	t.say(Reply{Text: text, Choices: buttons})
}

// sayParts says parts joined by sep, the buttons under them.
func sayParts(t *turn, parts []string, sep string, buttons [][]Choice) {
	sayLong(t, strings.Join(parts, sep), buttons)
}

// unitChain writes a unit with its parents: "Xã Tân Thông Hội, Huyện Củ
// Chi, Thành phố Hồ Chí Minh".
func unitChain(get func(int64) (units.Unit, bool), id int64) string {
	var parts []string
	for id != 0 {
		u, ok := get(id)
		if !ok {
			break
		}
		parts = append(parts, u.Name)
		id = u.ParentID
	}
	return strings.Join(parts, ", ")
}

// addressToday writes a commune as people know it today: with its parents
// when it is in the tree in force, else as "Xã Tân Thông Hội (cũ), nay
// thuộc Xã Củ Chi, Thành phố Hồ Chí Minh" through the merges.
func (e *Engine) addressToday(p locales.Printer, id int64) string {
	now, ok := e.atlas.MergedInto(e.atlas.At(e.today()), id)
	if !ok {
		return unitChain(e.atlas.Unit, id)
	}
	old, _ := e.atlas.Unit(id)
	return p.T("records.address_old", "Old", old.Name, "Now", unitChain(e.atlas.Unit, now.ID))
}

// unitNameOn names a producer's commune as it stood on day, without its
// parents (see report.CommuneName): the chat and the workbooks of one day
// name it alike.
func (e *Engine) unitNameOn(p locales.Printer, id int64, day time.Time) string {
	name, _ := report.CommuneName(p, e.atlas, id, day)
	return name
}
