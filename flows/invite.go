package flows

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/units"
)

// InviteRecords are what invitations read and write.
type InviteRecords interface {
	CreateInvite(ctx context.Context, unitID int64, role ocop.Role, createdBy int64, ttl time.Duration) (string, error)
	RedeemInvite(ctx context.Context, code string, userID, chatID int64) (ocop.Official, error)
	// MarkReformNoticed records that a district official was told the
	// district level ended, reporting false when they had been already.
	MarkReformNoticed(ctx context.Context, userID int64) (bool, error)
}

// inviteTTL is how long an invitation made in the chat stays usable.
const inviteTTL = 7 * 24 * time.Hour

// inviteListed is how many units /moi offers as buttons.
const inviteListed = 10

// inviteCommand answers /moi [unit]: an official invites another official
// for their own unit or a unit below it, in the unit tree in force today.
func (e *Engine) inviteCommand(t *turn) error {
	off, ok, err := e.official(t)
	if !ok || err != nil || !e.mayInvite(t, off) {
		return err
	}
	tree := e.atlas.At(e.today())
	if name := strings.TrimSpace(t.in.Text); name != "" {
		found, err := e.findInScope(t, off, tree, name, "iv", e.today())
		switch len(found) {
		case 0:
			return err
		case 1:
			return e.createInvite(t, found[0])
		default:
			return e.inviteChoice(t, found)
		}
	}
	units := ocop.Roots(e.atlas, off, tree)
	if len(units) == 1 {
		children := tree.Units.Children(units[0].ID)
		units = append(units, children[:min(len(children), inviteListed)]...)
	}
	if len(units) == 0 { // an administrator: any unit, by name
		t.say(Reply{Text: t.p.T("invite.type_name")})
		return nil
	}
	return e.inviteChoice(t, units)
}

func (e *Engine) inviteChoice(t *turn, units []units.Unit) error {
	rows := make([][]Choice, 0, len(units))
	for _, u := range units {
		rows = append(rows, []Choice{{Label: e.unitLabel(u), ID: globalData("iv", idArg(u.ID))}})
	}
	t.say(Reply{Text: t.p.T("invite.choose"), Choices: rows})
	return nil
}

// inviteButton makes the invitation for the unit pressed, after checking
// the scope again: buttons can be forged.
func (e *Engine) inviteButton(t *turn, arg string) error {
	id, ok := parseID(arg)
	if !ok {
		return e.oldButton(t)
	}
	off, ok, err := e.official(t)
	if !ok || err != nil || !e.mayInvite(t, off) {
		return err
	}
	// Invitations are to today's units only.
	u, ok := e.atlas.At(e.today()).Units.Get(id)
	if !ok || !ocop.InScope(e.atlas, off, id) {
		return e.refuseScope(t, "iv", id, e.today())
	}
	return e.createInvite(t, u)
}

// createInvite makes a single-use invitation for unit u and gives the link.
func (e *Engine) createInvite(t *turn, u units.Unit) error {
	role := ocop.RoleForLevel(u.Level)
	code, err := e.records.CreateInvite(t.ctx, u.ID, role, t.chat.UserID, inviteTTL)
	if err != nil {
		return err
	}
	link := e.startLink(code)
	t.say(Reply{Text: t.p.T("invite.created", "Role", t.p.T("role."+string(role)), "Unit", u.Name, "Link", link,
		"Date", e.now().Add(inviteTTL).In(dates.Vietnam).Format("02/01/2006 15:04"))})
	return nil
}

// redeem binds the user to the unit of an invitation they opened.
func (e *Engine) redeem(t *turn, code string) error {
	off, err := e.records.RedeemInvite(t.ctx, code, t.chat.UserID, t.chat.ID)
	t.changedIdentity()
	switch {
	case errors.Is(err, ocop.ErrInviteUsed):
		t.say(Reply{Text: t.p.T("invite.used")})
		return nil
	case errors.Is(err, ocop.ErrInviteExpired):
		t.say(Reply{Text: t.p.T("invite.expired")})
		return nil
	case errors.Is(err, ocop.ErrInviteUnknown):
		t.say(Reply{Text: t.p.T("invite.unknown")})
		return nil
	case err != nil:
		return err
	}
	if err := e.records.SaveChat(t.ctx, t.chat.ID, t.chat.UserID, t.chat.Locale); err != nil {
		return err
	}
	unit, ok := e.atlas.Unit(off.UnitID)
	if !ok {
		unit.Name = t.p.T("status.country")
	}
	e.log.InfoContext(t.ctx, "official bound", slog.Int64("chat_id", t.chat.ID), slog.Int64("unit_id", off.UnitID), slog.String("role", string(off.Role)))
	// From now on the chat is an official's: their menu, commands and
	// buttons. What they see is said for their level: a commune official
	// has no units below them to be told of.
	if err := e.setMenu(t); err != nil {
		return err
	}
	e.officialButtons(t, off, t.p.T("invite.ok", "Role", t.p.T("role."+string(off.Role)), "Unit", unit.Name)+"\n"+
		e.officialScope(t, off)+"\n"+t.p.T("official.pick"))
	return nil
}

// mayInvite reports whether off may invite today; a district official,
// whose level ended on 30/6/2025, is told who does it now.
func (e *Engine) mayInvite(t *turn, off ocop.Official) bool {
	if !e.districtEnded(off) {
		return true
	}
	t.say(Reply{Text: t.p.T("invite.district_ended")})
	return false
}

// reformNotice tells a district official, once, that since 1/7/2025 new
// work goes through the commune or the province; they keep read-only
// access to their district's history and its area today. Producers in a
// registration are not asked who they are on every answer.
func (e *Engine) reformNotice(t *turn) error {
	if t.st != nil && t.st.Flow == flowRegistration {
		return nil
	}
	off, err := e.lookupOfficial(t)
	if errNotFound(err) || err == nil && (off.ReformNoticed || !e.districtEnded(off)) {
		return nil
	}
	if err != nil {
		return err
	}
	told, err := e.records.MarkReformNoticed(t.ctx, off.UserID)
	t.changedIdentity()
	if err != nil || !told {
		return err
	}
	unit, _ := e.atlas.Unit(off.UnitID)
	t.say(Reply{Text: t.p.T("official.reform_notice", "Unit", unit.Name)})
	return nil
}

// districtEnded reports whether off is a district official whose district
// is not in the unit tree in force today: bound before 1/7/2025, read-only
// since (ocop.Role.ActiveOn).
func (e *Engine) districtEnded(off ocop.Official) bool {
	return off.Role == ocop.RoleDistrict && !e.atlas.Holds(e.atlas.At(e.today()), off.UnitID)
}
