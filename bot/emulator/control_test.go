package emulator

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// setupControl serves the Bot API and the control API on one test server, as `ocopbot emulator` does.
func setupControl(t *testing.T, opts Options) (*Server, *httptest.Server, *bot.Bot) {
	t.Helper()
	s, _, _ := setup(t, opts)
	hs := httptest.NewServer(s.ControlHandler(s))
	t.Cleanup(hs.Close)
	b, err := bot.New(testToken, bot.WithServerURL(hs.URL), bot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	return s, hs, b
}

// control calls the control API and decodes its JSON answer into out.
func control(t *testing.T, method, url, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, url, data, err)
		}
	}
	return resp.StatusCode
}

func TestControlFaults(t *testing.T) {
	t.Parallel()
	s, hs, b := setupControl(t, Options{})
	faults := func(body string) int { return control(t, http.MethodPost, hs.URL+"/emulator/faults", body, nil) }
	send := func(chat int64) int {
		_, err := b.SendMessage(t.Context(), &bot.SendMessageParams{ChatID: chat, Text: "tin"})
		return retryAfter(t, err)
	}
	if code := faults(`{"fraction429":1,"retry_after":7}`); code != http.StatusOK {
		t.Fatalf("set fraction429 = %d", code)
	}
	if got := send(1); got != 7 {
		t.Errorf("send with fraction429 1: retry_after %d, want 7", got)
	}
	faults(`{"fraction429":0}`)
	if got := send(2); got != 0 {
		t.Errorf("send with fraction429 0: retry_after %d, want sent", got)
	}
	faults(`{"storm_seconds":30}`)
	if got := send(3); got != 30 {
		t.Errorf("send in a storm: retry_after %d, want the storm's 30 s", got)
	}
	if got := send(3); got != 30 { // early: the chat was told; 30 s left
		t.Errorf("second send in a storm: retry_after %d, want 30", got)
	}
	faults(`{"outage_seconds":30,"outage":"502"}`)
	if resp, err := http.Get(hs.URL + "/bot" + testToken + "/getMe"); err != nil || resp.StatusCode != http.StatusBadGateway {
		t.Errorf("getMe in an outage = %v %v, want 502", resp, err)
	} else {
		resp.Body.Close()
	}
	faults(`{"outage_seconds":0,"outage":"502"}`)

	var st Stats
	if code := control(t, http.MethodGet, hs.URL+"/emulator/stats", "", &st); code != http.StatusOK {
		t.Fatalf("stats = %d", code)
	}
	want := Stats{Calls: map[string]int{"sendMessage": 4}, EarlySends: 1, EarlyByMethod: map[string]int{"sendMessage": 1},
		OutageRefusals: 1}
	if st.Calls["sendMessage"] != want.Calls["sendMessage"] || st.EarlySends != want.EarlySends ||
		st.EarlyByMethod["sendMessage"] != 1 || st.OutageRefusals != want.OutageRefusals || st.Violations != 0 {
		t.Errorf("stats = %+v, want %+v", st, want)
	}
	if s.EarlySends() != 1 {
		t.Errorf("EarlySends = %d", s.EarlySends())
	}

	for _, body := range []string{
		`{}`, `{"outage_seconds":1}`, `{"outage_seconds":1,"outage":"503"}`, `{"fraction":1}`,
		`{"storm_seconds":-1}`, `{"fraction429":0.5,"retry_after":-2}`, `not json`,
	} {
		var e struct{ Error string }
		if code := control(t, http.MethodPost, hs.URL+"/emulator/faults", body, &e); code != http.StatusBadRequest || e.Error == "" {
			t.Errorf("faults %s = %d %q, want 400 with the reason", body, code, e.Error)
		}
	}
}

