package emulator

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

var (
	errNotModified = badRequest("message is not modified: specified new message content and reply markup " +
		"are exactly the same as a current content and reply markup of the message")
	errEditNotFound   = badRequest("message to edit not found")
	errDeleteNotFound = badRequest("message to delete not found")
	errCantEdit       = badRequest("message can't be edited")
	errQueryInvalid   = badRequest("query is too old and response timeout expired or query ID is invalid")
)

// chatArg reads chat_id. Usernames (@channel) name no chat the emulator knows.
func chatArg(a *args) (int64, *apiError) {
	v := strings.TrimSpace(a.get("chat_id"))
	if v == "" {
		return 0, errChatIDEmpty
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id == 0 {
		return 0, errChatNotFound
	}
	return id, nil
}

// openChat resolves chat_id for a method that writes to the chat, creating it, and returns it locked.
func (s *Server) openChat(a *args) (*chat, *apiError) { return s.lockChat(a, s.chat) }

// existingChat resolves chat_id for a method on existing messages and returns the chat locked.
func (s *Server) existingChat(a *args) (*chat, *apiError) { return s.lockChat(a, s.lookup) }

// lockChat resolves chat_id with find, which gives nil for a chat it does not know, and returns the chat locked
// if the bot may write to it.
func (s *Server) lockChat(a *args, find func(id int64) *chat) (*chat, *apiError) {
	id, aerr := chatArg(a)
	if aerr != nil {
		return nil, aerr
	}
	c := find(id)
	if c == nil {
		return nil, errChatNotFound
	}
	c.mu.Lock()
	if aerr := c.reachable(); aerr != nil {
		c.mu.Unlock()
		return nil, aerr
	}
	return c, nil
}

// setMarkup applies a send's reply_markup to the new message and to the chat's reply keyboard (under c.mu).
func (c *chat) setMarkup(r *record, m markup) {
	switch m.kind {
	case markupInline:
		r.InlineKeyboard = m.rows
	case markupReply:
		r.ReplyKeyboard, r.OneTimeKeyboard, r.ResizeKeyboard = m.rows, m.oneTime, m.resize
		c.keyboard, c.kbOneTime, c.kbHidden = m.rows, m.oneTime, false
	case markupRemove:
		r.RemoveKeyboard = true
		c.keyboard, c.kbOneTime, c.kbHidden = nil, false, false
	case markupForceReply:
		r.ForceReply = true
	}
}

// content is the text or the caption a method sets: as sent, and formatted.
type content struct {
	raw       string
	parseMode string
	formatted
}

// contentArg reads a method's text, or its caption, with parse_mode and its entities.
func contentArg(a *args, caption bool) (content, *apiError) {
	field, entities := "text", "entities"
	if caption {
		field, entities = "caption", "caption_entities"
	}
	t := content{raw: a.get(field), parseMode: a.get("parse_mode")}
	var aerr *apiError
	t.formatted, aerr = formatText(t.raw, t.parseMode, a.get(entities), caption)
	return t, aerr
}

// setIn stores the content as the message's text or caption.
func (t content) setIn(r *record, caption bool) {
	if caption {
		r.Caption = t.raw
	} else {
		r.Text = t.raw
	}
	r.ParseMode, r.PlainText, r.Entities = t.parseMode, t.plain, t.entities
}

// sendArgs reads what every send method takes: the text, or the caption, and reply_markup.
func (s *Server) sendArgs(a *args, caption bool) (content, markup, *apiError) {
	t, aerr := contentArg(a, caption)
	if aerr != nil {
		return content{}, markup{}, aerr
	}
	m, aerr := s.markup(a.get("reply_markup"), false)
	return t, m, aerr
}

// post adds a bot message to the chat chat_id names, filled by fill, with the reply markup m.
func (s *Server) post(a *args, m markup, fill func(r *record)) (any, *apiError) {
	c, aerr := s.openChat(a)
	if aerr != nil {
		return nil, aerr
	}
	defer c.mu.Unlock()
	if aerr := s.admit(c, a.method); aerr != nil {
		return nil, aerr
	}
	r := c.add(s.bot, true, s.now(), s.opts.MaxMessagesPerChat)
	fill(r)
	c.setMarkup(r, m)
	c.action = ""
	s.sent.Add(1)
	return s.wire(c, r), nil
}

// sendMessage answers https://core.telegram.org/bots/api#sendmessage.
func (s *Server) sendMessage(_ *http.Request, a *args) (any, *apiError) {
	t, m, aerr := s.sendArgs(a, false)
	if aerr != nil {
		return nil, aerr
	}
	return s.post(a, m, func(r *record) { t.setIn(r, false) })
}

// sendPhoto answers https://core.telegram.org/bots/api#sendphoto.
func (s *Server) sendPhoto(r *http.Request, a *args) (any, *apiError) {
	return s.sendMedia(r, a, kindPhoto)
}

// sendDocument answers https://core.telegram.org/bots/api#senddocument.
func (s *Server) sendDocument(r *http.Request, a *args) (any, *apiError) {
	return s.sendMedia(r, a, kindDocument)
}

func (s *Server) sendMedia(_ *http.Request, a *args, kind fileKind) (any, *apiError) {
	field, missing := "photo", "there is no photo in the request"
	if kind == kindDocument {
		field, missing = "document", "there is no document in the request"
	}
	in, aerr := fileArg(a, field, missing)
	if aerr != nil {
		return nil, aerr
	}
	t, m, aerr := s.sendArgs(a, true)
	if aerr != nil {
		return nil, aerr
	}
	if in, aerr = s.resolve(in, kind); aerr != nil {
		return nil, aerr
	}
	if in.upload != nil && len(in.upload.data) == 0 {
		return nil, badRequest("file must be non-empty")
	}
	if in.upload != nil && kind == kindPhoto {
		if _, _, ok := imageSize(in.upload.data); !ok {
			return nil, badRequest("IMAGE_PROCESS_FAILED")
		}
	}
	return s.post(a, m, func(r *record) {
		t.setIn(r, true)
		switch {
		case kind == kindPhoto && in.existing != nil:
			r.photo = in.existing.group
		case kind == kindPhoto && in.url:
			r.photo = s.files.urlPhoto()
		case kind == kindPhoto:
			r.photo, _ = s.files.addPhoto(in.upload.data, true)
		case in.existing != nil:
			r.document = in.existing
		case in.url:
			r.document = s.files.addDocument("file", nil)
		default:
			r.document = s.files.addDocument(in.upload.name, in.upload.data)
		}
		if len(r.photo) > 0 {
			r.PhotoFileID = r.photo[len(r.photo)-1].id
		}
		if r.document != nil {
			r.DocumentFileID, r.DocumentName = r.document.id, r.document.name
		}
	})
}

// editTarget finds the bot message an edit method names and returns its chat locked.
func (s *Server) editTarget(a *args) (*chat, *record, *apiError) {
	msgID := a.int("message_id")
	if strings.TrimSpace(a.get("chat_id")) == "" && msgID == 0 {
		if a.get("inline_message_id") == "" {
			return nil, nil, badRequest("message identifier is not specified")
		}
		return nil, nil, errEditNotFound // inline messages are not emulated
	}
	c, aerr := s.existingChat(a)
	if aerr != nil {
		return nil, nil, aerr
	}
	r := c.get(msgID)
	switch {
	case r == nil || r.Deleted:
		aerr = errEditNotFound
	case !r.FromBot, r.ReplyKeyboard != nil, r.RemoveKeyboard, r.ForceReply:
		// Telegram edits only messages with no reply_markup or an inline
		// keyboard: not one sent with a reply keyboard, or taking it away.
		aerr = errCantEdit
	}
	if aerr != nil {
		c.mu.Unlock()
		return nil, nil, aerr
	}
	return c, r, nil
}

// edit changes the bot message an edit method names: check may refuse, seeing the message and the new inline
// keyboard m; then set changes the message and m replaces its keyboard.
func (s *Server) edit(a *args, check func(r *record, m markup) *apiError, set func(r *record)) (any, *apiError) {
	m, aerr := s.markup(a.get("reply_markup"), true)
	if aerr != nil {
		return nil, aerr
	}
	c, r, aerr := s.editTarget(a)
	if aerr != nil {
		return nil, aerr
	}
	defer c.mu.Unlock()
	if aerr := check(r, m); aerr != nil {
		return nil, aerr
	}
	if aerr := s.admit(c, a.method); aerr != nil {
		return nil, aerr
	}
	before := r.PlainText
	set(r)
	r.InlineKeyboard = m.rows
	r.Edited = true
	r.editDate = s.now().Unix()
	c.touch()
	r.Version = c.version
	if r.PlainText != before {
		r.textVersion = c.version
	}
	return s.wire(c, r), nil
}

// editMessageText answers https://core.telegram.org/bots/api#editmessagetext.
func (s *Server) editMessageText(_ *http.Request, a *args) (any, *apiError) {
	return s.editContent(a, false)
}

// editMessageCaption answers https://core.telegram.org/bots/api#editmessagecaption.
func (s *Server) editMessageCaption(_ *http.Request, a *args) (any, *apiError) {
	return s.editContent(a, true)
}

// editContent replaces a message's text, or a photo's or document's caption.
func (s *Server) editContent(a *args, caption bool) (any, *apiError) {
	t, aerr := contentArg(a, caption)
	if aerr != nil {
		return nil, aerr
	}
	check := func(r *record, m markup) *apiError {
		hasCaption := r.photo != nil || r.document != nil
		switch {
		case !caption && (hasCaption || r.sticker != nil):
			return badRequest("there is no text in the message to edit")
		case caption && !hasCaption:
			return badRequest("there is no caption in the message to edit")
		case r.PlainText == t.plain && slices.Equal(r.Entities, t.entities) && sameRows(r.InlineKeyboard, m.rows):
			s.notModified.Add(1)
			return errNotModified
		}
		return nil
	}
	return s.edit(a, check, func(r *record) { t.setIn(r, caption) })
}

// editMessageReplyMarkup answers https://core.telegram.org/bots/api#editmessagereplymarkup.
func (s *Server) editMessageReplyMarkup(_ *http.Request, a *args) (any, *apiError) {
	check := func(r *record, m markup) *apiError {
		if sameRows(r.InlineKeyboard, m.rows) {
			s.notModified.Add(1)
			return errNotModified
		}
		return nil
	}
	return s.edit(a, check, func(*record) {})
}

// deleteMessage answers https://core.telegram.org/bots/api#deletemessage.
func (s *Server) deleteMessage(_ *http.Request, a *args) (any, *apiError) {
	c, aerr := s.existingChat(a)
	if aerr != nil {
		return nil, aerr
	}
	defer c.mu.Unlock()
	r := c.get(a.int("message_id"))
	if r == nil || r.Deleted {
		return nil, errDeleteNotFound
	}
	r.Deleted = true
	c.touch()
	return true, nil
}

// chatActions are sendChatAction's accepted actions.
var chatActions = map[string]bool{
	"cancel": true, "typing": true, "record_video": true, "upload_video": true, "record_audio": true,
	"record_voice": true, "upload_audio": true, "upload_voice": true, "upload_photo": true,
	"upload_document": true, "choose_sticker": true, "pick_up_location": true, "find_location": true,
	"record_video_note": true, "upload_video_note": true,
}

// sendChatAction answers https://core.telegram.org/bots/api#sendchataction.
func (s *Server) sendChatAction(_ *http.Request, a *args) (any, *apiError) {
	action := strings.ToLower(a.get("action"))
	if !chatActions[action] {
		return nil, badRequest("wrong parameter action in request")
	}
	c, aerr := s.openChat(a)
	if aerr != nil {
		return nil, aerr
	}
	defer c.mu.Unlock()
	c.action, c.actionAt = action, s.now()
	if action == "cancel" {
		c.action, c.actionAt = "", time.Time{}
	}
	c.touch()
	return true, nil
}

// answerCallbackQuery answers https://core.telegram.org/bots/api#answercallbackquery.
func (s *Server) answerCallbackQuery(_ *http.Request, a *args) (any, *apiError) {
	id := strings.TrimSpace(a.get("callback_query_id"))
	s.cbMu.Lock()
	q := s.queries[id]
	s.cbMu.Unlock()
	if q == nil {
		return nil, errQueryInvalid
	}
	q.chat.mu.Lock()
	defer q.chat.mu.Unlock()
	// An answer that comes before the end of a wait a 429 told the chat is an early send; its query stays
	// pending, for the bot to answer once it has waited.
	if aerr := s.checkEarly(q.chat, a.method, s.now()); aerr != nil {
		return nil, aerr
	}
	s.cbMu.Lock()
	_, pending := s.queries[id]
	delete(s.queries, id) // a query is answered once
	s.cbMu.Unlock()
	if !pending {
		return nil, errQueryInvalid
	}
	for i := range q.chat.answers {
		if ans := &q.chat.answers[i]; ans.QueryID == id {
			ans.Answered, ans.Text, ans.ShowAlert, ans.URL = true, a.get("text"), a.bool("show_alert"), a.get("url")
		}
	}
	q.chat.touch()
	return true, nil
}

// getMe answers https://core.telegram.org/bots/api#getme.
func (s *Server) getMe(_ *http.Request, _ *args) (any, *apiError) {
	return &wireMe{wireUser: s.me}, nil
}
