package flows

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"strconv"
	"strings"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// The registration conversation's steps. Answers are stored under the
// step's name; the tax step stores a household's CCCD under ansCitizenID.
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
	stPName    = "pname"
	stGroup    = "group"
	stSubgroup = "subgroup"
	stDesc     = "desc"
	stPhoto    = "photo"
	stStars    = "stars"
	stSummary  = "summary"

	ansCitizenID = "cid"
	ansProducer  = "producer" // ID of an already registered producer
	ansNoPhoto   = "-"
)

// Limits on free-text answers, in characters.
const (
	maxName        = 200
	maxRep         = 100
	maxProductName = 150
	maxDesc        = 1000
	minDesc        = 10
	unitPageSize   = 8
)

var (
	producerSteps = []string{stKind, stName, stRep, stPhone, stTax, stProvince, stDistrict, stCommune}
	productSteps  = []string{stPName, stGroup, stSubgroup, stDesc, stPhoto, stStars}
)

// steps lists the steps this conversation goes through, in order. The
// district step exists only where the unit tree has districts (not in the
// two-level tree in force since 1/7/2025).
func (e *Engine) steps(st *State) []string {
	var out []string
	if st.Answers[ansProducer] == "" {
		for _, s := range producerSteps {
			if s == stDistrict && !e.provinceHasDistricts(st) {
				continue
			}
			out = append(out, s)
		}
	}
	return append(out, productSteps...)
}

func (e *Engine) provinceHasDistricts(st *State) bool {
	id, _ := strconv.ParseInt(st.Answers[stProvince], 10, 64)
	if id == 0 {
		return e.hasDistricts
	}
	for _, c := range e.units.Children(id) {
		if c.Level == 2 {
			return true
		}
	}
	return false
}

func (e *Engine) startRegistration(t *turn) error {
	now := e.now()
	var id [12]byte
	_, _ = rand.Read(id[:])
	st := &State{Flow: flowRegistration, Answers: map[string]string{}, Started: now, Updated: now, Submission: hex.EncodeToString(id[:])}
	p, err := e.records.ProducerByOwner(t.ctx, t.chat.UserID)
	switch {
	case err == nil:
		st.Answers[ansProducer] = strconv.FormatInt(p.ID, 10)
		t.say(Reply{Text: t.p.T("reg.intro_product", "Producer", p.Name)})
	case errNotFound(err):
		t.say(Reply{Text: t.p.T("reg.intro")})
	default:
		return err
	}
	st.Step = e.steps(st)[0]
	t.st = st
	e.prompt(t)
	return nil
}

// stepLabel names a step for the resume question.
func (e *Engine) stepLabel(t *turn, step string) string {
	if step == rsConfirm {
		step = stSummary
	}
	return t.p.T("step." + step)
}

// prompt asks the current step's question.
func (e *Engine) prompt(t *turn) {
	e.promptEdit(t, 0)
}

