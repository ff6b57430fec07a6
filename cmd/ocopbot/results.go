package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/report"
	unitsx "github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/locales"
	"github.com/ocopbot/ocopbot/storage"
)

// results imports council results, revokes a certificate or lists the
// products proposed to the central level:
//
//	ocopbot results import [--unit CODE --level province|district] [--lang vi] FILE
//	ocopbot results revoke --code OCOP-25-000123 --date 01/12/2026 --reason TEXT
//	ocopbot results proposals
//
// An import speaks for an office: the province or district with GSO code
// --unit (the stars it may recognise apply), or, without --unit, the
// central level. Rows outside its scope are refused like in the chat.
func results(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" && args[0] != "revoke" && args[0] != "proposals" {
		return fmt.Errorf("results: want `results import [--unit CODE --level province|district] FILE`, `results revoke --code CODE --date DD/MM/YYYY --reason TEXT` or `results proposals`: %w", errUsage)
	}
	fs := flag.NewFlagSet("results "+args[0], flag.ContinueOnError)
	unit := fs.String("unit", "", "GSO code of the office's unit; empty: central level")
	level := fs.String("level", "province", "level of --unit: province or district")
	lang := fs.String("lang", "vi", "language of the error list: vi or en")
	code := fs.String("code", "", "registration code (revoke)")
	date := fs.String("date", "", "first day the certificate no longer counts, DD/MM/YYYY (revoke)")
	reason := fs.String("reason", "", "reason told to the producer (revoke)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	if args[0] == "proposals" {
		return listProposals(ctx, store, stdout)
	}
	if args[0] == "revoke" {
		day, ok := dates.Parse(*date)
		if *code == "" || !ok || *reason == "" {
			return fmt.Errorf("results revoke: want --code CODE --date DD/MM/YYYY --reason TEXT: %w", errUsage)
		}
		if err := store.RevokeCertificate(ctx, *code, day, *reason, 0); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return fmt.Errorf("results revoke: %s has no certificate in force on %s", *code, dates.Format(day))
			}
			return err
		}
		fmt.Fprintf(stdout, "results: certificate of %s revoked from %s; the producer will be told\n", *code, dates.Format(day))
		return nil
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("results import: want one FILE (.xlsx or .csv): %w", errUsage)
	}
	path := fs.Arg(0)
	data, err := readImportFile(path)
	if err != nil {
		return fmt.Errorf("results import: %w", err)
	}
	off := ocop.Official{Role: ocop.RoleAdmin}
	if *unit != "" {
		lv := map[string]int{"province": 1, "district": 2}[*level]
		if lv == 0 {
			return fmt.Errorf("results import: --level must be province or district: %w", errUsage)
		}
		id, err := store.UnitIDByCode(ctx, *unit, lv, time.Now())
		if err != nil {
			return fmt.Errorf("results import: no %s with code %s in the unit tree in force: %w", *level, *unit, err)
		}
		off = ocop.Official{UnitID: id, Role: ocop.RoleForLevel(lv)}
	}
	atlas, err := store.Atlas(ctx)
	if err != nil {
		return err
	}
	p, err := printer(stderr, *lang)
	if err != nil {
		return err
	}
	rep, err := flows.ResultImport{Records: store, Importer: commandImporter(atlas)}.Run(ctx, off, filepath.Base(path), data, p)
	if err != nil {
		return err
	}
	if err := fileErrors(stderr, "results import", rep.Errors); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "results: %d recorded (%d certificates), %d already recorded, %d notifications queued\n",
		rep.Recorded.New, rep.Recorded.Certificates, rep.Recorded.Unchanged, rep.Recorded.Notifications)
	if n := rep.Recorded.Proposals; n > 0 {
		fmt.Fprintf(stdout, "results: %d recorded at the office's ceiling and proposed to the central level for 5 stars (see `ocopbot results proposals`)\n", n)
	}
	return nil
}

// listProposals prints, as CSV, the products proposed to the central level
// for 5★ and not decided yet: what the central level imports its results
// for (`results import` without --unit).
func listProposals(ctx context.Context, store *storage.Store, stdout io.Writer) error {
	list, _, err := store.Proposals(ctx, ocop.OfficeCentral, nil, math.MaxInt32)
	if err != nil {
		return err
	}
	w := csv.NewWriter(stdout)
	_ = w.Write([]string{"code", "product", "producer", "proposed_by", "score", "stars", "decision_no", "decision_date", "proposed_stars"})
	for _, p := range list {
		_ = w.Write([]string{p.Code, p.ProductName, p.ProducerName, p.Proposer, strconv.FormatFloat(p.LastScore, 'f', -1, 64),
			strconv.Itoa(p.LastStars), p.LastDecisionNo, dates.Format(p.LastDecisionDate), strconv.Itoa(p.Stars)})
	}
	w.Flush()
	return w.Error()
}

// printer renders the commands' messages in lang; the catalogue's own
// warnings go to stderr.
func printer(stderr io.Writer, lang string) (locales.Printer, error) {
	text, err := locales.Load(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return locales.Printer{}, err
	}
	return text.Printer(lang), nil
}

// commandImporter reads files within the command line's budget: more rows
// than in the chat (a national registry), the memory still bounded.
func commandImporter(atlas *unitsx.Atlas) flows.Importer {
	return flows.Importer{Atlas: atlas, Budget: report.CommandBudget}
}

// readImportFile reads a file to import, refusing one over the command
// line's budget before reading it (report.ReadTable would refuse it after).
func readImportFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if max := report.CommandBudget.Bytes; fi.Size() > max {
		return nil, fmt.Errorf("%s is %d MB, more than the %d MB a file may have: import it in parts", path, fi.Size()>>20, max>>20)
	}
	return io.ReadAll(io.LimitReader(f, report.CommandBudget.Bytes+1))
}

// fileErrors lists a refused file's bad rows on stderr and fails the
// command; nil when there are none.
func fileErrors(stderr io.Writer, what string, errs []string) error {
	if len(errs) == 0 {
		return nil
	}
	for _, e := range errs {
		fmt.Fprintln(stderr, e)
	}
	return fmt.Errorf("%s: %d errors; nothing was written", what, len(errs))
}
