package bot_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/ocopbot/ocopbot/bot/zaloemu"
)

const zaloTestToken = "zalo-test-token-for-the-emulator-0000"

// zuser is a simulated Zalo user writing to the bot.
type zuser struct {
	h    *harness
	id   string
	name string
	seen int // bot messages looked at (replies)
}

func (h *harness) zaloUser(id string) *zuser {
	if h.zemu == nil {
		h.t.Fatal("harness without the zalo option")
	}
	return &zuser{h: h, id: id, name: "Nông Dân Zalo"}
}

// chatID is the bot's chat id of the user (allocated on their first
// message).
func (z *zuser) chatID() int64 {
	z.h.t.Helper()
	id, err := z.h.db.Store.ZaloChat(context.Background(), z.id)
	if err != nil {
		z.h.t.Fatal(err)
	}
	return id
}

// say sends text and waits until the bot has handled it.
func (z *zuser) say(text string) {
	z.h.t.Helper()
	z.h.waitZalo(z.id + "/" + z.h.zemu.SendText(z.id, z.name, text))
}

func (z *zuser) sendImage(url string) {
	z.h.t.Helper()
	z.h.waitZalo(z.id + "/" + z.h.zemu.SendImage(z.id, z.name, url, ""))
}

func (z *zuser) sendSticker() {
	z.h.t.Helper()
	z.h.waitZalo(z.id + "/" + z.h.zemu.SendSticker(z.id, z.name, "sticker-1"))
}

func (z *zuser) messages() []zaloemu.Entry { return z.h.zemu.BotMessages(z.id) }

// text is what a bot message shows: its text, or a photo's caption.
func text(e zaloemu.Entry) string {
	if e.Text != "" {
		return e.Text
	}
	return e.Caption
}

func (z *zuser) lastText() string {
	msgs := z.messages()
	if len(msgs) == 0 {
		return "(none)"
	}
	return text(msgs[len(msgs)-1])
}

// expect checks that the bot's newest message contains every part.
func (z *zuser) expect(parts ...string) {
	z.h.t.Helper()
	got := z.lastText()
	for _, p := range parts {
		if !strings.Contains(got, p) {
			z.h.t.Fatalf("zalo %s: last bot message lacks %q; got:\n%s", z.id, p, got)
		}
	}
}

// replies returns the bot messages since the last call.
func (z *zuser) replies() []string {
	msgs := z.messages()
	var out []string
	for _, m := range msgs[min(z.seen, len(msgs)):] {
		out = append(out, text(m))
	}
	z.seen = len(msgs)
	return out
}

var numbered = regexp.MustCompile(`(?m)^(\d+)\. (.+)$`)

// number is the number of the choice labelled label (exactly, else
// containing it) in the newest bot message that lists it.
func (z *zuser) number(label string) string {
	z.h.t.Helper()
	msgs := z.messages()
	for pass := 0; pass < 2; pass++ {
		for i := len(msgs) - 1; i >= 0; i-- {
			for _, m := range numbered.FindAllStringSubmatch(text(msgs[i]), -1) {
				if (pass == 0 && m[2] == label) || (pass == 1 && strings.Contains(m[2], label)) {
					return m[1]
				}
			}
		}
	}
	z.h.t.Fatalf("zalo %s: no numbered choice %q; last bot message:\n%s", z.id, label, z.lastText())
	return ""
}

// choose answers with the number of the choice labelled label.
func (z *zuser) choose(label string) {
	z.h.t.Helper()
	z.say(z.number(label))
}

// filesProxy serves the bot's file links, once the bot exists.
type filesProxy struct{ h atomic.Pointer[http.ServeMux] }

func (f *filesProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := f.h.Load(); h != nil {
		h.ServeHTTP(w, r)
		return
	}
	http.Error(w, "not yet", http.StatusServiceUnavailable)
}
