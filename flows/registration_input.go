package flows

import (
	"errors"
	"strings"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/vntext"
	"github.com/ocopbot/ocopbot/locales"
)

// What a producer types (or shares, or sends) at a registration step, and
// how each answer is checked: every refusal says why and asks again.

// input handles typed text, a contact, a photo or anything else sent while
// a step waits for an answer.
func (r *registration) input(t *turn) error {
	st, a, in := t.st, t.st.Reg, t.in
	if a.Consent != ConsentVersion {
		return retry(t, r, t.p.T("privacy.needed"))
	}
	if in.Kind == InputUnsupported || in.Kind == InputDocument || (in.Kind == InputPhoto && st.Step != stPhoto) ||
		(in.Kind == InputContact && st.Step != stPhone) {
		key := "error.text_expected"
		switch st.Step {
		case stPhoto:
			key = "error.photo_expected"
		case stKind, stGroup, stSubgroup, stStars, stSummary:
			key = "error.choose_button"
		}
		return retry(t, r, t.p.T(key))
	}
	switch st.Step {
	case stKind, stGroup, stSubgroup, stStars:
		if v, ok := matchChoice(in.Text, r.choices(t)); ok {
			return r.pick(t, v)
		}
	case stName, stRep, stPName, stAddrLine, stDesc:
		return r.textInput(t)
	case stPhone:
		v, msg := phoneAnswer(in)
		if msg != "" {
			return retry(t, r, t.p.T(msg))
		}
		a.Phone = v
		return r.next(t, t.p.T("reg.phone_saved", "Phone", v))
	case stTax:
		return r.taxInput(t)
	case stProvince, stDistrict, stCommune:
		parent, level := r.unitScope(st)
		if msg, ok := r.picker.search(t, in.Text, parent, level); !ok {
			return retry(t, r, msg)
		}
		// The results take the place of the list they narrow, when it is
		// the last thing said.
		t.res.Replace = st.Asked
		return r.prompt(t, 0)
	case stPhoto:
		if in.Kind != InputPhoto {
			return retry(t, r, t.p.T("error.photo_expected"))
		}
		a.Photo, a.NoPhoto = in.FileID, false
		return r.next(t, "")
	}
	return retry(t, r, t.p.T("error.choose_button"))
}

// textInput takes a free-text answer: a name, the representative, the
// product's name or description, the thôn/ấp and house number. A name is
// written with its capitals (a person's: each word; the others: the first
// letter, when typed all in small letters), and one typed without any
// diacritic is shown back once to be kept or retyped with accents.
func (r *registration) textInput(t *turn) error {
	st, a := t.st, t.st.Reg
	limit, least := map[string]int{stName: maxName, stRep: maxRep, stPName: maxProductName, stAddrLine: maxAddrLine, stDesc: maxDesc}[st.Step], 2
	if st.Step == stDesc {
		least = minDesc
	}
	v, err := vntext.CleanText(t.in.Text, limit)
	var tooLong *vntext.TooLongError
	switch {
	case errors.As(err, &tooLong):
		return retry(t, r, t.p.T("error.too_long", "Max", tooLong.Max, "Len", len([]rune(strings.TrimSpace(t.in.Text)))))
	case err != nil:
		return retry(t, r, t.p.T("error.text_invalid"))
	case len([]rune(v)) < least:
		return retry(t, r, t.p.T("error.too_short", "Min", least))
	}
	switch st.Step {
	case stRep:
		v = vntext.PersonName(v)
	case stName, stPName, stAddrLine:
		v = vntext.CapitalizeName(v)
	}
	// Asked once: not again after "retype" or when the question is on
	// screen (what is typed then is the retyped name), nor for the name
	// already kept (typed again when editing from the summary).
	if st.Step != stDesc && vntext.Unaccented(v) && !a.Retype && a.Unaccented == "" && v != textAnswer(a, st.Step) {
		a.Unaccented = v
		return r.prompt(t, 0)
	}
	setTextAnswer(a, st.Step, v)
	return r.next(t, "")
}

// textField labels the answer of a free-text step.
var textField = map[string]string{stName: "field.name", stRep: "field.rep", stPName: "field.pname", stDesc: "field.desc"}

// textAnswer is the answer of a free-text step.
func textAnswer(a *RegistrationAnswers, step string) string {
	switch step {
	case stName:
		return a.Name
	case stRep:
		return a.Rep
	case stPName:
		return a.ProductName
	case stAddrLine:
		return a.AddrLine
	case stDesc:
		return a.Desc
	}
	return ""
}

func setTextAnswer(a *RegistrationAnswers, step, v string) {
	switch step {
	case stName:
		a.Name = v
	case stRep:
		a.Rep = v
	case stPName:
		a.ProductName = v
	case stAddrLine:
		a.AddrLine, a.NoAddrLine = v, false
	case stDesc:
		a.Desc = v
	}
}

