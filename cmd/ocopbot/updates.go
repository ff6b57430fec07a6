package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/storage"
)

// updatesCmd shows or forgets the updates set aside after their last try
// (a step failing by its own fault: bot.maxTries):
//
//	ocopbot updates held [--csv | --json] [--prefix P]
//	ocopbot updates drop ID | --all [--prefix P]
//
// The table never shows payloads — they may hold a phone, a tax code or an
// ID number; --json writes them, for whoever must reproduce the failure.
// A set-aside update is never tried again: dropping one only forgets it.
func updatesCmd(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "held" && args[0] != "drop" {
		return fmt.Errorf("updates: want `updates held` or `updates drop ID|--all`: %w", errUsage)
	}
	fs := flag.NewFlagSet("updates "+args[0], flag.ContinueOnError)
	prefix := fs.String("prefix", "", "Redis key prefix of the bot (default serve's; demo mode's is demo:)")
	asCSV := fs.Bool("csv", false, "write CSV instead of an aligned table (held)")
	asJSON := fs.Bool("json", false, "write one JSON object per update, its payload included (held)")
	all := fs.Bool("all", false, "drop every held update (drop)")
	ids, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	held := args[0] == "held"
	switch {
	case held && len(ids) > 0:
		return fmt.Errorf("updates held: unexpected %q: %w", ids[0], errUsage)
	case held && *asCSV && *asJSON:
		return fmt.Errorf("updates held: --csv or --json, not both: %w", errUsage)
	case !held && (len(ids) == 0) == !*all:
		return fmt.Errorf("updates drop: want IDs (from `updates held`) or --all: %w", errUsage)
	}
	rdb, err := storage.OpenRedis(ctx, cfg.RedisURL, storage.RedisOptions{Prefix: *prefix})
	if err != nil {
		return err
	}
	defer rdb.Close()
	if !held {
		return dropHeld(ctx, rdb, ids, *all, stdout)
	}
	list, err := rdb.HeldUpdates(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		for _, h := range list {
			if err := enc.Encode(struct {
				ID string `json:"id"`
				storage.HeldUpdate
			}{h.ID, h}); err != nil {
				return err
			}
		}
		return nil
	}
	rows := make([][]string, len(list))
	for i, h := range list {
		rows[i] = []string{h.ID, strconv.FormatInt(h.ChatID, 10), strconv.FormatInt(h.UpdateID, 10), h.Kind,
			strconv.Itoa(h.Tries), h.At.In(dates.Vietnam).Format("02/01/2006 15:04"), strconv.Itoa(len(h.Payload)), h.Reason}
	}
	return printTable(stdout, *asCSV, []string{"ID", "CHAT", "UPDATE", "KIND", "TRIES", "SET ASIDE", "BYTES", "REASON"}, rows)
}

// dropHeld forgets the held updates named, or all of them.
func dropHeld(ctx context.Context, rdb *storage.Redis, ids []string, all bool, stdout io.Writer) error {
	if all {
		n, err := rdb.DropAllHeld(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "updates: %d held updates dropped\n", n)
		return nil
	}
	for _, id := range ids {
		ok, err := rdb.DropHeld(ctx, id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("updates drop: no held update %s (`ocopbot updates held` lists them)", id)
		}
		fmt.Fprintf(stdout, "updates: %s dropped\n", id)
	}
	return nil
}

// parseInterspersed parses flags before, between and after the
// positional arguments, which it returns.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
