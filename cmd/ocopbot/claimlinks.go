package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/ocopbot/ocopbot/bot"
	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/report"
	"github.com/ocopbot/ocopbot/storage"
)

// registryLinks writes the printable claim links of a province's producers
// not linked to the bot yet, or revokes one:
//
//	ocopbot registry links --province 79 [--out FILE] [--bot NAME] [--ttl 1440h]
//	ocopbot registry links --revoke CODE
func registryLinks(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("registry links", flag.ContinueOnError)
	province := fs.String("province", "", "GSO code of the province (e.g. 79 for Thành phố Hồ Chí Minh)")
	out := fs.String("out", "", "the XLSX to write (default: lien-ket-ocop-<code>.xlsx)")
	botName := fs.String("bot", "", "bot username for the links (default: asked from Telegram with TELEGRAM_BOT_TOKEN)")
	ttl := fs.Duration("ttl", storage.DefaultClaimLinkTTL, "how long the links stay usable")
	revoke := fs.String("revoke", "", "revoke this unused claim code (the part after ?start=)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if (*revoke == "") == (*province == "") || *ttl <= 0 {
		return fmt.Errorf("registry links: want --province CODE [--out FILE], or --revoke CODE: %w", errUsage)
	}
	if *revoke != "" {
		return revokeCode(ctx, cfg, stdout, "claim link revoked", func(store *storage.Store) error { return store.RevokeClaimLink(ctx, *revoke, 0) })
	}
	store, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	n, file, err := writeClaimLinks(ctx, store, *province, *out, *botName, cfg, *ttl, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d claim links written to %s, usable once each for %s\n", n, file, ttl.String())
	return nil
}

// writeClaimLinks makes the links of a province, in the unit tree in force
// today (its communes and those merged into them), and writes the workbook.
func writeClaimLinks(ctx context.Context, store *storage.Store, province, out, botName string, cfg Config, ttl time.Duration, stderr io.Writer) (int, string, error) {
	now := time.Now()
	unitID, err := store.UnitIDByCode(ctx, province, 1, now)
	if err != nil {
		return 0, "", fmt.Errorf("registry links: no province with code %s in the unit tree in force: %w", province, err)
	}
	atlas, err := store.Atlas(ctx)
	if err != nil {
		return 0, "", err
	}
	claims, err := store.ClaimLinksForCommunes(ctx, atlas.Sources(atlas.At(dates.LocalDay(now)), unitID), province, 0, ttl)
	if err != nil {
		return 0, "", err
	}
	if botName == "" && cfg.BotToken != "" {
		if api, err := tgbot.New(cfg.BotToken, tgbot.WithServerURL(cfg.APIURL), tgbot.WithSkipGetMe()); err == nil {
			if me, err := api.GetMe(ctx); err == nil {
				botName = me.Username
			}
		}
	}
	links := bot.NewTelegramLinks(botName)
	rows := make([]report.ClaimLinkRow, len(claims))
	for i, l := range claims {
		url := links.StartLink(l.Code)
		if url == "" {
			url = "/start " + l.Code
		}
		rows[i] = report.ClaimLinkRow{ClaimLink: l, URL: url}
	}
	p, err := printer(stderr, "vi")
	if err != nil {
		return 0, "", err
	}
	xlsx, err := report.ClaimLinks(rows, atlas, dates.LocalDay(now), dates.Format(dates.LocalDay(now.Add(ttl))), p)
	if err != nil {
		return 0, "", fmt.Errorf("write claim links: %w", err)
	}
	if out == "" {
		out = "lien-ket-ocop-" + province + ".xlsx"
	}
	if err := store.RecordExport(ctx, ocop.Export{Kind: ocop.ExportClaimLinks, Operator: operator(), UnitID: unitID, Rows: len(claims)}); err != nil {
		return 0, "", err
	}
	// The file holds phone numbers: readable by its owner only.
	if err := os.WriteFile(out, xlsx, 0o600); err != nil {
		return 0, "", fmt.Errorf("write claim links: %w", err)
	}
	return len(claims), out, nil
}
