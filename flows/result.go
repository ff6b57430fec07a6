package flows

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
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

// ResultAnswers are the answers of a council result so far.
type ResultAnswers struct {
	Code           string    `json:"code,omitempty"`
	RegistrationID int64     `json:"reg,omitempty"`
	ProductID      int64     `json:"prod,omitempty"`
	Product        string    `json:"product,omitempty"`
	Producer       string    `json:"producer,omitempty"`
	Score          *float64  `json:"score,omitempty"` // nil until answered: 0 is a score
	DecisionNo     string    `json:"dno,omitempty"`
	DecisionDate   time.Time `json:"date,omitzero"`
	Submitted      time.Time `json:"sub,omitzero"` // the dossier's submission day: no decision before it
	// Editing is set while an answer is changed from the confirmation:
	// the next answer goes back to it.
	Editing bool `json:"editing,omitempty"`
}

// draft is the result the answers describe, ok false while incomplete.
func (a *ResultAnswers) draft() (ocop.Result, bool) {
	if a.Score == nil || a.DecisionDate.IsZero() || a.RegistrationID == 0 || a.DecisionNo == "" {
		return ocop.Result{}, false
	}
	stars, _ := ocop.StarsFromScore(*a.Score)
	return ocop.Result{RegistrationID: a.RegistrationID, ProductID: a.ProductID, Code: a.Code, Score: *a.Score, Stars: stars,
		DecisionNo: a.DecisionNo, DecisionDate: a.DecisionDate}, true
}

func (a *ResultAnswers) answered(step string) bool {
	switch step {
	case rsCode:
		return a.Code != ""
	case rsScore:
		return a.Score != nil
	case rsDecNo:
		return a.DecisionNo != ""
	case rsDecDate:
		return !a.DecisionDate.IsZero()
	}
	return false
}

// ResultRecords are what recording council results reads and writes.
type ResultRecords interface {
	Authorities(ctx context.Context) (ocop.Authorities, error)
	Applicants(ctx context.Context, codes []string) (map[string]ocop.Applicant, error)
	AwaitingResults(ctx context.Context, communes []int64, limit int) ([]ocop.Applicant, error)
	// Proposals lists the open proposals addressed to office (the central
	// level's list of products proposed for 5★) and how many there are.
	Proposals(ctx context.Context, office ocop.Office, communes []int64, limit int) ([]ocop.Proposal, int, error)
	RecordResults(ctx context.Context, results []ocop.Result) (ocop.Recorded, error)
}

type resultFlow struct{ e *Engine }

func (f *resultFlow) name() string { return flowResult }

func (f *resultFlow) resumeQuestion(p locales.Printer, step string) string {
	if step == rsConfirm {
		step = stSummary
	}
	return p.T("resume.ask_result", "Step", p.T("step."+step))
}

