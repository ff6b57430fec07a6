package bot

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/locales"
)

// TestTelegramShapes: what Telegram cannot show in one message becomes
// messages it can — a long caption above its file, a contact request
// ended by a reply with buttons, a long text under a replaced prompt.
func TestTelegramShapes(t *testing.T) {
	text, err := locales.Load(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	p := text.Printer("vi")
	back := []flows.Choice{{Label: "Quay lại", ID: "3|back|", Nav: flows.NavBack}}
	save := []flows.Choice{{Label: "Lưu", ID: "3|save|"}}

	// "Back" alone: the message takes the keyboard away and says to type it.
	got := telegramReplies([]flows.Reply{{Text: "Bước 5/14", Choices: [][]flows.Choice{back}, EndContact: true}}, p)
	if len(got) != 1 || !got[0].EndContact || got[0].Choices != nil || !strings.Contains(got[0].Text, "gõ «Quay lại»") {
		t.Errorf("back alone: %+v", got)
	}
	// Other buttons: a short message takes the keyboard away first.
	got = telegramReplies([]flows.Reply{{Text: "Xác nhận?", Choices: [][]flows.Choice{save, back}, EndContact: true}}, p)
	if len(got) != 2 || !got[0].EndContact || got[0].Text != p.T("reg.keyboard_closed") || got[1].EndContact || len(got[1].Choices) != 2 {
		t.Errorf("buttons after the contact request: %+v", got)
	}
	// A caption over 1,024 UTF-16 units (emoji count two) goes above the file.
	caption := strings.Repeat("🌾", 513)
	doc := &flows.Upload{Name: "a.xlsx", Data: []byte("x")}
	got = telegramReplies([]flows.Reply{{Text: caption, Document: doc, Choices: [][]flows.Choice{save}}}, p)
	if len(got) != 2 || got[0].Text != caption || got[0].Document != nil || got[1].Text != "" || got[1].Document != doc || len(got[1].Choices) != 1 {
		t.Errorf("a long caption: %d replies", len(got))
	}
	// A long text replacing a prompt: the first part takes its place, the
	// buttons go under the last.
	long := strings.Repeat("Dòng chữ khá dài của một danh sách.\n", 300)
	got = telegramReplies([]flows.Reply{{Text: long, Replaces: 7, Choices: [][]flows.Choice{save}}}, p)
	if len(got) < 2 || got[0].Replaces != 7 || got[0].Choices != nil || got[len(got)-1].Replaces != 0 || len(got[len(got)-1].Choices) != 1 {
		t.Errorf("a long replacing text: %+v", got[0].Replaces)
	}
	var joined []string
	for _, r := range got {
		if n := utf16Len(r.Text); n > tgMaxText {
			t.Errorf("a part of %d units", n)
		}
		joined = append(joined, r.Text)
	}
	if strings.TrimSpace(strings.Join(joined, "\n")) != strings.TrimSpace(long) {
		t.Error("the parts do not make the text")
	}
}
