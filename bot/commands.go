package bot

import (
	"context"
	"fmt"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ocopbot/ocopbot/locales"
)

// commands is the menu Telegram shows; names are ASCII, descriptions localised.
var commands = []string{"start", "dangky", "hoso", "nhanhoso", "dulieu", "xoadulieu", "huy", "ngonngu", "trogiup"}

// SetCommands publishes the command menu in every language; Vietnamese is
// also the default for users whose language has none.
func (b *Bot) SetCommands(ctx context.Context) error {
	for _, lang := range append([]string{""}, locales.Languages...) {
		p := b.text.Printer(lang)
		cmds := make([]models.BotCommand, len(commands))
		for i, c := range commands {
			cmds[i] = models.BotCommand{Command: c, Description: p.T("command." + c)}
		}
		if _, err := b.api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: cmds, LanguageCode: lang}); err != nil {
			return fmt.Errorf("set commands (%q): %w", lang, err)
		}
	}
	return nil
}