func (e *Engine) promptEdit(t *turn, editID int) {
	st := t.st
	if st.Flow == flowResult {
		if err := e.promptResult(t); err != nil {
			e.log.ErrorContext(t.ctx, "result prompt", slog.Any("err", err))
			t.say(Reply{Text: t.p.T("error.internal")})
		}
		return
	}
	st.Seq++
	st.Cancel = false
	if st.Step == stSummary {
		e.closeKeyboard(t, "")
		t.say(e.summary(t))
		return
	}
	steps := e.steps(st)
	idx := indexOf(steps, st.Step)
	header := t.p.T("reg.progress", "N", idx+1, "Total", len(steps)) + "\n"
	back := []Button{{Label: t.p.T("button.back"), Data: stepData(st, "back", "")}}
	if idx == 0 {
		back = nil
	}
	var r Reply
	switch st.Step {
	case stKind:
		r.Text = header + t.p.T("reg.ask.kind")
		for _, k := range ocop.ProducerKinds {
			r.Buttons = append(r.Buttons, []Button{{Label: t.p.T("kind." + string(k)), Data: stepData(st, "pick", string(k))}})
		}
	case stName:
		r.Text = header + t.p.T("reg.ask.name", "Kind", t.p.T("kind."+st.Answers[stKind]))
	case stRep:
		r.Text = header + t.p.T("reg.ask.rep")
	case stPhone:
		st.Keyboard = true
		t.say(Reply{Text: header + t.p.T("reg.ask.phone"), Keyboard: [][]KeyButton{
			{{Label: t.p.T("button.share_phone"), RequestContact: true}},
			{{Label: t.p.T("button.back")}},
		}})
		return
	case stTax:
		if st.Answers[stKind] == string(ocop.KindHousehold) {
			r.Text = header + t.p.T("reg.ask.tax_household")
		} else {
			r.Text = header + t.p.T("reg.ask.tax")
		}
	case stProvince, stDistrict, stCommune:
		r = e.unitPrompt(t, header)
	case stPName:
		r.Text = header + t.p.T("reg.ask.pname")
	case stGroup:
		r.Text = header + t.p.T("reg.ask.group")
		for _, g := range e.groups {
			r.Buttons = append(r.Buttons, []Button{{Label: g.Code + ". " + g.Name(t.p.Lang), Data: stepData(st, "pick", g.Code)}})
		}
	case stSubgroup:
		g, _ := e.group(st.Answers[stGroup])
		r.Text = header + t.p.T("reg.ask.subgroup", "Group", g.Name(t.p.Lang))
		for _, sg := range g.Subgroups {
			r.Buttons = append(r.Buttons, []Button{{Label: sg.Name(t.p.Lang), Data: stepData(st, "pick", sg.Code)}})
		}
	case stDesc:
		r.Text = header + t.p.T("reg.ask.desc", "Max", maxDesc)
	case stPhoto:
		r.Text = header + t.p.T("reg.ask.photo")
		r.Buttons = append(r.Buttons, []Button{{Label: t.p.T("button.skip_photo"), Data: stepData(st, "skip", "")}})
	case stStars:
		r.Text = header + t.p.T("reg.ask.stars")
		r.Buttons = append(r.Buttons, []Button{
			{Label: "3 ★", Data: stepData(st, "pick", "3")},
			{Label: "4 ★", Data: stepData(st, "pick", "4")},
			{Label: "5 ★", Data: stepData(st, "pick", "5")},
		})
	}
	if back != nil {
		r.Buttons = append(r.Buttons, back)
	}
	r.EditMessageID = editID
	if editID == 0 {
		e.closeKeyboard(t, "")
	}
	t.say(r)
}

// closeKeyboard takes away the contact-sharing keyboard of the phone step
// once the conversation has moved on. Telegram removes a reply keyboard only
// with a message of its own, so ack carries it ("" for a neutral notice).
func (e *Engine) closeKeyboard(t *turn, ack string) {
	if t.st == nil || !t.st.Keyboard {
		return
	}
	t.st.Keyboard = false
	if ack == "" {
		ack = t.p.T("reg.keyboard_closed")
	}
	t.say(Reply{Text: ack, RemoveKeyboard: true})
}

// unitScope says which units a unit step chooses among.
func (e *Engine) unitScope(st *State) (parent int64, level int) {
	id := func(k string) int64 { v, _ := strconv.ParseInt(st.Answers[k], 10, 64); return v }
	switch st.Step {
	case stProvince:
		return 0, 1
	case stDistrict:
		return id(stProvince), 2
	default:
		if e.provinceHasDistricts(st) {
			return id(stDistrict), 3
		}
		return id(stProvince), 3
	}
}

func (e *Engine) unitPrompt(t *turn, header string) Reply {
	st := t.st
	parent, level := e.unitScope(st)
	units, total := e.units.Search(st.Query, parent, level, unitPageSize, st.Page*unitPageSize)
	if total > 0 && len(units) == 0 { // the page no longer exists
		st.Page = 0
		units, total = e.units.Search(st.Query, parent, level, unitPageSize, 0)
	}
	var r Reply
	r.Text = header + t.p.T("reg.ask."+st.Step)
	if parent != 0 {
		if u, ok := e.units.Get(parent); ok {
			r.Text = header + t.p.T("reg.ask."+st.Step+"_in", "Parent", u.Name)
		}
	}
	if st.Query != "" {
		r.Text += "\n" + t.p.N("reg.unit_results", total, "Query", st.Query)
	}
	for i := 0; i < len(units); i += 2 {
		row := []Button{{Label: units[i].Name, Data: stepData(st, "pick", strconv.FormatInt(units[i].ID, 10))}}
		if i+1 < len(units) {
			row = append(row, Button{Label: units[i+1].Name, Data: stepData(st, "pick", strconv.FormatInt(units[i+1].ID, 10))})
		}
		r.Buttons = append(r.Buttons, row)
	}
	pages := (total + unitPageSize - 1) / unitPageSize
	if pages > 1 {
		var nav []Button
		if st.Page > 0 {
			nav = append(nav, Button{Label: t.p.T("button.prev"), Data: stepData(st, "page", strconv.Itoa(st.Page-1))})
		}
		nav = append(nav, Button{Label: strconv.Itoa(st.Page+1) + "/" + strconv.Itoa(pages), Data: stepData(st, "page", strconv.Itoa(st.Page))})
		if st.Page+1 < pages {
			nav = append(nav, Button{Label: t.p.T("button.next"), Data: stepData(st, "page", strconv.Itoa(st.Page+1))})
		}
		r.Buttons = append(r.Buttons, nav)
	}
	if st.Query != "" {
		r.Buttons = append(r.Buttons, []Button{{Label: t.p.T("button.show_all"), Data: stepData(st, "all", "")}})
	}
	return r
}

