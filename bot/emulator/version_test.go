package emulator

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestChatVersion walks one chat through every kind of change, and a few requests that change nothing, checking
// after each step whether ChatVersion moved.
func TestChatVersion(t *testing.T) {
	t.Parallel()
	s, hs, _ := setup(t, Options{})
	const other = 4242
	chatID := strconv.FormatInt(alice.ID, 10)
	send := func(body string) func(t *testing.T) {
		return func(t *testing.T) {
			t.Helper()
			if code, r := postJSON(t, hs.URL, "sendMessage", body); code != http.StatusOK {
				t.Fatalf("sendMessage: %d %s", code, r.Description)
			}
		}
	}
	call := func(method, body string, wantCode int) func(t *testing.T) {
		return func(t *testing.T) {
			t.Helper()
			if code, r := postJSON(t, hs.URL, method, body); code != wantCode {
				t.Fatalf("%s: %d %s, want %d", method, code, r.Description, wantCode)
			}
		}
	}

	if v := s.ChatVersion(alice.ID); v != 0 {
		t.Fatalf("ChatVersion of an unused chat = %d, want 0", v)
	}
	steps := []struct {
		name    string
		do      func(t *testing.T)
		changed bool
	}{
		{"user text", func(*testing.T) { s.SendText(alice.ID, alice, "/start") }, true},
		{"bot text with inline keyboard",
			send(`{"chat_id":` + chatID + `,"text":"Chọn","reply_markup":{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}}`),
			true},
		{"press", func(t *testing.T) {
			if _, err := s.PressButton(alice.ID, alice, 2, "a"); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"press of a missing button", func(t *testing.T) {
			if _, err := s.PressButton(alice.ID, alice, 2, "zzz"); err == nil {
				t.Fatal("PressButton(zzz) succeeded")
			}
		}, false},
		{"answer callback", func(t *testing.T) {
			q := s.CallbackAnswers(alice.ID)[0].QueryID
			call("answerCallbackQuery", `{"callback_query_id":"`+q+`","text":"OK"}`, http.StatusOK)(t)
		}, true},
		{"edit text", call("editMessageText", `{"chat_id":`+chatID+`,"message_id":2,"text":"Đã chọn A"}`, http.StatusOK),
			true},
		{"edit that modifies nothing",
			call("editMessageText", `{"chat_id":`+chatID+`,"message_id":2,"text":"Đã chọn A"}`, http.StatusBadRequest),
			false},
		{"reply keyboard", send(`{"chat_id":` + chatID + `,"text":"Số điện thoại?","reply_markup":{"keyboard":[[{"text":"Gửi số","request_contact":true}]],"one_time_keyboard":true}}`),
			true},
		{"contact", func(*testing.T) { s.ShareContact(alice.ID, alice, "+84912345678") }, true},
		{"chat action", call("sendChatAction", `{"chat_id":`+chatID+`,"action":"typing"}`, http.StatusOK), true},
		{"delete", call("deleteMessage", `{"chat_id":`+chatID+`,"message_id":2}`, http.StatusOK), true},
		{"delete again", call("deleteMessage", `{"chat_id":`+chatID+`,"message_id":2}`, http.StatusBadRequest), false},
		{"block", func(*testing.T) { s.BlockChat(alice.ID) }, true},
		{"send to the blocked chat", call("sendMessage", `{"chat_id":`+chatID+`,"text":"x"}`, http.StatusForbidden), false},
		{"another chat", func(*testing.T) { s.SendText(other, User{ID: other, FirstName: "Bình"}, "chào") }, false},
		{"reads", func(*testing.T) {
			s.Chat(alice.ID)
			s.Keyboard(alice.ID)
			s.LastBotMessage(alice.ID)
		}, false},
	}
	for _, st := range steps {
		before := s.ChatVersion(alice.ID)
		st.do(t)
		after := s.ChatVersion(alice.ID)
		if changed := after != before; changed != st.changed || after < before {
			t.Errorf("%s: ChatVersion %d → %d, want changed = %v", st.name, before, after, st.changed)
		}
	}
	if v := s.ChatVersion(other); v != 1 {
		t.Errorf("ChatVersion(other) = %d, want 1 after one message", v)
	}
}

// TestChatVersionWait waits for a chat's next change as a viewer long-polling the chat would.
func TestChatVersionWait(t *testing.T) {
	t.Parallel()
	s, hs, _ := setup(t, Options{})
	seen := s.ChatVersion(alice.ID)
	done := make(chan error, 1)
	go func() {
		done <- s.Wait(ctxTimeout(t, 10*time.Second), func() bool { return s.ChatVersion(alice.ID) != seen })
	}()
	if code, r := postJSON(t, hs.URL, "sendMessage", `{"chat_id":`+strconv.FormatInt(alice.ID, 10)+`,"text":"Chào"}`); code != http.StatusOK {
		t.Fatalf("sendMessage: %d %s", code, r.Description)
	}
	if err := <-done; err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if m, ok := s.LastBotMessage(alice.ID); !ok || m.Text != "Chào" {
		t.Errorf("LastBotMessage = %+v, %v; want the text the Wait woke for", m, ok)
	}
}

func TestDone(t *testing.T) {
	t.Parallel()
	s := New(Options{Token: testToken})
	select {
	case <-s.Done():
		t.Fatal("Done is closed before Close")
	default:
	}
	s.Close()
	s.Close() // twice is fine
	select {
	case <-s.Done():
	default:
		t.Fatal("Done is open after Close")
	}
}
