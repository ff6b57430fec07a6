package emulator

import (
	"encoding/json"
	"strings"
)

type markupKind int

const (
	markupNone markupKind = iota
	markupInline
	markupReply
	markupRemove
	markupForceReply
)

// markup is a parsed reply_markup.
type markup struct {
	kind    markupKind
	rows    [][]Button // inline or reply keyboard
	oneTime bool
	resize  bool
}

// inlineButtonKinds are the optional fields of an InlineKeyboardButton, one of which a button must have.
var inlineButtonKinds = []string{
	"url", "callback_data", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
	"switch_inline_query_chosen_chat", "callback_game", "pay", "web_app", "copy_text",
}

const markupCacheSize = 4096

// markup returns reply_markup parsed, from a cache: a bot sends the same few keyboards again and again, and
// decoding them was the costliest step of sendMessage. Edits take inline keyboards only.
func (s *Server) markup(raw string, inlineOnly bool) (markup, *apiError) {
	if raw == "" {
		return markup{}, nil
	}
	s.markupMu.RLock()
	m, ok := s.markups[raw]
	s.markupMu.RUnlock()
	if !ok {
		var aerr *apiError
		if m, aerr = parseMarkup(raw); aerr != nil {
			return markup{}, aerr
		}
		s.markupMu.Lock()
		if len(s.markups) >= markupCacheSize {
			clear(s.markups)
		}
		s.markups[raw] = m // its rows are shared, never modified
		s.markupMu.Unlock()
	}
	if inlineOnly && m.kind != markupNone && m.kind != markupInline {
		return markup{}, badRequest("inline keyboard expected")
	}
	return m, nil
}

// parseMarkup parses reply_markup like telegram-bot-api's get_reply_markup, with the server's checks on buttons.
func parseMarkup(raw string) (markup, *apiError) {
	if m, aerr, ok := parseMarkupTyped(raw); ok {
		return m, aerr
	}
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return markup{}, badRequest("can't parse reply keyboard markup JSON object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return markup{}, badRequest("object expected as reply markup")
	}
	var (
		m      markup
		inline [][]Button
		aerr   *apiError
	)
	if kb, ok := obj["keyboard"]; ok {
		m.rows, aerr = buttonRows(kb, "keyboard", `field "keyboard" must be an Array of Arrays`, keyboardButton)
		if aerr != nil {
			return markup{}, aerr
		}
	}
	if kb, ok := obj["inline_keyboard"]; ok {
		inline, aerr = buttonRows(kb, "inline_keyboard",
			`field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays`, inlineButton)
		if aerr != nil {
			return markup{}, aerr
		}
	}
	switch {
	case len(m.rows) > 0:
		m.kind = markupReply
		m.oneTime = truthy(obj["one_time_keyboard"])
		m.resize = truthy(obj["resize_keyboard"])
	case len(inline) > 0:
		m.kind, m.rows = markupInline, inline
	case truthy(obj["remove_keyboard"]) || truthy(obj["hide_keyboard"]):
		m.kind = markupRemove
	case truthy(obj["force_reply"]) || truthy(obj["force_reply_keyboard"]):
		m.kind = markupForceReply
	}
	return m, nil
}

// buttonRows reads a keyboard field, an Array of Arrays of buttons each read by button. notNested is Telegram's
// refusal of a row that is not an Array.
func buttonRows(v any, field, notNested string, button func(any) (Button, *apiError)) ([][]Button, *apiError) {
	rows, ok := v.([]any)
	if !ok {
		return nil, badRequest(`field "` + field + `" must be of type Array`)
	}
	var out [][]Button
	for _, row := range rows {
		buttons, ok := row.([]any)
		if !ok {
			return nil, badRequest(notNested)
		}
		var line []Button
		for _, b := range buttons {
			btn, aerr := button(b)
			if aerr != nil {
				return nil, aerr
			}
			line = append(line, btn)
		}
		out = append(out, line)
	}
	return out, nil
}

// typedMarkup is the usual reply_markup, decoded without maps. Anything it cannot hold (a string button, a
// boolean sent as a string, a wrong type) goes to the generic path, which words the error like Telegram.
type typedMarkup struct {
	InlineKeyboard     [][]typedButton `json:"inline_keyboard"`
	Keyboard           [][]typedButton `json:"keyboard"`
	OneTimeKeyboard    bool            `json:"one_time_keyboard"`
	ResizeKeyboard     bool            `json:"resize_keyboard"`
	RemoveKeyboard     bool            `json:"remove_keyboard"`
	HideKeyboard       bool            `json:"hide_keyboard"`
	ForceReply         bool            `json:"force_reply"`
	ForceReplyKeyboard bool            `json:"force_reply_keyboard"`
}

