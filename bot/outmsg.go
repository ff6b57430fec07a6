package bot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"mime/multipart"
	"strconv"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/locales"
)

// The kinds of outbox entry.
const (
	kindAnswer = 'a' // answerCallbackQuery: the toast of a button press
	kindClear  = 'k' // editMessageReplyMarkup taking an inline keyboard away
	kindEdit   = 'e' // editMessageText
	kindSend   = 'm' // a new message: text, photo or document
	// kindReplace is a reply taking the place of the prompt it answers:
	// editMessageText of the prompt, or a new message, as the chat stands
	// when its turn comes (see plan).
	kindReplace = 'r'
)

// outEntry is one Bot API call a chat is owed, encoded once, when its
// update commits. raw is the entry as the outbox keeps it.
type outEntry struct {
	kind   byte
	method string
	ctype  string    // "" for JSON
	at     time.Time // when it became due
	target int       // the message an edit changes; a replacing reply's pressed prompt (0: typed)
	shows  shown     // what the message shows once the call is made
	body   []byte
	raw    []byte

	// A replacing reply's plan, made when its turn comes: the message to
	// edit (0: send a new one), and whether to take the target's buttons
	// away first.
	edit  int
	clear bool
}

// durable reports whether the entry is kept in the outbox until sent:
// what the user reads — messages, edits, and the removal of answered
// buttons, which changes what a message shows. A button's answer (its
// toast) is worth nothing after a restart — Telegram stops waiting for it
// within seconds — so it is only sent from memory, in its place in the
// chat's order.
func (e *outEntry) durable() bool { return e.kind != kindAnswer }

// shown is what a bot message shows: a hash of its text and markup,
// whether it has buttons, and whether it is a text editMessageText may
// change (no photo or file, no reply keyboard, no notification).
type shown struct {
	hash    uint64
	buttons bool
	text    bool
}

// The stored form: one header line, then the request body as sent.
//
//	1 <kind> <method> <unix ms> <target> <hash> <shows> <id> <content type>\n<body>
//
// shows is a digit: 1 for buttons, plus 2 for a text a reply may replace.
func (e *outEntry) encode(id string) {
	var buf bytes.Buffer
	buf.Grow(len(e.body) + 96)
	buf.WriteString("1 ")
	buf.WriteByte(e.kind)
	buf.WriteByte(' ')
	buf.WriteString(e.method)
	buf.WriteByte(' ')
	buf.WriteString(strconv.FormatInt(e.at.UnixMilli(), 10))
	buf.WriteByte(' ')
	buf.WriteString(strconv.Itoa(e.target))
	buf.WriteByte(' ')
	buf.WriteString(strconv.FormatUint(e.shows.hash, 16))
	buf.WriteByte(' ')
	flags := byte('0')
	if e.shows.buttons {
		flags++
	}
	if e.shows.text {
		flags += 2
	}
	buf.WriteByte(flags)
	buf.WriteByte(' ')
	buf.WriteString(id)
	buf.WriteByte(' ')
	buf.WriteString(e.ctype)
	buf.WriteByte('\n')
	buf.Write(e.body)
	e.raw = buf.Bytes()
}

var errBadEntry = errors.New("malformed outbox entry")

func decodeEntry(raw []byte) (*outEntry, error) {
	head, body, ok := bytes.Cut(raw, []byte{'\n'})
	if !ok {
		return nil, errBadEntry
	}
	f := bytes.SplitN(head, []byte{' '}, 9)
	if len(f) != 9 || string(f[0]) != "1" || len(f[1]) != 1 || len(f[6]) != 1 || f[6][0] < '0' || f[6][0] > '3' {
		return nil, errBadEntry
	}
	flags := f[6][0] - '0'
	ms, err1 := strconv.ParseInt(string(f[3]), 10, 64)
	target, err2 := strconv.Atoi(string(f[4]))
	hash, err3 := strconv.ParseUint(string(f[5]), 16, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, fmt.Errorf("%w: %w", errBadEntry, err)
	}
	return &outEntry{
		kind: f[1][0], method: string(f[2]), at: time.UnixMilli(ms), target: target,
		shows: shown{hash: hash, buttons: flags&1 != 0, text: flags&2 != 0}, ctype: string(f[8]), body: body, raw: raw,
	}, nil
}

// Request bodies, as the Bot API takes them in JSON.
type textBody struct {
	ChatID      int64           `json:"chat_id"`
	MessageID   int             `json:"message_id,omitempty"`
	Text        string          `json:"text,omitempty"`
	Photo       string          `json:"photo,omitempty"`
	Caption     string          `json:"caption,omitempty"`
	ReplyMarkup json.RawMessage `json:"reply_markup,omitempty"`
}

type answerBody struct {
	CallbackQueryID string `json:"callback_query_id"`
	Text            string `json:"text,omitempty"`
}

