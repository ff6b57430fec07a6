package flows

// The language flow: /ngonngu offers the languages; a press (also the
// menu's "English" button) switches the chat and carries on where it was.

func (e *Engine) languageMenu(t *turn) error {
	t.say(Reply{Text: t.p.T("lang.choose"), Choices: [][]Choice{{
		{Label: "Tiếng Việt", ID: globalData("lang", "vi")},
		{Label: "English", ID: globalData("lang", "en")},
	}}})
	return nil
}

// chooseLanguage switches the chat to lang, then asks the current step
// again in it, or shows the menu.
func (e *Engine) chooseLanguage(t *turn, lang string) error {
	if !e.text.Supported(lang) {
		return e.oldButton(t)
	}
	t.chat.Locale = lang
	t.p = e.text.Printer(lang)
	if err := e.records.SaveChat(t.ctx, t.chat.ID, t.chat.UserID, lang); err != nil {
		return err
	}
	t.res.Toast = t.p.T("lang.changed")
	// An official's command menu is the chat's own, in the language it was
	// set in: set it again in the new one (a producer's default menu has
	// every language already).
	if err := e.setMenu(t); err != nil {
		return err
	}
	if t.st != nil {
		return e.flow(t.st).prompt(t, 0)
	}
	return e.menu(t, true)
}
