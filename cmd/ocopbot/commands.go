package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/report"
	"github.com/ocopbot/ocopbot/storage"
)

func migrate(ctx context.Context, cfg Config, stdout io.Writer) error {
	if err := storage.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	store, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	n, err := store.Migrate(ctx)
	if err != nil {
		return err
	}
	v, err := store.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "migrations: %d applied, schema at version %d\n", n, v)
	load, err := store.LoadEmbeddedUnits(ctx)
	if err != nil {
		return err
	}
	printUnitLoad(stdout, load)
	return nil
}

// printUnitLoad says what LoadEmbeddedUnits loaded, or that the units were
// already there.
func printUnitLoad(w io.Writer, load storage.UnitLoad) {
	if load.Empty() {
		fmt.Fprintln(w, "units: already stored, nothing loaded (`ocopbot units import FILE` updates them)")
		return
	}
	for _, res := range []*storage.UnitImport{load.ThreeLevel, load.TwoLevel} {
		if res != nil {
			fmt.Fprintf(w, "units: %s tree loaded from the embedded list: %d provinces, %d districts, %d communes\n",
				res.Tree, res.Provinces, res.Districts, res.Communes)
		}
	}
	if load.MergesLoaded {
		fmt.Fprintf(w, "units: %d merge links between the two trees loaded from the embedded list\n", load.Merges)
	}
}

func units(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		return fmt.Errorf("units: want `units import [--if-empty] FILE`: %w", errUsage)
	}
	args = args[1:]
	ifEmpty := len(args) > 0 && args[0] == "--if-empty"
	if ifEmpty {
		args = args[1:]
	}
	if len(args) != 1 {
		return fmt.Errorf("units import: want one FILE: %w", errUsage)
	}
	store, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	if ifEmpty {
		n, err := store.CountUnits(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			fmt.Fprintf(stdout, "units: %d already stored, nothing imported\n", n)
			return nil
		}
	}
	f, err := os.Open(args[0])
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("units import: %s does not exist (the lists in force are built in: `ocopbot migrate` loads them)", args[0])
	}
	if err != nil {
		return fmt.Errorf("units import: %w", err)
	}
	defer f.Close()
	if strings.HasSuffix(args[0], ".json") {
		n, err := store.ImportMerges(ctx, f)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "units: %d merge links between the two trees\n", n)
		return nil
	}
	res, err := store.ImportUnits(ctx, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "units: %s tree: %d provinces, %d districts, %d communes\n", res.Tree, res.Provinces, res.Districts, res.Communes)
	return nil
}

// quotas lists the targets or imports them from a CSV or XLSX file, all
// rows or none, as the administrator (any unit); errors are listed by line
// in Vietnamese.
func quotas(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "list" && (args[0] != "import" || len(args) != 2) {
		return fmt.Errorf("quotas: want `quotas list` or `quotas import FILE` (header %s): %w", storage.QuotaHeader, errUsage)
	}
	store, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	if args[0] == "import" {
		data, err := readImportFile(args[1])
		if err != nil {
			return fmt.Errorf("quotas import: %w", err)
		}
		atlas, err := store.Atlas(ctx)
		if err != nil {
			return err
		}
		p, err := printer(stderr, "vi")
		if err != nil {
			return err
		}
		rep, err := flows.QuotaImport{Records: store, Importer: commandImporter(atlas)}.Run(ctx, ocop.Official{Role: ocop.RoleAdmin},
			filepath.Base(args[1]), data, p)
		if err != nil {
			return err
		}
		if err := fileErrors(stderr, "quotas import", rep.Errors); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "quotas: %d rules imported, %d older rules ended or replaced\n", rep.Rules, rep.Replaced)
		return nil
	}
	qs, err := store.Quotas(ctx)
	if err != nil {
		return err
	}
	rows := [][]string{strings.Split(storage.QuotaHeader, ",")}
	for _, q := range qs {
		applies, enc, to := "self", "", ""
		if q.Below {
			applies = "below"
		}
		if q.Encouraged > 0 {
			enc = strconv.FormatFloat(q.Encouraged, 'f', -1, 64)
		}
		if !q.To.IsZero() {
			to = q.To.Format(time.DateOnly)
		}
		rows = append(rows, []string{q.UnitCode, strconv.Itoa(q.UnitLevel), applies, strings.Join(q.Kinds, "|"), string(q.Metric),
			strconv.FormatFloat(q.Minimum, 'f', -1, 64), enc, q.From.Format(time.DateOnly), to, q.Source})
	}
	if err := report.WriteCSV(stdout, rows); err != nil {
		return fmt.Errorf("quotas list: %w", err)
	}
	return nil
}
