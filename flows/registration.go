package flows

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strconv"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/locales"
)

// The registration conversation (/dangky): the producer (kind, name,
// representative, phone, tax code or CCCD, address: commune, then the
// optional thôn/ấp and house number), then the product
// (name, group, sub-group, description, photo, stars), a summary to check
// and edit, and the submission. A producer already registered is asked
// for the product only.
const (
	flowRegistration = "reg"

	stKind     = "kind"
	stName     = "name"
	stRep      = "rep"
	stPhone    = "phone"
	stTax      = "tax"
	stProvince = "province"
	stDistrict = "district"
	stCommune  = "commune"
	stAddrLine = "addrline" // thôn/ấp/tổ dân phố, số nhà: optional
	stPName    = "pname"
	stGroup    = "group"
	stSubgroup = "subgroup"
	stDesc     = "desc"
	stPhoto    = "photo"
	stStars    = "stars"
	stSummary  = "summary"
)

var (
	producerSteps = []string{stKind, stName, stRep, stPhone, stTax, stProvince, stDistrict, stCommune, stAddrLine}
	productSteps  = []string{stPName, stGroup, stSubgroup, stDesc, stPhoto, stStars}
)

// Limits on free-text answers, in characters.
const (
	maxName        = 200
	maxRep         = 100
	maxAddrLine    = 200
	maxProductName = 150
	maxDesc        = 1000
	minDesc        = 10
)

// RegistrationAnswers are the answers of a registration so far; a zero
// field is a step not answered yet.
type RegistrationAnswers struct {
	// ProducerID is set when the user's producer is already registered:
	// only the product is asked.
	ProducerID  int64             `json:"producer,omitempty"`
	Kind        ocop.ProducerKind `json:"kind,omitempty"`
	Name        string            `json:"name,omitempty"`
	Rep         string            `json:"rep,omitempty"`
	Phone       string            `json:"phone,omitempty"`
	TaxCode     string            `json:"tax,omitempty"`
	CitizenID   string            `json:"cid,omitempty"` // a household owner's CCCD, instead of a tax code
	Province    int64             `json:"province,omitempty"`
	District    int64             `json:"district,omitempty"`
	Commune     int64             `json:"commune,omitempty"`
	AddrLine    string            `json:"addr,omitempty"`   // within the commune: thôn/ấp/tổ dân phố, số nhà
	NoAddrLine  bool              `json:"noaddr,omitempty"` // the address line was skipped
	ProductName string            `json:"pname,omitempty"`
	Group       string            `json:"group,omitempty"`
	Subgroup    string            `json:"subgroup,omitempty"`
	Desc        string            `json:"desc,omitempty"`
	Photo       string            `json:"photo,omitempty"` // the channel's reference (Input.FileID)
	NoPhoto     bool              `json:"nophoto,omitempty"`
	Stars       int               `json:"stars,omitempty"`
	// Consent is the version of the personal-data notice the user agreed
	// to; until it is ConsentVersion, every step shows the notice instead.
	Consent string `json:"consent,omitempty"`
	// Unaccented is a name the current step was just answered with, typed
	// without any diacritic: it is shown back with the question whether to
	// keep it or retype it with accents, and stored only when kept.
	// Retype says the user chose to retype it: the next answer is taken as
	// typed, so that no one is asked twice about one name.
	Unaccented string `json:"plain,omitempty"`
	Retype     bool   `json:"retype,omitempty"`
}

// RegistrationRecords are what registering reads and writes.
type RegistrationRecords interface {
	SubmitRegistration(ctx context.Context, sub ocop.Submission) (ocop.Registration, error)
}

type registration struct {
	e      *Engine
	picker unitPicker // over the tree in force when the engine started
}

func newRegistration(e *Engine) *registration {
	return &registration{e: e, picker: newUnitPicker(e.atlas, e.atlas.At(e.today()))}
}

func (r *registration) name() string { return flowRegistration }

