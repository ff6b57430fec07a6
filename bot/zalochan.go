package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ocopbot/ocopbot/bot/zalo"
	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/vntext"
	"github.com/ocopbot/ocopbot/locales"
	"github.com/ocopbot/ocopbot/storage"
)

// The Zalo channel. Its updates go through the same intake as Telegram's —
// stored in the chat's partition stream, deduplicated (on the sender and
// message id: Zalo numbers no update), handled in order per chat — and its
// replies through the same outbox, as calls to the Zalo Bot API (methods
// named "zalo.…", which post sends there). A Zalo user's chat id is one the
// bot allocates (storage.ZaloChat), so everything keyed by chat works alike.
//
// Zalo has no buttons, edits, contact sharing or documents. A question's
// choices are numbered lines; the chat's newest choices are kept with its
// state (storage.Session.Choices), so a typed "2" — or the choice typed out,
// accents optional — is the press of that button. Back and cancel are words
// listed under the question.

// kindZalo marks a Zalo update in the intake.
const kindZalo = "zalo"

// zaloPrefix starts the outbox methods that are Zalo Bot API calls.
const zaloPrefix = "zalo."

// zaloChoice is one choice of the chat's newest question, as kept.
type zaloChoice struct {
	N     int    `json:"n,omitempty"` // its number; 0: a word
	Label string `json:"l"`
	Data  string `json:"d,omitempty"` // a button's data: typing it presses the button
	// Text: typing it sends its label. Choices kept before 8/12/2026 hold
	// the phone step's back key so; none is made now.
	Text bool      `json:"t,omitempty"`
	Nav  flows.Nav `json:"v,omitempty"`
}

// navWords are what a user may type for back and cancel, in any language.
var navWords = map[string]flows.Nav{
	"quay lai": flows.NavBack, "tro lai": flows.NavBack, "back": flows.NavBack,
	"huy": flows.NavCancel, "huy bo": flows.NavCancel, "cancel": flows.NavCancel,
}

// resolveZalo reads a typed answer against the choices the chat was shown:
// a number, a choice's label (accents, case and emoji aside), or a
// navigation word. Anything else is the text it is.
func resolveZalo(in flows.Input, raw []byte) flows.Input {
	if in.Kind != flows.InputText || len(raw) == 0 {
		return in
	}
	var cs []zaloChoice
	if err := json.Unmarshal(raw, &cs); err != nil {
		return in
	}
	text := strings.TrimSpace(in.Text)
	text = strings.TrimSuffix(text, ".")
	pick := func(c zaloChoice) flows.Input {
		if c.Text {
			return flows.Input{Kind: flows.InputText, Text: c.Label}
		}
		return flows.Input{Kind: flows.InputButton, Data: c.Data}
	}
	if n, err := strconv.Atoi(text); err == nil {
		for _, c := range cs {
			if c.N == n && n > 0 {
				return pick(c)
			}
		}
		return in
	}
	folded := vntext.Fold(text)
	if folded == "" {
		return in
	}
	for _, c := range cs {
		if vntext.Fold(c.Label) == folded {
			return pick(c)
		}
	}
	if nav, ok := navWords[folded]; ok {
		for _, c := range cs {
			if c.Nav == nav {
				return pick(c)
			}
		}
	}
	return in
}

// zaloText renders a reply as Zalo shows it: its text, then its choices as
// numbered lines and how to answer them, then the words that navigate.
// choices is nil when the reply asks nothing.
func zaloText(r flows.Reply, p locales.Printer) (text string, choices []zaloChoice) {
	var lines, words []string
	n := 0
	for _, row := range r.Choices {
		for _, b := range row {
			switch {
			case b.Nav != 0:
				choices = append(choices, zaloChoice{Label: b.Label, Data: b.ID, Nav: b.Nav})
				key := "zalo.word_back"
				if b.Nav == flows.NavCancel {
					key = "zalo.word_cancel"
				}
				words = append(words, p.T(key))
			case pageMark(b.Label):
				// "2/5" between a list's previous and next: where the user
				// is, nothing to choose.
			default:
				n++
				label := unnumbered(b.Label)
				choices = append(choices, zaloChoice{N: n, Label: label, Data: b.ID})
				lines = append(lines, strconv.Itoa(n)+". "+label)
			}
		}
	}
	parts := []string{r.Text}
	if n > 0 {
		parts = append(parts, strings.Join(lines, "\n")+"\n"+answerHint(p, n))
	}
	if len(words) > 0 {
		parts = append(parts, p.T("zalo.words", "Words", strings.Join(words, " · ")))
	}
	text = strings.TrimSpace(strings.Join(parts, "\n\n"))
	// AskContact needs nothing here: Zalo shares no contact, and the
	// flows' text asks a typed-only chat to type the number.
	if len(r.Choices) == 0 {
		return text, nil
	}
	if choices == nil {
		choices = []zaloChoice{}
	}
	return text, choices
}

