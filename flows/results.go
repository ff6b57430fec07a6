package flows

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/report"
	"github.com/ocopbot/ocopbot/locales"
)

// The council-result conversation (/ketqua): pick a registration, enter
// the score, the decision number and date, confirm.
const (
	flowResult = "result"

	rsCode    = "r_code"
	rsScore   = "r_score"
	rsDecNo   = "r_dno"
	rsDecDate = "r_ddate"
	rsConfirm = "r_confirm"

	resultChoices = 8 // registrations offered as buttons
)

var resultSteps = []string{rsCode, rsScore, rsDecNo, rsDecDate}

// resultOffice returns the official and the office they speak for; when
// they may record no result it says why and returns ok false.
func (e *Engine) resultOffice(t *turn) (ocop.Official, ocop.Office, bool, error) {
	off, ok, err := e.official(t)
	if !ok || err != nil {
		return off, "", false, err
	}
	office, ok := ocop.OfficeOf(off.Role)
	if !ok {
		t.say(Reply{Text: t.p.T("results.commune")})
		return off, "", false, nil
	}
	return off, office, true, nil
}

// resultCommand answers /ketqua [code].
func (e *Engine) resultCommand(t *turn) error {
	if t.st != nil {
		return e.offerResume(t)
	}
	return e.startResult(t, t.in.Text)
}

func (e *Engine) startResult(t *turn, code string) error {
	if _, _, ok, err := e.resultOffice(t); !ok || err != nil {
		return err
	}
	now := e.now()
	t.st = &State{Flow: flowResult, Step: rsCode, Answers: map[string]string{}, Started: now, Updated: now}
	if code != "" {
		return e.resultInput(t, code)
	}
	return e.promptResult(t)
}

// ScopeCommunes is the communes an official answers for (nil: all).
func (e *Engine) ScopeCommunes(off ocop.Official) []int64 {
	if off.Role == ocop.RoleAdmin {
		return nil
	}
	return e.atlas.Sources(e.atlas.At(e.today()), off.UnitID)
}

func (e *Engine) promptResult(t *turn) error {
	st := t.st
	st.Seq++
	st.Cancel = false
	idx := indexOf(resultSteps, st.Step)
	header := ""
	if idx >= 0 {
		header = t.p.T("reg.progress", "N", idx+1, "Total", len(resultSteps)) + "\n"
	}
	var r Reply
	switch st.Step {
	case rsCode:
		off, err := e.records.OfficialByUser(t.ctx, t.chat.UserID)
		if err != nil {
			return err
		}
		waiting, err := e.records.AwaitingResults(t.ctx, e.ScopeCommunes(off), resultChoices)
		if err != nil {
			return err
		}
		if len(waiting) == 0 {
			r.Text = header + t.p.T("results.ask.code_none")
		} else {
			r.Text = header + t.p.T("results.ask.code")
		}
		for _, a := range waiting {
			r.Buttons = append(r.Buttons, []Button{{Label: a.Code + " · " + short(a.ProductName, 28), Data: stepData(st, "pick", a.Code)}})
		}
	case rsScore:
		r.Text = header + t.p.T("results.ask.score", "Applicant", e.applicantLine(t, st.Answers[rsCode]))
	case rsDecNo:
		r.Text = header + t.p.T("results.ask.decision_no")
	case rsDecDate:
		r.Text = header + t.p.T("results.ask.decision_date")
		r.Buttons = append(r.Buttons, []Button{{Label: t.p.T("button.today"), Data: stepData(st, "pick", dayArg(e.today()))}})
	case rsConfirm:
		return e.confirmResult(t)
	}
	if idx > 0 {
		r.Buttons = append(r.Buttons, []Button{{Label: t.p.T("button.back"), Data: stepData(st, "back", "")}})
	}
	t.say(r)
	return nil
}

// applicantLine describes the chosen registration (its answers hold the
// product and producer names once picked).
func (e *Engine) applicantLine(t *turn, code string) string {
	st := t.st
	return t.p.T("results.applicant", "Code", code, "Product", st.Answers["r_product"], "Producer", st.Answers["r_producer"])
}

