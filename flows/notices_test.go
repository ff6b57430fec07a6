package flows_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"

	"github.com/xuri/excelize/v2"

	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/storage/storagetest"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// TestNoticesRender: each notification kind in each language carries its
// facts; an unknown kind is an error, not an empty message.
func TestNoticesRender(t *testing.T) {
	t.Parallel()
	e, _, _ := setup(t)
	day := time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC)
	res := ocop.ResultNotice{Code: "OCOP-24-000001", Product: "Mật ong", Producer: "HTX Tân Thông", Score: 72.5, Stars: 4,
		DecisionNo: "2388/QĐ-UBND", DecisionDate: day, ValidUntil: ocop.CertificateExpiry(day), PreviousStars: 3}
	low := res
	low.Score, low.Stars, low.ValidUntil, low.PreviousStars = 41, 2, time.Time{}, 0
	raw := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	until := ocop.CertificateExpiry(day)
	reminder := ocop.ReminderNotice{CertificateID: 9, Stage: 30, Code: res.Code, Product: "Mật ong", Stars: 4, DecisionNo: res.DecisionNo, ValidUntil: until}
	expired := reminder
	expired.Stage = 0
	item := ocop.CertificateItem{Code: res.Code, Product: "Mật ong", Producer: "HTX Tân Thông", Stars: 4, ValidUntil: until}
	answer := ocop.AnswerNotice{CertificateItem: item, Answer: ocop.AnswerUpgrade, TargetStars: 5, Previous: ocop.AnswerLapse}
	gone := ocop.UnreachableNotice{CertificateItem: item, Representative: "Lê Thị B", Phone: "0912345678", Stage: 7}
	imported := reminder // a certificate imported from a registry: no registration code
	imported.Code = ""
	unlinked := gone
	unlinked.Code, unlinked.Reason = "", ocop.UnreachableUnlinked
	unlinked.More = []ocop.CertificateItem{{Product: "Sáp ong", Producer: "HTX Tân Thông", Stars: 3, ValidUntil: until}}
	monday := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	digest := ocop.DigestNotice{Unit: "Huyện Củ Chi", From: monday.AddDate(0, 0, -7), Until: monday.AddDate(0, 0, 90), Expiring: 12,
		Soonest: []ocop.CertificateItem{item}, Received: 1, Answers: []ocop.AnswerNotice{answer}}
	cases := []struct {
		kind, lang string
		payload    any
		want       []string
	}{
		{ocop.NoticeResult, "vi", res, []string{"Mật ong", "72,5/100 — 4 sao", "2388/QĐ-UBND ngày 28/06/2024", "đến hết ngày 27/06/2027", "3 sao trước đây"}},
		{ocop.NoticeResult, "en", res, []string{"72.5/100 — 4 stars", "up to and including 27/06/2027"}},
		{ocop.NoticeResult, "vi", low, []string{"41/100 — 2 sao", "chưa đạt 3 sao"}},
		{ocop.NoticeResultSummary, "vi", ocop.SummaryNotice{Results: []ocop.ResultNotice{res, low}}, []string{"(2 sản phẩm)", "HTX Tân Thông: 72,5 điểm, 4 sao"}},
		{ocop.NoticeRevoked, "vi", ocop.RevokedNotice{Product: "Mật ong", Stars: 4, DecisionNo: "2388/QĐ-UBND", RevokedOn: day, Reason: "Vi phạm"}, []string{"bị thu hồi từ ngày 28/06/2024", "Lý do: Vi phạm"}},
		{ocop.NoticeReminder, "vi", reminder, []string{"Nhắc đánh giá lại", "Mật ong (4 sao, hồ sơ OCOP-24-000001)", "hết hiệu lực từ ngày 28/06/2027 — còn 30 ngày"}},
		{ocop.NoticeReminder, "en", reminder, []string{"renewal reminder", "is no longer valid from 28/06/2027 — 30 days left"}},
		{ocop.NoticeExpired, "vi", expired, []string{"đã hết hiệu lực từ ngày 28/06/2027", "không còn được tính"}},
		{ocop.NoticeRenewalAnswer, "vi", answer, []string{"HTX Tân Thông — sản phẩm Mật ong (4 sao", "Đăng ký nâng hạng lên 5 sao", "(Trước đó: Không đăng ký lại)"}},
		{ocop.NoticeRenewalAnswer, "en", answer, []string{"Upgrade to 5 stars", "(Before: Do not renew)"}},
		{ocop.NoticeUnreachable, "vi", gone, []string{"Không gửi được tin nhắc đánh giá lại (7 ngày trước hạn)", "người đại diện Lê Thị B, ĐT 0912345678"}},
		{ocop.NoticeReminder, "vi", imported, []string{"Mật ong (4 sao)\n"}},
		{ocop.NoticeReminder, "en", imported, []string{"Mật ong (4 stars)\n"}},
		{ocop.NoticeUnreachable, "vi", unlinked, []string{"Chưa gửi được tin nhắc đánh giá lại (7 ngày trước hạn): chủ thể chưa liên kết với bot", "• Mật ong (hết hiệu lực từ 28/06/2027) — HTX Tân Thông, người đại diện Lê Thị B, ĐT 0912345678 (chưa liên kết bot)\n• Sáp ong (3 sao, hết hiệu lực từ 28/06/2027)"}},
		{ocop.NoticeUnreachable, "en", unlinked, []string{"the producer has not linked the bot", "(not linked to the bot)\n• Sáp ong (3 stars, no longer valid from 28/06/2027)"}},
		{ocop.NoticeDigest, "vi", digest, []string{"Bản tin OCOP tuần — Huyện Củ Chi (23/11/2026)", "Hết hạn đến ngày 21/02/2027: 12 sản phẩm", "• Mật ong — HTX Tân Thông (4 sao): hết hiệu lực từ 28/06/2027", "… và 11 mục khác", "Trả lời nhắc hạn từ ngày 16/11/2026: 1"}},
	}
	for _, c := range cases {
		r, err := e.Notice(ocop.Notification{ID: 1, Kind: c.kind, Locale: c.lang, Payload: raw(c.payload)})
		if err != nil {
			t.Fatalf("%s/%s: %v", c.kind, c.lang, err)
		}
		for _, w := range c.want {
			if !strings.Contains(r.Text, w) {
				t.Errorf("%s/%s lacks %q:\n%s", c.kind, c.lang, w, r.Text)
			}
		}
	}
	// The reminder's answers, without the upgrade for 5★.
	for stars, want := range map[int]int{4: 3, 5: 2} {
		r := reminder
		r.Stars = stars
		reply, err := e.Notice(ocop.Notification{ID: 3, Kind: ocop.NoticeReminder, Locale: "vi", Payload: raw(r)})
		if err != nil || len(reply.Buttons) != want {
			t.Errorf("%d★ reminder: %d answers (%v), want %d", stars, len(reply.Buttons), err, want)
		}
	}
	if _, err := e.Notice(ocop.Notification{ID: 2, Kind: "nonsense", Payload: raw(struct{}{})}); err == nil {
		t.Error("an unknown kind rendered")
	}
}