type typedButton struct {
	Text           *string `json:"text"`
	URL            *string `json:"url"`
	CallbackData   *string `json:"callback_data"`
	RequestContact bool    `json:"request_contact"`
	// the other kinds of inline buttons, only to know one is there
	LoginURL                     json.RawMessage `json:"login_url"`
	SwitchInlineQuery            json.RawMessage `json:"switch_inline_query"`
	SwitchInlineQueryCurrentChat json.RawMessage `json:"switch_inline_query_current_chat"`
	SwitchInlineQueryChosenChat  json.RawMessage `json:"switch_inline_query_chosen_chat"`
	CallbackGame                 json.RawMessage `json:"callback_game"`
	Pay                          json.RawMessage `json:"pay"`
	WebApp                       json.RawMessage `json:"web_app"`
	CopyText                     json.RawMessage `json:"copy_text"`
}

// parseMarkupTyped is parseMarkup's fast path; ok is false when the generic path must decide.
func parseMarkupTyped(raw string) (m markup, aerr *apiError, ok bool) {
	var t typedMarkup
	if json.Unmarshal([]byte(raw), &t) != nil || !strings.HasPrefix(strings.TrimSpace(raw), "{") {
		return markup{}, nil, false
	}
	for _, row := range t.Keyboard {
		out := make([]Button, len(row))
		for i, b := range row {
			if b.Text == nil {
				return markup{}, nil, false
			}
			out[i] = Button{Text: *b.Text, RequestContact: b.RequestContact}
		}
		m.rows = append(m.rows, out)
	}
	var inline [][]Button
	for _, row := range t.InlineKeyboard {
		out := make([]Button, len(row))
		for i, b := range row {
			if b.Text == nil {
				return markup{}, nil, false
			}
			out[i] = Button{Text: *b.Text}
			switch {
			case b.URL != nil:
				lower := strings.ToLower(*b.URL)
				if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") &&
					!strings.HasPrefix(lower, "tg://") {
					return markup{}, badRequest("BUTTON_URL_INVALID"), true
				}
				out[i].URL = *b.URL
			case b.CallbackData != nil:
				if d := *b.CallbackData; d == "" || len(d) > 64 {
					return markup{}, badRequest("BUTTON_DATA_INVALID"), true
				}
				out[i].CallbackData = *b.CallbackData
			case b.LoginURL == nil && b.SwitchInlineQuery == nil && b.SwitchInlineQueryCurrentChat == nil &&
				b.SwitchInlineQueryChosenChat == nil && b.CallbackGame == nil && b.Pay == nil && b.WebApp == nil &&
				b.CopyText == nil:
				return markup{}, nil, false // a text button: the generic path words the error
			}
		}
		inline = append(inline, out)
	}
	switch {
	case len(m.rows) > 0:
		m.kind, m.oneTime, m.resize = markupReply, t.OneTimeKeyboard, t.ResizeKeyboard
	case len(inline) > 0:
		m.kind, m.rows = markupInline, inline
	case t.RemoveKeyboard || t.HideKeyboard:
		m.kind = markupRemove
	case t.ForceReply || t.ForceReplyKeyboard:
		m.kind = markupForceReply
	}
	return m, nil, true
}

func truthy(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v == "true" || v == "1"
	case float64:
		return v != 0
	}
	return false
}

func keyboardButton(v any) (Button, *apiError) {
	switch b := v.(type) {
	case string:
		return Button{Text: b}, nil
	case map[string]any:
		text, ok := b["text"].(string)
		if !ok {
			return Button{}, badRequest(`can't parse keyboard button: Field "text" must be of type String`)
		}
		return Button{Text: text, RequestContact: truthy(b["request_contact"])}, nil
	}
	return Button{}, badRequest("can't parse keyboard button: KeyboardButton must be a String or an Object")
}

func inlineButton(v any) (Button, *apiError) {
	b, ok := v.(map[string]any)
	if !ok {
		return Button{}, badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
	}
	text, ok := b["text"].(string)
	if !ok {
		return Button{}, badRequest(`can't parse inline keyboard button: Field "text" must be of type String`)
	}
	btn := Button{Text: text}
	kind := ""
	for _, k := range inlineButtonKinds {
		if _, ok := b[k]; ok {
			kind = k
			break
		}
	}
	switch kind {
	case "":
		return Button{}, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	case "url":
		u, ok := b["url"].(string)
		if !ok {
			return Button{}, badRequest(`can't parse inline keyboard button: Field "url" must be of type String`)
		}
		lower := strings.ToLower(u)
		if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") &&
			!strings.HasPrefix(lower, "tg://") {
			return Button{}, badRequest("BUTTON_URL_INVALID")
		}
		btn.URL = u
	case "callback_data":
		d, ok := b["callback_data"].(string)
		if !ok {
			return Button{}, badRequest(`can't parse inline keyboard button: Field "callback_data" must be of type String`)
		}
		if d == "" || len(d) > 64 {
			return Button{}, badRequest("BUTTON_DATA_INVALID")
		}
		btn.CallbackData = d
	}
	return btn, nil
}

// sameRows says whether two keyboards are equal, for "message is not modified".
func sameRows(a, b [][]Button) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}
