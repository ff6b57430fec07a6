package flows_test

import (
	"strings"
	"testing"

	"github.com/ocopbot/ocopbot/flows"
)

// step answers one input and returns the state, the result and what it
// shows (Result.Shown).
func step(t *testing.T, e *flows.Engine, c *flows.Chat, st *flows.State, in flows.Input) (*flows.State, flows.Result, []flows.Reply) {
	t.Helper()
	next, res := handle(t, e, c, st, in)
	return next, res, res.Shown()
}

// press is the press of the button labelled label on the last reply shown.
func press(t *testing.T, shown []flows.Reply, label string) flows.Input {
	t.Helper()
	for _, row := range shown[len(shown)-1].Choices {
		for _, b := range row {
			if b.Label == label {
				return flows.Input{Kind: flows.InputButton, Data: b.ID, MessageID: 7}
			}
		}
	}
	t.Fatalf("no button %q in:\n%s", label, shown[len(shown)-1].Text)
	return flows.Input{}
}

// One message per step, said without Telegram's words: a press answers the
// prompt shown, so its next prompt replaces it (Replace) with the answer
// above (Answered); a typed answer gets one reply carrying any confirmation
// with the next question; a search replaces the list it narrows only when
// that list is the last thing said (State.Asked).
func TestOneMessagePerStep(t *testing.T) {
	t.Parallel()
	e, _, c := setup(t)
	text := func(s string) flows.Input { return flows.Input{Kind: flows.InputText, Text: s} }

	st, res, shown := step(t, e, c, nil, flows.Input{Kind: flows.InputCommand, Command: "dangky"})
	if len(shown) != 1 || !strings.Contains(shown[0].Text, "Đăng ký gồm hai phần") || !strings.Contains(shown[0].Text, "Bước 1/15") || res.Replace {
		t.Fatalf("/dangky shows %d replies, want the greeting above step 1 in one new message:\n%+v", len(shown), shown)
	}
	st, res, shown = step(t, e, c, st, press(t, shown, "Hợp tác xã"))
	if !res.Replace || res.Answered != "Loại hình: Hợp tác xã ✓" || len(shown) != 1 ||
		!strings.HasPrefix(shown[0].Text, "Loại hình: Hợp tác xã ✓\n\nBước 2/15\n") {
		t.Fatalf("the kind pressed: replace %v, answered %q, shows %+v", res.Replace, res.Answered, shown)
	}
	st, _, _ = step(t, e, c, st, text("Hợp tác xã Tân Thông"))
	st, _, shown = step(t, e, c, st, text("Nguyễn Văn An"))
	if len(shown) != 1 || shown[0].AskContact == "" {
		t.Fatalf("the phone step: %+v", shown)
	}
	// The phone saved, the contact request ended, the next question with
	// its back choice: one reply (how a channel shows it is its own).
	st, res, shown = step(t, e, c, st, flows.Input{Kind: flows.InputContact, Phone: "84912345678"})
	if res.Replace || len(shown) != 1 || !shown[0].EndContact || len(shown[0].Choices) != 1 || shown[0].Choices[0][0].Nav != flows.NavBack ||
		!strings.HasPrefix(shown[0].Text, "Đã lưu số điện thoại 0912345678.\n\nBước 5/15\n") {
		t.Fatalf("the phone shared shows %+v", shown)
	}
	// A refusal and the question asked again: one message.
	st, _, shown = step(t, e, c, st, text("0100109107"))
	if len(shown) != 1 || !strings.Contains(shown[0].Text, "sai chữ số kiểm tra") || !strings.Contains(shown[0].Text, "Bước 5/15") {
		t.Fatalf("a wrong tax code shows %+v", shown)
	}
	st, _, _ = step(t, e, c, st, text("0100109106"))
	if !st.Asked {
		t.Fatal("the province's list is the last thing said, and the state does not say so")
	}
	asked := st
	next, res, shown := step(t, e, c, asked, text("ho chi minh"))
	if !res.Replace || len(shown) != 1 || !strings.Contains(shown[0].Text, "Tìm «ho chi minh»") {
		t.Fatalf("a search under the list: replace %v, shows %+v", res.Replace, shown)
	}
	// Something else said since (help): the results come as a new message.
	helped, _ := handle(t, e, c, asked, flows.Input{Kind: flows.InputCommand, Command: "trogiup"})
	if helped.Asked {
		t.Error("after /trogiup the state says the list is the last thing said")
	}
	if _, res, _ := step(t, e, c, helped, text("ho chi minh")); res.Replace {
		t.Error("a search after /trogiup replaces the list above the help")
	}
	_, res, shown = step(t, e, c, next, press(t, shown, "Thành phố Hồ Chí Minh"))
	if !res.Replace || res.Answered != "Địa chỉ: Thành phố Hồ Chí Minh ✓" || !strings.Contains(shown[0].Text, "Bước 7/15") {
		t.Fatalf("the province pressed: replace %v, answered %q, shows %+v", res.Replace, res.Answered, shown)
	}
	// A button of an older prompt: refused in a new message, the step asked again with it.
	_, res, shown = step(t, e, c, next, flows.Input{Kind: flows.InputButton, Data: "1|pick|kind", MessageID: 3})
	if res.Replace || res.Closes != 3 || len(shown) != 1 || !strings.Contains(shown[0].Text, "tin nhắn cũ") ||
		!strings.Contains(shown[0].Text, "Bước 6/15") {
		t.Fatalf("an old button: replace %v, clear %d, shows %+v", res.Replace, res.Closes, shown)
	}
}

// Result.Shown puts Answered above the first reply, or alone before a
// photo, whose text is a caption.
func TestResultShown(t *testing.T) {
	t.Parallel()
	res := flows.Result{Answered: "Ảnh: không ✓", Replies: []flows.Reply{{Text: "Bước 14/15"}, {Text: "x"}}}
	if got := res.Shown(); len(got) != 2 || got[0].Text != "Ảnh: không ✓\n\nBước 14/15" || res.Replies[0].Text != "Bước 14/15" {
		t.Errorf("Shown = %+v (replies now %+v)", got, res.Replies)
	}
	res = flows.Result{Answered: "a ✓", Replies: []flows.Reply{{Text: "chart", Photo: &flows.Upload{Name: "c.png"}}}}
	if got := res.Shown(); len(got) != 2 || got[0].Text != "a ✓" || got[1].Text != "chart" {
		t.Errorf("Shown before a photo = %+v", got)
	}
	if got := (flows.Result{Answered: "a ✓"}).Shown(); len(got) != 1 || got[0].Text != "a ✓" {
		t.Errorf("Shown with no reply = %+v", got)
	}
}