// textPrompt asks a name step's question: the producer's, the
// representative's or the product's name, or the thôn/ấp and house number
// (with a button to skip it); or, when the answer just typed has no
// diacritic, whether to keep it as typed or retype it with accents.
func (r *registration) textPrompt(t *turn, header string) Reply {
	st, a, p := t.st, t.st.Reg, t.p
	if a.Unaccented != "" {
		return Reply{Text: header + p.T("reg.accents.ask", "Name", a.Unaccented), Choices: [][]Choice{
			{{Label: p.T("button.keep_as_typed"), ID: stepData(st, "keep", "")}},
			{{Label: p.T("button.retype_accents"), ID: stepData(st, "retype", "")}},
		}}
	}
	var q string
	switch st.Step {
	case stName:
		q = p.T("reg.ask.name", "Kind", p.T("kind."+string(a.Kind)))
	case stRep:
		q = p.T("reg.ask.rep")
	case stPName:
		q = p.T("reg.ask.pname")
	case stAddrLine:
		commune, _ := r.picker.units.Get(a.Commune)
		q = p.T("reg.ask.address_line", "Unit", commune.Name)
	}
	if a.Retype {
		q = p.T("reg.accents.retype") + "\n" + q
	}
	reply := Reply{Text: header + q}
	if st.Step == stAddrLine {
		reply.Choices = [][]Choice{{{Label: p.T("button.skip_address_line"), ID: stepData(st, "skip", "")}}}
	}
	return reply
}

// accentsButton answers the question about a name typed without
// diacritics: keep stores it as typed (its capitals set), retype asks the
// step again and takes the next answer as it comes.
func (r *registration) accentsButton(t *turn, action string) error {
	st, a := t.st, t.st.Reg
	if a.Unaccented == "" {
		return r.e.oldButton(t)
	}
	if action == "retype" {
		a.Unaccented, a.Retype = "", true
		return r.prompt(t, 0)
	}
	setTextAnswer(a, st.Step, a.Unaccented)
	if st.Step == stAddrLine {
		answered(t, "field.address", r.address(a))
	} else {
		answered(t, textField[st.Step], a.Unaccented)
	}
	return r.next(t, "")
}

// leaveStep forgets what a step kept while it was asked (the name waiting
// to be kept or retyped) as the conversation moves to another step.
func leaveStep(st *State) {
	if st.Reg != nil {
		st.Reg.Unaccented, st.Reg.Retype = "", false
	}
}

// taxInput takes a tax code, or a household owner's 12-digit CCCD.
func (r *registration) taxInput(t *turn) error {
	a := t.st.Reg
	household := a.Kind == ocop.KindHousehold
	tax, citizen, err := ocop.NormalizeTaxID(t.in.Text, household, r.e.today())
	if err != nil {
		return retry(t, r, taxIDRefusal(t.p, err, household))
	}
	a.TaxCode, a.CitizenID = tax, citizen
	return r.next(t, "")
}

// taxIDRefusal explains why a tax code or a household owner's CCCD was
// refused: the chat's step and a registry file's row say the same (the
// birth year in the future, the wrong check digit), so an official reading
// a file's errors learns what a producer typing it would.
func taxIDRefusal(p locales.Printer, err error, household bool) string {
	format := "error.tax_format"
	if household {
		format = "error.tax_format_household"
	}
	return p.T(explain(err, format, refusal{ocop.ErrTaxCodeChecksum, "error.tax_checksum"},
		refusal{ocop.ErrCitizenIDFormat, "error.citizen_id_format"}, refusal{ocop.ErrCitizenIDProvince, "error.citizen_id_province"},
		refusal{ocop.ErrCitizenIDCentury, "error.citizen_id_century"}, refusal{ocop.ErrCitizenIDBirthYear, "error.citizen_id_birth_year"}))
}

// phoneAnswer reads a phone typed or shared as a contact: the number, or
// the message key saying what is wrong with it.
func phoneAnswer(in Input) (phone, msg string) {
	raw := in.Text
	if in.Kind == InputContact {
		raw = in.Phone
	}
	v, err := ocop.NormalizePhone(raw)
	if err != nil {
		return "", explain(err, "error.phone_format", refusal{ocop.ErrPhonePrefix, "error.phone_prefix"})
	}
	return v, ""
}

// refusal pairs a validator's sentinel error with the message that
// explains it.
type refusal struct {
	err error
	key string
}

// explain is the message key of a validator's error: the first known
// refusal it is, else fallback.
func explain(err error, fallback string, known ...refusal) string {
	for _, k := range known {
		if errors.Is(err, k.err) {
			return k.key
		}
	}
	return fallback
}