// answerHint says how to answer n numbered choices.
func answerHint(p locales.Printer, n int) string {
	switch {
	case n == 1:
		return p.T("zalo.answer_one")
	case n <= 5:
		nums := make([]string, n-1)
		for i := range nums {
			nums[i] = strconv.Itoa(i + 1)
		}
		return p.T("zalo.answer_list", "List", strings.Join(nums, ", "), "Last", n)
	}
	return p.T("zalo.answer_range", "Last", n)
}

// unnumbered is a label without the number it may start with ("1. Thực
// phẩm"): the line's own number stands first.
func unnumbered(label string) string {
	i := 0
	for i < len(label) && label[i] >= '0' && label[i] <= '9' {
		i++
	}
	if rest, ok := strings.CutPrefix(label[i:], ". "); ok && i > 0 && rest != "" {
		return rest
	}
	return label
}

// pageMark reports a list's "page of pages" label.
func pageMark(label string) bool {
	a, b, ok := strings.Cut(label, "/")
	_, e1 := strconv.Atoi(a)
	_, e2 := strconv.Atoi(b)
	return ok && e1 == nil && e2 == nil
}

// zaloBody is a Zalo Bot API request the outbox keeps.
type zaloBody struct {
	ChatID  string `json:"chat_id"`
	Text    string `json:"text,omitempty"`
	Photo   string `json:"photo,omitempty"`
	Caption string `json:"caption,omitempty"`
	Action  string `json:"action,omitempty"`
}

// zaloEntries encodes what a flow's result says to a Zalo user, in order:
// a button's notice (Toast) and each reply, split where Zalo's 2,000
// characters end. Zalo edits nothing, so a reply that replaces a prompt is
// a new message. choices are what the chat's newest question offers: nil
// when the result asks nothing (the chat keeps its choices). id makes each
// entry unique in the outbox; "" encodes none, for what is sent from
// memory only (a notice, a notification).
//
// A photo or file the reply carries goes as a link (link; nil: none can).
func zaloEntries(to string, res flows.Result, id string, now time.Time, p locales.Printer,
	link func(*flows.Upload) (string, error)) (es []*outEntry, choices []byte, err error) {
	replies := res.Shown()
	if res.Toast != "" && (len(replies) == 0 || !strings.Contains(replies[0].Text, res.Toast)) {
		replies = append([]flows.Reply{{Text: res.Toast}}, replies...)
	}
	var asked []zaloChoice
	add := func(body zaloBody, method string) error {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode %s: %w", method, err)
		}
		e := &outEntry{kind: kindSend, method: zaloPrefix + method, body: b, at: now}
		if id != "" {
			e.encode(id + "." + strconv.Itoa(len(es)))
		}
		es = append(es, e)
		return nil
	}
	for _, r := range replies {
		text, cs := zaloText(r, p)
		if cs != nil {
			asked = cs
		}
		switch {
		case r.PhotoRef != "" && webURL(r.PhotoRef) && utf8.RuneCountInString(text) <= zalo.MaxText:
			if err := add(zaloBody{ChatID: to, Photo: r.PhotoRef, Caption: text}, "sendPhoto"); err != nil {
				return nil, nil, err
			}
			continue
		case r.Document != nil || r.Photo != nil:
			f := r.Document
			if f == nil {
				f = r.Photo
			}
			url, lerr := "", errNoLinks
			if link != nil {
				url, lerr = link(f)
			}
			switch {
			case lerr != nil && !errors.Is(lerr, errNoLinks):
				return nil, nil, lerr
			case lerr != nil:
				// No PUBLIC_URL, or too big to keep: the user is told where
				// to find the file rather than left waiting.
				text = strings.TrimSpace(text + "\n\n" + p.T("zalo.file_elsewhere", "Name", f.Name))
			case r.Photo != nil && utf8.RuneCountInString(text) <= zalo.MaxText:
				if err := add(zaloBody{ChatID: to, Photo: url, Caption: text}, "sendPhoto"); err != nil {
					return nil, nil, err
				}
				continue
			default:
				text = strings.TrimSpace(text + "\n\n" + p.T("zalo.file_link", "Name", f.Name, "URL", url, "Hours", int(linkTTL.Hours())))
			}
		}
		for _, part := range splitText(text, zalo.MaxText, runeWidth) {
			if err := add(zaloBody{ChatID: to, Text: part}, "sendMessage"); err != nil {
				return nil, nil, err
			}
		}
	}
	// A result that asks nothing (a chart, a notice) leaves the choices
	// shown before in force, as Telegram leaves their buttons: the flows
	// refuse a choice of a step passed since, as an old button.
	if asked != nil {
		if choices, err = json.Marshal(asked); err != nil {
			return nil, nil, fmt.Errorf("encode choices: %w", err)
		}
	}
	return es, choices, nil
}

