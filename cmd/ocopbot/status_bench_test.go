package main

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/ocop"
	vnunits "github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/locales"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// benchDay is the day the status benchmarks ask about.
var benchDay = time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)

// nationalStore opens the national dataset: all 10,040 units of the
// three-level tree, 100,000 producers, 200,000 products and 300,000
// certificates. It is generated once (about 15 s) into BENCH_DATABASE_URL
// (default database ocopbot_bench) and reused while the schema matches.
func nationalStore(b *testing.B) *storage.Store {
	b.Helper()
	ctx := context.Background()
	url := os.Getenv("BENCH_DATABASE_URL")
	if url == "" {
		u, err := storagetest.DatabaseURL("ocopbot_bench")
		if err != nil {
			b.Fatal(err)
		}
		url = u
	}
	if err := storage.EnsureDatabase(ctx, url); err != nil {
		b.Fatal(err)
	}
	store, err := storage.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(store.Close)
	if v, err := store.SchemaVersion(ctx); err == nil && v != storage.LatestSchemaVersion() {
		// A dataset of an older schema: start again.
		if _, err := store.Pool().Exec(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := store.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if n, err := store.CountUnits(ctx); err != nil {
		b.Fatal(err)
	} else if n == 0 {
		f, err := os.Open(storagetest.DataFile(b, "vn-units-2025-03.csv"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if _, err := store.ImportUnits(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
	var generated int
	if err := store.Pool().QueryRow(ctx, `SELECT count(*) FROM producers p WHERE `+generatedProducer).Scan(&generated); err != nil {
		b.Fatal(err)
	}
	if generated == 0 {
		start := time.Now()
		if _, err := generateData(ctx, store, National); err != nil {
			b.Fatal(err)
		}
		b.Logf("national dataset generated in %s", time.Since(start).Round(time.Millisecond))
	}
	return store
}

// BenchmarkStatus measures /status as an official gets it (the engine with
// the real store: the official, the counts, the rollup against quotas, the
// expiring list, the pending count and the text) on the national dataset,
// for districts, provinces and the whole country, and the province XLSX.
// It reports the median and the 99th percentile of the calls.
//
//	go test -run '^$' -bench Status -benchtime 200x ./cmd/ocopbot/
func BenchmarkStatus(b *testing.B) {
	ctx := context.Background()
	store := nationalStore(b)
	atlas, err := store.Atlas(ctx)
	if err != nil {
		b.Fatal(err)
	}
	groups, err := store.ProductGroups(ctx)
	if err != nil {
		b.Fatal(err)
	}
	text, err := locales.Load(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	engine := flows.New(flows.Config{Records: store, Atlas: atlas, Groups: groups, Text: text,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return benchDay }})

	tree := atlas.At(benchDay).Units
	provinces := tree.Children(0)
	var districts []vnunits.Unit
	for _, p := range provinces {
		districts = append(districts, tree.Children(p.ID)...)
	}
	// Every 14th district (50 of them) and the provinces by size, largest
	// first: the heaviest are measured.
	var sample []vnunits.Unit
	for i := 0; i < len(districts); i += 14 {
		sample = append(sample, districts[i])
	}
	communes := func(u vnunits.Unit) int { return len(vnunits.Communes(tree, u.ID)) }
	slices.SortFunc(provinces, func(a, b vnunits.Unit) int { return cmp.Compare(communes(b), communes(a)) })

	users := map[int64]int64{} // unit → bound official
	official := func(unitID int64, role ocop.Role) int64 {
		if u, ok := users[unitID]; ok {
			return u
		}
		user := 800_000_000 + int64(len(users)) // a rerun binds it again: redeeming replaces the binding
		code, err := store.CreateInvite(ctx, unitID, role, 0, time.Hour)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := store.RedeemInvite(ctx, code, user, user); err != nil {
			b.Fatal(err)
		}
		users[unitID] = user
		return user
	}
	run := func(b *testing.B, units []vnunits.Unit, role ocop.Role, in func(vnunits.Unit) flows.Input) {
		var took []time.Duration
		i := 0
		for b.Loop() {
			u := units[i%len(units)]
			i++
			user := official(u.ID, role)
			chat := &flows.Chat{ID: user, UserID: user, Locale: "vi"}
			start := time.Now()
			_, res, err := engine.Handle(ctx, chat, nil, in(u))
			took = append(took, time.Since(start))
			if err != nil || len(res.Replies) == 0 {
				b.Fatalf("%s: %v, %d replies", u.Name, err, len(res.Replies))
			}
		}
		reportLatency(b, took)
	}
	status := func(vnunits.Unit) flows.Input { return flows.Input{Kind: flows.InputCommand, Command: "status"} }

	// Bind the officials before timing: binding is not what is measured.
	for _, u := range sample {
		official(u.ID, ocop.RoleDistrict)
	}
	for _, u := range provinces {
		official(u.ID, ocop.RoleProvince)
	}
	b.Run("district", func(b *testing.B) { run(b, sample, ocop.RoleDistrict, status) })
	b.Run("province", func(b *testing.B) { run(b, provinces, ocop.RoleProvince, status) })
	b.Run("country", func(b *testing.B) {
		run(b, []vnunits.Unit{{ID: 0, Name: "cả nước"}}, ocop.RoleAdmin, status)
	})
	b.Run("xlsx-province", func(b *testing.B) {
		largest := provinces[:5]
		run(b, largest, ocop.RoleProvince, func(u vnunits.Unit) flows.Input {
			return flows.Input{Kind: flows.InputButton, Data: "x|xl|" + strconv.FormatInt(u.ID, 10) + "|" + benchDay.Format("20060102")}
		})
	})
}

// reportLatency reports the median, 99th percentile and maximum of took.
func reportLatency(b *testing.B, took []time.Duration) {
	if len(took) == 0 {
		return
	}
	slices.Sort(took)
	at := func(q float64) float64 {
		return float64(took[min(len(took)-1, int(q*float64(len(took))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(at(1), "max-ms")
	b.ReportMetric(0, "ns/op") // the percentiles say it better
}
