package webchat_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/bot/webchat"
)

// The page is mounted at "/" beside the emulator's Bot API; the bot is pointed at the same server with
// bot.WithServerURL, and a browser opens "/".
func Example() {
	const token = "1:demo"
	emu := emulator.New(emulator.Options{Token: token, BotID: 1, BotUsername: "ocop_demo_bot"})
	defer emu.Close()
	wc := webchat.New(emu, webchat.Options{Title: "ocopbot", Users: []webchat.User{
		{ID: 1001, Name: "Nguyễn Văn An", Role: "Nhà sản xuất (demo)"},
		{ID: 2001, Name: "Trần Thị Bình", Role: "Cán bộ huyện (demo)"},
	}})
	mux := http.NewServeMux()
	mux.Handle("/bot"+token+"/", emu)
	mux.Handle("/file/", emu)
	mux.Handle("/", wc)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/webchat/api/users")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var list struct {
		Users []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
			Role string `json:"role"`
		} `json:"users"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		fmt.Println(err)
		return
	}
	for _, u := range list.Users {
		fmt.Printf("%d %s — %s\n", u.ID, u.Name, u.Role)
	}
	// Output:
	// 1001 Nguyễn Văn An — Nhà sản xuất (demo)
	// 2001 Trần Thị Bình — Cán bộ huyện (demo)
}
