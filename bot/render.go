package bot

import (
	"github.com/go-telegram/bot/models"

	"github.com/ocopbot/ocopbot/flows"
)

// markup renders a reply's keyboard for chatID, its buttons' data signed;
// nil when it has none.
func markup(chatID int64, r flows.Reply, s signer) models.ReplyMarkup {
	switch {
	case len(r.Buttons) > 0:
		kb := keyboard(r.Buttons, func(b flows.Button) models.InlineKeyboardButton {
			return models.InlineKeyboardButton{Text: b.Label, CallbackData: s.sign(chatID, b.Data)}
		})
		return &models.InlineKeyboardMarkup{InlineKeyboard: kb}
	case len(r.Keyboard) > 0:
		kb := keyboard(r.Keyboard, func(b flows.KeyButton) models.KeyboardButton {
			return models.KeyboardButton{Text: b.Label, RequestContact: b.RequestContact}
		})
		return &models.ReplyKeyboardMarkup{Keyboard: kb, ResizeKeyboard: true, OneTimeKeyboard: true}
	case r.RemoveKeyboard:
		return &models.ReplyKeyboardRemove{RemoveKeyboard: true}
	}
	return nil
}

// keyboard renders rows of buttons, each with render.
func keyboard[B, T any](rows [][]B, render func(B) T) [][]T {
	kb := make([][]T, len(rows))
	for i, row := range rows {
		kb[i] = make([]T, len(row))
		for j, b := range row {
			kb[i][j] = render(b)
		}
	}
	return kb
}
