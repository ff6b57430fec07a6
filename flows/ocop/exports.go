package ocop

import "time"

// ExportKind names a file or list of producers' personal data (phones)
// that someone took out of the bot.
type ExportKind string

// Exports of personal data, each recorded in the audit log as
// "export.<kind>" (Law 91/2025/QH15: exports of personal data stay
// traceable).
const (
	ExportStatusWorkbook ExportKind = "status_workbook" // /status's XLSX: its sheet of unlinked producers has their phones
	ExportClaimLinks     ExportKind = "claim_links"     // printable claim links (chat button, `ocopbot registry links`)
	ExportUnreachable    ExportKind = "unreachable"     // /giahan's producers a reminder could not reach, with their phones
	ExportRegistry       ExportKind = "registry"        // `ocopbot registry export`: the registry with representatives and phones
)

// Export is one export of personal data: who took it, what, for which unit
// and how many rows. It never holds the data itself.
type Export struct {
	Kind     ExportKind
	Actor    int64  // the official's Telegram user; 0: the command line
	Operator string // who ran the command line (the system user); "" in the chat
	UnitID   int64  // the unit exported; 0: the country
	Area     bool   // UnitID is a former district, exported as the area of today's communes it became
	Rows     int    // rows of producers with a phone
	Products int    // other rows (certified products), when the file has them
	Digest   int64  // the daily digest (its notification) whose full list the official asked for; 0: none
}

// Refusal is a unit asked for outside the asker's scope (a forged button, a
// unit of another tree): recorded in the audit log as "scope.refused".
type Refusal struct {
	Actor  int64     // the Telegram user who asked
	Action string    // what they asked for: the button's or command's action
	UnitID int64     // the unit id as asked, whatever it names
	Day    time.Time // the day it was asked for
}
