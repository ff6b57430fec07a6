package webchat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestUsers(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOptions{noBot: true})

	var got usersView
	r := e.get(t, "/webchat/api/users")
	if err := json.Unmarshal(r.body, &got); r.status != http.StatusOK || err != nil {
		t.Fatalf("GET users = %s (%v), want 200", r, err)
	}
	want := []userView{
		{ID: producer.ID, Name: producer.Name, Role: producer.Role, Lang: "vi"},
		{ID: official.ID, Name: official.Name, Role: official.Role, Lang: "vi"},
	}
	if !slices.Equal(got.Users, want) || got.AllVersion != 0 {
		t.Errorf("users = %+v, all_version %d; want %+v, 0", got.Users, got.AllVersion, want)
	}

	r = e.postJSON(t, "/webchat/api/users", map[string]string{"name": "  Lê   Văn Cường "})
	var added userView
	if err := json.Unmarshal(r.body, &added); r.status != http.StatusCreated || err != nil {
		t.Fatalf("POST users = %s (%v), want 201", r, err)
	}
	if added.ID != official.ID+1 || added.Name != "Lê Văn Cường" || added.Role != defaultRole {
		t.Errorf("added = %+v, want ID %d, the name with spaces collapsed, the default role", added, official.ID+1)
	}

	// The new user's chat works like the others and shows in the list with its last message.
	e.emu.SendText(producer.ID, producer.emuUser(), "xin chào")
	chat(t, e.postJSON(t, fmt.Sprintf("/webchat/api/chats/%d/text", added.ID), map[string]string{"text": "chào bot"}))
	r = e.get(t, "/webchat/api/users")
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Users) != 3 || got.Users[2].LastText != "chào bot" || got.Users[2].Version == 0 ||
		got.Users[0].LastText != "xin chào" || got.AllVersion != got.Users[0].Version+got.Users[2].Version {
		t.Errorf("users after messages = %+v (all_version %d), want previews and versions", got.Users, got.AllVersion)
	}
	if msgs := e.emu.Chat(added.ID); len(msgs) != 1 || msgs[0].From.FirstName != "Lê Văn Cường" ||
		msgs[0].From.LanguageCode != "vi" {
		t.Errorf("emulator chat of the new user = %+v, want its message from it", msgs)
	}
}

func TestNewPanicsOnBadUsers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		users []User
	}{
		{"zero ID", []User{{ID: 0, Name: "A"}}},
		{"negative ID", []User{{ID: -5, Name: "A"}}},
		{"repeated ID", []User{{ID: 7, Name: "A"}, {ID: 7, Name: "B"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if recover() == nil {
					t.Errorf("New(%+v) did not panic", tc.users)
				}
			}()
			New(nil, Options{Users: tc.users})
		})
	}
}

