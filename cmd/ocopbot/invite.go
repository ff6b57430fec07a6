package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
)

// invite creates (or revokes) an invitation for an official, for the
// administrator who starts the chain from the command line:
//
//	ocopbot invite --unit 79 --role province [--ttl 168h] [--bot NAME]
//	ocopbot invite --revoke CODE
func invite(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("invite", flag.ContinueOnError)
	unit := fs.String("unit", "", "GSO code of the unit (e.g. 79 for Thành phố Hồ Chí Minh)")
	role := fs.String("role", "", "commune or province (district only for a day before 1/7/2025)")
	ttl := fs.Duration("ttl", storage.DefaultInviteTTL, "how long the invitation stays usable")
	botName := fs.String("bot", "", "bot username for the link (default: asked from Telegram with TELEGRAM_BOT_TOKEN)")
	revoke := fs.String("revoke", "", "revoke this unused invitation code")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	r := ocop.Role(*role)
	if *revoke == "" && (!r.Valid() || (*unit == "") != (r == ocop.RoleAdmin) || *ttl <= 0) {
		return fmt.Errorf("invite: want --unit CODE --role commune|province, or --role admin alone [--ttl 168h]: %w", errUsage)
	}
	// Invitations are for the unit tree in force today: since 1/7/2025 it
	// has no districts, so a district invitation is refused with the reason.
	if *revoke == "" && !r.ActiveOn(time.Now()) {
		return fmt.Errorf("invite: %w", ocop.ErrRoleAbolished)
	}
	if *revoke != "" {
		return revokeCode(ctx, cfg, stdout, "invitation revoked", func(store *storage.Store) error { return store.RevokeInvite(ctx, *revoke, 0) })
	}
	store, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	var unitID int64
	if r != ocop.RoleAdmin {
		unitID, err = store.UnitIDByCode(ctx, *unit, r.Level(), time.Now())
		if err != nil {
			return fmt.Errorf("invite: no %s unit with code %s in the unit tree in force: %w", r, *unit, err)
		}
	}
	code, err := store.CreateInvite(ctx, unitID, r, 0, *ttl)
	if err != nil {
		return err
	}
	name := *botName
	if name == "" && cfg.BotToken != "" {
		if api, err := tgbot.New(cfg.BotToken, tgbot.WithServerURL(cfg.APIURL), tgbot.WithSkipGetMe()); err == nil {
			if me, err := api.GetMe(ctx); err == nil {
				name = me.Username
			}
		}
	}
	fmt.Fprintf(stdout, "Invitation for a %s official, valid %s, usable once:\n", r, ttl.String())
	if name != "" {
		fmt.Fprintf(stdout, "  https://t.me/%s?start=%s\n", name, code)
	} else {
		fmt.Fprintf(stdout, "  send the bot: /start %s\n  (or pass --bot NAME for a t.me link)\n", code)
	}
	return nil
}

// revokeCode revokes an unused single-use code (an invitation, a claim
// link) and says so.
func revokeCode(ctx context.Context, cfg Config, stdout io.Writer, done string, revoke func(*storage.Store) error) error {
	store, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := revoke(store); err != nil {
		return err
	}
	fmt.Fprintln(stdout, done)
	return nil
}
