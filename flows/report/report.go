// Package report draws an official's status as a chart (PNG, with gonum
// plot) and a workbook (XLSX, with excelize). It renders; the numbers come
// from ocop.BuildStatus and the records.
package report

import (
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/units"
)

// Data is one unit's status with what the reports need besides.
type Data struct {
	Status   ocop.Status
	Sources  []int64 // the stored communes counted (nil: all)
	Until    time.Time
	Tree     *units.Tree  // the unit tree in force on the day
	Atlas    *units.Atlas // to name the communes of products stored in another tree
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