// entries encodes what a flow's result asks to send to chatID, in the
// order the user must see it: the press answered first, its keyboard taken
// away, then the replies. With Result.Replace the first reply takes the
// place of the prompt answered — pressed, the message of the button, else
// the chat's newest prompt — and takes its keyboard away itself. id makes
// each entry unique in the outbox.
func entries(chatID int64, callbackID string, pressed int, res flows.Result, id string, now time.Time, s signer, p locales.Printer) ([]*outEntry, error) {
	var out []*outEntry
	add := func(e *outEntry) {
		e.at = now
		if e.durable() {
			e.encode(id + "." + strconv.Itoa(len(out)))
		}
		out = append(out, e)
	}
	if callbackID != "" {
		body, err := json.Marshal(answerBody{CallbackQueryID: callbackID, Text: res.Toast})
		if err != nil {
			return nil, err
		}
		add(&outEntry{kind: kindAnswer, method: "answerCallbackQuery", body: body})
	}
	replies := telegramReplies(res.Shown(), p)
	replace := res.Replace && len(replies) > 0 && replaces(replies[0])
	if res.Closes != 0 && (!replace || res.Closes != pressed) {
		body, err := json.Marshal(textBody{ChatID: chatID, MessageID: res.Closes})
		if err != nil {
			return nil, err
		}
		add(&outEntry{kind: kindClear, method: "editMessageReplyMarkup", target: res.Closes, body: body})
	}
	for i, r := range replies {
		e, err := replyEntry(chatID, r, s)
		if err != nil {
			return nil, err
		}
		if i == 0 && replace {
			e.kind, e.target = kindReplace, pressed
		}
		add(e)
	}
	return out, nil
}

// telegramEntries encodes replies, shaped to Telegram's limits, as sent
// from memory.
func telegramEntries(chatID int64, replies []flows.Reply, s signer, p locales.Printer) ([]*outEntry, error) {
	replies = telegramReplies(replies, p)
	out := make([]*outEntry, 0, len(replies))
	for _, r := range replies {
		e, err := replyEntry(chatID, r, s)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// replyEntry encodes one reply.
func replyEntry(chatID int64, r flows.Reply, s signer) (*outEntry, error) {
	var mk json.RawMessage
	if m := markup(chatID, r, s); m != nil {
		var err error
		if mk, err = json.Marshal(m); err != nil {
			return nil, fmt.Errorf("encode markup: %w", err)
		}
	}
	e := &outEntry{kind: kindSend, method: "sendMessage",
		shows: shown{hash: contentHash(r.Text, mk), buttons: len(r.Choices) > 0, text: replaces(r) || r.Replaces != 0}}
	var err error
	switch {
	case r.Replaces != 0:
		e.kind, e.method, e.target = kindEdit, "editMessageText", r.Replaces
		e.body, err = json.Marshal(textBody{ChatID: chatID, MessageID: r.Replaces, Text: r.Text, ReplyMarkup: mk})
	case r.Photo != nil:
		e.method = "sendPhoto"
		e.ctype, e.body, err = upload(chatID, "photo", r.Photo, r.Text, mk)
	case r.Document != nil:
		e.method = "sendDocument"
		e.ctype, e.body, err = upload(chatID, "document", r.Document, r.Text, mk)
	case r.PhotoRef != "":
		e.method = "sendPhoto"
		e.body, err = json.Marshal(textBody{ChatID: chatID, Photo: r.PhotoRef, Caption: r.Text, ReplyMarkup: mk})
	default:
		e.body, err = json.Marshal(textBody{ChatID: chatID, Text: r.Text, ReplyMarkup: mk})
	}
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", e.method, err)
	}
	return e, nil
}

// contentHash identifies what a message shows: equal hashes, equal text
// and markup, and an edit between them would change nothing.
func contentHash(text string, markup []byte) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(text))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write(markup)
	return h.Sum64() | 1 // never 0: 0 is "unknown"
}

// upload builds a multipart request sending a file from memory.
func upload(chatID int64, field string, f *flows.Upload, caption string, mk json.RawMessage) (contentType string, body []byte, err error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fields := [][2]string{{"chat_id", strconv.FormatInt(chatID, 10)}}
	if caption != "" {
		fields = append(fields, [2]string{"caption", caption})
	}
	if mk != nil {
		fields = append(fields, [2]string{"reply_markup", string(mk)})
	}
	for _, kv := range fields {
		if err := w.WriteField(kv[0], kv[1]); err != nil {
			return "", nil, err
		}
	}
	part, err := w.CreateFormFile(field, f.Name)
	if err != nil {
		return "", nil, err
	}
	if _, err := part.Write(f.Data); err != nil {
		return "", nil, err
	}
	if err := w.Close(); err != nil {
		return "", nil, err
	}
	return w.FormDataContentType(), buf.Bytes(), nil
}