func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// resultDraft is the result the answers describe.
func (e *Engine) resultDraft(st *State) (ocop.Result, bool) {
	score, ok1 := ocop.ParseScore(st.Answers[rsScore])
	day, err := time.Parse("20060102", st.Answers[rsDecDate])
	reg, _ := strconv.ParseInt(st.Answers["r_reg"], 10, 64)
	prod, _ := strconv.ParseInt(st.Answers["r_prod"], 10, 64)
	if !ok1 || err != nil || reg == 0 || st.Answers[rsDecNo] == "" {
		return ocop.Result{}, false
	}
	stars, _ := ocop.StarsFromScore(score)
	return ocop.Result{RegistrationID: reg, ProductID: prod, Code: st.Answers[rsCode], Score: score, Stars: stars,
		DecisionNo: st.Answers[rsDecNo], DecisionDate: day}, true
}

func (e *Engine) confirmResult(t *turn) error {
	st := t.st
	r, ok := e.resultDraft(st)
	if !ok {
		st.Step = rsCode
		return e.promptResult(t)
	}
	text := t.p.T("results.confirm",
		"Applicant", e.applicantLine(t, r.Code),
		"Score", scoreText(t.p, r.Score), "Stars", r.Stars,
		"DecisionNo", r.DecisionNo, "Date", r.DecisionDate.Format("02/01/2006"))
	if r.Certified() {
		text += "\n" + t.p.T("results.confirm_certificate", "Until", r.ValidUntil().Format("02/01/2006"))
	} else {
		text += "\n" + t.p.T("results.confirm_no_certificate")
	}
	if st.Answers["r_last"] != "" {
		text += "\n" + t.p.T("results.confirm_replaces", "Last", st.Answers["r_last"])
	}
	t.say(Reply{Text: text, Buttons: [][]Button{
		{{Label: t.p.T("button.record_result"), Data: stepData(st, "submit", "")}},
		{
			{Label: t.p.T("button.edit_score"), Data: stepData(st, "edit", rsScore)},
			{Label: t.p.T("button.edit_decision_no"), Data: stepData(st, "edit", rsDecNo)},
			{Label: t.p.T("button.edit_date"), Data: stepData(st, "edit", rsDecDate)},
		},
		{{Label: t.p.T("button.cancel"), Data: stepData(st, "cancelask", "")}},
	}})
	return nil
}

// resultButton handles the buttons of the result conversation.
func (e *Engine) resultButton(t *turn, action, arg string) error {
	st := t.st
	switch action {
	case "restart":
		t.st = nil
		return e.startResult(t, "")
	case "resume":
		return e.promptResult(t)
	case "back":
		return e.resultBack(t)
	case "pick":
		if st.Step != rsCode && st.Step != rsDecDate {
			return e.oldButton(t)
		}
		return e.resultInput(t, arg)
	case "edit":
		if st.Step != rsConfirm || indexOf(resultSteps, arg) < 1 {
			return e.oldButton(t)
		}
		st.Step = arg
		st.Answers["r_editing"] = "1"
		return e.promptResult(t)
	case "submit":
		if st.Step != rsConfirm {
			return e.oldButton(t)
		}
		return e.submitResult(t)
	}
	return e.oldButton(t)
}

func (e *Engine) resultBack(t *turn) error {
	st := t.st
	st.Cancel = false
	switch i := indexOf(resultSteps, st.Step); {
	case st.Step == rsConfirm:
		st.Step = rsDecDate
	case i > 0:
		st.Step = resultSteps[i-1]
	}
	return e.promptResult(t)
}

// resultNext moves to the next step, or back to the confirmation when an
// answer was being edited from it.
func (e *Engine) resultNext(t *turn) error {
	st := t.st
	if st.Answers["r_editing"] != "" {
		delete(st.Answers, "r_editing")
		st.Step = rsConfirm
		return e.promptResult(t)
	}
	for _, s := range resultSteps {
		if st.Answers[s] == "" {
			st.Step = s
			return e.promptResult(t)
		}
	}
	st.Step = rsConfirm
	return e.promptResult(t)
}

