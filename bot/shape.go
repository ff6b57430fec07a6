package bot

import (
	"strings"
	"unicode/utf16"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/locales"
)

// Telegram's limits on what one message says, in the UTF-16 code units it
// counts.
const (
	tgMaxText    = 4096
	tgMaxCaption = 1024
)

// telegramReplies shapes what the flows say into messages Telegram takes:
//   - a text longer than a message is split where lines end, its choices
//     under the last part;
//   - a caption longer than Telegram's goes above its photo or file as a
//     message of its own;
//   - a reply that ends the contact request takes the reply keyboard away,
//     and a Telegram message has one keyboard: a reply whose one choice is
//     "back" says to type it instead; one with other choices goes after a
//     short message that takes the keyboard away.
//
// p speaks the chat's language.
func telegramReplies(replies []flows.Reply, p locales.Printer) []flows.Reply {
	out := make([]flows.Reply, 0, len(replies))
	for _, r := range replies {
		if r.EndContact && len(r.Choices) > 0 {
			if onlyBack(r.Choices) {
				r.Choices = nil
				r.Text += "\n" + p.T("hint.back_typed", "Back", p.T("button.back"))
			} else {
				out = append(out, flows.Reply{Text: p.T("reg.keyboard_closed"), EndContact: true})
				r.EndContact = false
			}
		}
		media := r.Photo != nil || r.Document != nil || r.PhotoRef != ""
		switch {
		case media && over(r.Text, tgMaxCaption):
			for _, part := range splitText(r.Text, tgMaxText, utf16Width) {
				out = append(out, flows.Reply{Text: part})
			}
			r.Text = ""
		case !media && over(r.Text, tgMaxText):
			parts := splitText(r.Text, tgMaxText, utf16Width)
			last := len(parts) - 1
			for i, part := range parts[:last] {
				// The first part keeps the reply's place (and edit); the
				// keyboard goes with the last.
				head := flows.Reply{Text: part, EndContact: r.EndContact}
				if i == 0 {
					head.Replaces = r.Replaces
				}
				out = append(out, head)
			}
			r.Text, r.Replaces, r.EndContact = parts[last], 0, false
		}
		out = append(out, r)
	}
	return out
}

// onlyBack reports choices that are the back choice alone.
func onlyBack(rows [][]flows.Choice) bool {
	return len(rows) == 1 && len(rows[0]) == 1 && rows[0][0].Nav == flows.NavBack
}

// Widths of a character, as Telegram and Zalo count them.
func utf16Width(r rune) int { return utf16.RuneLen(r) }
func runeWidth(rune) int    { return 1 }

func utf16Len(s string) int { return textLen(s, utf16Width) }

// over reports s longer than limit UTF-16 units. A character takes no more
// units than UTF-8 bytes, so a text of few bytes — most replies, and every
// reply passes here — is not counted.
func over(s string, limit int) bool { return len(s) > limit && utf16Len(s) > limit }

func textLen(s string, width func(rune) int) int {
	n := 0
	for _, r := range s {
		n += width(r)
	}
	return n
}

// splitText splits text into parts of at most limit, as width counts each
// character: after the last blank line of a part when it keeps at least
// half of it, else after its last line, else its last space; within a
// word only when there is none.
func splitText(text string, limit int, width func(rune) int) []string {
	if text == "" {
		return nil
	}
	var parts []string
	for textLen(text, width) > limit {
		cut := prefixLen(text, limit, width)
		at := strings.LastIndex(text[:cut], "\n\n")
		if at < cut/2 {
			at = strings.LastIndexByte(text[:cut], '\n')
		}
		if at <= 0 {
			at = strings.LastIndexByte(text[:cut], ' ')
		}
		if at <= 0 {
			at = cut
		}
		parts = append(parts, strings.TrimRight(text[:at], " \n"))
		text = strings.TrimLeft(text[at:], " \n")
	}
	if text != "" {
		parts = append(parts, text)
	}
	return parts
}

// prefixLen is the byte length of the longest prefix of s, whole
// characters, whose width is at most limit.
func prefixLen(s string, limit int, width func(rune) int) int {
	n := 0
	for i, r := range s {
		if n += width(r); n > limit {
			return i
		}
	}
	return len(s)
}
