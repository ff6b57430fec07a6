package flows

import (
	"strconv"
	"strings"

	"github.com/ocopbot/ocopbot/flows/vntext"
	"github.com/ocopbot/ocopbot/locales"
)

// Flow is one conversation: a user answers its steps in order, may go
// back, edit from its summary, cancel, and come back days later. Each flow
// lives in a file of its own (registration.go, result.go) and keeps its
// answers in a typed struct of State. What every flow does alike —
// numbered buttons, back, cancel, resume, the progress header, old buttons —
// is written once, here, and in the engine.
type Flow interface {
	// name is the flow's name in State.Flow.
	name() string
	// start begins the flow (t.st is nil); arg is what the command
	// carried ("/ketqua OCOP-…").
	start(t *turn, arg string) error
	// prompt asks the current step's question, or shows the summary.
	prompt(t *turn, editID int) error
	// input takes a message sent at the current step.
	input(t *turn) error
	// button takes a press on a button of the prompt now shown, other
	// than back, cancel, resume and restart.
	button(t *turn, action, arg string) error
	// back goes to the previous step.
	back(t *turn) error
	// resumeQuestion asks whether to continue at step or start again.
	resumeQuestion(p locales.Printer, step string) string
}

// Global button actions carry no sequence number: they stay valid on any
// message (the menu under /start, the buttons after a finished registration).
const globalPrefix = "x|"

func globalData(action string, arg ...string) string {
	return globalPrefix + action + "|" + strings.Join(arg, "|")
}

// stepData builds the callback data of a button bound to the prompt now
// shown: "<seq>|<action>|<arg>".
func stepData(st *State, action, arg string) string {
	return strconv.Itoa(st.Seq) + "|" + action + "|" + arg
}

// idArg writes a record's id as a button carries it.
func idArg(id int64) string { return strconv.FormatInt(id, 10) }

// parseID reads an id a button carried.
func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil
}

func parseData(data string) (seq int, global bool, action, arg string, ok bool) {
	head, rest, ok := strings.Cut(data, "|")
	if !ok {
		return 0, false, "", "", false
	}
	action, arg, _ = strings.Cut(rest, "|")
	if head == "x" {
		return 0, true, action, arg, true
	}
	seq, err := strconv.Atoi(head)
	if err != nil {
		return 0, false, "", "", false
	}
	return seq, false, action, arg, true
}

// newPrompt numbers the prompt about to be shown, so the buttons of the
// previous one no longer work.
func newPrompt(st *State) {
	st.Seq++
	st.Cancel = false
}

// progress is the "Bước 3/14" header of step idx (from 0) of total.
func progress(p locales.Printer, idx, total int) string {
	if idx < 0 {
		return ""
	}
	return p.T("reg.progress", "N", idx+1, "Total", total) + "\n"
}

// backRow is the row with the back button, or nil on the first step.
func backRow(t *turn, idx int) []Choice {
	if idx <= 0 {
		return nil
	}
	return backChoice(t)
}

// backChoice is the back button of the step the chat is on.
func backChoice(t *turn) []Choice {
	return []Choice{{Label: t.p.T("button.back"), ID: stepData(t.st, "back", ""), Nav: NavBack}}
}

// summaryFooter is the last row of a summary: back and cancel.
func summaryFooter(t *turn) []Choice {
	return []Choice{
		{Label: t.p.T("button.back"), ID: stepData(t.st, "back", ""), Nav: NavBack},
		{Label: t.p.T("button.cancel"), ID: stepData(t.st, "cancelask", ""), Nav: NavCancel},
	}
}

// stepButton handles a press on a button of the prompt now shown: what
// every flow does alike here, the rest by the flow.
func (e *Engine) stepButton(t *turn, f Flow, action, arg string) error {
	// The press answers the prompt now shown: what follows takes its place.
	t.res.Replace = true
	if action != "cancel" {
		t.st.Cancel = false
	}
	switch action {
	case "resume":
		return f.prompt(t, 0)
	case "restart":
		t.st = nil
		return f.start(t, "")
	case "cancel":
		if arg == "yes" {
			t.st = nil
			t.say(Reply{Text: t.p.T("cancel.done"), EndContact: true})
			return e.menu(t, false)
		}
		return f.prompt(t, 0)
	case "cancelask":
		return e.askCancel(t)
	case "back":
		return f.back(t)
	}
	return f.button(t, action, arg)
}