// steps lists the steps this conversation goes through, in order. The
// district step exists only where the unit tree has districts (not in the
// two-level tree in force since 1/7/2025).
func (r *registration) steps(a *RegistrationAnswers) []string {
	var out []string
	if a.ProducerID == 0 {
		for _, s := range producerSteps {
			if s == stDistrict && !r.picker.hasDistricts(a.Province) {
				continue
			}
			out = append(out, s)
		}
	}
	return append(out, productSteps...)
}

func (r *registration) answered(a *RegistrationAnswers, step string) bool {
	return map[string]bool{
		stKind: a.Kind != "", stName: a.Name != "", stRep: a.Rep != "", stPhone: a.Phone != "",
		stTax:      a.TaxCode != "" || a.CitizenID != "",
		stProvince: a.Province != 0, stDistrict: a.District != 0, stCommune: a.Commune != 0,
		stPName: a.ProductName != "", stGroup: a.Group != "", stSubgroup: a.Subgroup != "", stDesc: a.Desc != "",
		stPhoto: a.Photo != "" || a.NoPhoto, stStars: a.Stars != 0,
		stAddrLine: a.AddrLine != "" || a.NoAddrLine,
	}[step]
}

// firstUnanswered is the step to ask next: the summary once all are
// answered.
func (r *registration) firstUnanswered(a *RegistrationAnswers) string {
	for _, s := range r.steps(a) {
		if !r.answered(a, s) {
			return s
		}
	}
	return stSummary
}

func (r *registration) start(t *turn, _ string) error {
	now := r.e.now()
	var id [12]byte
	_, _ = rand.Read(id[:])
	st := &State{Version: stateVersion, Flow: flowRegistration, Reg: &RegistrationAnswers{}, Started: now, Updated: now,
		Submission: hex.EncodeToString(id[:])}
	ok, err := r.e.consented(t)
	if err != nil {
		return err
	}
	if ok {
		st.Reg.Consent = ConsentVersion
	}
	if err := r.intro(t, st.Reg, ok); err != nil {
		return err
	}
	st.Step = r.steps(st.Reg)[0]
	t.st = st
	return r.prompt(t, 0)
}

// intro finds the user's producer, if they have one (then only the product
// is asked), and, when say, greets them with what the registration asks,
// above the first question.
func (r *registration) intro(t *turn, a *RegistrationAnswers, say bool) error {
	who, err := r.e.identity(t)
	switch {
	case err != nil:
		return err
	case who.Producer != nil:
		a.ProducerID = who.Producer.ID
		if say {
			t.preface(t.p.T("reg.intro_product", "Producer", who.Producer.Name))
		}
	default:
		a.ProducerID = 0
		if say {
			t.preface(t.p.T("reg.intro"))
		}
	}
	return nil
}

// consent answers the notice's buttons shown in place of a step: agreeing
// records the consent and asks the step (greeting first when nothing is
// answered yet) in the notice's place, the thanks above; declining ends the
// conversation.
func (r *registration) consent(t *turn, arg string) error {
	if arg != "yes" {
		t.st = nil
		declineConsent(t)
		return nil
	}
	if err := r.e.records.GiveConsent(t.ctx, t.chat.UserID, ConsentVersion, r.e.now()); err != nil {
		return err
	}
	t.changedIdentity()
	st, a := t.st, t.st.Reg
	a.Consent = ConsentVersion
	t.res.Answered = t.p.T("privacy.agreed")
	if fresh := *a == (RegistrationAnswers{ProducerID: a.ProducerID, Consent: a.Consent}); fresh {
		if err := r.intro(t, a, true); err != nil {
			return err
		}
		st.Step, st.Page, st.Query = r.steps(a)[0], 0, ""
	}
	return r.prompt(t, 0)
}

func (r *registration) resumeQuestion(p locales.Printer, step string) string {
	return p.T("resume.ask", "Step", r.stepName(p, step))
}

// stepName names a step: "step.<step>", the commune step in the words of
// the picker's tree (xã/phường/đặc khu today, xã/phường/thị trấn in the
// three-level tree).
func (r *registration) stepName(p locales.Printer, step string) string {
	if step == stCommune {
		return p.T("step." + step + r.picker.words(3))
	}
	return p.T("step." + step)
}

