package bot

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/locales"
)

// TestPlanOfAReplacingReply: a reply replaces its prompt only where the
// user sees it in place — the chat's newest bot message, a text with
// buttons, the one pressed; otherwise the pressed prompt loses its buttons
// and the reply comes as a new message.
func TestPlanOfAReplacingReply(t *testing.T) {
	prompt := shown{hash: 1, buttons: true, text: true}
	for _, tc := range []struct {
		name   string
		shown  map[int]shown
		target int
		edit   int
		clear  bool
	}{
		{"pressed, the newest prompt", map[int]shown{4: prompt, 6: prompt}, 6, 6, false},
		{"typed under the newest prompt", map[int]shown{4: prompt, 6: prompt}, 0, 6, false},
		{"pressed, another message since", map[int]shown{4: prompt, 6: {hash: 2, text: true}}, 4, 0, true},
		{"typed, a message without buttons since", map[int]shown{4: prompt, 6: {hash: 2, text: true}}, 0, 0, false},
		{"pressed, a notification since", map[int]shown{4: prompt, 6: {hash: 2, buttons: true}}, 4, 0, true},
		{"pressed, a photo with buttons", map[int]shown{4: {hash: 3, buttons: true}}, 4, 0, true},
		{"pressed, its buttons gone already", map[int]shown{4: {}, 6: {hash: 2}}, 4, 0, false},
		{"the chat not known (a restart)", map[int]shown{}, 4, 0, true},
	} {
		c := &chatOut{shown: tc.shown}
		e := &outEntry{kind: kindReplace, target: tc.target}
		c.plan(e)
		if e.edit != tc.edit || e.clear != tc.clear {
			t.Errorf("%s: edit %d clear %v, want edit %d clear %v", tc.name, e.edit, e.clear, tc.edit, tc.clear)
		}
	}
}

// TestReplacingReplyThroughTheBotAPI: the edit carries the new text and
// keyboard; an edit Telegram refuses becomes a new message; a fallback
// takes the pressed prompt's buttons away first.
func TestReplacingReplyThroughTheBotAPI(t *testing.T) {
	emu := emulator.New(emulator.Options{Token: "123:abc", BotID: 123, BotUsername: "ocop_test_bot"})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	b := &Bot{cfg: Config{Token: "123:abc", Workers: 1, SendTimeout: 5 * time.Second}, apiURL: srv.URL,
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	b.calls = newCaller(b.cfg, srv.URL, "", b.log)
	ctx := context.Background()
	const chat = 42
	s := signer{key: []byte("0123456789abcdef0123456789abcdef")}
	text, err := locales.Load(b.log)
	if err != nil {
		t.Fatal(err)
	}
	send := func(r flows.Reply) int {
		t.Helper()
		e, err := replyEntry(chat, r, s)
		if err != nil {
			t.Fatal(err)
		}
		id, err := b.calls.postEntry(ctx, chat, e)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	buttons := [][]flows.Choice{{{Label: "Hợp tác xã", ID: "1|pick|cooperative"}}}
	next := flows.Reply{Text: "Loại hình: Hợp tác xã ✓\n\nBước 2/15", Choices: [][]flows.Choice{{{Label: "Quay lại", ID: "2|back|"}}}}
	replace := func(target, edit int, clear bool) int {
		t.Helper()
		es, err := entries(chat, "", target, flows.Result{Replace: true, Replies: []flows.Reply{next}, Closes: target}, "x", time.Now(), s, text.Printer("vi"))
		if err != nil || len(es) != 1 || es[0].kind != kindReplace {
			t.Fatalf("entries = %+v, %v; want one replacing reply, no keyboard cleared apart", es, err)
		}
		e, err := decodeEntry(es[0].raw) // as the outbox keeps it
		if err != nil || e.target != target || !e.shows.text || !e.shows.buttons {
			t.Fatalf("decoded %+v, %v", e, err)
		}
		e.edit, e.clear = edit, clear
		id, err := b.calls.postEntry(ctx, chat, e)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}

	p := send(flows.Reply{Text: "Bước 1/15", Choices: buttons})
	if id := replace(p, p, false); id != p {
		t.Errorf("the edit answered message %d, want %d", id, p)
	}
	m := emu.Chat(chat)[p-1]
	if !m.Edited || m.Text != next.Text || len(m.InlineKeyboard) != 1 || m.InlineKeyboard[0][0].Text != "Quay lại" ||
		emu.CallCount("editMessageText") != 1 || emu.CallCount("sendMessage") != 1 {
		t.Errorf("the prompt edited = %+v; calls %v", m, emu.Calls())
	}

	// A message with a reply keyboard cannot be edited: a new message.
	kb := send(flows.Reply{Text: "Số điện thoại?", AskContact: "Chia sẻ"})
	if id := replace(kb, kb, false); id == kb || id == 0 {
		t.Errorf("the refused edit answered message %d, want a new one", id)
	}
	if got := emu.Chat(chat); got[len(got)-1].Text != next.Text || got[kb-1].Edited {
		t.Errorf("after a refused edit the chat shows %+v", got)
	}

	// Not the newest: the pressed prompt's buttons go, the reply comes anew.
	old := send(flows.Reply{Text: "Bước 1/15", Choices: buttons})
	send(flows.Reply{Text: "Trợ giúp"})
	calls := emu.CallCount("editMessageReplyMarkup")
	if id := replace(old, 0, true); id <= old+1 {
		t.Errorf("the fallback answered message %d, want a new one", id)
	}
	if got := emu.Chat(chat); len(got[old-1].InlineKeyboard) != 0 || got[old-1].Text != "Bước 1/15" ||
		emu.CallCount("editMessageReplyMarkup") != calls+1 || got[len(got)-1].Text != next.Text {
		t.Errorf("after the fallback the chat shows %+v", got)
	}
}

// withMessageID makes the body json.Marshal would.
func TestWithMessageID(t *testing.T) {
	for _, tb := range []textBody{
		{ChatID: 42, Text: "Bước 2/15 «x»\n", ReplyMarkup: json.RawMessage(`{"inline_keyboard":[[{"text":"a","callback_data":"1|a"}]]}`)},
		{ChatID: -1001, Text: "y"},
	} {
		send, _ := json.Marshal(tb)
		tb.MessageID = 7
		want, _ := json.Marshal(tb)
		if got := withMessageID(send, 7); string(got) != string(want) {
			t.Errorf("withMessageID(%s) = %s, want %s", send, got, want)
		}
	}
	if got := withMessageID([]byte(`{"text":"z","chat_id":5}`), 3); string(got) != `{"chat_id":5,"message_id":3,"text":"z"}` {
		t.Errorf("withMessageID of another order = %s", got)
	}
}