// TestConversation walks a registration's first steps: text, the bot's reply through a long poll, a press that
// edits the message and brings a reply keyboard, the contact the keyboard asks for.
func TestConversation(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOptions{})
	base := fmt.Sprintf("/webchat/api/chats/%d", producer.ID)

	// A long poll started before the message returns when the chat changes.
	before := chat(t, e.get(t, base))
	if len(before.Messages) != 0 || before.Version != 0 {
		t.Fatalf("fresh chat = %+v, want empty at version 0", before)
	}
	polled := e.getAsync(t, base+"?after=0")

	sent := chat(t, e.postJSON(t, base+"/text", map[string]string{"text": "  /start\n"}))
	if m := sent.Messages[0]; m.FromBot || m.Text != "/start" || m.Date == 0 || sent.Version == 0 {
		t.Errorf("POST text answered %+v, want the chat with the trimmed /start from the user", sent)
	}
	if v := chat(t, <-polled); v.Version == 0 || len(v.Messages) == 0 {
		t.Errorf("long poll returned %+v, want the chat after the message", v)
	}

	v := e.waitChat(t, producer.ID, lastIs("Xin chào!\nChọn một mục:"))
	menu := last(v)
	if len(menu.Entities) != 1 || menu.Entities[0].Type != "bold" {
		t.Errorf("entities = %+v, want the bold greeting", menu.Entities)
	}
	wantKB := [][]inlineButton{
		{{Text: "Đăng ký sản phẩm", CallbackData: "reg"}},
		{{Text: "Xóa tin này", CallbackData: "del"}, {Text: "Trang OCOP", URL: "https://ocop.gov.vn"}},
	}
	if !slices.EqualFunc(menu.InlineKeyboard, wantKB, slices.Equal) {
		t.Errorf("inline keyboard = %+v, want %+v", menu.InlineKeyboard, wantKB)
	}

	pressed := chat(t, e.postJSON(t, base+"/press", map[string]any{"message_id": menu.ID, "data": "reg"}))
	if pressed.Version <= v.Version {
		t.Errorf("press answered version %d, want more than %d", pressed.Version, v.Version)
	}
	v = e.waitChat(t, producer.ID, func(v chatView) bool {
		return lastIs("Hãy chia sẻ số điện thoại.")(v) && v.Toast != nil
	})
	edited := v.Messages[menu.ID-1]
	if !edited.Edited || edited.Text != "Bắt đầu đăng ký sản phẩm." || len(edited.InlineKeyboard) != 0 {
		t.Errorf("pressed message = %+v, want edited in place without its keyboard", edited)
	}
	if v.Toast.Text != "Đã chọn: reg" || v.Toast.Alert {
		t.Errorf("toast = %+v, want the callback answer", v.Toast)
	}
	wantReply := [][]replyButton{{{Text: "📱 Gửi số điện thoại", RequestContact: true}}, {{Text: "Hủy"}}}
	if !slices.EqualFunc(v.ReplyKeyboard, wantReply, slices.Equal) {
		t.Errorf("reply keyboard = %+v, want %+v", v.ReplyKeyboard, wantReply)
	}

	// The keyboard the bot removed cannot be pressed again.
	r := e.postJSON(t, base+"/press", map[string]any{"message_id": menu.ID, "data": "reg"})
	if code, _ := apiErr(t, r); r.status != http.StatusConflict || code != "button_not_found" {
		t.Errorf("second press = %s, want 409 button_not_found", r)
	}

	shared := chat(t, e.postJSON(t, base+"/contact", map[string]string{"phone": "0912 345 678"}))
	if m := last(shared); m.FromBot || m.Contact != "+84912345678" {
		t.Errorf("contact message = %+v, want the number as Telegram sends it", m)
	}
	if len(shared.ReplyKeyboard) != 0 {
		t.Errorf("reply keyboard after the contact = %+v, want it hidden (one-time)", shared.ReplyKeyboard)
	}
	v = e.waitChat(t, producer.ID, lastIs("Đã nhận số +84912345678"))
	if len(v.ReplyKeyboard) != 0 {
		t.Errorf("reply keyboard = %+v, want removed", v.ReplyKeyboard)
	}

	// The other user's chat is untouched, and its sidebar knows that something changed elsewhere.
	if other := chat(t, e.get(t, fmt.Sprintf("/webchat/api/chats/%d", official.ID))); len(other.Messages) != 0 ||
		other.AllVersion != v.Version {
		t.Errorf("official's chat = %+v, want empty with all_version %d", other, v.Version)
	}
}

func TestDeletedMessage(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOptions{})
	base := fmt.Sprintf("/webchat/api/chats/%d", producer.ID)
	chat(t, e.postJSON(t, base+"/text", map[string]string{"text": "/start"}))
	v := e.waitChat(t, producer.ID, lastIs("Xin chào!\nChọn một mục:"))
	id := last(v).ID
	chat(t, e.postJSON(t, base+"/press", map[string]any{"message_id": id, "data": "del"}))
	v = e.waitChat(t, producer.ID, func(v chatView) bool { return v.Messages[id-1].Deleted })
	if m := v.Messages[id-1]; m.Text != "" || len(m.InlineKeyboard) != 0 {
		t.Errorf("deleted message = %+v, want no content", m)
	}
}

// TestAllVersion checks that a long poll on one chat wakes for a change in another user's chat when asked to.
func TestAllVersion(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOptions{noBot: true})
	v := chat(t, e.get(t, fmt.Sprintf("/webchat/api/chats/%d", producer.ID)))
	done := e.getAsync(t, fmt.Sprintf("/webchat/api/chats/%d?after=%d&all=%d", producer.ID, v.Version, v.AllVersion))
	e.emu.SendText(official.ID, official.emuUser(), "chào")
	got := chat(t, <-done)
	if got.Version != v.Version || got.AllVersion == v.AllVersion {
		t.Errorf("long poll = version %d all %d; want version %d, all_version changed from %d",
			got.Version, got.AllVersion, v.Version, v.AllVersion)
	}
}

