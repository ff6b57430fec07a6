package bot

import (
	"github.com/go-telegram/bot/models"

	"github.com/ocopbot/ocopbot/flows"
)

// markup renders a reply's keyboard; nil when it has none.
func markup(r flows.Reply) models.ReplyMarkup {
	switch {
	case len(r.Buttons) > 0:
		kb := make([][]models.InlineKeyboardButton, len(r.Buttons))
		for i, row := range r.Buttons {
			kb[i] = make([]models.InlineKeyboardButton, len(row))
			for j, b := range row {
				kb[i][j] = models.InlineKeyboardButton{Text: b.Label, CallbackData: b.Data}
			}
		}
		return &models.InlineKeyboardMarkup{InlineKeyboard: kb}
	case len(r.Keyboard) > 0:
		kb := make([][]models.KeyboardButton, len(r.Keyboard))
		for i, row := range r.Keyboard {
			kb[i] = make([]models.KeyboardButton, len(row))
			for j, b := range row {
				kb[i][j] = models.KeyboardButton{Text: b.Label, RequestContact: b.RequestContact}
			}
		}
		return &models.ReplyKeyboardMarkup{Keyboard: kb, ResizeKeyboard: true, OneTimeKeyboard: true}
	case r.RemoveKeyboard:
		return &models.ReplyKeyboardRemove{RemoveKeyboard: true}
	}
	return nil
}
