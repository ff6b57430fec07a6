package bot

import (
	"context"
	"fmt"
	"log/slog"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/locales"
)

// SetCommands publishes the command menu every chat shows (a producer's,
// flows.DefaultMenu) in every language; Vietnamese is also the default for
// users whose language has none. Officials' chats get their own (applyMenu).
func (b *Bot) SetCommands(ctx context.Context) error {
	if b.api == nil {
		return nil // Zalo alone: it has no command menu
	}
	for _, lang := range append([]string{""}, locales.Languages...) {
		if _, err := b.api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: botCommands(flows.DefaultMenu(b.text.Printer(lang))),
			LanguageCode: lang}); err != nil {
			return fmt.Errorf("set commands (%q): %w", lang, err)
		}
	}
	return nil
}

func botCommands(cmds []flows.Command) []models.BotCommand {
	out := make([]models.BotCommand, len(cmds))
	for i, c := range cmds {
		out[i] = models.BotCommand{Command: c.Name, Description: c.Description}
	}
	return out
}

// applyMenu gives a chat the command menu its step asked for, in the
// chat's own scope (BotCommandScopeChat), for every language: the flows
// wrote it in the chat's. No commands removes the chat's scope, so it shows
// the default menu again.
//
// It is called after the step committed, outside the outbox: a menu is not
// a message the user is owed in order, and setting it twice is harmless. A
// call that fails (or a crash before it) leaves the chat's previous menu
// until the user's next /start sets it again; it is logged, and the step
// stands.
func (b *Bot) applyMenu(ctx context.Context, chatID int64, m *flows.Menu) {
	if m == nil || b.api == nil {
		return
	}
	scope := &models.BotCommandScopeChat{ChatID: chatID}
	var err error
	if len(m.Commands) == 0 {
		_, err = b.api.DeleteMyCommands(ctx, &tgbot.DeleteMyCommandsParams{Scope: scope})
	} else {
		_, err = b.api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: botCommands(m.Commands), Scope: scope})
	}
	if err != nil {
		b.log.WarnContext(ctx, "chat's command menu not set; its next /start sets it", slog.Int64("chat_id", chatID), errAttr(err))
	}
}