// echoBot runs a go-telegram/bot bot against the emulator: "/hi" gets a greeting and two buttons, a press
// gets "Đã chọn …", a photo and a contact get an answer each.
func echoBot(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	send := func(ctx context.Context, b *bot.Bot, p *bot.SendMessageParams) {
		if _, err := b.SendMessage(ctx, p); err != nil && ctx.Err() == nil {
			t.Errorf("echo bot: %v", err)
		}
	}
	b, err := bot.New(testToken, bot.WithServerURL(url), bot.WithSkipGetMe(),
		bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) {
			switch {
			case u.CallbackQuery != nil:
				chat := u.CallbackQuery.Message.Message.Chat.ID
				if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: u.CallbackQuery.ID}); err != nil && ctx.Err() == nil {
					t.Errorf("echo bot: %v", err)
				}
				if u.CallbackQuery.Data == "e" { // the pressed message becomes the answer
					_, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: chat, MessageID: u.CallbackQuery.Message.Message.ID,
						Text: "Đã sửa thành e"})
					if err != nil && ctx.Err() == nil {
						t.Errorf("echo bot: %v", err)
					}
					return
				}
				send(ctx, b, &bot.SendMessageParams{ChatID: chat, Text: "Đã chọn " + u.CallbackQuery.Data})
			case u.Message == nil:
			case u.Message.Text == "/hi":
				send(ctx, b, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "Xin chào"})
				send(ctx, b, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "<b>Chọn</b> đi", ParseMode: models.ParseModeHTML,
					ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
						{{Text: "A", CallbackData: "a"}, {Text: "B", CallbackData: "b"}}, {{Text: "E", CallbackData: "e"}},
					}}})
			case len(u.Message.Photo) > 0:
				send(ctx, b, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "Ảnh đẹp"})
			case u.Message.Contact != nil:
				send(ctx, b, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "Số " + u.Message.Contact.PhoneNumber})
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		b.Start(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

func TestControlUsers(t *testing.T) {
	t.Parallel()
	s, hs, _ := setupControl(t, Options{})
	echoBot(t, hs.URL)
	user := hs.URL + "/emulator/users/7001/"
	act := func(action, body string) (int, UserView) {
		t.Helper()
		var v UserView
		return control(t, http.MethodPost, user+action, body, &v), v
	}

	code, v := act("text", `{"text":"/hi","expect":"Chọn đi","timeout":"5s"}`)
	if code != http.StatusOK || v.Timeout || v.Reply == nil || v.Reply.Text != "Chọn đi" || v.UpdateID == 0 ||
		v.BotMessages != 2 || !slices.Equal(v.Reply.Buttons[0], []string{"A", "B"}) {
		t.Fatalf("text /hi = %d %+v (reply %+v), want the second greeting with its buttons", code, v, v.Reply)
	}
	if code, v = act("press", `{"label":"B","expect":["Đã chọn"]}`); code != http.StatusOK || v.Reply == nil || v.Reply.Text != "Đã chọn b" {
		t.Errorf("press B = %d %+v", code, v)
	}
	if code, v = act("photo", `{"expect":""}`); code != http.StatusOK || v.Reply == nil || v.Reply.Text != "Ảnh đẹp" {
		t.Errorf("photo = %d %+v", code, v)
	}
	if code, v = act("contact", `{"phone":"84912345678","expect":"Số","timeout":"5"}`); code != http.StatusOK || v.Reply == nil ||
		v.Reply.Text != "Số 84912345678" {
		t.Errorf("contact = %d %+v", code, v)
	}
	msgs := s.BotMessages(7001)
	if code, v = act("press", `{"message_id":`+itoa(int64(msgs[1].ID))+`,"data":"a","expect":"Đã chọn a"}`); code != http.StatusOK || v.Reply == nil {
		t.Errorf("press by message_id and data = %d %+v", code, v)
	}
	// A reply may be the pressed message edited in place: expect sees it.
	if code, v = act("press", `{"label":"E","expect":"Đã sửa"}`); code != http.StatusOK || v.Reply == nil ||
		v.Reply.Text != "Đã sửa thành e" || v.Reply.MessageID != msgs[1].ID || v.BotMessages != len(msgs)+1 {
		t.Errorf("press E = %d %+v (reply %+v), want message %d edited, no new message", code, v, v.Reply, msgs[1].ID)
	}

	// Without expect an action answers at once; wait then follows the chat's version.
	code, v = act("text", `{"text":"/hi"}`)
	if code != http.StatusOK || v.Reply != nil || v.Version == 0 {
		t.Fatalf("text without expect = %d %+v", code, v)
	}
	var w UserView
	if code := control(t, http.MethodGet, user+"wait?after="+itoa(int64(v.Version))+"&timeout=5s", "", &w); code != http.StatusOK ||
		w.Timeout || w.Version == v.Version || w.Last == nil {
		t.Errorf("wait after %d = %d %+v", v.Version, code, w)
	}
	if err := s.Wait(ctxTimeout(t, 5*time.Second), func() bool { return len(s.BotMessages(7001)) == 8 }); err != nil {
		t.Fatal(err)
	}

	// Timeouts answer with the chat as it is.
	quiet := s.ChatVersion(7001)
	if code := control(t, http.MethodGet, user+"wait?after="+itoa(int64(quiet))+"&timeout=50ms", "", &w); code != http.StatusOK ||
		!w.Timeout || w.Version != quiet || w.BotMessages != 8 {
		t.Errorf("wait on a quiet chat = %d %+v, want a timeout at version %d", code, w, quiet)
	}
	if code, v = act("text", `{"text":"xin chào","expect":"không bao giờ","timeout":"50ms"}`); code != http.StatusOK || !v.Timeout || v.Reply != nil {
		t.Errorf("text expecting what never comes = %d %+v, want a timeout", code, v)
	}

	for _, tc := range []struct {
		action, body string
		want         int
	}{
		{"press", `{"label":"Z"}`, http.StatusNotFound},
		{"press", `{"message_id":99,"data":"a"}`, http.StatusNotFound},
		{"press", `{}`, http.StatusBadRequest},
		{"text", `{"text":""}`, http.StatusBadRequest},
		{"text", `{"text":"x","timeout":"2h"}`, http.StatusBadRequest},
		{"contact", `{}`, http.StatusBadRequest},
	} {
		var e struct{ Error string }
		if code := control(t, http.MethodPost, user+tc.action, tc.body, &e); code != tc.want || e.Error == "" {
			t.Errorf("%s %s = %d %q, want %d with the reason", tc.action, tc.body, code, e.Error, tc.want)
		}
	}
	if code := control(t, http.MethodPost, hs.URL+"/emulator/users/abc/text", `{"text":"x"}`, nil); code != http.StatusBadRequest {
		t.Errorf("text to chat abc = %d, want 400", code)
	}
	if code := control(t, http.MethodGet, user+"wait?after=x", "", nil); code != http.StatusBadRequest {
		t.Errorf("wait after=x = %d, want 400", code)
	}
}

// TestControlUsersReplyByEdit: the bot may answer a user's action by editing a message shown before it (a pressed
// prompt edited into the next step, a search answered in place); the action's reply is that edit, and an edit
// of the keyboard alone, whose text still reads like the next step, is no answer.
func TestControlUsersReplyByEdit(t *testing.T) {
	t.Parallel()
	s, hs, b := setupControl(t, Options{})
	ctx := t.Context()
	const chat = 7002
	prompt, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "Bước 1: chọn",
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "A", CallbackData: "a"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	// act starts a user action and returns its answer once the emulator has taken the action (its message or
	// callback query is in the chat).
	act := func(action, body string, taken func() bool) <-chan UserView {
		t.Helper()
		ch := make(chan UserView, 1)
		go func() {
			var v UserView
			control(t, http.MethodPost, hs.URL+"/emulator/users/"+itoa(chat)+"/"+action, body, &v)
			ch <- v
		}()
		if err := s.Wait(ctxTimeout(t, 5*time.Second), taken); err != nil {
			t.Fatal(err)
		}
		return ch
	}

	answer := act("press", `{"label":"A","expect":"Bước 2","timeout":"5s"}`,
		func() bool { return len(s.CallbackAnswers(chat)) == 1 })
	if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: chat, MessageID: prompt.ID,
		Text: "A ✓\nBước 2: viết"}); err != nil {
		t.Fatal(err)
	}
	if v := <-answer; v.Reply == nil || v.Reply.MessageID != prompt.ID || !v.ReplyEdit || v.Reply.Text != "A ✓\nBước 2: viết" {
		t.Fatalf("press answered by an edit = %+v (reply %+v), want the edited prompt", v, v.Reply)
	}

	answer = act("text", `{"text":"viết","expect":"Bước","timeout":"5s"}`,
		func() bool { return s.MessageCount(chat) == 2 })
	if _, err := b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: chat, MessageID: prompt.ID,
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "B", CallbackData: "b"}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "Bước 3: xong"}); err != nil {
		t.Fatal(err)
	}
	if v := <-answer; v.Reply == nil || v.Reply.Text != "Bước 3: xong" || v.ReplyEdit {
		t.Errorf("text answered after a keyboard edit = %+v (reply %+v), want the new message", v, v.Reply)
	}
	var st Stats
	control(t, http.MethodGet, hs.URL+"/emulator/stats", "", &st)
	if st.MessagesSent != 2 || st.TooManyRequests != 0 {
		t.Errorf("stats = %+v, want 2 messages sent and no 429", st)
	}
}