// prompt asks the current step's question; editID edits that message in
// place (paging through a list) instead of sending a new one.
func (r *registration) prompt(t *turn, editID int) error {
	st, a := t.st, t.st.Reg
	newPrompt(st)
	if a.Consent != ConsentVersion {
		unit, err := r.e.noticeUnit(t)
		if err != nil {
			return err
		}
		notice := r.e.consentNotice(t, noticeRegister, unit, stepData(st, "consent", "yes"), stepData(st, "consent", "no"))
		closeKeyboard(t, &notice)
		t.ask(notice)
		return nil
	}
	if st.Step == stSummary {
		summary := r.summary(t)
		closeKeyboard(t, &summary)
		t.ask(summary)
		return nil
	}
	steps := r.steps(a)
	idx := slices.Index(steps, st.Step)
	header := progress(t.p, idx, len(steps))
	var reply Reply
	switch st.Step {
	case stKind:
		reply.Text = header + t.p.T("reg.ask.kind")
		for _, c := range r.choices(t) {
			reply.Choices = append(reply.Choices, []Choice{{Label: c.label, ID: stepData(st, "pick", c.value)}})
		}
	case stName, stRep, stPName, stAddrLine:
		reply = r.textPrompt(t, header)
	case stPhone:
		st.Keyboard = true
		t.ask(Reply{Text: header + t.p.T(phoneAsk(t, "reg.ask.phone")),
			AskContact: t.p.T("button.share_phone"), Choices: [][]Choice{backChoice(t)}})
		return nil
	case stTax:
		if a.Kind == ocop.KindHousehold {
			reply.Text = header + t.p.T("reg.ask.tax_household")
		} else {
			reply.Text = header + t.p.T("reg.ask.tax")
		}
	case stProvince, stDistrict, stCommune:
		parent, level := r.unitScope(st)
		reply = r.picker.prompt(t, header, parent, level)
	case stGroup:
		reply.Text = header + t.p.T("reg.ask.group")
		for _, g := range r.e.groups {
			reply.Choices = append(reply.Choices, []Choice{{Label: g.Code + ". " + g.Name(t.p.Lang), ID: stepData(st, "pick", g.Code)}})
		}
	case stSubgroup:
		g, _ := r.e.group(a.Group)
		reply.Text = header + t.p.T("reg.ask.subgroup", "Group", g.Name(t.p.Lang))
		for _, sg := range g.Subgroups {
			reply.Choices = append(reply.Choices, []Choice{{Label: sg.Name(t.p.Lang), ID: stepData(st, "pick", sg.Code)}})
		}
	case stDesc:
		reply.Text = header + t.p.T("reg.ask.desc", "Max", maxDesc)
	case stPhoto:
		reply.Text = header + t.p.T("reg.ask.photo")
		reply.Choices = append(reply.Choices, []Choice{{Label: t.p.T("button.skip_photo"), ID: stepData(st, "skip", "")}})
	case stStars:
		reply.Text = header + t.p.T("reg.ask.stars")
		var row []Choice
		for _, s := range []string{"3", "4", "5"} {
			row = append(row, Choice{Label: s + " ★", ID: stepData(st, "pick", s)})
		}
		reply.Choices = append(reply.Choices, row)
	}
	if back := backRow(t, idx); back != nil {
		reply.Choices = append(reply.Choices, back)
	}
	reply.Replaces = editID
	if editID == 0 {
		closeKeyboard(t, &reply)
	}
	t.ask(reply)
	return nil
}

// unitScope says which units the current unit step chooses among.
func (r *registration) unitScope(st *State) (parent int64, level int) {
	a := st.Reg
	switch st.Step {
	case stProvince:
		return 0, 1
	case stDistrict:
		return a.Province, 2
	}
	if r.picker.hasDistricts(a.Province) {
		return a.District, 3
	}
	return a.Province, 3
}

