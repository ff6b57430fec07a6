package flows

import (
	"log/slog"
	"strings"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// The end of a registration: the summary with a button to edit each
// answer, and the submission.

// summary shows every answer with a button to edit each, and the button
// that submits.
func (r *registration) summary(t *turn) Reply {
	st, a, p := t.st, t.st.Reg, t.p
	edit := func(step string) Choice {
		return Choice{Label: "✏️ " + r.stepName(p, step), ID: stepData(st, "edit", step)}
	}
	var rows [][]Choice
	if a.ProducerID == 0 {
		rows = append(rows,
			[]Choice{edit(stKind), edit(stName)},
			[]Choice{edit(stRep), edit(stPhone)},
			[]Choice{edit(stTax), edit(stProvince)},
			[]Choice{edit(stAddrLine)})
	}
	rows = append(rows,
		[]Choice{edit(stPName), edit(stGroup)},
		[]Choice{edit(stDesc), edit(stPhoto)},
		[]Choice{edit(stStars)},
		[]Choice{{Label: p.T("button.submit"), ID: stepData(st, "submit", "")}},
		summaryFooter(t),
	)
	return Reply{Text: r.answers(t, "reg.summary.title") + "\n\n" + p.T("reg.summary.hint"), Choices: rows}
}

// answers lists every answer under the title titleID: the summary to
// check, and, once submitted, what was sent.
func (r *registration) answers(t *turn, titleID string) string {
	var b strings.Builder
	a, p := t.st.Reg, t.p
	b.WriteString(p.T(titleID))
	line := func(labelID, value string) {
		b.WriteString("\n• ")
		b.WriteString(p.T(labelID))
		b.WriteString(": ")
		b.WriteString(value)
	}
	if a.ProducerID == 0 {
		b.WriteString("\n\n" + p.T("reg.summary.producer"))
		line("field.kind", p.T("kind."+string(a.Kind)))
		line("field.name", a.Name)
		line("field.rep", a.Rep)
		line("field.phone", a.Phone)
		if a.CitizenID != "" {
			line("field.citizen_id", a.CitizenID)
		} else {
			line("field.tax", a.TaxCode)
		}
		line("field.address", withAddressLine(a.AddrLine, unitChain(r.picker.units.Get, a.Commune)))
	}
	b.WriteString("\n\n" + p.T("reg.summary.product"))
	line("field.pname", a.ProductName)
	g, sg, _ := r.e.subgroup(a.Subgroup)
	line("field.group", g.Name(p.Lang)+" › "+sg.Name(p.Lang))
	line("field.desc", a.Desc)
	photo := p.T("field.photo_yes")
	if a.NoPhoto {
		photo = p.T("field.photo_no")
	}
	line("field.photo", photo)
	line("field.stars", p.T("stars.wished", "Stars", a.Stars))
	return b.String()
}

// submit writes producer, product and registration in one transaction and
// clears the conversation only once that has committed.
func (r *registration) submit(t *turn) error {
	st, a := t.st, t.st.Reg
	if first := r.firstUnanswered(a); first != stSummary { // not through the buttons; be safe
		st.Step = first
		return r.prompt(t, 0)
	}
	sub := ocop.Submission{
		ActorID:      t.chat.UserID,
		SubmissionID: st.Submission,
		Product: ocop.Product{
			Name:         a.ProductName,
			SubgroupCode: a.Subgroup,
			Description:  a.Desc,
			TargetStars:  a.Stars,
			PhotoFileID:  a.Photo,
		},
	}
	if a.ProducerID != 0 {
		sub.Producer = ocop.Producer{ID: a.ProducerID, OwnerUserID: t.chat.UserID}
	} else {
		sub.Producer = ocop.Producer{
			OwnerUserID:    t.chat.UserID,
			ChatID:         t.chat.ID,
			Kind:           a.Kind,
			Name:           a.Name,
			Representative: a.Rep,
			Phone:          a.Phone,
			TaxCode:        a.TaxCode,
			CitizenID:      a.CitizenID,
			UnitID:         a.Commune,
			AddressLine:    a.AddrLine,
		}
	}
	reg, err := r.e.records.SubmitRegistration(t.ctx, sub)
	t.changedIdentity()
	if err != nil {
		return err
	}
	r.e.log.InfoContext(t.ctx, "registration submitted", slog.Int64("registration_id", reg.ID),
		slog.Int64("producer_id", reg.ProducerID), slog.Int64("chat_id", t.chat.ID))
	// The summary gives way to the answer, and stays above it as what was sent.
	t.res.Answered = r.answers(t, "reg.summary.sent")
	t.st = nil
	t.say(Reply{Text: t.p.T("reg.done", "Code", reg.Code, "Product", reg.ProductName), Choices: [][]Choice{
		{{Label: t.p.T("button.register_another"), ID: globalData("reg")}},
		{{Label: t.p.T("button.my_records"), ID: globalData("hoso")}},
	}})
	return nil
}

// withAddressLine writes a full address: the thôn/ấp and house number, if
// given, before the commune and its parents ("Số 12, ấp Phú Lợi, Xã Phú Mỹ
// Hưng, …"), as Vietnamese addresses run from the house up.
func withAddressLine(line, commune string) string {
	if line == "" {
		return commune
	}
	return line + ", " + commune
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
