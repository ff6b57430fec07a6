package emulator

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

const benchChats = 200

func benchServer(b *testing.B) (*Server, *httptest.Server, *http.Client) {
	b.Helper()
	// Bounded transcripts, as a long load run would use.
	s := New(Options{Token: testToken, BotID: 1, BotUsername: "bench_bot", MaxMessagesPerChat: 1000})
	hs := httptest.NewServer(s)
	b.Cleanup(func() {
		s.Close()
		hs.Close()
	})
	// Keep-alive connections, enough for every parallel sender.
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024}}
	return s, hs, client
}

// BenchmarkSendMessage sends through go-telegram/bot, as the bot does: multipart over keep-alive HTTP, 200 chats.
func BenchmarkSendMessage(b *testing.B) {
	s, hs, client := benchServer(b)
	tg, err := bot.New(testToken, bot.WithServerURL(hs.URL), bot.WithSkipGetMe(), bot.WithHTTPClient(time.Minute, client))
	if err != nil {
		b.Fatal(err)
	}
	keyboard := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
		{{Text: "Có", CallbackData: "reg:yes"}, {Text: "Không", CallbackData: "reg:no"}},
	}}
	var next atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			chatID := next.Add(1)%benchChats + 1
			_, err := tg.SendMessage(ctx, &bot.SendMessageParams{
				ChatID: chatID, Text: "Sản phẩm của bạn đã được ghi nhận.", ReplyMarkup: keyboard,
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	if got := s.Calls()["sendMessage"]; got != b.N {
		b.Errorf("sendMessage calls = %d, want %d", got, b.N)
	}
}

// BenchmarkSendMessageRaw measures the emulator alone: the multipart bodies go-telegram/bot writes, built once,
// over keep-alive HTTP.
func BenchmarkSendMessageRaw(b *testing.B) {
	_, hs, client := benchServer(b)
	type request struct {
		contentType string
		body        []byte
	}
	reqs := make([]request, benchChats)
	for i := range reqs {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for _, f := range [][2]string{
			{"chat_id", strconv.Itoa(i + 1)},
			{"text", "Sản phẩm của bạn đã được ghi nhận."},
			{"reply_markup", `{"inline_keyboard":[[{"text":"Có","callback_data":"reg:yes"},{"text":"Không","callback_data":"reg:no"}]]}`},
		} {
			if err := w.WriteField(f[0], f[1]); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		reqs[i] = request{w.FormDataContentType(), buf.Bytes()}
	}
	url := hs.URL + "/bot" + testToken + "/sendMessage"
	var next atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := reqs[next.Add(1)%benchChats]
			req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(r.body))
			if err != nil {
				b.Error(err)
				return
			}
			req.Header.Set("Content-Type", r.contentType)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkServeHTTP measures the handler without the network: the emulator's own cost per sendMessage.
func BenchmarkServeHTTP(b *testing.B) {
	s := New(Options{Token: testToken, BotID: 1, BotUsername: "bench_bot", MaxMessagesPerChat: 1000})
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range [][2]string{
		{"chat_id", "1"},
		{"text", "Sản phẩm của bạn đã được ghi nhận."},
		{"reply_markup", `{"inline_keyboard":[[{"text":"Có","callback_data":"reg:yes"},{"text":"Không","callback_data":"reg:no"}]]}`},
	} {
		if err := w.WriteField(f[0], f[1]); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	body, contentType := buf.Bytes(), w.FormDataContentType()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, "/bot"+testToken+"/sendMessage", bytes.NewReader(body))
			req.Header.Set("Content-Type", contentType)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Errorf("status %d: %s", rec.Code, rec.Body)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
