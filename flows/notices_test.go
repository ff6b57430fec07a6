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
	raw := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	cases := []struct {
		kind, lang string
		payload    any
		want       []string
	}{
		{ocop.NoticeResult, "vi", res, []string{"Mật ong", "72,5/100 — 4 sao", "2388/QĐ-UBND ngày 28/06/2024", "đến ngày 28/06/2027", "3 sao trước đây"}},
		{ocop.NoticeResult, "en", res, []string{"72.5/100 — 4 stars", "until 28/06/2027"}},
		{ocop.NoticeResult, "vi", low, []string{"41/100 — 2 sao", "chưa đạt 3 sao"}},
		{ocop.NoticeResultSummary, "vi", ocop.SummaryNotice{Results: []ocop.ResultNotice{res, low}}, []string{"(2 sản phẩm)", "HTX Tân Thông: 72,5 điểm, 4 sao"}},
		{ocop.NoticeRevoked, "vi", ocop.RevokedNotice{Product: "Mật ong", Stars: 4, DecisionNo: "2388/QĐ-UBND", RevokedOn: day, Reason: "Vi phạm"}, []string{"bị thu hồi từ ngày 28/06/2024", "Lý do: Vi phạm"}},
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
	if _, err := e.Notice(ocop.Notification{ID: 2, Kind: "nonsense", Payload: raw(struct{}{})}); err == nil {
		t.Error("an unknown kind rendered")
	}
}
