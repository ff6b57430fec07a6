package flows

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/vntext"
	"github.com/ocopbot/ocopbot/locales"
)

// Correcting one's personal data (/suathongtin): the right to have it
// corrected (Law 91/2025/QH15), which the notice names with this command.
// A producer changes a phone that is no longer theirs, or a representative
// who has changed, after submitting — until then registration's own steps
// edit them. Each answer is checked as registration checks it; the change
// is one transaction with its audit row (no personal values in it) and the
// notices to the officials who answer for the producer, who call it on
// that phone.

const flowFix = "fix"

// The steps of /suathongtin.
const (
	fxField   = "fx_field"   // which field
	fxValue   = "fx_value"   // its new value
	fxConfirm = "fx_confirm" // old → new, save?
)

// FixAnswers are /suathongtin's answers.
type FixAnswers struct {
	Field ocop.PersonalField `json:"field,omitempty"`
	Value string             `json:"value,omitempty"` // checked and normalised
}

// fixFields are the fields a producer corrects, in the order offered. The
// producer's address line would be one once the producer has one.
var fixFields = []ocop.PersonalField{ocop.FieldPhone, ocop.FieldRepresentative}

// FixRecords are what /suathongtin writes.
type FixRecords interface {
	// CorrectPersonalData sets one personal field of the producer userID
	// manages, audits it and tells its officials (ocop.ErrNotFound: the
	// user manages none).
	CorrectPersonalData(ctx context.Context, userID int64, field ocop.PersonalField, value string, at time.Time) (ocop.Correction, error)
}

type fixFlow struct{ e *Engine }

func (f *fixFlow) name() string { return flowFix }

func (f *fixFlow) resumeQuestion(p locales.Printer, step string) string {
	return p.T("fix.resume")
}

// start begins a correction: for a user who manages a producer and agreed
// to the notice in force (the new value is personal data).
func (f *fixFlow) start(t *turn, _ string) error {
	who, err := f.e.identity(t)
	switch {
	case err != nil:
		return err
	case who.Producer == nil:
		t.say(Reply{Text: t.p.T("fix.no_producer")})
		return nil
	case !who.Consented:
		t.say(f.e.consentNotice(t, noticeFix, who.Producer.UnitID,
			globalData("cs", ConsentVersion, "fix"), globalData("cs", "no")))
		return nil
	}
	now := f.e.now()
	t.st = &State{Version: stateVersion, Flow: flowFix, Step: fxField, Fix: &FixAnswers{}, Started: now, Updated: now}
	return f.prompt(t, 0)
}

// producer is the producer the user manages now (nil: none any more, as
// after an erasure from another device).
func (f *fixFlow) producer(t *turn) (*ocop.Producer, error) {
	who, err := f.e.identity(t)
	return who.Producer, err
}

func (f *fixFlow) prompt(t *turn, _ int) error {
	st, a := t.st, t.st.Fix
	newPrompt(st)
	pr, err := f.producer(t)
	if err != nil {
		return err
	}
	if pr == nil {
		t.st = nil
		t.say(Reply{Text: t.p.T("fix.no_producer"), EndContact: true})
		return nil
	}
	switch st.Step {
	case fxValue:
		if a.Field == ocop.FieldPhone {
			st.Keyboard = true
			t.say(Reply{Text: t.p.T(phoneAsk(t, "fix.ask.phone"), "Value", current(t.p, pr, a.Field)),
				AskContact: t.p.T("button.share_phone"), Choices: [][]Choice{backChoice(t)}})
			return nil
		}
		r := Reply{Text: t.p.T("fix.ask."+string(a.Field), "Value", current(t.p, pr, a.Field)), Choices: [][]Choice{
			{{Label: t.p.T("button.back"), ID: stepData(st, "back", ""), Nav: NavBack}},
		}}
		closeKeyboard(t, &r)
		t.say(r)
	case fxConfirm:
		r := Reply{Text: t.p.T("fix.confirm", "Field", t.p.T("fix.field."+string(a.Field)),
			"Old", current(t.p, pr, a.Field), "New", a.Value), Choices: [][]Choice{
			{{Label: t.p.T("fix.button_save"), ID: stepData(st, "save", "")}},
			summaryFooter(t),
		}}
		closeKeyboard(t, &r)
		t.say(r)
	default:
		st.Step = fxField
		lines := []string{t.p.T("fix.choose", "Producer", pr.Name)}
		rows := make([][]Choice, 0, len(fixFields)+1)
		for _, fl := range fixFields {
			lines = append(lines, "• "+t.p.T("fix.field."+string(fl))+": "+current(t.p, pr, fl))
			rows = append(rows, []Choice{{Label: t.p.T("fix.button." + string(fl)), ID: stepData(st, "pick", string(fl))}})
		}
		rows = append(rows, []Choice{{Label: t.p.T("button.cancel"), ID: stepData(st, "cancelask", ""), Nav: NavCancel}})
		r := Reply{Text: strings.Join(lines, "\n"), Choices: rows}
		closeKeyboard(t, &r)
		t.say(r)
	}
	return nil
}

