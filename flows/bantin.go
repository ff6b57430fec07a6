package flows

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/report"
	"github.com/ocopbot/ocopbot/locales"
)

// An official's notification settings (/bantin) — the weekly digest, on or
// off, for the officials of a province (and former districts); how much
// the daily digest of producers not linked to the bot says, for every
// official of a unit — and the button of a brief daily digest that sends
// its full list.

// DigestRecords are what /bantin and the digests' buttons read and write.
type DigestRecords interface {
	SetDigest(ctx context.Context, userID int64, on bool) error
	SetDailyDetail(ctx context.Context, userID int64, d ocop.DigestDetail) error
	// Notification loads one notification (ocop.ErrNotFound when there is
	// none), and whether its chat is known to be unreachable.
	Notification(ctx context.Context, id int64) (ocop.Notification, bool, error)
}

// digestsOf says which digests off gets: the weekly one is for district
// and province officials (storage.DigestReaders), the daily one of
// unlinked producers for every official of a unit (an administrator has
// none).
func digestsOf(off ocop.Official) (weekly, daily bool) {
	return off.Role == ocop.RoleDistrict || off.Role == ocop.RoleProvince, off.Role != ocop.RoleAdmin
}

// digestCommand answers /bantin: the official's notification settings,
// with a button to change each.
func (e *Engine) digestCommand(t *turn) error {
	off, ok, err := e.official(t)
	if !ok || err != nil {
		return err
	}
	if weekly, daily := digestsOf(off); !weekly && !daily {
		t.say(Reply{Text: t.p.T("digest.not_for_role")})
		return nil
	}
	t.say(digestSettings(t.p, off))
	return nil
}

// digestButton changes a setting of /bantin — "on" or "off" (the weekly
// digest), "full" or "brief" (the daily digest) — and shows the settings
// again in the same message.
func (e *Engine) digestButton(t *turn, arg string) error {
	detail := ocop.DigestDetail(arg)
	if arg != "on" && arg != "off" && !detail.Valid() {
		return e.oldButton(t)
	}
	off, ok, err := e.official(t)
	if !ok || err != nil {
		return err
	}
	weekly, daily := digestsOf(off)
	switch {
	case detail.Valid() && daily:
		err = e.records.SetDailyDetail(t.ctx, off.UserID, detail)
		off.Daily = detail
	case !detail.Valid() && weekly:
		err = e.records.SetDigest(t.ctx, off.UserID, arg == "on")
		off.Digest = arg == "on"
	default: // a setting their role no longer has
		return e.oldButton(t)
	}
	if err != nil {
		return err
	}
	t.changedIdentity()
	r := digestSettings(t.p, off)
	if t.in.MessageID != 0 {
		r.Replaces, t.res.Closes = t.in.MessageID, 0
	}
	t.say(r)
	return nil
}

// digestSettings is the message of /bantin: what off gets, with the
// button that changes each.
func digestSettings(p locales.Printer, off ocop.Official) Reply {
	weekly, daily := digestsOf(off)
	r := Reply{Text: p.T("digest.settings")}
	if weekly {
		text, button, next := "digest.off", "button.digest_on", "on"
		if off.Digest {
			text, button, next = "digest.on", "button.digest_off", "off"
		}
		r.Text += "\n\n" + p.T(text)
		r.Choices = append(r.Choices, []Choice{{Label: p.T(button), ID: globalData("dg", next)}})
	}
	if daily {
		text, button, next := "digest.daily_full", "button.daily_brief", ocop.DigestBrief
		if off.Daily == ocop.DigestBrief {
			text, button, next = "digest.daily_brief", "button.daily_full", ocop.DigestFull
		}
		r.Text += "\n\n" + p.T(text)
		r.Choices = append(r.Choices, []Choice{{Label: p.T(button), ID: globalData("dg", string(next))}})
	}
	return r
}

