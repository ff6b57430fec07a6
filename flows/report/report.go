// Package report draws an official's status as a chart (PNG, with gonum
// plot) and a workbook (XLSX, with excelize). It renders; the numbers come
// from ocop.BuildStatus and the records.
package report

import (
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/locales"
)

// Data is one unit's status with what the reports need besides.
type Data struct {
	Status   ocop.Status
	Sources  []int64 // the stored communes counted (nil: all)
	Until    time.Time
	Atlas    *units.Atlas // to name the communes of producers as they stood on the day
	Products []ocop.CertifiedProduct
	Groups   []ocop.ProductGroup
	// Unlinked are the producers of the unit not linked to the bot yet, for
	// officials to call; their sheet is left out when nil.
	Unlinked []ocop.UnlinkedProducer

	// Expiring are the products ending soonest of those Status counts as
	// expiring by Until, soonest first (the first few only).
	Expiring []ocop.CertifiedProduct
	Pending  int               // registrations waiting for a council on the day
	Renewals ocop.RenewalTally // answers to reminders
	Links    ocop.LinkTally    // producers linked to the bot on the day, and not
}

// CommuneName names commune id as it stood on day, and the unit above it,
// for every text and sheet that names a producer's commune: one merged
// since into a commune of the tree in force as "Xã Tân Thông Hội (cũ), nay
// thuộc Xã Củ Chi" (see units.Atlas.MergedInto) with its successor's
// parent, so that a report never gives a defunct name without what it is
// now; any other by its own name.
func CommuneName(p locales.Printer, a *units.Atlas, id int64, day time.Time) (commune, parent string) {
	if a == nil {
		return "", ""
	}
	u, ok := a.Unit(id)
	if !ok {
		return "", ""
	}
	if now, ok := a.MergedInto(a.At(day), id); ok {
		up, _ := a.Unit(now.ParentID)
		return p.T("unit.former", "Old", u.Name, "Now", now.Name), up.Name
	}
	up, _ := a.Unit(u.ParentID)
	return u.Name, up.Name
}
