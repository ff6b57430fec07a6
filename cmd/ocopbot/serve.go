package main

import (
	"context"
	"errors"
	"log/slog"
)

// serve runs the bot for Telegram: long polling, or a webhook when
// WEBHOOK_URL is set.
func serve(ctx context.Context, cfg Config, log *slog.Logger) error {
	if cfg.BotToken == "" {
		return errors.New(`TELEGRAM_BOT_TOKEN is not set.
  1. In Telegram, talk to @BotFather, send /newbot and copy the token it gives.
  2. export TELEGRAM_BOT_TOKEN='123456789:AA…'   then run the command again`)
	}
	log.Info("starting ocopbot", append([]any{"version", version()}, cfg.describe()...)...)
	svc, err := startService(ctx, cfg, settings{token: cfg.BotToken, apiURL: cfg.APIURL}, log)
	if err != nil {
		return err
	}
	return svc.run(ctx)
}