func TestLongPollTimeout(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOptions{noBot: true, pollTimeout: 50 * time.Millisecond})
	e.emu.SendText(producer.ID, producer.emuUser(), "chào")
	v := chat(t, e.get(t, fmt.Sprintf("/webchat/api/chats/%d", producer.ID)))
	got := chat(t, e.get(t, fmt.Sprintf("/webchat/api/chats/%d?after=%d&all=%d", producer.ID, v.Version, v.AllVersion)))
	if got.Version != v.Version || len(got.Messages) != 1 {
		t.Errorf("long poll without change = %+v, want the same chat at version %d", got, v.Version)
	}
}

// TestLongPollEmulatorClosed checks that closing the emulator ends long polls, so that the HTTP server can shut
// down while pages are open.
func TestLongPollEmulatorClosed(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOptions{noBot: true})
	done := e.getAsync(t, fmt.Sprintf("/webchat/api/chats/%d?after=0&all=0", producer.ID))
	e.emu.Close()
	if v := chat(t, <-done); v.Version != 0 {
		t.Errorf("long poll after Close = %+v, want the unchanged chat", v)
	}
}

// TestLongPollCancel checks that a long poll whose client went away returns at once, writing nothing. Were the
// context ignored, the poll would wait its 25 seconds.
func TestLongPollCancel(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOptions{noBot: true})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet,
		fmt.Sprintf("/webchat/api/chats/%d?after=0", producer.ID), nil)
	rec := httptest.NewRecorder()
	e.wc.ServeHTTP(rec, req)
	if rec.Body.Len() != 0 {
		t.Errorf("cancelled long poll wrote %q, want nothing", rec.Body)
	}
}