func (e *Engine) resultRetry(t *turn, msg string) error {
	t.say(Reply{Text: msg})
	return e.promptResult(t)
}

// resultInput takes a typed answer (or a picked one) for the current step.
func (e *Engine) resultInput(t *turn, text string) error {
	st := t.st
	text = strings.TrimSpace(text)
	switch st.Step {
	case rsCode:
		off, _, ok, err := e.resultOffice(t)
		if !ok || err != nil {
			t.st = nil
			return err
		}
		code := strings.ToUpper(text)
		found, err := e.records.Applicants(t.ctx, []string{code})
		if err != nil {
			return err
		}
		a, ok := found[code]
		if !ok || !e.atlas.InScope(off, a.CommuneID) {
			return e.resultRetry(t, t.p.T("results.error.code_unknown", "Code", short(text, 40)))
		}
		if a.Status == ocop.StatusWithdrawn || a.Status == ocop.StatusRejected {
			return e.resultRetry(t, t.p.T("results.error.code_closed", "Code", a.Code, "Status", t.p.T("status."+string(a.Status))))
		}
		st.Answers[rsCode] = a.Code
		st.Answers["r_reg"] = strconv.FormatInt(a.RegistrationID, 10)
		st.Answers["r_prod"] = strconv.FormatInt(a.ProductID, 10)
		st.Answers["r_product"] = a.ProductName
		st.Answers["r_producer"] = a.ProducerName
		delete(st.Answers, "r_last")
		if a.LastDecisionNo != "" {
			st.Answers["r_last"] = t.p.T("results.last", "Score", scoreText(t.p, a.LastScore), "Stars", a.LastStars,
				"DecisionNo", a.LastDecisionNo, "Date", a.LastDecisionDate.Format("02/01/2006"))
		}
	case rsScore:
		v, ok := ocop.ParseScore(text)
		if !ok {
			return e.resultRetry(t, t.p.T("results.error.score"))
		}
		st.Answers[rsScore] = strconv.FormatFloat(v, 'f', -1, 64)
		if st.Answers[rsDecDate] != "" {
			if msg := e.checkAuthority(t); msg != "" {
				delete(st.Answers, rsScore)
				return e.resultRetry(t, msg)
			}
		}
	case rsDecNo:
		no, ok := ocop.CleanDecisionNo(text)
		if !ok {
			return e.resultRetry(t, t.p.T("results.error.decision_no"))
		}
		st.Answers[rsDecNo] = no
	case rsDecDate:
		day, ok := report.ParseDate(text)
		if !ok {
			if d, err := time.Parse("20060102", text); err == nil {
				day, ok = d, true
			}
		}
		if !ok {
			return e.resultRetry(t, t.p.T("results.error.date"))
		}
		if msg := e.checkDate(t, day); msg != "" {
			return e.resultRetry(t, msg)
		}
		st.Answers[rsDecDate] = dayArg(day)
		if msg := e.checkAuthority(t); msg != "" {
			// The stars come from the score: that is what to look at again.
			delete(st.Answers, rsScore)
			delete(st.Answers, "r_editing")
			st.Step = rsScore
			return e.resultRetry(t, msg)
		}
	default:
		t.say(Reply{Text: t.p.T("error.choose_button")})
		return e.promptResult(t)
	}
	return e.resultNext(t)
}

// checkDate explains why a decision date cannot be used ("" when it can).
func (e *Engine) checkDate(t *turn, day time.Time) string {
	if day.After(e.today()) {
		return t.p.T("results.error.date_future")
	}
	auth, err := e.records.Authorities(t.ctx)
	if err == nil && auth.Regime(day) == "" {
		return t.p.T("results.error.date_regime")
	}
	return ""
}

// checkAuthority explains why this official may not record the draft
// result ("" when they may).
func (e *Engine) checkAuthority(t *turn) string {
	r, ok := e.resultDraft(t.st)
	if !ok {
		return ""
	}
	off, err := e.records.OfficialByUser(t.ctx, t.chat.UserID)
	if err != nil {
		return t.p.T("official.only")
	}
	office, _ := ocop.OfficeOf(off.Role)
	auth, err := e.records.Authorities(t.ctx)
	if err != nil {
		return t.p.T("error.internal")
	}
	return authorityError(t.p, auth, office, r)
}

