package flows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows"
)

// A registration in progress from before the notice (no consent in its
// state) shows the notice instead of its step, takes no answer, and once
// agreed goes on at the same step without starting over.
func TestConsentAskedInARegistrationInProgress(t *testing.T) {
	t.Parallel()
	e, store, c := setupWithoutConsent(t)
	st := &flows.State{Flow: "reg", Step: "rep", Seq: 3, Reg: &flows.RegistrationAnswers{Kind: "farm", Name: "Trang trại Hoa Lan"}}
	next, res := handle(t, e, c, st, flows.Input{Kind: flows.InputText, Text: "Nguyễn Văn An"})
	if next.Reg.Rep != "" || !strings.Contains(lastText(res), "Luật Bảo vệ dữ liệu cá nhân") {
		t.Fatalf("before consent: rep %q, reply %q", next.Reg.Rep, lastText(res))
	}
	agree := lastReplyButton(t, res, "✅ Tôi đồng ý")
	next, res = handle(t, e, c, next, flows.Input{Kind: flows.InputButton, Data: agree})
	if next.Step != "rep" || next.Reg.Name != "Trang trại Hoa Lan" || next.Reg.Consent != flows.ConsentVersion ||
		!strings.Contains(lastText(res), "Bước 3/15") {
		t.Fatalf("after agreeing: %s %+v, reply %q", next.Step, next.Reg, lastText(res))
	}
	if ok, err := store.ConsentGiven(context.Background(), c.UserID, flows.ConsentVersion); err != nil || !ok {
		t.Fatalf("consent stored = %v (%v)", ok, err)
	}
}

// The erasure's confirmation button works for a while only.
func TestEraseButtonExpires(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	f := newFixture(t)
	e := flows.New(flows.Config{Records: f.store, Atlas: f.atlas, Groups: f.groups, Text: f.text, Log: f.log,
		Now: func() time.Time { return now }})
	c := &flows.Chat{ID: 12, UserID: 12}
	if err := f.store.GiveConsent(context.Background(), c.UserID, flows.ConsentVersion, now); err != nil {
		t.Fatal(err)
	}
	_, res := handle(t, e, c, nil, flows.Input{Kind: flows.InputCommand, Command: "xoadulieu"})
	erase := lastReplyButton(t, res, "🗑 Xóa dữ liệu của tôi")
	now = now.Add(time.Hour)
	_, res = handle(t, e, c, nil, flows.Input{Kind: flows.InputButton, Data: erase})
	if !strings.Contains(lastText(res), "quá hạn") {
		t.Fatalf("an old confirmation: %q", lastText(res))
	}
	if ok, _ := f.store.ConsentGiven(context.Background(), c.UserID, flows.ConsentVersion); !ok {
		t.Fatal("an expired confirmation erased")
	}
}

func lastReplyButton(t *testing.T, res flows.Result, label string) string {
	t.Helper()
	for i := len(res.Replies) - 1; i >= 0; i-- {
		for _, row := range res.Replies[i].Choices {
			for _, b := range row {
				if b.Label == label {
					return b.ID
				}
			}
		}
	}
	t.Fatalf("no button %q in %+v", label, res.Replies)
	return ""
}
