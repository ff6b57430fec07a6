package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/storage"
)

// officials lists the active officials or ends one's access:
//
//	ocopbot officials list [--unit CODE] [--csv]
//	ocopbot officials revoke --user ID
//
// A revoked official's next command is answered as for anyone who is not
// an official; the revocation is in the audit log.
func officials(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "list" && args[0] != "revoke" {
		return fmt.Errorf("officials: want `officials list [--unit CODE]` or `officials revoke --user ID`: %w", errUsage)
	}
	fs := flag.NewFlagSet("officials "+args[0], flag.ContinueOnError)
	unit := fs.String("unit", "", "GSO code of a unit: its officials and those of the units below it (list)")
	asCSV := fs.Bool("csv", false, "write CSV instead of an aligned table (list)")
	userID := fs.Int64("user", 0, "Telegram user ID of the official (revoke)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("officials %s: unexpected %q: %w", args[0], fs.Arg(0), errUsage)
	}
	store, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	if args[0] == "revoke" {
		if *userID <= 0 {
			return fmt.Errorf("officials revoke: want --user ID: %w", errUsage)
		}
		off, err := store.RevokeOfficial(ctx, *userID, 0, operator())
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("officials revoke: user %d is no active official", *userID)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "officials: access of %d (%s) ended; their next command is answered as for anyone\n", off.UserID, off.Role)
		return nil
	}
	list, err := store.Officials(ctx)
	if err != nil {
		return err
	}
	if list, err = inUnit(ctx, store, *unit, list, func(o storage.OfficialListing) int64 { return o.UnitID }); err != nil {
		return fmt.Errorf("officials list: %w", err)
	}
	rows := make([][]string, len(list))
	for i, o := range list {
		rows[i] = []string{strconv.FormatInt(o.UserID, 10), string(o.Role), unitLabel(o.UnitCode, o.UnitName),
			dates.Format(o.Since.In(dates.Vietnam))}
	}
	return printTable(stdout, *asCSV, []string{"USER", "ROLE", "UNIT", "SINCE"}, rows)
}