func (e *Engine) group(code string) (ocop.ProductGroup, bool) {
	for _, g := range e.groups {
		if g.Code == code {
			return g, true
		}
	}
	return ocop.ProductGroup{}, false
}

func (e *Engine) subgroup(code string) (ocop.ProductGroup, ocop.ProductSubgroup, bool) {
	for _, g := range e.groups {
		for _, sg := range g.Subgroups {
			if sg.Code == code {
				return g, sg, true
			}
		}
	}
	return ocop.ProductGroup{}, ocop.ProductSubgroup{}, false
}

// stepButton handles a press on a button of the prompt now shown.
func (e *Engine) stepButton(t *turn, action, arg string) error {
	st := t.st
	if action != "cancel" {
		st.Cancel = false
	}
	if st.Flow == flowResult && action != "cancel" && action != "cancelask" {
		return e.resultButton(t, action, arg)
	}
	switch action {
	case "resume":
		e.prompt(t)
		return nil
	case "restart":
		t.st = nil
		return e.startRegistration(t)
	case "cancel":
		if arg == "yes" {
			t.st = nil
			t.say(Reply{Text: t.p.T("cancel.done"), RemoveKeyboard: true})
			return e.menu(t, false)
		}
		e.prompt(t)
		return nil
	case "cancelask":
		return e.askCancel(t)
	case "back":
		return e.back(t)
	case "page":
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 {
			return e.oldButton(t)
		}
		st.Page = n
		t.res.ClearKeyboardOf = 0
		e.promptEdit(t, t.in.MessageID)
		return nil
	case "all":
		st.Query, st.Page = "", 0
		t.res.ClearKeyboardOf = 0
		e.promptEdit(t, t.in.MessageID)
		return nil
	case "skip":
		if st.Step != stPhoto {
			return e.oldButton(t)
		}
		e.answer(t, stPhoto, ansNoPhoto, "")
		return nil
	case "edit":
		if st.Step != stSummary || indexOf(e.steps(st), arg) < 0 {
			return e.oldButton(t)
		}
		st.Step, st.Page, st.Query = arg, 0, ""
		e.prompt(t)
		return nil
	case "submit":
		if st.Step != stSummary {
			return e.oldButton(t)
		}
		return e.submit(t)
	case "pick":
		return e.pick(t, arg)
	}
	return e.oldButton(t)
}

// pick takes a choice made with a button, checking it belongs to the step.
func (e *Engine) pick(t *turn, arg string) error {
	st := t.st
	switch st.Step {
	case stKind:
		if !ocop.ProducerKind(arg).Valid() {
			return e.oldButton(t)
		}
	case stGroup:
		if _, ok := e.group(arg); !ok {
			return e.oldButton(t)
		}
	case stSubgroup:
		g, _, ok := e.subgroup(arg)
		if !ok || g.Code != st.Answers[stGroup] {
			return e.oldButton(t)
		}
	case stStars:
		if arg != "3" && arg != "4" && arg != "5" {
			return e.oldButton(t)
		}
	case stProvince, stDistrict, stCommune:
		id, _ := strconv.ParseInt(arg, 10, 64)
		u, ok := e.units.Get(id)
		parent, level := e.unitScope(st)
		if !ok || u.ParentID != parent || u.Level != level {
			return e.oldButton(t)
		}
	default:
		return e.oldButton(t)
	}
	e.answer(t, st.Step, arg, "")
	return nil
}