// choices are the answers of the current button step, with their labels
// in the user's language, for matching what they type.
func (r *registration) choices(t *turn) []choice {
	var cs []choice
	switch t.st.Step {
	case stKind:
		for _, k := range ocop.ProducerKinds {
			cs = append(cs, choice{t.p.T("kind." + string(k)), string(k)})
		}
	case stGroup:
		for _, g := range r.e.groups {
			cs = append(cs, choice{g.Name(t.p.Lang), g.Code}, choice{g.Code, g.Code})
		}
	case stSubgroup:
		g, _ := r.e.group(t.st.Reg.Group)
		for _, sg := range g.Subgroups {
			cs = append(cs, choice{sg.Name(t.p.Lang), sg.Code})
		}
	case stStars:
		for _, s := range []string{"3", "4", "5"} {
			cs = append(cs, choice{s, s}, choice{s + " sao", s}, choice{s + " stars", s})
		}
	}
	return cs
}

// button handles the buttons of a step: a choice, a page of units, skip
// the photo, edit an answer from the summary, submit.
func (r *registration) button(t *turn, action, arg string) error {
	st := t.st
	switch {
	case action == "consent":
		return r.consent(t, arg)
	case st.Reg.Consent != ConsentVersion:
		return r.e.oldButton(t)
	}
	switch action {
	case "page", "all":
		if !r.picker.turnPage(t, action, arg) {
			return r.e.oldButton(t)
		}
		t.res.Closes = 0
		return r.prompt(t, t.in.MessageID)
	case "skip":
		switch {
		case st.Step == stPhoto:
			st.Reg.Photo, st.Reg.NoPhoto = "", true
			answered(t, "field.photo", t.p.T("field.photo_no"))
		case st.Step == stAddrLine && st.Reg.Unaccented == "":
			st.Reg.AddrLine, st.Reg.NoAddrLine = "", true
			answered(t, "field.address", r.address(st.Reg))
		default:
			return r.e.oldButton(t)
		}
		return r.next(t, "")
	case "keep", "retype":
		return r.accentsButton(t, action)
	case "edit":
		if st.Step != stSummary || !slices.Contains(r.steps(st.Reg), arg) {
			return r.e.oldButton(t)
		}
		st.Step, st.Page, st.Query = arg, 0, ""
		leaveStep(st)
		return r.prompt(t, 0)
	case "submit":
		if st.Step != stSummary {
			return r.e.oldButton(t)
		}
		return r.submit(t)
	case "pick":
		return r.pick(t, arg)
	case "was":
		return r.pickFormer(t, arg)
	}
	return r.e.oldButton(t)
}

// pickFormer takes a unit chosen by a former name (a province or commune
// of before 1/7/2025): today's unit it became is recorded, and the reply
// says so, since the summary will name only today's.
func (r *registration) pickFormer(t *turn, arg string) error {
	st := t.st
	if st.Step != stProvince && st.Step != stCommune {
		return r.e.oldButton(t)
	}
	parent, level := r.unitScope(st)
	old, now, ok := r.picker.became(arg, parent, level)
	if !ok {
		return r.e.oldButton(t)
	}
	r.setUnit(st.Reg, st.Step, now.ID)
	t.res.Answered = t.p.T("reg.unit_became", "Old", old.Name, "Now", now.Name)
	return r.next(t, "")
}

// pick takes a choice made with a button (or typed), checking it belongs
// to the step: buttons can be forged.
func (r *registration) pick(t *turn, arg string) error {
	st, a := t.st, t.st.Reg
	switch st.Step {
	case stKind:
		k := ocop.ProducerKind(arg)
		if !k.Valid() {
			return r.e.oldButton(t)
		}
		if k != ocop.KindHousehold {
			a.CitizenID = "" // only a household answers with a CCCD
		}
		a.Kind = k
		answered(t, "field.kind", t.p.T("kind."+arg))
	case stGroup:
		g, ok := r.e.group(arg)
		if !ok {
			return r.e.oldButton(t)
		}
		if a.Group != arg {
			a.Subgroup = ""
		}
		a.Group = arg
		answered(t, "field.group", g.Name(t.p.Lang))
	case stSubgroup:
		g, sg, ok := r.e.subgroup(arg)
		if !ok || g.Code != a.Group {
			return r.e.oldButton(t)
		}
		a.Subgroup = arg
		answered(t, "field.group", g.Name(t.p.Lang)+" › "+sg.Name(t.p.Lang))
	case stStars:
		n, err := strconv.Atoi(arg)
		if err != nil || !ocop.IsOCOP(n) {
			return r.e.oldButton(t)
		}
		a.Stars = n
		answered(t, "field.stars", t.p.T("stars.wished", "Stars", n))
	case stProvince, stDistrict, stCommune:
		id, _ := strconv.ParseInt(arg, 10, 64)
		parent, level := r.unitScope(st)
		if !r.picker.valid(id, parent, level) {
			return r.e.oldButton(t)
		}
		r.setUnit(a, st.Step, id)
		answered(t, "field.address", unitChain(r.picker.units.Get, id))
	default:
		return r.e.oldButton(t)
	}
	return r.next(t, "")
}

