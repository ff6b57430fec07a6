package zaloemu_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ocopbot/ocopbot/bot/zaloemu"
)

// Another process plays a user over the control API: the message reaches
// the bot's getUpdates, and the transcript and counters are readable.
func TestControlAPI(t *testing.T) {
	t.Parallel()
	emu := zaloemu.New(zaloemu.Options{Token: "1:tok"})
	t.Cleanup(emu.Close)
	srv := httptest.NewServer(emu.ControlHandler())
	t.Cleanup(srv.Close)
	post := func(path, body string) *http.Response {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := post("/zalo/users/u-9/messages", `{"name":"Ông Chín","text":"/dangky"}`)
	var sent struct {
		MessageID string `json:"message_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&sent); err != nil || sent.MessageID == "" {
		t.Fatalf("sending as a user: %s, %+v, %v", resp.Status, sent, err)
	}
	resp.Body.Close()
	if resp := post("/zalo/users/u-9/messages", `{}`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an empty message: %s, want 400", resp.Status)
	}
	resp = post("/bot1:tok/getUpdates", `{"timeout":"1"}`)
	var got struct {
		OK     bool
		Result struct {
			EventName string `json:"event_name"`
			Message   struct {
				ID   string `json:"message_id"`
				Text string
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || !got.OK || got.Result.Message.ID != sent.MessageID ||
		got.Result.Message.Text != "/dangky" || got.Result.EventName != "message.text.received" {
		t.Fatalf("getUpdates = %+v, %v", got, err)
	}
	resp.Body.Close()
	r, err := http.Get(srv.URL + "/zalo/chats/u-9")
	if err != nil {
		t.Fatal(err)
	}
	var chat []zaloemu.Entry
	if err := json.NewDecoder(r.Body).Decode(&chat); err != nil || len(chat) != 1 || chat[0].Text != "/dangky" || chat[0].FromBot {
		t.Errorf("transcript = %+v, %v", chat, err)
	}
	r.Body.Close()
	r, err = http.Get(srv.URL + "/zalo/stats")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Calls   map[string]int
		Pending int `json:"pending_updates"`
	}
	if err := json.NewDecoder(r.Body).Decode(&st); err != nil || st.Calls["getUpdates"] != 1 || st.Pending != 0 {
		t.Errorf("stats = %+v, %v", st, err)
	}
	r.Body.Close()
}