// stepInput handles typed text, a contact, a photo or anything else sent
// while a step waits for an answer.
func (e *Engine) stepInput(t *turn) error {
	st := t.st
	st.Cancel = false
	if st.Flow == flowResult {
		if t.in.Kind != InputText {
			t.say(Reply{Text: t.p.T("error.text_expected")})
			return e.promptResult(t)
		}
		return e.resultInput(t, t.in.Text)
	}
	in := t.in
	if in.Kind == InputUnsupported || in.Kind == InputDocument || (in.Kind == InputPhoto && st.Step != stPhoto) || (in.Kind == InputContact && st.Step != stPhone) {
		key := "error.text_expected"
		switch st.Step {
		case stPhoto:
			key = "error.photo_expected"
		case stKind, stGroup, stSubgroup, stStars, stSummary:
			key = "error.choose_button"
		}
		return e.retry(t, t.p.T(key))
	}
	switch st.Step {
	case stKind, stGroup, stSubgroup, stStars:
		if v, ok := e.matchChoice(t, in.Text); ok {
			return e.pick(t, v)
		}
		return e.retry(t, t.p.T("error.choose_button"))
	case stName, stRep, stPName, stDesc:
		max := map[string]int{stName: maxName, stRep: maxRep, stPName: maxProductName, stDesc: maxDesc}[st.Step]
		v, err := ocop.CleanText(in.Text, max)
		var tooLong *ocop.TooLongError
		switch {
		case errors.As(err, &tooLong):
			return e.retry(t, t.p.T("error.too_long", "Max", tooLong.Max, "Len", len([]rune(strings.TrimSpace(in.Text)))))
		case err != nil:
			return e.retry(t, t.p.T("error.text_invalid"))
		case len([]rune(v)) < 2 || (st.Step == stDesc && len([]rune(v)) < minDesc):
			return e.retry(t, t.p.T("error.too_short", "Min", map[bool]int{true: minDesc, false: 2}[st.Step == stDesc]))
		}
		e.answer(t, st.Step, v, "")
		return nil
	case stPhone:
		raw := in.Text
		if in.Kind == InputContact {
			raw = in.Phone
		}
		v, err := ocop.NormalizePhone(raw)
		switch {
		case errors.Is(err, ocop.ErrPhonePrefix):
			return e.retry(t, t.p.T("error.phone_prefix"))
		case err != nil:
			return e.retry(t, t.p.T("error.phone_format"))
		}
		e.answer(t, stPhone, v, t.p.T("reg.phone_saved", "Phone", v))
		return nil
	case stTax:
		return e.taxInput(t)
	case stProvince, stDistrict, stCommune:
		q := strings.TrimSpace(in.Text)
		if len([]rune(q)) > 60 {
			return e.retry(t, t.p.T("error.too_long", "Max", 60, "Len", len([]rune(q))))
		}
		st.Query, st.Page = q, 0
		parent, level := e.unitScope(st)
		if _, total := e.units.Search(q, parent, level, 1, 0); total == 0 {
			st.Query = ""
			return e.retry(t, t.p.T("error.unit_not_found", "Query", q))
		}
		e.prompt(t)
		return nil
	case stPhoto:
		if in.Kind != InputPhoto {
			return e.retry(t, t.p.T("error.photo_expected"))
		}
		e.answer(t, stPhoto, in.FileID, "")
		return nil
	case stSummary:
		return e.retry(t, t.p.T("error.choose_button"))
	}
	return e.retry(t, t.p.T("error.choose_button"))
}

func (e *Engine) taxInput(t *turn) error {
	raw := strings.TrimSpace(t.in.Text)
	household := t.st.Answers[stKind] == string(ocop.KindHousehold)
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		if r == ' ' || r == '.' {
			return -1
		}
		return r
	}, raw)
	if household && len(digits) == 12 {
		v, err := ocop.NormalizeCitizenID(raw)
		switch {
		case errors.Is(err, ocop.ErrCitizenIDProvince):
			return e.retry(t, t.p.T("error.citizen_id_province"))
		case err != nil:
			return e.retry(t, t.p.T("error.citizen_id_format"))
		}
		delete(t.st.Answers, stTax)
		e.answer(t, ansCitizenID, v, "")
		return nil
	}
	v, err := ocop.NormalizeTaxCode(raw)
	switch {
	case errors.Is(err, ocop.ErrTaxCodeChecksum):
		return e.retry(t, t.p.T("error.tax_checksum"))
	case err != nil && household:
		return e.retry(t, t.p.T("error.tax_format_household"))
	case err != nil:
		return e.retry(t, t.p.T("error.tax_format"))
	}
	delete(t.st.Answers, ansCitizenID)
	e.answer(t, stTax, v, "")
	return nil
}