// offerResume asks whether to continue the conversation in progress or
// start it again.
func (e *Engine) offerResume(t *turn, f Flow) error {
	newPrompt(t.st)
	t.say(Reply{Text: f.resumeQuestion(t.p, t.st.Step), Choices: [][]Choice{
		{{Label: t.p.T("button.continue"), ID: stepData(t.st, "resume", "")}},
		{{Label: t.p.T("button.restart"), ID: stepData(t.st, "restart", "")}},
	}})
	return nil
}

func (e *Engine) askCancel(t *turn) error {
	if t.st == nil {
		t.say(Reply{Text: t.p.T("cancel.nothing"), EndContact: true})
		return nil
	}
	t.st.Seq++
	t.st.Cancel = true
	t.say(Reply{Text: t.p.T("cancel.confirm"), Choices: [][]Choice{{
		{Label: t.p.T("button.cancel_yes"), ID: stepData(t.st, "cancel", "yes")},
		{Label: t.p.T("button.cancel_no"), ID: stepData(t.st, "cancel", "no")},
	}}})
	return nil
}

// oldButton answers a press on a button that no longer applies, and asks
// the current step again.
func (e *Engine) oldButton(t *turn) error {
	t.res.Toast = t.p.T("error.old_button")
	t.res.Closes = t.in.MessageID
	if t.st != nil {
		return retry(t, e.flow(t.st), t.p.T("error.old_button"))
	}
	return nil
}

// retry explains what was wrong and asks the same step again, in one
// message.
func retry(t *turn, f Flow, msg string) error {
	t.preface(msg)
	return f.prompt(t, 0)
}

// closeKeyboard ends the phone step's contact request on r, the reply
// about to be said, once the conversation has moved on: a channel that
// showed a way to share the number takes it away.
func closeKeyboard(t *turn, r *Reply) {
	if t.st == nil || !t.st.Keyboard || r.AskContact != "" {
		return
	}
	t.st.Keyboard = false
	r.EndContact = true
}

// pageRow is the navigation row of a list shown page by page: previous,
// "2/5", next; nil when it fits one page.
func pageRow(t *turn, page, total, size int) []Choice {
	pages := (total + size - 1) / size
	if pages <= 1 {
		return nil
	}
	var nav []Choice
	if page > 0 {
		nav = append(nav, Choice{Label: t.p.T("button.prev"), ID: stepData(t.st, "page", strconv.Itoa(page-1))})
	}
	nav = append(nav, Choice{Label: strconv.Itoa(page+1) + "/" + strconv.Itoa(pages), ID: stepData(t.st, "page", strconv.Itoa(page))})
	if page+1 < pages {
		nav = append(nav, Choice{Label: t.p.T("button.next"), ID: stepData(t.st, "page", strconv.Itoa(page+1))})
	}
	return nav
}

// choice is one answer of a button step, by its label.
type choice struct{ label, value string }

// matchChoice finds the choice whose label the user typed,
// accent-insensitively ("hop tac xa" picks Hợp tác xã); a prefix picks when
// it fits one value only.
func matchChoice(text string, cs []choice) (string, bool) {
	q := vntext.Fold(text)
	if q == "" {
		return "", false
	}
	for _, c := range cs {
		if vntext.Fold(c.label) == q {
			return c.value, true
		}
	}
	var found string
	for _, c := range cs {
		if strings.HasPrefix(vntext.Fold(c.label), q) {
			if found != "" && found != c.value {
				return "", false // ambiguous
			}
			found = c.value
		}
	}
	return found, found != ""
}

// isBack reports whether the user typed "back" (the back choice's label,
// as a channel with a contact keyboard shows it, or "quay lai" in any
// language).
func isBack(t *turn) bool {
	f := vntext.Fold(t.in.Text)
	return f == "quay lai" || f == vntext.Fold(t.p.T("button.back"))
}

// phoneAsk is the message asking for a phone number: with the button that
// shares it, or, where the channel has none, to type it.
func phoneAsk(t *turn, key string) string {
	if t.chat.Typed {
		return key + "_typed"
	}
	return key
}

// filesElsewhere is what a chat whose channel carries no files is told
// where a file is asked for: send it on another channel, or have the OCOP
// office import it with the command line. "" where files come in.
func filesElsewhere(t *turn) string {
	if !t.chat.Typed {
		return ""
	}
	return "\n" + t.p.T("files.elsewhere", "Channel", t.p.T("channel."+t.chat.channel()))
}
