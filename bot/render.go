package bot

import (
	"github.com/go-telegram/bot/models"

	"github.com/ocopbot/ocopbot/flows"
)

// markup renders a reply's keyboard for chatID, its buttons' data signed;
// nil when it has none.
func markup(chatID int64, r flows.Reply, s signer) models.ReplyMarkup {
	switch {
	case len(r.Choices) > 0 && r.AskContact == "":
		kb := keyboard(r.Choices, func(b flows.Choice) models.InlineKeyboardButton {
			return models.InlineKeyboardButton{Text: b.Label, CallbackData: s.sign(chatID, b.ID)}
		})
		return &models.InlineKeyboardMarkup{InlineKeyboard: kb}
	case r.AskContact != "":
		// A reply keyboard: the contact key, then the choices as keys that
		// send their label, which the flows read as typed.
		kb := [][]models.KeyboardButton{{{Text: r.AskContact, RequestContact: true}}}
		kb = append(kb, keyboard(r.Choices, func(b flows.Choice) models.KeyboardButton {
			return models.KeyboardButton{Text: b.Label}
		})...)
		return &models.ReplyKeyboardMarkup{Keyboard: kb, ResizeKeyboard: true, OneTimeKeyboard: true}
	case r.EndContact:
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
