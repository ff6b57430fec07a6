package bot

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestCompactUpdate: the intake keeps an update without what the bot never
// reads — a pressed button's message text and keyboard — and reading it
// back gives the same input as the update Telegram sent.
func TestCompactUpdate(t *testing.T) {
	t.Parallel()
	updates := map[string]string{
		"text":    `{"update_id":1,"message":{"message_id":5,"date":1,"chat":{"id":7,"type":"private","first_name":"An"},"from":{"id":7,"is_bot":false,"first_name":"An","language_code":"vi"},"text":"Mật ong rừng"}}`,
		"command": `{"update_id":2,"message":{"message_id":6,"chat":{"id":7,"type":"private"},"from":{"id":7},"text":"/start@ocopbot ABC123"}}`,
		"contact": `{"update_id":3,"message":{"message_id":7,"chat":{"id":7,"type":"private"},"from":{"id":7},"contact":{"phone_number":"84912345678","first_name":"An","user_id":7}}}`,
		"photo":   `{"update_id":4,"message":{"message_id":8,"chat":{"id":7,"type":"private"},"from":{"id":7},"photo":[{"file_id":"small","width":90},{"file_id":"large","width":1280}]}}`,
		"document": `{"update_id":5,"message":{"message_id":9,"chat":{"id":7,"type":"private"},"from":{"id":7},` +
			`"document":{"file_id":"doc","file_name":"so-dang-ky.xlsx","file_size":5120,"mime_type":"application/vnd.ms-excel"}}}`,
		"button": `{"update_id":6,"callback_query":{"id":"cb1","from":{"id":7,"first_name":"An"},"chat_instance":"x","data":"r:3:grp:1",` +
			`"message":{"message_id":10,"chat":{"id":7,"type":"private"},"from":{"id":99,"is_bot":true},"text":"Sản phẩm thuộc nhóm nào?",` +
			`"reply_markup":{"inline_keyboard":[[{"text":"1. Thực phẩm","callback_data":"r:3:grp:1"}],[{"text":"2. Đồ uống","callback_data":"r:3:grp:2"}]]}}}}`,
		"button of an old message": `{"update_id":7,"callback_query":{"id":"cb2","from":{"id":7},"data":"x","message":{"message_id":11,"chat":{"id":7,"type":"private"},"date":0}}}`,
		"group message":            `{"update_id":8,"message":{"message_id":12,"chat":{"id":-100,"type":"group"},"from":{"id":7},"text":"hi"}}`,
		"edited message":           `{"update_id":9,"edited_message":{"message_id":13,"chat":{"id":7,"type":"private"},"text":"sửa"}}`,
	}
	for name, raw := range updates {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var u update
			if err := json.Unmarshal([]byte(raw), &u); err != nil {
				t.Fatal(err)
			}
			kept := u.compact([]byte(raw))
			var back update
			if err := json.Unmarshal(kept, &back); err != nil {
				t.Fatalf("read back %s: %v", kept, err)
			}
			want, wantOK := decode(&u)
			got, gotOK := decode(&back)
			if !reflect.DeepEqual(got, want) || gotOK != wantOK || back.ID != u.ID || back.chatID() != u.chatID() {
				t.Errorf("kept %s\nreads as %+v (%v), want %+v (%v)", kept, got, gotOK, want, wantOK)
			}
			if name == "button" && len(kept) >= len(raw)/2 {
				t.Errorf("kept %d of the button's %d bytes: %s", len(kept), len(raw), kept)
			}
		})
	}
}
