package emulator

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestRequestFormats(t *testing.T) {
	t.Parallel()
	s, hs, _ := setup(t, Options{})
	keyboard := `{"keyboard":[[{"text":"Gửi số điện thoại","request_contact":true}]],"one_time_keyboard":true}`

	tests := []struct {
		name string
		do   func(t *testing.T) (int, apiResponse)
	}{
		{"json", func(t *testing.T) (int, apiResponse) {
			return postJSON(t, hs.URL, "sendMessage", `{"chat_id":1001,"text":"json","reply_markup":`+keyboard+`}`)
		}},
		{"json with markup as a string", func(t *testing.T) (int, apiResponse) {
			quoted, _ := json.Marshal(keyboard)
			return postJSON(t, hs.URL, "sendMessage", `{"chat_id":"1001","text":"json string","reply_markup":`+string(quoted)+`}`)
		}},
		{"urlencoded", func(t *testing.T) (int, apiResponse) {
			return postForm(t, hs.URL, "sendMessage", url.Values{"chat_id": {"1001"}, "text": {"form"}, "reply_markup": {keyboard}})
		}},
		{"get", func(t *testing.T) (int, apiResponse) {
			return get(t, hs.URL, "sendMessage", url.Values{"chat_id": {"1001"}, "text": {"query"}, "reply_markup": {keyboard}})
		}},
		{"multipart", func(t *testing.T) (int, apiResponse) {
			var body bytes.Buffer
			w := multipart.NewWriter(&body)
			for k, v := range map[string]string{"chat_id": "1001", "text": "multipart", "reply_markup": keyboard} {
				if err := w.WriteField(k, v); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			req, err := http.NewRequest(http.MethodPost, hs.URL+"/bot"+testToken+"/sendMessage", &body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", w.FormDataContentType())
			return call(t, req)
		}},
		{"lowercase method name", func(t *testing.T) (int, apiResponse) {
			return postJSON(t, hs.URL, "sendmessage", `{"chat_id":1001,"text":"lower","reply_markup":`+keyboard+`}`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, r := tt.do(t)
			if code != http.StatusOK || !r.OK {
				t.Fatalf("got %d %q, want 200 ok", code, r.Description)
			}
			var m struct {
				Text string `json:"text"`
				Chat struct {
					ID int64 `json:"id"`
				} `json:"chat"`
			}
			if err := json.Unmarshal(r.Result, &m); err != nil || m.Chat.ID != 1001 || m.Text == "" {
				t.Errorf("result = %s, %v; want a message in chat 1001", r.Result, err)
			}
		})
	}
	for _, m := range s.BotMessages(1001) {
		if len(m.ReplyKeyboard) != 1 || !m.ReplyKeyboard[0][0].RequestContact || !m.OneTimeKeyboard {
			t.Errorf("message %q has keyboard %+v one-time %v, want the contact button", m.Text, m.ReplyKeyboard, m.OneTimeKeyboard)
		}
	}
	if kb := s.Keyboard(1001); len(kb) != 1 {
		t.Errorf("Keyboard = %+v, want the contact keyboard shown", kb)
	}
	s.ShareContact(1001, alice, "+84901234567")
	if kb := s.Keyboard(1001); kb != nil {
		t.Errorf("Keyboard after answering a one-time keyboard = %+v, want none", kb)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	_, hs, _ := setup(t, Options{})
	long := strings.Repeat("a", 4097)
	// 4096 characters outside the BMP are 8192 UTF-16 code units: too long for Telegram.
	longEmoji := strings.Repeat("😀", 2049)
	if code, r := postJSON(t, hs.URL, "sendMessage", `{"chat_id":5,"text":"first"}`); code != 200 {
		t.Fatalf("sendMessage = %d %s", code, r.Description)
	}

	tests := []struct {
		name     string
		method   string
		body     string
		token    string
		wantCode int
		wantDesc string
	}{
		{"malformed json", "sendMessage", `{"chat_id":1,`, "", 400, "Bad Request: can't parse JSON object"},
		{"json not an object", "sendMessage", `[1,2]`, "", 400, "Bad Request: JSON object expected"},
		{"unknown method", "sendTelepathy", `{}`, "", 404, "Not Found"},
		{"wrong token", "sendMessage", `{"chat_id":1,"text":"x"}`, "999:wrong", 401, "Unauthorized"},
		{"missing chat_id", "sendMessage", `{"text":"x"}`, "", 400, "Bad Request: chat_id is empty"},
		{"username chat_id", "sendMessage", `{"chat_id":"@nobody","text":"x"}`, "", 400, "Bad Request: chat not found"},
		{"empty text", "sendMessage", `{"chat_id":1,"text":""}`, "", 400, "Bad Request: message text is empty"},
		{"blank text", "sendMessage", `{"chat_id":1,"text":" \n "}`, "", 400, "Bad Request: message text is empty"},
		{"missing text", "sendMessage", `{"chat_id":1}`, "", 400, "Bad Request: message text is empty"},
		{"4097 characters", "sendMessage", `{"chat_id":1,"text":"` + long + `"}`, "", 400, "Bad Request: message is too long"},
		{"4098 UTF-16 units", "sendMessage", `{"chat_id":1,"text":"` + longEmoji + `"}`, "", 400, "Bad Request: message is too long"},
		{"4096 characters after HTML", "sendMessage", `{"chat_id":1,"parse_mode":"HTML","text":"<b>` + long[1:] + `</b>"}`, "", 200, ""},
		{"callback data of 65 bytes", "sendMessage",
			`{"chat_id":1,"text":"x","reply_markup":{"inline_keyboard":[[{"text":"b","callback_data":"` + strings.Repeat("d", 65) + `"}]]}}`,
			"", 400, "Bad Request: BUTTON_DATA_INVALID"},
		{"callback data of 64 bytes", "sendMessage",
			`{"chat_id":1,"text":"x","reply_markup":{"inline_keyboard":[[{"text":"b","callback_data":"` + strings.Repeat("d", 64) + `"}]]}}`,
			"", 200, ""},
		{"text button in an inline keyboard", "sendMessage",
			`{"chat_id":1,"text":"x","reply_markup":{"inline_keyboard":[[{"text":"b"}]]}}`,
			"", 400, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"},
		{"markup not JSON", "sendMessage", `{"chat_id":1,"text":"x","reply_markup":"{nope"}`, "", 400,
			"Bad Request: can't parse reply keyboard markup JSON object"},
		{"bad HTML", "sendMessage", `{"chat_id":1,"text":"a <x> b","parse_mode":"HTML"}`, "", 400,
			`Bad Request: can't parse entities: Unsupported start tag "x" at byte offset 2`},
		{"unclosed HTML", "sendMessage", `{"chat_id":1,"text":"<b>bold","parse_mode":"HTML"}`, "", 400,
			`Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`},
		{"unescaped MarkdownV2", "sendMessage", `{"chat_id":1,"text":"Giá: 10.000đ","parse_mode":"MarkdownV2"}`, "", 400,
			`Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\'`},
		{"unknown parse mode", "sendMessage", `{"chat_id":1,"text":"x","parse_mode":"BBCode"}`, "", 400,
			"Bad Request: unsupported parse_mode"},
		{"edit without ids", "editMessageText", `{"text":"x"}`, "", 400, "Bad Request: message identifier is not specified"},
		{"edit unknown chat", "editMessageText", `{"chat_id":777,"message_id":1,"text":"x"}`, "", 400, "Bad Request: chat not found"},
		{"delete missing", "deleteMessage", `{"chat_id":5,"message_id":99}`, "", 400, "Bad Request: message to delete not found"},
		{"answer unknown query", "answerCallbackQuery", `{"callback_query_id":"42"}`, "", 400,
			"Bad Request: query is too old and response timeout expired or query ID is invalid"},
		{"bad chat action", "sendChatAction", `{"chat_id":1,"action":"dancing"}`, "", 400, "Bad Request: wrong parameter action in request"},
		{"photo missing", "sendPhoto", `{"chat_id":1}`, "", 400, "Bad Request: there is no photo in the request"},
		{"photo unknown id", "sendPhoto", `{"chat_id":1,"photo":"AgACnope"}`, "", 400,
			"Bad Request: wrong file identifier/HTTP URL specified"},
		{"getFile unknown", "getFile", `{"file_id":"nope"}`, "", 400, "Bad Request: invalid file_id"},
		{"commands not JSON", "setMyCommands", `{"commands":"nope"}`, "", 400, "Bad Request: can't parse commands JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			token := tt.token
			if token == "" {
				token = testToken
			}
			req, err := http.NewRequest(http.MethodPost, hs.URL+"/bot"+token+"/"+tt.method, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			code, r := call(t, req)
			if code != tt.wantCode || r.Description != tt.wantDesc {
				t.Errorf("got %d %q, want %d %q", code, r.Description, tt.wantCode, tt.wantDesc)
			}
			if code != 200 && (r.OK || r.ErrorCode != code) {
				t.Errorf("envelope ok=%v error_code=%d, want false and %d", r.OK, r.ErrorCode, code)
			}
		})
	}
}

func TestGetMeAndPaths(t *testing.T) {
	t.Parallel()
	_, hs, b := setup(t, Options{})
	me, err := b.GetMe(t.Context())
	if err != nil || me.ID != 123456 || !me.IsBot || me.Username != "ocop_test_bot" {
		t.Errorf("GetMe = %+v, %v", me, err)
	}
	for _, path := range []string{"/", "/bot", "/bot" + testToken, "/bot" + testToken + "/", "/file/bot" + testToken + "/photos/none.jpg"} {
		req, err := http.NewRequest(http.MethodGet, hs.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if code, r := call(t, req); code != 404 || r.Description != "Not Found" {
			t.Errorf("GET %s = %d %q, want 404 Not Found", path, code, r.Description)
		}
	}
}
