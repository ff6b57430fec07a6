package flows_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

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
	lost := low
	lost.PreviousStars = 3
	proposed := res
	proposed.Score, proposed.PreviousStars, proposed.Proposed, proposed.ProposedTo = 92, 0, 5, ocop.OfficeCentral
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
		{ocop.NoticeResult, "vi", res, []string{"Mật ong", "72,5/100 — 4 sao", "2388/QĐ-UBND ngày 28/06/2024", "Giấy chứng nhận có hiệu lực đến hết ngày 27/06/2027.", "3 sao trước đây"}},
		{ocop.NoticeResult, "en", res, []string{"72.5/100 — 4 stars", "The certificate is valid until the end of 27/06/2027."}},
		{ocop.NoticeResult, "vi", low, []string{"41/100 — 2 sao", "chưa đạt 3 sao"}},
		// The certificate replaced is said to end on its last valid day,
		// the day before the new decision.
		{ocop.NoticeResult, "vi", res, []string{"Giấy chứng nhận 3 sao trước đây được thay bằng kết quả này và chỉ có hiệu lực đến hết ngày 27/06/2024."}},
		{ocop.NoticeResult, "en", res, []string{"Your earlier 3-star certificate is replaced by this result: it was valid until the end of 27/06/2024."}},
		{ocop.NoticeResult, "vi", lost, []string{"Giấy chứng nhận 3 sao trước đây chỉ có hiệu lực đến hết ngày 27/06/2024."}},
		// A province's 92 points: its 4★ and the proposal for 5★.
		{ocop.NoticeResult, "vi", proposed, []string{"Điểm: 92/100 — 4 sao", "Giấy chứng nhận có hiệu lực đến hết ngày 27/06/2027.",
			"Điểm này đạt mức 5 sao: sản phẩm được công nhận 4 sao và được đề nghị cấp Trung ương đánh giá, công nhận 5 sao."}},
		{ocop.NoticeResult, "en", proposed, []string{"92/100 — 4 stars", "recognised with 4 stars and proposed to the central level to evaluate and recognise 5 stars."}},
		{ocop.NoticeResultSummary, "vi", ocop.SummaryNotice{Results: []ocop.ResultNotice{proposed}}, []string{"HTX Tân Thông: 92 điểm, 4 sao (Quyết định số 2388/QĐ-UBND); đề nghị cấp Trung ương đánh giá, công nhận 5 sao"}},
		{ocop.NoticeResultSummary, "vi", ocop.SummaryNotice{Results: []ocop.ResultNotice{res, low}}, []string{"(2 sản phẩm)", "HTX Tân Thông: 72,5 điểm, 4 sao"}},
		{ocop.NoticeRevoked, "vi", ocop.RevokedNotice{Product: "Mật ong", Stars: 4, DecisionNo: "2388/QĐ-UBND", RevokedOn: day, Reason: "Vi phạm"}, []string{"bị thu hồi từ ngày 28/06/2024", "Lý do: Vi phạm"}},
		{ocop.NoticeReminder, "vi", reminder, []string{"Nhắc đánh giá lại", "Mật ong (4 sao, hồ sơ OCOP-24-000001)", "có hiệu lực đến hết ngày 27/06/2027 — còn 30 ngày"}},
		{ocop.NoticeReminder, "en", reminder, []string{"renewal reminder", "is valid until the end of 27/06/2027 — 30 days left"}},
		{ocop.NoticeExpired, "vi", expired, []string{"có hiệu lực đến hết ngày 27/06/2027 (đã hết hạn).", "không còn được tính"}},
		{ocop.NoticeExpired, "en", expired, []string{"was valid until the end of 27/06/2027 (expired)."}},
		{ocop.NoticeRenewalAnswer, "vi", answer, []string{"HTX Tân Thông — sản phẩm Mật ong (4 sao", "Đăng ký nâng hạng lên 5 sao", "(Trước đó: Không đăng ký lại)"}},
		{ocop.NoticeRenewalAnswer, "en", answer, []string{"Upgrade to 5 stars", "(Before: Do not renew)"}},
		{ocop.NoticeUnreachable, "vi", gone, []string{"Không gửi được tin nhắc đánh giá lại (7 ngày trước hạn)", "người đại diện Lê Thị B, ĐT 0912345678"}},
		{ocop.NoticeReminder, "vi", imported, []string{"Mật ong (4 sao)\n"}},
		{ocop.NoticeReminder, "en", imported, []string{"Mật ong (4 stars)\n"}},
		{ocop.NoticeUnreachable, "vi", unlinked, []string{"Chưa gửi được tin nhắc đánh giá lại (7 ngày trước hạn): chủ thể chưa liên kết với bot", "• Mật ong (hiệu lực đến hết ngày 27/06/2027) — HTX Tân Thông, người đại diện Lê Thị B, ĐT 0912345678 (chưa liên kết bot)\n• Sáp ong (3 sao, hiệu lực đến hết ngày 27/06/2027)"}},
		{ocop.NoticeUnreachable, "en", unlinked, []string{"the producer has not linked the bot", "(not linked to the bot)\n• Sáp ong (3 stars, valid until the end of 27/06/2027)"}},
		{ocop.NoticeDigest, "vi", digest, []string{"Bản tin OCOP tuần — Huyện Củ Chi (23/11/2026)", "Sắp hết hạn, hiệu lực đến hết ngày 20/02/2027 hoặc sớm hơn: 12 sản phẩm", "• Mật ong — HTX Tân Thông (4 sao): hiệu lực đến hết ngày 27/06/2027", "… và 11 mục khác", "Trả lời nhắc hạn từ ngày 16/11/2026: 1"}},
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
		if err != nil || len(reply.Choices) != want {
			t.Errorf("%d★ reminder: %d answers (%v), want %d", stars, len(reply.Choices), err, want)
		}
	}
	if _, err := e.Notice(ocop.Notification{ID: 2, Kind: "nonsense", Payload: raw(struct{}{})}); err == nil {
		t.Error("an unknown kind rendered")
	}
}
