package flows

import (
	"slices"
	"strings"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/locales"
)

// Who sees which commands. A producer and an official use the bot for
// different things: the official's /start, /trogiup, menu buttons and
// command menu are their role's, so that nobody is offered a command that
// only answers "this is for officials", and an official finds /status
// without reading the manual. One list per role says it, and the greeting's
// buttons, /trogiup and the command menu all read it.

// producerCommands are the commands of everyone who is no official, in
// the order the menu shows them. The transport publishes them as every
// chat's default menu (DefaultMenu).
var producerCommands = []string{"start", "dangky", "hoso", "nhanhoso", "suathongtin", "dulieu", "xoadulieu", "huy", "ngonngu", "trogiup"}

// officialCommands are the commands of off's role. /ketqua is for the
// offices that record results (ocop.OfficeOf); /bantin for those a
// digest is for (digestsOf); /moi for officials whose level still
// exists (a district official's ended on 30/6/2025).
func (e *Engine) officialCommands(off ocop.Official) []string {
	cmds := []string{"start", "status"}
	if _, ok := ocop.OfficeOf(off.Role); ok {
		cmds = append(cmds, "ketqua")
	}
	if !e.districtEnded(off) {
		cmds = append(cmds, "moi")
	}
	cmds = append(cmds, "thongbao", "giahan")
	if weekly, daily := digestsOf(off); weekly || daily {
		cmds = append(cmds, "bantin")
	}
	return append(cmds, "huy", "ngonngu", "trogiup")
}

// commandsOf is the commands of the turn's user, with the official they
// are (nil for anyone else).
func (e *Engine) commandsOf(t *turn) ([]string, *ocop.Official, error) {
	who, err := e.identity(t)
	if err != nil {
		return nil, nil, err
	}
	if who.Official != nil {
		return e.officialCommands(*who.Official), who.Official, nil
	}
	return producerCommands, nil, nil
}

// menuOf writes a list of commands as a menu in p's language.
func menuOf(p locales.Printer, names []string) []Command {
	cmds := make([]Command, len(names))
	for i, c := range names {
		cmds[i] = Command{Name: c, Description: p.T("command." + c)}
	}
	return cmds
}

// DefaultMenu is the menu every chat shows unless it was given one of its
// own: a producer's.
func DefaultMenu(p locales.Printer) []Command { return menuOf(p, producerCommands) }

// setMenu gives the chat its user's menu: an official's of their role; for
// anyone else, the default again — which matters only to an official whose
// access was revoked, so it is said only to them (FormerOfficial) and
// producers cost no call.
func (e *Engine) setMenu(t *turn) error {
	who, err := e.identity(t)
	switch {
	case err != nil:
		return err
	case who.Official != nil:
		t.res.Menu = &Menu{Commands: menuOf(t.p, e.officialCommands(*who.Official))}
	case who.FormerOfficial:
		t.res.Menu = &Menu{}
	}
	return nil
}

// help answers /trogiup: every command of the user's role, one a line, and
// how the steps work.
func (e *Engine) help(t *turn) error {
	names, off, err := e.commandsOf(t)
	if err != nil {
		return err
	}
	head := t.p.T("help.header")
	if off != nil {
		head = t.p.T("help.header_official", "Who", e.officialWho(t, *off))
	}
	lines := []string{head}
	for _, c := range names {
		line := "/" + c + " — " + t.p.T("command."+c)
		switch c {
		case "status":
			line += "\n   " + t.p.T("help.status_example")
		case "ketqua":
			line += "\n   " + t.p.T("help.ketqua_file") + strings.ReplaceAll(filesElsewhere(t), "\n", "\n   ")
		}
		lines = append(lines, line)
	}
	lines = append(lines, t.p.T("help.footer"))
	t.say(Reply{Text: strings.Join(lines, "\n")})
	return nil
}

// officialWho names an official's office: "cán bộ OCOP cấp xã của Xã An
// Phú", or the administrator.
func (e *Engine) officialWho(t *turn, off ocop.Official) string {
	if off.Role == ocop.RoleAdmin {
		return t.p.T("official.who_admin")
	}
	unit, _ := e.atlas.Unit(off.UnitID)
	return t.p.T("official.who", "Role", t.p.T("role."+string(off.Role)), "Unit", unit.Name)
}

// officialScope says what an official sees, worded for their level: a
// commune has no units below it, a province has communes, a former district
// only its history and its area today.
func (e *Engine) officialScope(t *turn, off ocop.Official) string {
	unit, ok := e.atlas.Unit(off.UnitID)
	if !ok {
		unit.Name = t.p.T("status.country")
	}
	return t.p.T("official.scope."+string(off.Role), "Unit", unit.Name)
}

// officialMenu is an official's greeting (on /start) or short menu, with
// buttons for what they do most.
func (e *Engine) officialMenu(t *turn, off ocop.Official, greet bool) {
	text := t.p.T("menu.short")
	if greet {
		text = t.p.T("start.greeting_official", "Who", e.officialWho(t, off), "Scope", e.officialScope(t, off))
	}
	e.officialButtons(t, off, text)
}

// officialButtons says text with the buttons of an official's menu.
func (e *Engine) officialButtons(t *turn, off ocop.Official, text string) {
	cmds := e.officialCommands(off)
	rows := [][]Choice{{{Label: t.p.T("button.official_status"), ID: globalData("do", "status")}}}
	if slices.Contains(cmds, "ketqua") {
		rows = append(rows, []Choice{{Label: t.p.T("button.official_results"), ID: globalData("kq")}})
	}
	if slices.Contains(cmds, "moi") {
		rows = append(rows, []Choice{{Label: t.p.T("button.official_invite"), ID: globalData("do", "moi")}})
	}
	rows = append(rows, []Choice{{Label: t.p.T("button.official_renewals"), ID: globalData("do", "giahan")}})
	other := "en"
	if t.chat.Locale == "en" {
		other = "vi"
	}
	rows = append(rows, []Choice{{Label: t.p.T("button.switch_lang"), ID: globalData("lang", other)}})
	t.say(Reply{Text: text, Choices: rows})
}

// doButton runs a command from a menu button ("x|do|<command>"), only one
// of the user's own role: the button is signed, but the user's role may
// have changed since it was shown.
func (e *Engine) doButton(t *turn, name string) error {
	names, _, err := e.commandsOf(t)
	if err != nil {
		return err
	}
	cmd, ok := e.commands[name]
	if !ok || !slices.Contains(names, name) {
		return e.oldButton(t)
	}
	t.in.Command, t.in.Text = name, ""
	return cmd(t)
}