func TestUploadAndFiles(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOptions{})
	base := fmt.Sprintf("/webchat/api/chats/%d", producer.ID)
	img := testPNG(t, 64, 48)

	ct, body := multipartBody(t, "file", "san-pham.png", "image/png", img, map[string]string{"caption": "Mật ong"})
	v := chat(t, e.post(t, base+"/upload", ct, body))
	sent := last(v)
	if sent.FromBot || sent.PhotoURL == "" || sent.Text != "Mật ong" {
		t.Fatalf("uploaded message = %+v, want the user's photo with its caption", sent)
	}
	v = e.waitChat(t, producer.ID, lastIs("Ảnh đẹp!"))
	echoed := last(v)
	if echoed.PhotoURL == "" {
		t.Fatalf("bot message = %+v, want its photo", echoed)
	}
	for _, u := range []string{sent.PhotoURL, echoed.PhotoURL} {
		r := e.get(t, "/"+u)
		if r.status != http.StatusOK || !bytes.Equal(r.body, img) || r.header.Get("Content-Type") != "image/png" {
			t.Errorf("GET %s = %d %q (%d bytes), want the PNG", u, r.status, r.header.Get("Content-Type"), len(r.body))
		}
	}

	// An HTML page uploaded as a file is a document, and downloads as an attachment, never as a page of ours.
	page := []byte("<html><script>alert(1)</script></html>")
	ct, body = multipartBody(t, "file", "trang.html", "text/html", page, nil)
	v = chat(t, e.post(t, base+"/upload", ct, body))
	doc := last(v)
	if doc.DocumentURL == "" || doc.DocumentName != "trang.html" || doc.PhotoURL != "" {
		t.Fatalf("uploaded document = %+v, want a document named trang.html", doc)
	}
	e.waitChat(t, producer.ID, lastIs("Đã nhận tệp trang.html"))
	r := e.get(t, "/"+doc.DocumentURL)
	if r.status != http.StatusOK || !bytes.Equal(r.body, page) {
		t.Fatalf("GET %s = %s, want the file", doc.DocumentURL, r)
	}
	_, params, err := mime.ParseMediaType(r.header.Get("Content-Disposition"))
	if ct := r.header.Get("Content-Type"); ct != "application/octet-stream" || err != nil || params["filename"] != "trang.html" {
		t.Errorf("download headers: Content-Type %q, Content-Disposition %q; want an octet-stream attachment named trang.html",
			ct, r.header.Get("Content-Disposition"))
	}

	// A PNG can be sent as a file too.
	ct, body = multipartBody(t, "file", "goc.png", "image/png", img, map[string]string{"as": "document"})
	if m := last(chat(t, e.post(t, base+"/upload", ct, body))); m.DocumentName != "goc.png" || m.PhotoURL != "" {
		t.Errorf("as=document = %+v, want a document", m)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOptions{noBot: true})
	e.emu.SendText(producer.ID, producer.emuUser(), "chào") // message 1, from the user: no button to press
	chatURL := fmt.Sprintf("/webchat/api/chats/%d", producer.ID)
	pngCT, pngBody := multipartBody(t, "file", "a.png", "image/png", testPNG(t, 4, 4), nil)
	emptyCT, emptyBody := multipartBody(t, "file", "a.txt", "text/plain", nil, nil)
	noFileCT, noFileBody := multipartBody(t, "", "", "", nil, map[string]string{"caption": "x"})
	bigCT, bigBody := multipartBody(t, "file", "big.bin", "application/octet-stream", make([]byte, maxUpload+1), nil)
	capCT, capBody := multipartBody(t, "file", "a.png", "image/png", testPNG(t, 4, 4),
		map[string]string{"caption": strings.Repeat("á", maxCaptionLen+1)})

	tests := []struct {
		name       string
		method     string
		path       string
		ct         string
		body       string
		header     map[string]string
		wantStatus int
		wantCode   string
	}{
		{"bad JSON", "POST", chatURL + "/text", "application/json", `{"text":`, nil, 400, "bad_json"},
		{"unknown field", "POST", chatURL + "/text", "application/json", `{"txt":"a"}`, nil, 400, "bad_json"},
		{"two values", "POST", chatURL + "/text", "application/json", `{"text":"a"}{"text":"b"}`, nil, 400, "bad_json"},
		{"not an object", "POST", chatURL + "/text", "application/json", `"a"`, nil, 400, "bad_json"},
		{"empty text", "POST", chatURL + "/text", "application/json", `{"text":"  \n "}`, nil, 400, "empty_text"},
		{"text too long", "POST", chatURL + "/text", "application/json",
			`{"text":"` + strings.Repeat("ệ", maxTextLen+1) + `"}`, nil, 400, "text_too_long"},
		{"body too big", "POST", chatURL + "/text", "application/json",
			`{"text":"` + strings.Repeat("a", maxJSONBody) + `"}`, nil, 413, "too_large"},
		{"unknown user", "POST", "/webchat/api/chats/999/text", "application/json", `{"text":"a"}`, nil, 404,
			"unknown_user"},
		{"unknown user's chat", "GET", "/webchat/api/chats/999", "", "", nil, 404, "unknown_user"},
		{"chat id not a number", "GET", "/webchat/api/chats/abc", "", "", nil, 404, "unknown_user"},
		{"bad after", "GET", chatURL + "?after=-1", "", "", nil, 400, "bad_after"},
		{"bad all", "GET", chatURL + "?after=1&all=x", "", "", nil, 400, "bad_after"},
		{"press without data", "POST", chatURL + "/press", "application/json", `{"message_id":1}`, nil, 400,
			"bad_press"},
		{"press on a user message", "POST", chatURL + "/press", "application/json", `{"message_id":1,"data":"x"}`,
			nil, 404, "message_not_found"},
		{"press on a missing message", "POST", chatURL + "/press", "application/json",
			`{"message_id":99,"data":"x"}`, nil, 404, "message_not_found"},
		{"bad phone", "POST", chatURL + "/contact", "application/json", `{"phone":"abc"}`, nil, 400, "bad_phone"},
		{"short phone", "POST", chatURL + "/contact", "application/json", `{"phone":"0912"}`, nil, 400, "bad_phone"},
		{"upload not multipart", "POST", chatURL + "/upload", "application/json", `{}`, nil, 400, "bad_upload"},
		{"upload without file", "POST", chatURL + "/upload", noFileCT, noFileBody.String(), nil, 400, "no_file"},
		{"upload of an empty file", "POST", chatURL + "/upload", emptyCT, emptyBody.String(), nil, 400, "no_file"},
		{"upload too big", "POST", chatURL + "/upload", bigCT, bigBody.String(), nil, 413, "file_too_large"},
		{"caption too long", "POST", chatURL + "/upload", capCT, capBody.String(), nil, 400, "caption_too_long"},
		{"upload for an unknown user", "POST", "/webchat/api/chats/5/upload", pngCT, pngBody.String(), nil, 404,
			"unknown_user"},
		{"unknown file", "GET", "/webchat/api/files/AgACAgIAAxkBAAAAAAEAAAAAAAAAAQ", "", "", nil, 404,
			"file_not_found"},
		{"file id with odd characters", "GET", "/webchat/api/files/a%20b", "", "", nil, 404,
			"file_not_found"},
		{"bad user name", "POST", "/webchat/api/users", "application/json", `{"name":" "}`, nil, 400, "bad_name"},
		{"user name too long", "POST", "/webchat/api/users", "application/json",
			`{"name":"` + strings.Repeat("ơ", maxNameLen+1) + `"}`, nil, 400, "bad_name"},
		{"control character in name", "POST", "/webchat/api/users", "application/json", `{"name":"a\u0007b"}`, nil,
			400, "bad_name"},
		{"wrong method", "DELETE", chatURL + "/text", "", "", nil, 405, "method_not_allowed"},
		{"GET on a POST route", "GET", chatURL + "/press", "", "", nil, 405, "method_not_allowed"},
		{"POST on the page", "POST", "/", "text/plain", "x", nil, 405, "method_not_allowed"},
		{"unknown API path", "GET", "/webchat/api/nope", "", "", nil, 404, "not_found"},
		{"unknown page", "GET", "/nope.html", "", "", nil, 404, "not_found"},
		{"cross-site POST", "POST", chatURL + "/text", "application/json", `{"text":"a"}`,
			map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "cross_origin"},
		{"other origin POST", "POST", chatURL + "/text", "text/plain", `{"text":"a"}`,
			map[string]string{"Origin": "https://evil.example"}, 403, "cross_origin"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(t.Context(), tc.method, e.srv.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.ct != "" {
				req.Header.Set("Content-Type", tc.ct)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			r := e.do(t, req)
			code, msg := apiErr(t, r)
			if r.status != tc.wantStatus || code != tc.wantCode {
				t.Errorf("%s %s = %s, want %d %s", tc.method, tc.path, r, tc.wantStatus, tc.wantCode)
			}
			if msg != "" && !strings.ContainsAny(msg, "àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ") {
				t.Errorf("message %q: want Vietnamese with its diacritics", msg)
			}
		})
	}
	t.Cleanup(func() {
		// Nothing refused reached the chat: only the emulator's own message is there.
		if msgs := e.emu.Chat(producer.ID); len(msgs) != 1 {
			t.Errorf("chat after refused requests = %+v, want the one message", msgs)
		}
	})
}

func TestContactPhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"0912345678", "+84912345678", true},
		{"0912 345 678", "+84912345678", true},
		{"+84 912.345.678", "+84912345678", true},
		{"84912345678", "+84912345678", true},
		{"(+84) 912-345-678", "+84912345678", true},
		{"+1 415 555 0100", "+14155550100", true},
		{"", "", false},
		{"0912", "", false},
		{"09123456789012345", "", false},
		{"+0912345678", "", false},
		{"0912a45678", "", false},
		{"++84912345678", "", false},
	}
	for _, tc := range tests {
		got, ok := contactPhone(tc.in)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("contactPhone(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.wantOK)
		}
	}
}

func FuzzContactPhone(f *testing.F) {
	for _, s := range []string{"0912345678", "+84 912 345 678", "(+84) 912", "", "++1", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := contactPhone(s)
		if !ok {
			return
		}
		again, ok := contactPhone(got)
		if !ok || again != got {
			t.Errorf("contactPhone(%q) = %q, but that gives %q, %v", s, got, again, ok)
		}
	})
}

func FuzzFileName(f *testing.F) {
	for _, s := range []string{"a.png", "", "..", "../../etc/passwd", "a\x00b", strings.Repeat("ữ", 200), "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := fileName(s)
		if got == "" || len(got) > maxFileName || strings.ContainsAny(got, "/\\\x00") || got == ".." {
			t.Errorf("fileName(%q) = %q: want a non-empty name of at most %d bytes without separators", s, got,
				maxFileName)
		}
		if fileName(got) != got {
			t.Errorf("fileName(%q) = %q, not stable", s, got)
		}
	})
}