func authorityError(p locales.Printer, auth ocop.Authorities, office ocop.Office, r ocop.Result) string {
	ok, by := auth.Decide(r.DecisionDate, office, r.Stars)
	if ok {
		return ""
	}
	regime := auth.Regime(r.DecisionDate)
	if regime == "" {
		return p.T("results.error.date_regime")
	}
	mine := p.T("results.office_none")
	if lo, hi, ok := auth.Range(r.DecisionDate, office); ok {
		mine = starsRange(lo, hi)
	}
	who := p.T("results.office_nobody")
	if by != "" {
		who = p.T("office." + string(by))
	}
	return p.T("results.error.authority", "Regime", regime, "Stars", r.Stars, "By", who,
		"Office", p.T("office."+string(office)), "Mine", mine)
}

func starsRange(lo, hi int) string {
	if lo == hi {
		return strconv.Itoa(lo) + "★"
	}
	return strconv.Itoa(lo) + "★–" + strconv.Itoa(hi) + "★"
}

// scoreText prints 72 as "72" and 72.5 as "72,5" (vi) or "72.5" (en).
func scoreText(p locales.Printer, v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if p.Lang == "vi" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// submitResult records the confirmed result.
func (e *Engine) submitResult(t *turn) error {
	st := t.st
	off, office, ok, err := e.resultOffice(t)
	if !ok || err != nil {
		t.st = nil
		return err
	}
	r, ok := e.resultDraft(st)
	if !ok {
		st.Step = rsCode
		return e.promptResult(t)
	}
	// The registration and the authority are checked again: time has
	// passed since they were chosen, and buttons can be forged.
	found, err := e.records.Applicants(t.ctx, []string{r.Code})
	if err != nil {
		return err
	}
	if a, ok := found[r.Code]; !ok || a.RegistrationID != r.RegistrationID || !e.atlas.InScope(off, a.CommuneID) {
		st.Step = rsCode
		return e.resultRetry(t, t.p.T("results.error.code_unknown", "Code", r.Code))
	}
	auth, err := e.records.Authorities(t.ctx)
	if err != nil {
		return err
	}
	if msg := authorityError(t.p, auth, office, r); msg != "" {
		delete(st.Answers, rsScore)
		st.Step = rsScore
		return e.resultRetry(t, msg)
	}
	r.IssuerUnitID, r.RecordedBy = off.UnitID, t.chat.UserID
	done, err := e.records.RecordResults(t.ctx, []ocop.Result{r})
	if msg, ok := rowErrorText(t.p, err); ok {
		delete(st.Answers, rsDecNo)
		st.Step = rsDecNo
		return e.resultRetry(t, msg)
	}
	if err != nil {
		return err
	}
	t.st = nil
	if done.New == 0 {
		t.say(Reply{Text: t.p.T("results.unchanged")})
		return nil
	}
	text := t.p.T("results.recorded", "Code", r.Code, "Stars", r.Stars)
	if r.Certified() {
		text += "\n" + t.p.T("results.confirm_certificate", "Until", r.ValidUntil().Format("02/01/2006"))
	}
	t.say(Reply{Text: text + "\n" + t.p.T("results.notified"), Buttons: [][]Button{
		{{Label: t.p.T("button.next_result"), Data: globalData("kq")}},
	}})
	return nil
}

// rowErrorText explains a result the records refused.
func rowErrorText(p locales.Printer, err error) (string, bool) {
	var re *ocop.RowError
	if !errors.As(err, &re) {
		return "", false
	}
	switch {
	case errors.Is(err, ocop.ErrResultConflict):
		return p.T("results.error.conflict", "Code", re.Code), true
	case errors.Is(err, ocop.ErrResultOutdated):
		return p.T("results.error.outdated", "Code", re.Code), true
	}
	return "", false
}
