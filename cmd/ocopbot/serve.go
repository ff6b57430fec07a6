package main

import (
	"context"
	"errors"
	"log/slog"
)

// serve runs the bot for Telegram (long polling, or a webhook when
// WEBHOOK_URL is set), for Zalo (ZALO_BOT_TOKEN; ZALO_WEBHOOK_URL), or both.
func serve(ctx context.Context, cfg Config, log *slog.Logger) error {
	if cfg.BotToken == "" && cfg.ZaloToken == "" {
		return errors.New(`neither TELEGRAM_BOT_TOKEN nor ZALO_BOT_TOKEN is set.
  Telegram: talk to @BotFather, send /newbot, then export TELEGRAM_BOT_TOKEN='123456789:AA…'
  Zalo: create a bot on the Zalo Bot Platform, then export ZALO_BOT_TOKEN='…'
  then run the command again (either or both)`)
	}
	if cfg.WebhookURL != "" && cfg.BotToken == "" {
		return errors.New("WEBHOOK_URL is Telegram's: it needs TELEGRAM_BOT_TOKEN")
	}
	log.Info("starting ocopbot", append([]any{"version", version()}, cfg.describe()...)...)
	svc, err := startService(ctx, cfg, settings{token: cfg.BotToken, apiURL: cfg.APIURL}, log)
	if err != nil {
		return err
	}
	return svc.run(ctx)
}
