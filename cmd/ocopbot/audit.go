package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/report"
	"github.com/ocopbot/ocopbot/storage"
)

// auditCmd lists officials' actions from the audit log:
//
//	ocopbot audit [--unit CODE] [--since DD/MM/YYYY] [--actor ID] [--csv]
//
// --unit keeps the actions concerning that unit or a unit below it (the
// unit exported or invited to, else the acting official's own unit);
// --actor 0 (or cli) is the command line.
func auditCmd(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	unit := fs.String("unit", "", "GSO code of a unit: its actions and those of the units below it")
	since := fs.String("since", "", "first day, DD/MM/YYYY (Vietnam's time)")
	actor := fs.String("actor", "", "Telegram user ID of the official (0 or cli: the command line)")
	asCSV := fs.Bool("csv", false, "write CSV instead of an aligned table")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("audit: unexpected %q: %w", fs.Arg(0), errUsage)
	}
	var f storage.AuditFilter
	if *since != "" {
		day, ok := dates.Parse(*since)
		if !ok {
			return fmt.Errorf("audit: --since %q is not a day DD/MM/YYYY: %w", *since, errUsage)
		}
		f.Since = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, dates.Vietnam)
	}
	if *actor != "" {
		id, err := parseActor(*actor)
		if err != nil {
			return fmt.Errorf("audit: --actor: %v: %w", err, errUsage)
		}
		f.Actors = []int64{id}
	}
	store, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	entries, err := store.AuditLog(ctx, f)
	if err != nil {
		return err
	}
	if entries, err = inUnit(ctx, store, *unit, entries, func(e storage.AuditEntry) int64 { return e.UnitID }); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	header := []string{"WHEN", "ACTOR", "ROLE", "UNIT", "ACTION", "ENTITY", "DETAILS"}
	rows := make([][]string, len(entries))
	for i, e := range entries {
		entity := e.Entity
		if e.EntityID != 0 {
			entity += " " + strconv.FormatInt(e.EntityID, 10)
		}
		rows[i] = []string{e.At.In(dates.Vietnam).Format("02/01/2006 15:04:05"), actorName(e.Actor), string(e.ActorRole),
			unitLabel(e.UnitCode, e.UnitName), e.Action, entity, compactJSON(e.Details)}
	}
	return printTable(stdout, *asCSV, header, rows)
}

// parseActor reads a Telegram user ID, or "cli" (0) for the command line.
func parseActor(s string) (int64, error) {
	if s == "cli" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 {
		return 0, fmt.Errorf("%q is not a Telegram user ID", s)
	}
	return id, nil
}

// actorName is a user ID, or "cli" for the command line.
func actorName(id int64) string {
	if id == 0 {
		return "cli"
	}
	return strconv.FormatInt(id, 10)
}

// unitLabel is "79 Thành phố Hồ Chí Minh", "" for none.
func unitLabel(code, name string) string {
	return strings.TrimSpace(code + " " + name)
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// inUnit keeps the items whose unit (unitOf) is the unit with GSO code or
// lies below it; all of them when code is "". The unit is looked up at
// every level of every tree (a province keeps its code across the reform),
// and a unit of the other tree counts when all its communes do
// (units.Atlas.Within).
func inUnit[T any](ctx context.Context, store *storage.Store, code string, items []T, unitOf func(T) int64) ([]T, error) {
	if code == "" {
		return items, nil
	}
	atlas, err := store.Atlas(ctx)
	if err != nil {
		return nil, err
	}
	var roots []int64
	for _, t := range atlas.Trees() {
		for level := 1; level <= 3; level++ {
			if u, ok := t.Units.ByCode(code, level); ok {
				roots = append(roots, u.ID)
			}
		}
	}
	if len(roots) == 0 {
		return nil, fmt.Errorf("no unit with code %s", code)
	}
	return slices.DeleteFunc(items, func(item T) bool {
		id := unitOf(item)
		return id == 0 || !slices.ContainsFunc(roots, func(r int64) bool { return atlas.Within(r, id) })
	}), nil
}

// printTable writes rows under header as CSV, or as a table aligned for a
// terminal.
func printTable(w io.Writer, asCSV bool, header []string, rows [][]string) error {
	if asCSV {
		return report.WriteCSV(w, append([][]string{header}, rows...))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range append([][]string{header}, rows...) {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// operator is who runs the command line, for the audit log's rows of
// exports and revocations made there.
func operator() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}
