// Command ocopbot is the OCOP Telegram bot: one binary that serves the bot,
// migrates the database and imports administrative units.
//
//	ocopbot serve                      run the bot (long polling, or webhook when WEBHOOK_URL is set)
//	ocopbot demo                       run with no Telegram account: emulator, web chat, demo data
//	ocopbot emulator [--limits]        the Bot API emulator and its web chat alone
//	ocopbot emulator --zalo [--limits] the Zalo Bot API emulator alone
//	ocopbot loadtest --chats N …       simulated producers against the emulator, timed
//	ocopbot statusload --invite CODE   an official's /status against the emulator, timed
//	ocopbot migrate                    apply database migrations; load the embedded units when missing
//	ocopbot invite --unit CODE --role ROLE   invite an official; --revoke CODE revokes
//	ocopbot officials list | revoke --user ID   the officials; end one's access
//	ocopbot audit [--unit CODE] [--since DD/MM/YYYY] [--actor ID] [--csv]   officials' actions
//	ocopbot updates held | drop ID|--all   updates set aside after their last try
//	ocopbot units import [--if-empty] FILE   import an administrative-unit CSV or the merges JSON
//	ocopbot quotas list | import FILE  show or set the targets
//	ocopbot results import FILE        record council results (XLSX/CSV); results revoke …
//	ocopbot registry links --province CODE   claim links with QR codes; --revoke CODE revokes
//	ocopbot registry import FILE       a province's OCOP registry (XLSX/CSV); registry export | template
//	ocopbot generate                   a national dataset for benchmarks
//	ocopbot version [--licenses]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/ocopbot/ocopbot/storage/unitdata"
)