// office returns the official and the office they speak for; when they may
// record no result it says why and returns ok false.
func (f *resultFlow) office(t *turn) (ocop.Official, ocop.Office, bool, error) {
	off, ok, err := f.e.official(t)
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

func (f *resultFlow) start(t *turn, code string) error {
	if _, _, ok, err := f.office(t); !ok || err != nil {
		return err
	}
	now := f.e.now()
	t.st = &State{Version: stateVersion, Flow: flowResult, Step: rsCode, Result: &ResultAnswers{}, Started: now, Updated: now}
	if code != "" {
		return f.answer(t, code)
	}
	return f.prompt(t, 0)
}

func (f *resultFlow) prompt(t *turn, _ int) error {
	st, a := t.st, t.st.Result
	newPrompt(st)
	if st.Step == rsConfirm {
		return f.confirm(t)
	}
	idx := slices.Index(resultSteps, st.Step)
	header := progress(t.p, idx, len(resultSteps))
	var r Reply
	switch st.Step {
	case rsCode:
		off, office, ok, err := f.office(t)
		if !ok || err != nil {
			return err
		}
		auth, err := f.e.authorities(t.ctx)
		if err != nil {
			return err
		}
		if auth.TakesProposals(office) {
			// The central level decides on what the provinces propose:
			// those are its registrations to pick from.
			return f.promptProposals(t, off, office, header, idx)
		}
		waiting, err := f.e.records.AwaitingResults(t.ctx, f.e.ScopeCommunes(off), resultChoices)
		if err != nil {
			return err
		}
		r.Text = header + t.p.T("results.ask.code") + filesElsewhere(t)
		if len(waiting) == 0 {
			r.Text = header + t.p.T("results.ask.code_none") + filesElsewhere(t)
		}
		for _, w := range waiting {
			r.Choices = append(r.Choices, []Choice{{Label: w.Code + " · " + short(w.ProductName, 28), ID: stepData(st, "pick", w.Code)}})
		}
	case rsScore:
		r.Text = header + t.p.T("results.ask.score", "Applicant", applicantLine(t.p, a))
	case rsDecNo:
		r.Text = header + t.p.T("results.ask.decision_no")
	case rsDecDate:
		r.Text = header + t.p.T("results.ask.decision_date")
		r.Choices = append(r.Choices, []Choice{{Label: t.p.T("button.today"), ID: stepData(st, "pick", dates.Compact(f.e.today()))}})
	}
	if back := backRow(t, idx); back != nil {
		r.Choices = append(r.Choices, back)
	}
	t.say(r)
	return nil
}

// promptProposals is the first step of an office that takes proposals (the
// central level): the products proposed to it, each with the proposing
// office's result, as a list and as buttons.
func (f *resultFlow) promptProposals(t *turn, off ocop.Official, office ocop.Office, header string, idx int) error {
	st := t.st
	list, total, err := f.e.records.Proposals(t.ctx, office, f.e.ScopeCommunes(off), resultChoices)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(header)
	if total == 0 {
		b.WriteString(t.p.T("results.proposals_none"))
	} else {
		b.WriteString(t.p.N("results.proposals", total))
	}
	var r Reply
	for _, w := range list {
		b.WriteString("\n" + t.p.T("results.proposal_item", "Code", w.Code, "Product", w.ProductName, "Producer", w.ProducerName,
			"Proposer", w.Proposer, "Proposed", w.Stars, "Last", t.p.T("results.last", "Score", scoreText(t.p, w.LastScore),
				"Stars", w.LastStars, "DecisionNo", w.LastDecisionNo, "Date", dates.Format(w.LastDecisionDate))))
		r.Choices = append(r.Choices, []Choice{{Label: w.Code + " · " + short(w.ProductName, 28), ID: stepData(st, "pick", w.Code)}})
	}
	if total > len(list) {
		b.WriteString("\n" + t.p.T("results.proposals_more", "N", total-len(list)))
	}
	b.WriteString("\n\n" + t.p.T("results.ask.code") + filesElsewhere(t))
	r.Text = b.String()
	if back := backRow(t, idx); back != nil {
		r.Choices = append(r.Choices, back)
	}
	t.say(r)
	return nil
}

// applicantLine describes the chosen registration.
func applicantLine(p locales.Printer, a *ResultAnswers) string {
	return p.T("results.applicant", "Code", a.Code, "Product", a.Product, "Producer", a.Producer)
}

// proposalText explains, before it is recorded, that r is office's
// ceiling with a proposal for the stars its score earns.
func proposalText(p locales.Printer, auth ocop.Authorities, office ocop.Office, r ocop.Result) string {
	return p.T("results.confirm_proposal", "Regime", auth.Regime(r.DecisionDate), "Office", officeName(p, office, r.DecisionDate),
		"Stars", r.Stars, "To", proposalTo(p, r.ProposedTo), "Proposed", r.Proposed)
}

// proposalTo names the office a proposal is addressed to, as the
// programme's texts do ("cấp Trung ương").
func proposalTo(p locales.Printer, office ocop.Office) string {
	return p.T("proposal.to." + string(office))
}

func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// confirm is the flow's summary: the result, the certificate it makes and
// the one it replaces, with buttons to record, edit or cancel.
func (f *resultFlow) confirm(t *turn) error {
	st := t.st
	// The product's latest result is read now, not when it was picked: one
	// may have been recorded since.
	r, last, ok, err := f.current(t)
	if !ok || err != nil {
		return err
	}
	text := t.p.T("results.confirm",
		"Applicant", applicantLine(t.p, st.Result),
		"Score", scoreText(t.p, r.Score), "Stars", r.Stars,
		"DecisionNo", r.DecisionNo, "Date", dates.Format(r.DecisionDate))
	if r.Certified() {
		text += "\n" + t.p.T("results.confirm_certificate", "End", certEnd(t.p, r.ValidUntil(), f.e.today()))
	} else {
		text += "\n" + t.p.T("results.confirm_no_certificate")
	}
	if r.Proposed > 0 {
		_, office, ok, err := f.office(t)
		if !ok || err != nil {
			t.st = nil
			return err
		}
		auth, err := f.e.authorities(t.ctx)
		if err != nil {
			return err
		}
		text += "\n" + proposalText(t.p, auth, office, r)
	}
	if last.LastDecisionNo != "" {
		text += "\n" + t.p.T("results.confirm_replaces", "Last", t.p.T("results.last", "Score", scoreText(t.p, last.LastScore),
			"Stars", last.LastStars, "DecisionNo", last.LastDecisionNo, "Date", dates.Format(last.LastDecisionDate)))
	}
	t.say(Reply{Text: text, Choices: [][]Choice{
		{{Label: t.p.T("button.record_result"), ID: stepData(st, "submit", "")}},
		{
			{Label: t.p.T("button.edit_score"), ID: stepData(st, "edit", rsScore)},
			{Label: t.p.T("button.edit_decision_no"), ID: stepData(st, "edit", rsDecNo)},
			{Label: t.p.T("button.edit_date"), ID: stepData(st, "edit", rsDecDate)},
		},
		{{Label: t.p.T("button.cancel"), ID: stepData(st, "cancelask", ""), Nav: NavCancel}},
	}})
	return nil
}

// current is the result the answers describe, as the official's office
// records it (its ceiling with a proposal above it: ocop.Authorities.Apply),
// and its registration as it is now (zero when gone). An incomplete draft
// goes back to the first step and returns ok false.
func (f *resultFlow) current(t *turn) (ocop.Result, ocop.Applicant, bool, error) {
	r, ok := t.st.Result.draft()
	if !ok {
		t.st.Step = rsCode
		return r, ocop.Applicant{}, false, f.prompt(t, 0)
	}
	off, err := f.e.lookupOfficial(t)
	if err != nil && !errNotFound(err) {
		return r, ocop.Applicant{}, false, err
	}
	// Not an official (any more): submit refuses; the draft stays as scored.
	if office, ok := ocop.OfficeOf(off.Role); err == nil && ok {
		auth, err := f.e.authorities(t.ctx)
		if err != nil {
			return r, ocop.Applicant{}, false, err
		}
		if ruled, ok := auth.Apply(r, office); ok {
			r = ruled
		}
	}
	found, err := f.e.records.Applicants(t.ctx, []string{r.Code})
	if err != nil {
		return r, ocop.Applicant{}, false, err
	}
	return r, found[r.Code], true, nil
}

func (f *resultFlow) button(t *turn, action, arg string) error {
	st := t.st
	switch action {
	case "pick":
		if st.Step != rsCode && st.Step != rsDecDate {
			return f.e.oldButton(t)
		}
		return f.answer(t, arg)
	case "edit":
		if st.Step != rsConfirm || slices.Index(resultSteps, arg) < 1 {
			return f.e.oldButton(t)
		}
		st.Step = arg
		st.Result.Editing = true
		return f.prompt(t, 0)
	case "submit":
		if st.Step != rsConfirm {
			return f.e.oldButton(t)
		}
		return f.submit(t)
	}
	return f.e.oldButton(t)
}

func (f *resultFlow) back(t *turn) error {
	st := t.st
	switch i := slices.Index(resultSteps, st.Step); {
	case st.Step == rsConfirm:
		st.Step = rsDecDate
	case i > 0:
		st.Step = resultSteps[i-1]
	}
	return f.prompt(t, 0)
}

// next moves to the next unanswered step, or back to the confirmation when
// an answer was being edited from it.
func (f *resultFlow) next(t *turn) error {
	st, a := t.st, t.st.Result
	st.Step = rsConfirm
	if a.Editing {
		a.Editing = false
		return f.prompt(t, 0)
	}
	for _, s := range resultSteps {
		if !a.answered(s) {
			st.Step = s
			break
		}
	}
	return f.prompt(t, 0)
}

func (f *resultFlow) input(t *turn) error {
	if t.in.Kind != InputText {
		return retry(t, f, t.p.T("error.text_expected"))
	}
	return f.answer(t, t.in.Text)
}

// answer takes a typed answer (or a picked one) for the current step.
func (f *resultFlow) answer(t *turn, text string) error {
	st, a := t.st, t.st.Result
	text = strings.TrimSpace(text)
	switch st.Step {
	case rsCode:
		return f.pickCode(t, text)
	case rsScore:
		v, ok := ocop.ParseScore(text)
		if !ok {
			return retry(t, f, t.p.T("results.error.score"))
		}
		a.Score = &v
		if !a.DecisionDate.IsZero() {
			if msg, err := f.checkAuthority(t); msg != "" || err != nil {
				a.Score = nil
				return f.refuse(t, msg, err)
			}
		}
	case rsDecNo:
		no, ok := ocop.CleanDecisionNo(text)
		if !ok {
			return retry(t, f, t.p.T("results.error.decision_no"))
		}
		a.DecisionNo = no
	case rsDecDate:
		day, ok := dates.Parse(text)
		if !ok {
			day, ok = dates.ParseCompact(text)
		}
		if !ok {
			return retry(t, f, t.p.T("results.error.date"))
		}
		if msg, err := f.checkDate(t, day); msg != "" || err != nil {
			return f.refuse(t, msg, err)
		}
		a.DecisionDate = day
		if msg, err := f.checkAuthority(t); msg != "" || err != nil {
			// The stars come from the score: that is what to look at again.
			a.Score, a.Editing = nil, false
			st.Step = rsScore
			return f.refuse(t, msg, err)
		}
	default:
		return retry(t, f, t.p.T("error.choose_button"))
	}
	return f.next(t)
}

// refuse explains why an answer cannot be taken, or fails the turn when
// the check itself could not be made.
func (f *resultFlow) refuse(t *turn, msg string, err error) error {
	if err != nil {
		return err
	}
	return retry(t, f, msg)
}

// pickCode takes the registration the result is for, by its code.
func (f *resultFlow) pickCode(t *turn, text string) error {
	off, _, ok, err := f.office(t)
	if !ok || err != nil {
		t.st = nil
		return err
	}
	code := strings.ToUpper(text)
	found, err := f.e.records.Applicants(t.ctx, []string{code})
	if err != nil {
		return err
	}
	ap, ok := found[code]
	if !ok || !ocop.InScope(f.e.atlas, off, ap.CommuneID) {
		return retry(t, f, t.p.T("results.error.code_unknown", "Code", short(text, 40)))
	}
	if ap.Status == ocop.StatusWithdrawn || ap.Status == ocop.StatusRejected {
		return retry(t, f, t.p.T("results.error.code_closed", "Code", ap.Code, "Status", t.p.T("status."+string(ap.Status))))
	}
	a := t.st.Result
	a.Code, a.RegistrationID, a.ProductID, a.Product, a.Producer = ap.Code, ap.RegistrationID, ap.ProductID, ap.ProductName, ap.ProducerName
	a.Submitted = ap.SubmittedOn
	return f.next(t)
}

// submit records the confirmed result.
func (f *resultFlow) submit(t *turn) error {
	st := t.st
	off, office, ok, err := f.office(t)
	if !ok || err != nil {
		t.st = nil
		return err
	}
	// The registration and the authority are checked again: time has
	// passed since they were chosen, and buttons can be forged.
	r, a, ok, err := f.current(t)
	if !ok || err != nil {
		return err
	}
	if a.RegistrationID != r.RegistrationID || !ocop.InScope(f.e.atlas, off, a.CommuneID) {
		st.Step = rsCode
		return retry(t, f, t.p.T("results.error.code_unknown", "Code", r.Code))
	}
	if a.Predates(r.DecisionDate) {
		st.Result.DecisionDate, st.Step = time.Time{}, rsDecDate
		return retry(t, f, predatesText(t.p, a, r.DecisionDate))
	}
	auth, err := f.e.authorities(t.ctx)
	if err != nil {
		return err
	}
	if msg := authorityError(t.p, auth, office, r); msg != "" {
		st.Result.Score = nil
		st.Step = rsScore
		return retry(t, f, msg)
	}
	r.IssuerUnitID, r.RecordedBy = off.UnitID, t.chat.UserID
	done, err := f.e.records.RecordResults(t.ctx, []ocop.Result{r})
	if msg, ok := rowErrorText(t.p, err); ok {
		st.Result.DecisionNo = ""
		st.Step = rsDecNo
		return retry(t, f, msg)
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
		text += "\n" + t.p.T("results.confirm_certificate", "End", certEnd(t.p, r.ValidUntil(), f.e.today()))
	}
	if r.Proposed > 0 {
		text += "\n" + t.p.T("results.recorded_proposal", "To", proposalTo(t.p, r.ProposedTo), "Proposed", r.Proposed)
	}
	t.say(Reply{Text: text + "\n" + t.p.T("results.notified"), Choices: [][]Choice{
		{{Label: t.p.T("button.next_result"), ID: globalData("kq")}},
	}})
	return nil
}