// setUnit answers a unit step; a different province or district forgets
// the units chosen below it.
func (r *registration) setUnit(a *RegistrationAnswers, step string, id int64) {
	commune := a.Commune
	switch step {
	case stProvince:
		if a.Province != id {
			a.District, a.Commune = 0, 0
		}
		a.Province = id
	case stDistrict:
		if a.District != id {
			a.Commune = 0
		}
		a.District = id
	case stCommune:
		a.Commune = id
	}
	// The thôn/ấp and house number were given in the commune chosen before:
	// another one asks them again. A commune a tree's repair forgot (0)
	// keeps them: a hamlet stays where it is when its commune is merged.
	if commune != 0 && a.Commune != commune {
		a.AddrLine, a.NoAddrLine = "", false
	}
}

// next moves on to the first step still unanswered: the next step when
// going forward, the summary when editing from it. ack, when set, confirms
// the answer above the next question.
func (r *registration) next(t *turn, ack string) error {
	st := t.st
	st.Step, st.Page, st.Query = r.firstUnanswered(st.Reg), 0, ""
	leaveStep(st)
	t.preface(ack)
	return r.prompt(t, 0)
}

// answered says what a press answered, above the question that follows:
// "Loại hình: Hợp tác xã ✓" (field is the label's message id).
func answered(t *turn, field, value string) {
	t.res.Answered = t.p.T("reg.answered", "Field", t.p.T(field), "Value", value)
}

// address is the producer's address as answered so far: the thôn/ấp and
// house number, if given, and the unit chosen last with its parents.
func (r *registration) address(a *RegistrationAnswers) string {
	unit := a.Commune
	for _, id := range []int64{a.District, a.Province} {
		if unit == 0 {
			unit = id
		}
	}
	return withAddressLine(a.AddrLine, unitChain(r.picker.units.Get, unit))
}

func (r *registration) back(t *turn) error {
	st := t.st
	if st.Reg.Consent != ConsentVersion {
		return r.prompt(t, 0)
	}
	st.Page, st.Query = 0, ""
	leaveStep(st)
	steps := r.steps(st.Reg)
	switch idx := slices.Index(steps, st.Step); {
	case st.Step == stSummary:
		st.Step = steps[len(steps)-1]
	case idx > 0:
		st.Step = steps[idx-1]
	case idx < 0:
		r.repair(st)
	}
	return r.prompt(t, 0)
}

// repair brings a conversation saved under another unit tree (the operator
// imported the tree of 1/7/2025 meanwhile) back to a step that exists: unit
// answers the tree no longer has are forgotten, and a step that no longer
// exists gives way to the first unanswered one.
func (r *registration) repair(st *State) {
	a := st.Reg
	dropped := false
	for _, id := range []int64{a.Province, a.District, a.Commune} {
		if id != 0 && !r.picker.known(id) {
			dropped = true
		}
	}
	if dropped {
		a.Province, a.District, a.Commune = 0, 0, 0
	}
	if !dropped && st.Step != stSummary && slices.Contains(r.steps(a), st.Step) {
		return
	}
	first := r.firstUnanswered(a)
	if dropped || st.Step != stSummary || first != stSummary {
		st.Step, st.Page, st.Query = first, 0, ""
		leaveStep(st)
	}
}