// unlinkedListButton sends the full list of a daily digest of producers
// not linked to the bot, "<notification>": a brief digest's button. Its
// data is checked, not trusted: the notification must be such a digest,
// sent to this chat, the user still an official, and the digest's unit
// within their scope now.
func (e *Engine) unlinkedListButton(t *turn, arg string) error {
	id, ok := parseID(arg)
	if !ok {
		return e.oldButton(t)
	}
	off, ok, err := e.official(t)
	if !ok || err != nil {
		return err
	}
	n, _, err := e.records.Notification(t.ctx, id)
	switch {
	case errNotFound(err):
		return e.oldButton(t)
	case err != nil:
		return err
	case n.Kind != ocop.NoticeUnlinkedDigest:
		return e.oldButton(t)
	}
	var d ocop.UnlinkedDigestNotice
	if err := json.Unmarshal(n.Payload, &d); err != nil {
		return fmt.Errorf("decode %s notice %d: %w", n.Kind, n.ID, err)
	}
	if n.ChatID != t.chat.ID {
		// Another official's digest: the transport never signs such data
		// for this chat. Answered as an old button, and recorded.
		if err := e.records.RecordRefusal(t.ctx, ocop.Refusal{Actor: t.chat.UserID, Action: "ul", UnitID: d.UnitID, Day: d.Day}); err != nil {
			return err
		}
		return e.oldButton(t)
	}
	sc, ok, err := e.inScope(t, off, "ul", d.UnitID, e.dayOfTree(d.UnitID, d.Day))
	if !ok || err != nil {
		return err
	}
	doc, err := unlinkedWorkbook(t.p, d)
	if err != nil {
		return err
	}
	// The list has their phones: recorded before it is sent.
	if err := e.recordExportOf(t, sc, ocop.Export{Kind: ocop.ExportUnreachable, Rows: len(d.Items), Digest: n.ID}); err != nil {
		return err
	}
	t.res.Closes = 0 // the digest's buttons stay
	t.say(Reply{Text: t.p.T("notice.unlinked_digest_list", "Total", len(d.Items), "Date", day(d.Day)), Document: doc})
	return nil
}

// dayOfTree is day when the tree in force then holds unit id, else the
// first day of the tree that does: a former district official's digest
// names their district, which today's tree no longer has.
func (e *Engine) dayOfTree(id int64, day time.Time) time.Time {
	if e.atlas.Holds(e.atlas.At(day), id) {
		return day
	}
	return e.atlas.TreeOf(id).From
}

// unlinkedBrief is a brief daily digest: its head and counts by commune,
// no producer named, with the button that sends the full list (id is the
// digest's notification) and, for a province's official, the claim links'.
func (e *Engine) unlinkedBrief(p locales.Printer, id int64, d ocop.UnlinkedDigestNotice, head, communes, answers []string) Reply {
	rows := [][]Choice{{{Label: p.T("button.unlinked_list"), ID: globalData("ul", idArg(id))}}}
	if d.Total > 0 {
		rows = append(rows, e.claimLinksRows(p, d)...)
	}
	return Reply{Text: joinParts([][]string{head, communes, answers, {p.T("notice.unlinked_digest_brief")}}), Choices: rows}
}

// claimLinksRows is the claim links' button of a daily digest, for a
// province's official (nil for others).
func (e *Engine) claimLinksRows(p locales.Printer, d ocop.UnlinkedDigestNotice) [][]Choice {
	if !d.Links {
		return nil
	}
	return [][]Choice{{{Label: p.T("button.claim_links"), ID: globalData("lk", idArg(d.UnitID), dates.Compact(e.today()))}}}
}

// unlinkedWorkbook is a daily digest's workbook of every producer, with
// their phones.
func unlinkedWorkbook(p locales.Printer, d ocop.UnlinkedDigestNotice) (*Upload, error) {
	data, err := report.UnlinkedDigestWorkbook(d, p)
	if err != nil {
		return nil, fmt.Errorf("unlinked digest workbook: %w", err)
	}
	return &Upload{Name: "chua-lien-ket-" + dates.Compact(d.Day) + ".xlsx", Data: data}, nil
}