// TestCertificateDatesSaidRight: valid_until is stored as the first day a
// certificate no longer counts. Every text showing a certificate's end, in
// both languages, says either the last valid day ("đến hết ngày", valid_until
// − 1) or the first invalid day ("hết hiệu lực từ ngày", valid_until), and
// never shows the first invalid day as the last valid one.
func TestCertificateDatesSaidRight(t *testing.T) {
	t.Parallel()
	e, store, _ := setup(t)
	decided := time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC)
	until := ocop.CertificateExpiry(decided) // stored: 28/06/2027
	first, last := until.Format("02/01/2006"), ocop.LastValidDay(until).Format("02/01/2006")
	if first != "28/06/2027" || last != "27/06/2027" {
		t.Fatalf("stored %s, last valid %s; want 28/06/2027 and 27/06/2027", first, last)
	}
	raw := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	item := ocop.CertificateItem{Code: "OCOP-24-000001", Product: "Mật ong", Producer: "HTX Tân Thông", Stars: 4, ValidUntil: until}
	reminder := ocop.ReminderNotice{CertificateID: 9, Stage: 30, Code: item.Code, Product: item.Product, Stars: 4, DecisionNo: "2388/QĐ-UBND", ValidUntil: until}
	expired := reminder
	expired.Stage = 0
	answer := ocop.AnswerNotice{CertificateItem: item, Answer: ocop.AnswerReevaluate}
	monday := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	payloads := map[string]any{
		ocop.NoticeResult: ocop.ResultNotice{Code: item.Code, Product: item.Product, Producer: item.Producer, Score: 75, Stars: 4,
			DecisionNo: "2388/QĐ-UBND", DecisionDate: decided, ValidUntil: until},
		ocop.NoticeReminder:      reminder,
		ocop.NoticeExpired:       expired,
		ocop.NoticeRenewalAnswer: answer,
		ocop.NoticeUnreachable:   ocop.UnreachableNotice{CertificateItem: item, Representative: "Lê Thị B", Phone: "0912345678", Stage: 7},
		ocop.NoticeDigest: ocop.DigestNotice{Unit: "Huyện Củ Chi", From: monday.AddDate(0, 0, -7), Until: monday.AddDate(0, 0, 90),
			Expiring: 1, Soonest: []ocop.CertificateItem{item}},
	}
	cases := []struct {
		kind, lang string
		want       string
	}{
		{ocop.NoticeResult, "vi", "có hiệu lực đến hết ngày " + last},
		{ocop.NoticeResult, "en", "valid up to and including " + last},
		{ocop.NoticeReminder, "vi", "hết hiệu lực từ ngày " + first},
		{ocop.NoticeReminder, "en", "no longer valid from " + first},
		{ocop.NoticeExpired, "vi", "đã hết hiệu lực từ ngày " + first},
		{ocop.NoticeExpired, "en", "no longer valid since " + first},
		{ocop.NoticeRenewalAnswer, "vi", "hết hiệu lực từ " + first},
		{ocop.NoticeRenewalAnswer, "en", "no longer valid from " + first},
		{ocop.NoticeUnreachable, "vi", "hết hiệu lực từ " + first},
		{ocop.NoticeUnreachable, "en", "no longer valid from " + first},
		{ocop.NoticeDigest, "vi", "hết hiệu lực từ " + first},
		{ocop.NoticeDigest, "en", "no longer valid from " + first},
	}
	// The first invalid day must never follow words of the last valid one.
	wrong := []string{"đến ngày " + first, "đến hết ngày " + first, "hết hạn ngày " + first, "until " + first,
		"including " + first, "expires on " + first, "expires " + first}
	check := func(t *testing.T, text, want string) {
		t.Helper()
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
		for _, w := range wrong {
			if strings.Contains(text, w) {
				t.Errorf("text says %q, the first invalid day as the last valid one:\n%s", w, text)
			}
		}
	}
	for _, c := range cases {
		t.Run(c.kind+"/"+c.lang, func(t *testing.T) {
			r, err := e.Notice(ocop.Notification{ID: 1, Kind: c.kind, Locale: c.lang, Payload: raw(payloads[c.kind])})
			if err != nil {
				t.Fatal(err)
			}
			check(t, r.Text, c.want)
		})
	}

	// The same certificate, stored, as the chat shows it: the producer's
	// /hoso, an official's /status and its workbook.
	ctx := context.Background()
	producer := int64(4801)
	var commune int64
	if err := store.Pool().QueryRow(ctx, `SELECT id FROM admin_units WHERE level = 3 ORDER BY id LIMIT 1`).Scan(&commune); err != nil {
		t.Fatal(err)
	}
	storagetest.AddProduct(t, store, producer, commune, "Mật ong", storagetest.Cert{Stars: 4, Decided: "2024-06-28"})
	code, err := store.CreateInvite(ctx, 0, ocop.RoleAdmin, 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	official := int64(4802)
	if _, err := store.RedeemInvite(ctx, code, official, official); err != nil {
		t.Fatal(err)
	}
	say := func(user int64, lang string, in flows.Input) flows.Result {
		t.Helper()
		_, res, err := e.Handle(ctx, &flows.Chat{ID: user, UserID: user, Locale: lang}, nil, in)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	texts := func(res flows.Result) string {
		var b strings.Builder
		for _, r := range res.Replies {
			b.WriteString(r.Text + "\n")
		}
		return b.String()
	}
	surfaces := []struct {
		name, lang, want string
		text             func(lang string) string
	}{
		{"hoso", "vi", "có hiệu lực đến hết ngày " + last, func(lang string) string {
			return texts(say(producer, lang, flows.Input{Kind: flows.InputCommand, Command: "hoso"}))
		}},
		{"hoso", "en", "valid up to and including " + last, nil},
		{"status", "vi", "hết hiệu lực từ " + first, func(lang string) string {
			return texts(say(official, lang, flows.Input{Kind: flows.InputCommand, Command: "status", Text: "01/05/2027"}))
		}},
		{"status", "en", "no longer valid from " + first, nil},
		{"xlsx", "vi", "Hết hiệu lực từ ngày: " + first, func(lang string) string {
			res := say(official, lang, flows.Input{Kind: flows.InputButton, Data: "x|xl|0|20270501"})
			if len(res.Replies) == 0 || res.Replies[len(res.Replies)-1].Document == nil {
				t.Fatalf("no workbook: %+v", res)
			}
			f, err := excelize.OpenReader(bytes.NewReader(res.Replies[len(res.Replies)-1].Document.Data))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := f.GetRows(f.GetSheetList()[1])
			if err != nil || len(rows) < 2 {
				t.Fatalf("products sheet: %v %v", rows, err)
			}
			col := slices.Index(rows[0], map[string]string{"vi": "Hết hiệu lực từ ngày", "en": "No longer valid from"}[lang])
			if col < 0 || col >= len(rows[1]) {
				t.Fatalf("no end-of-validity column in %v", rows[0])
			}
			return rows[0][col] + ": " + rows[1][col]
		}},
		{"xlsx", "en", "No longer valid from: " + first, nil},
	}
	for i, c := range surfaces {
		if c.text == nil {
			c.text = surfaces[i-1].text
		}
		t.Run(c.name+"/"+c.lang, func(t *testing.T) { check(t, c.text(c.lang), c.want) })
	}
}