// webURL reports a photo given by its address (one a Zalo user sent),
// not by a Telegram file id.
func webURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// zaloEvent decodes a queued Zalo update. Its typed answer is read against
// the chat's choices once the chat's state is loaded (handle).
func zaloEvent(chatID int64, payload []byte) (event, bool) {
	var u zalo.Update
	if err := json.Unmarshal(payload, &u); err != nil || u.Message == nil {
		return event{}, false
	}
	m := u.Message
	ev := event{chatID: chatID, userID: chatID, zalo: true, key: u.Key()}
	switch {
	case u.EventName == zalo.EventText && strings.HasPrefix(m.Text, "/"):
		cmd, args, _ := strings.Cut(m.Text[1:], " ")
		ev.in = flows.Input{Kind: flows.InputCommand, Command: strings.ToLower(cmd), Text: strings.TrimSpace(args)}
	case u.EventName == zalo.EventText:
		ev.in = flows.Input{Kind: flows.InputText, Text: m.Text}
	case u.EventName == zalo.EventImage && webURL(m.Photo):
		ev.in = flows.Input{Kind: flows.InputPhoto, FileID: m.Photo}
	default:
		ev.in = flows.Input{Kind: flows.InputUnsupported}
	}
	return ev, true
}

// takeZalo stores one Zalo update in the intake; an error means it is not
// stored and must be taken again.
func (b *Bot) takeZalo(ctx context.Context, u zalo.Update) error {
	m := u.Message
	if m == nil || m.From.IsBot || (m.Chat.Type != "" && !strings.EqualFold(m.Chat.Type, "PRIVATE")) {
		return nil // groups and the bot's own messages are not conversations
	}
	user := m.Chat.ID
	if user == "" {
		user = m.From.ID
	}
	if user == "" || m.ID == "" {
		b.log.Warn("zalo update without a sender or message id dropped", slog.String("event", u.EventName))
		return nil
	}
	chatID, err := b.records.ZaloChat(ctx, user)
	if err != nil {
		return err
	}
	payload, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("encode zalo update: %w", err)
	}
	fresh, err := b.enqueueBatch(ctx, []storage.Incoming{{ChatID: chatID, Payload: payload, Key: u.Key(), Kind: kindZalo}})
	if err != nil {
		return err
	}
	b.cfg.Metrics.received(storage.ChannelZalo, 1)
	if !fresh[0] {
		b.log.Info("duplicate zalo update dropped", slog.String("key", u.Key()))
		b.cfg.Metrics.duplicate(storage.ChannelZalo)
		if b.hooks.ZaloDone != nil {
			b.hooks.ZaloDone(u.Key(), true, 0)
		}
	}
	return nil
}

// pollZalo long-polls the Zalo Bot API until ctx ends. Zalo hands an update
// out once, so each is stored before the next poll, tried again while
// Postgres or Redis is out of reach.
func (b *Bot) pollZalo(ctx context.Context) {
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		us, err := b.zalo.GetUpdates(ctx, b.cfg.PollTimeout)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			backoff = min(max(2*backoff, 100*time.Millisecond), 5*time.Second)
			b.log.Warn("zalo getUpdates", errAttr(err))
			var ze *zalo.Error
			if errors.As(err, &ze) && ze.RetryAfter > backoff {
				backoff = ze.RetryAfter
			}
			sleep(ctx, backoff)
			continue
		}
		backoff = 0
		for _, u := range us {
			for delay := 50 * time.Millisecond; ; delay = min(2*delay, time.Second) {
				// A write under way finishes even when shutdown begins.
				err := b.takeZalo(context.WithoutCancel(ctx), u)
				if err == nil {
					break
				}
				b.log.Warn("store zalo update", errAttr(err))
				if !sleep(ctx, delay) {
					return
				}
			}
		}
	}
}

// ZaloWebhookHandler takes updates the Zalo Bot API POSTs. It answers 401
// unless the secret header matches, and 200 only once the update is stored,
// so that Zalo may send again what could not be kept.
func (b *Bot) ZaloWebhookHandler(secret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		u, status, ok := zalo.FromWebhook(r, secret)
		if !ok {
			http.Error(w, http.StatusText(status), status)
			return
		}
		if err := b.takeZalo(r.Context(), u); err != nil {
			b.log.Error("zalo webhook enqueue", errAttr(err))
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// SetZaloWebhook has Zalo POST updates to url with secret.
func (b *Bot) SetZaloWebhook(ctx context.Context, url, secret string) error {
	if b.zalo == nil {
		return errors.New("zalo: no ZALO_BOT_TOKEN")
	}
	return b.zalo.SetWebhook(ctx, url, secret)
}

// noticeEntries encodes one reply the bot says of its own accord to a
// chat, on the chat's channel, due now and kept only in memory.
func (b *Bot) noticeEntries(ctx context.Context, chatID int64, locale string, r flows.Reply) ([]*outEntry, error) {
	if !storage.IsZaloChat(chatID) {
		es, err := telegramEntries(chatID, []flows.Reply{r}, b.buttons, b.text.Printer(locale))
		for _, e := range es {
			e.at = time.Now()
		}
		return es, err
	}
	to, err := b.records.ZaloUser(ctx, chatID)
	if err != nil {
		return nil, err
	}
	es, _, err := zaloEntries(to, flows.Result{Replies: []flows.Reply{r}}, "", time.Now(), b.text.Printer(locale), b.files.linker(ctx))
	return es, err
}
