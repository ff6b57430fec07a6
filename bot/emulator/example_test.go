package emulator_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ocopbot/ocopbot/bot/emulator"
)

// A user writes, the bot answers through go-telegram/bot, the user presses a button; the chat shows it all.
func Example() {
	s := emulator.New(emulator.Options{Token: "1:demo", BotID: 1, BotUsername: "ocop_demo_bot"})
	srv := httptest.NewServer(s)
	defer srv.Close()
	defer s.Close()
	b, err := bot.New("1:demo", bot.WithServerURL(srv.URL), bot.WithSkipGetMe())
	if err != nil {
		fmt.Println(err)
		return
	}

	lan := emulator.User{ID: 42, FirstName: "Lan", LanguageCode: "vi"}
	s.SendText(lan.ID, lan, "/start")
	msg, err := b.SendMessage(context.Background(), &bot.SendMessageParams{
		ChatID:    lan.ID,
		Text:      "<b>Xin chào!</b> Đăng ký sản phẩm?",
		ParseMode: models.ParseModeHTML,
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
			{{Text: "Đăng ký", CallbackData: "reg"}},
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := s.PressButton(lan.ID, lan, msg.ID, "reg"); err != nil {
		fmt.Println(err)
		return
	}

	for _, m := range s.Chat(lan.ID) {
		fmt.Printf("%d bot=%v %q buttons=%d\n", m.ID, m.FromBot, m.PlainText, len(m.InlineKeyboard))
	}
	fmt.Println("pending updates:", s.PendingUpdates())
	// Output:
	// 1 bot=false "/start" buttons=0
	// 2 bot=true "Xin chào! Đăng ký sản phẩm?" buttons=1
	// pending updates: 2
}
