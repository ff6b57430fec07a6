package flows

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/report"
	"github.com/ocopbot/ocopbot/flows/vntext"
)

// ClaimRecords are what claims read and write.
type ClaimRecords interface {
	UnclaimedByPhone(ctx context.Context, phone string) ([]ocop.ClaimCandidate, error)
	CreateClaimLinks(ctx context.Context, producers []int64, createdBy int64, ttl time.Duration) ([]string, error)
	// OfferClaimLink is the producer of a link, now offered to userID: only
	// the user a link was last offered to may confirm it.
	OfferClaimLink(ctx context.Context, code string, userID int64) (ocop.ClaimCandidate, error)
	Claim(ctx context.Context, code string, userID, chatID int64) (ocop.ClaimCandidate, error)
	OwnsProducer(ctx context.Context, userID int64) (bool, error)
	RegistryProductsByOwner(ctx context.Context, userID int64) ([]ocop.ClaimProduct, error)
	// LinkTally and UnlinkedProducers read the producers as they stood
	// on day; the zero day is now (see asOf).
	LinkTally(ctx context.Context, day time.Time, communes []int64) (ocop.LinkTally, error)
	UnlinkedProducers(ctx context.Context, day time.Time, communes []int64) ([]ocop.UnlinkedProducer, error)
	ClaimLinksForCommunes(ctx context.Context, communes []int64, province string, createdBy int64, ttl time.Duration) ([]ocop.ClaimLink, error)
}

// ClaimLinkTTL is how long a printed claim link stays usable.
const ClaimLinkTTL = 60 * 24 * time.Hour

// mayPrintLinks reports whether off may print the claim links of the unit
// of a status: a province's officials (and the administrator), for a
// province.
func mayPrintLinks(off ocop.Official, st ocop.Status) bool {
	return (off.Role == ocop.RoleProvince || off.Role == ocop.RoleAdmin) && st.Unit.ID != 0 && st.Unit.Level == 1
}

// StartLinks makes the links that open the bot with a start code (an
// invitation, a claim): the channel's deep link, or "" when it has none
// and the user types "/start <code>".
type StartLinks interface {
	StartLink(code string) string
}

// startLink is the link that opens code in the bot, or what to type.
func (e *Engine) startLink(code string) string {
	if e.links != nil {
		if l := e.links.StartLink(code); l != "" {
			return l
		}
	}
	return "/start " + code
}

// sendClaimLinks answers the /status button of a province: a workbook with
// a new single-use link and its QR code for every producer of the province
// not linked to the bot yet, to print for a training day.
func (e *Engine) sendClaimLinks(t *turn, off ocop.Official, sc scoped) error {
	d, err := e.measure(t.ctx, t.p, sc)
	if err != nil {
		return err
	}
	if !mayPrintLinks(off, d.Status) {
		t.say(Reply{Text: t.p.T("status.out_of_scope")})
		return nil
	}
	links, err := e.records.ClaimLinksForCommunes(t.ctx, d.Sources, d.Status.Unit.Code, t.chat.UserID, ClaimLinkTTL)
	if err != nil {
		return err
	}
	if len(links) == 0 {
		t.say(Reply{Text: t.p.T("status.links_none", "Unit", d.Status.Unit.Name)})
		return nil
	}
	rows := make([]report.ClaimLinkRow, len(links))
	for i, l := range links {
		rows[i] = report.ClaimLinkRow{ClaimLink: l, URL: e.startLink(l.Code)}
	}
	until := dates.Format(dates.LocalDay(e.now().Add(ClaimLinkTTL)))
	// The links are used from today, whatever day the status was of: the
	// communes are named as they are now.
	xlsx, err := report.ClaimLinks(rows, e.atlas, e.today(), until, t.p)
	if err != nil {
		return fmt.Errorf("write claim links: %w", err)
	}
	if err := e.recordExport(t, ocop.ExportClaimLinks, sc, len(links), 0); err != nil {
		return err
	}
	e.log.InfoContext(t.ctx, "claim links printed", slog.Int64("unit_id", d.Status.Unit.ID), slog.Int("count", len(links)))
	name := "lien-ket-ocop-" + vntext.Slug(d.Status.Unit.Name) + ".xlsx"
	t.say(Reply{Text: t.p.T("status.links_caption", "Count", len(links), "Unit", d.Status.Unit.Name, "Date", until),
		Document: &Upload{Name: name, Data: xlsx}})
	return nil
}