const usage = `usage:
  ocopbot serve                            run the bot
  ocopbot demo                             run with no Telegram account: a Bot API emulator,
                                           a web chat at HTTP_ADDR and demo data
  ocopbot emulator [--limits]              serve the Bot API emulator and its web chat alone,
                                           with its control API under /emulator/
  ocopbot emulator --zalo [--limits]       serve the Zalo Bot API emulator alone, with its
                                           users, chats and stats under /zalo/
  ocopbot loadtest [--chats 50]            simulated producers registering products through
         [--think 0s] [--duration 30s]     the emulator's user API while a separate serve
         [--emulator URL] [--out json]     answers; prints replies/s, the wait from an action
         [--chat-base ID] [--phase P]      to its reply (p50…max), errors, messages per
         [--ramp 10s] [--finish]           registration, calls per action and 429s;
                                           --phase new: new producers, from /dangky
  ocopbot statusload --invite CODE         an official (the invitation redeemed in the chat)
         [--command /status] [--calls 50]  sending a command through the emulator again and
         [--chat ID] [--out json]          again; prints p50, p99, max from sent to reply
  ocopbot migrate                          apply database migrations and load the unit lists
                                           built into the binary that are missing
  ocopbot invite --unit CODE --role ROLE   invite an official (commune, district, province;
         [--ttl 168h] [--bot NAME]         --role admin needs no unit); --revoke CODE revokes
  ocopbot officials list [--unit CODE]     the active officials (of a unit and those below it):
         [--csv]                           user ID, role, unit, since when
  ocopbot officials revoke --user ID       end an official's access; recorded in the audit log
  ocopbot audit [--unit CODE]              officials' actions from the audit log (invitations,
         [--since DD/MM/YYYY] [--actor ID] bindings, results, revocations, imports, exports of
         [--csv]                           personal data): a table, or CSV; --actor 0 is the CLI
  ocopbot updates held [--csv|--json]      updates set aside after failing three tries by their own
         [--prefix P]                      fault (not an outage): ID, chat, update, kind, tries, when,
                                           why; --json adds the payloads (personal data)
  ocopbot updates drop ID...|--all         forget held updates (they are never tried again)
  ocopbot units import [--if-empty] FILE   import administrative units (CSV), or the July 2025
                                           merges between the two trees (JSON)
  ocopbot quotas list | import FILE        show the targets, or upsert them from a CSV
  ocopbot results import [--unit CODE      record council results from an XLSX/CSV file (columns:
         --level province|district] FILE   Mã hồ sơ, Điểm, Số quyết định, Ngày quyết định), all
                                           or none; without --unit, as the central level
  ocopbot results revoke --code CODE       revoke a certificate from a day and tell the producer
         --date DD/MM/YYYY --reason TEXT
  ocopbot results proposals                products proposed to the central level for 5★ and not
                                           decided yet (CSV)
  ocopbot registry links --province CODE  a printable XLSX of single-use claim links with QR
         [--out FILE] [--bot NAME]         codes for the province's producers not linked yet;
                                           --revoke CODE revokes one
  ocopbot registry import [--province     import a province's registry of recognised products
         CODE] FILE                        (XLSX/CSV), all or none; --province: only its units
  ocopbot registry export [--province      write the registry (all certificates, or those valid
         CODE] [--day DD/MM/YYYY] [--out F]  on --day) in the same format
  ocopbot registry template [--out FILE]   an empty registry file with instructions
  ocopbot generate [--producers N]         fill DATABASE_URL with a national test dataset;
         [--unlinked SHARE]                --unlinked: the share of producers left as a registry
                                           import leaves them, not linked to the bot (0 to 1)
  ocopbot version [--licenses]             print the version (and the licences of the embedded
                                           unit lists)

Settings come from the environment:
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ocopbot:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("see usage above")

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printUsage(stderr)
		return errUsage
	}
	if args[0] == "version" {
		return versionCmd(args[1:], stdout)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := newLogger(stderr, cfg.LogFormat)
	// A CPU profile of the whole run of the processes of a benchmark
	// (scripts/bench-serve.sh): the bot, the emulator, the load generator.
	if path := getenv("OCOPBOT_CPUPROFILE"); path != "" && (args[0] == "serve" || args[0] == "emulator" || args[0] == "loadtest") {
		stop, err := cpuProfile(path)
		if err != nil {
			return err
		}
		defer stop()
	}
	switch args[0] {
	case "demo":
		cfg.DatabaseURL = cfg.DemoDatabaseURL
		return demo(ctx, cfg, args[1:], log, stdout)
	case "serve":
		tuneGC(getenv)
		return serve(ctx, cfg, log)
	case "emulator":
		return emulatorCmd(ctx, cfg, args[1:], stdout)
	case "loadtest":
		return loadtest(ctx, cfg, args[1:], stdout, stderr)
	case "statusload":
		return statusload(ctx, cfg, args[1:], stdout)
	case "invite":
		return invite(ctx, cfg, args[1:], stdout)
	case "officials":
		return officials(ctx, cfg, args[1:], stdout)
	case "audit":
		return auditCmd(ctx, cfg, args[1:], stdout)
	case "updates":
		return updatesCmd(ctx, cfg, args[1:], stdout)
	case "migrate":
		return migrate(ctx, cfg, stdout)
	case "units":
		return units(ctx, cfg, args[1:], stdout)
	case "quotas":
		return quotas(ctx, cfg, args[1:], stdout, stderr)
	case "results":
		return results(ctx, cfg, args[1:], stdout, stderr)
	case "registry":
		if len(args) > 1 && args[1] == "links" {
			return registryLinks(ctx, cfg, args[2:], stdout, stderr)
		}
		return registry(ctx, cfg, args[1:], stdout, stderr)
	case "generate":
		return generate(ctx, cfg, args[1:], stdout)
	}
	printUsage(stderr)
	return errUsage
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, usage)
	for _, o := range new(Config).options() {
		def := o.def
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(w, "  %-20s %s; default %s\n", o.name, o.help, def)
	}
}

// parseFlags parses a subcommand's flags without printing: a mistake is a
// usage error naming the subcommand.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%s: %v: %w", fs.Name(), err, errUsage)
	}
	return nil
}

// versionCmd prints the version and, with --licenses, the notices of the
// data built into the binary.
func versionCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	licenses := fs.Bool("licenses", false, "print the licence notices of the embedded data")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "ocopbot", version())
	if !*licenses {
		return nil
	}
	fmt.Fprintln(stdout, "\nThe binary carries Vietnam's public lists of administrative units, under these licences:")
	for _, l := range unitdata.Licenses() {
		fmt.Fprintf(stdout, "\n== %s\n   covers: %s\n\n%s", l.Source, l.Covers, l.Text)
		if !strings.HasSuffix(l.Text, "\n") {
			fmt.Fprintln(stdout)
		}
	}
	return nil
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return s.Value[:12]
			}
		}
		if bi.Main.Version != "" {
			return bi.Main.Version
		}
	}
	return "dev"
}

// cpuProfile writes a CPU profile to path until stop is called.
func cpuProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// tuneGC collects garbage less often than Go's default unless GOGC or
// GOMEMLIMIT say otherwise. The service's live heap is small (the unit
// index and the chats in hand, tens of MB) and its garbage is per update:
// collecting at every doubling spent about a tenth of its CPU on GC under
// load. Collecting at five times the live heap, within a soft limit of
// 512 MiB, trades some memory for that CPU.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" && getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(400)
		debug.SetMemoryLimit(512 << 20)
	}
}