// matchChoice finds the choice of a button step whose label the user typed,
// accent-insensitively ("hop tac xa" picks Hợp tác xã).
func (e *Engine) matchChoice(t *turn, text string) (string, bool) {
	q := ocop.Fold(text)
	if q == "" {
		return "", false
	}
	type choice struct{ label, value string }
	var cs []choice
	switch t.st.Step {
	case stKind:
		for _, k := range ocop.ProducerKinds {
			cs = append(cs, choice{t.p.T("kind." + string(k)), string(k)})
		}
	case stGroup:
		for _, g := range e.groups {
			cs = append(cs, choice{g.Name(t.p.Lang), g.Code}, choice{g.Code, g.Code})
		}
	case stSubgroup:
		g, _ := e.group(t.st.Answers[stGroup])
		for _, sg := range g.Subgroups {
			cs = append(cs, choice{sg.Name(t.p.Lang), sg.Code})
		}
	case stStars:
		for _, s := range []string{"3", "4", "5"} {
			cs = append(cs, choice{s, s}, choice{s + " sao", s}, choice{s + " stars", s})
		}
	}
	for _, c := range cs {
		if ocop.Fold(c.label) == q {
			return c.value, true
		}
	}
	var found string
	for _, c := range cs {
		if strings.HasPrefix(ocop.Fold(c.label), q) {
			if found != "" && found != c.value {
				return "", false // ambiguous
			}
			found = c.value
		}
	}
	return found, found != ""
}

// retry explains what was wrong and asks the same step again.
func (e *Engine) retry(t *turn, msg string) error {
	t.say(Reply{Text: msg})
	e.prompt(t)
	return nil
}

// answer stores a step's answer, forgets answers that depended on the old
// one, and moves on to the first step still unanswered: the next step when
// going forward, the summary when editing from it.
func (e *Engine) answer(t *turn, key, value, ack string) {
	st := t.st
	old, had := st.Answers[key]
	st.Answers[key] = value
	if had && old != value {
		switch key {
		case stProvince:
			delete(st.Answers, stDistrict)
			delete(st.Answers, stCommune)
		case stDistrict:
			delete(st.Answers, stCommune)
		case stGroup:
			delete(st.Answers, stSubgroup)
		case stKind:
			if value != string(ocop.KindHousehold) && st.Answers[ansCitizenID] != "" {
				delete(st.Answers, ansCitizenID)
			}
		}
	}
	st.Step, st.Page, st.Query = stSummary, 0, ""
	for _, s := range e.steps(st) {
		if !e.answered(st, s) {
			st.Step = s
			break
		}
	}
	if ack != "" {
		e.closeKeyboard(t, ack)
	}
	e.prompt(t)
}

func (e *Engine) answered(st *State, step string) bool {
	if step == stTax {
		return st.Answers[stTax] != "" || st.Answers[ansCitizenID] != ""
	}
	return st.Answers[step] != ""
}

func (e *Engine) back(t *turn) error {
	st := t.st
	if st.Flow == flowResult {
		return e.resultBack(t)
	}
	st.Cancel, st.Page, st.Query = false, 0, ""
	steps := e.steps(st)
	switch idx := indexOf(steps, st.Step); {
	case st.Step == stSummary:
		st.Step = steps[len(steps)-1]
	case idx > 0:
		st.Step = steps[idx-1]
	case idx < 0:
		e.repair(st)
	}
	e.prompt(t)
	return nil
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// repair brings a conversation saved under another unit tree (the operator
// imported the tree of 1/7/2025 meanwhile) back to a step that exists: unit
// answers the tree no longer has are forgotten, and a step that no longer
// exists gives way to the first unanswered one.
func (e *Engine) repair(st *State) {
	if st.Flow != flowRegistration {
		return
	}
	dropped := false
	for _, k := range []string{stProvince, stDistrict, stCommune} {
		id, _ := strconv.ParseInt(st.Answers[k], 10, 64)
		if _, ok := e.units.Get(id); st.Answers[k] != "" && !ok {
			dropped = true
		}
	}
	if dropped {
		delete(st.Answers, stProvince)
		delete(st.Answers, stDistrict)
		delete(st.Answers, stCommune)
	}
	steps := e.steps(st)
	if !dropped && st.Step != stSummary && indexOf(steps, st.Step) >= 0 {
		return
	}
	first := stSummary
	for _, s := range steps {
		if !e.answered(st, s) {
			first = s
			break
		}
	}
	if dropped || st.Step != stSummary || first != stSummary {
		st.Step, st.Page, st.Query = first, 0, ""
	}
}