// current is the value a field holds now, or "(không có)".
func current(p locales.Printer, pr *ocop.Producer, fl ocop.PersonalField) string {
	v := ""
	switch fl {
	case ocop.FieldPhone:
		v = pr.Phone
	case ocop.FieldRepresentative:
		v = pr.Representative
	}
	if strings.TrimSpace(v) == "" {
		return p.T("privacy.data.empty")
	}
	return v
}

// fieldChoices are the fields as typed choices ("so dien thoai").
func fieldChoices(p locales.Printer) []choice {
	cs := make([]choice, 0, len(fixFields))
	for _, fl := range fixFields {
		cs = append(cs, choice{label: p.T("fix.field." + string(fl)), value: string(fl)})
	}
	return cs
}

func (f *fixFlow) input(t *turn) error {
	st, a, in := t.st, t.st.Fix, t.in
	switch st.Step {
	case fxField:
		if v, ok := matchChoice(in.Text, fieldChoices(t.p)); ok && in.Kind == InputText {
			return f.pick(t, v)
		}
		return retry(t, f, t.p.T("error.choose_button"))
	case fxValue:
		if a.Field == ocop.FieldPhone && (in.Kind == InputText || in.Kind == InputContact) {
			v, msg := phoneAnswer(in) // as registration's phone step takes it
			if msg != "" {
				return retry(t, f, t.p.T(msg))
			}
			return f.value(t, v)
		}
		if in.Kind != InputText {
			return retry(t, f, t.p.T("error.text_expected"))
		}
		// As registration's representative step takes it.
		v, err := vntext.CleanText(in.Text, maxRep)
		var tooLong *vntext.TooLongError
		switch {
		case errors.As(err, &tooLong):
			return retry(t, f, t.p.T("error.too_long", "Max", tooLong.Max, "Len", len([]rune(strings.TrimSpace(in.Text)))))
		case err != nil:
			return retry(t, f, t.p.T("error.text_invalid"))
		case len([]rune(v)) < 2:
			return retry(t, f, t.p.T("error.too_short", "Min", 2))
		}
		return f.value(t, v)
	}
	return retry(t, f, t.p.T("error.choose_button"))
}

// value takes a checked new value and asks to confirm it.
func (f *fixFlow) value(t *turn, v string) error {
	t.st.Fix.Value = v
	t.st.Step = fxConfirm
	return f.prompt(t, 0)
}

func (f *fixFlow) pick(t *turn, v string) error {
	fl := ocop.PersonalField(v)
	if !fl.Valid() {
		return f.e.oldButton(t)
	}
	t.st.Fix.Field, t.st.Fix.Value, t.st.Step = fl, "", fxValue
	return f.prompt(t, 0)
}

func (f *fixFlow) button(t *turn, action, arg string) error {
	switch {
	case action == "pick" && t.st.Step == fxField:
		return f.pick(t, arg)
	case action == "save" && t.st.Step == fxConfirm:
		return f.save(t)
	}
	return f.e.oldButton(t)
}

// save writes the correction and ends the conversation.
func (f *fixFlow) save(t *turn) error {
	a := t.st.Fix
	out, err := f.e.records.CorrectPersonalData(t.ctx, t.chat.UserID, a.Field, a.Value, f.e.now())
	t.changedIdentity()
	if errNotFound(err) {
		t.st = nil
		t.say(Reply{Text: t.p.T("fix.no_producer")})
		return nil
	}
	if err != nil {
		return err
	}
	t.st = nil
	field := t.p.T("fix.field." + string(a.Field))
	if !out.Changed {
		t.say(Reply{Text: t.p.T("fix.unchanged", "Field", field, "Value", a.Value)})
		return nil
	}
	f.e.log.InfoContext(t.ctx, "personal data corrected", "chat_id", t.chat.ID, "field", string(a.Field), "officials_told", out.Officials)
	text := t.p.T("fix.done", "Field", field, "Value", a.Value)
	if out.Officials > 0 {
		text += "\n" + t.p.T("fix.officials_told")
	}
	t.say(Reply{Text: text, Choices: [][]Choice{{{Label: t.p.T("fix.button_data"), ID: globalData("data")}}}})
	return nil
}

func (f *fixFlow) back(t *turn) error {
	switch t.st.Step {
	case fxConfirm:
		t.st.Step = fxValue
	default:
		t.st.Step = fxField
	}
	return f.prompt(t, 0)
}
