package flows

import (
	"log/slog"
	"strconv"
	"strings"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// summary shows every answer with a button to edit each, and the button
// that submits.
func (e *Engine) summary(t *turn) Reply {
	st, p := t.st, t.p
	var b strings.Builder
	b.WriteString(p.T("reg.summary.title"))
	line := func(labelID, value string) {
		b.WriteString("\n• ")
		b.WriteString(p.T(labelID))
		b.WriteString(": ")
		b.WriteString(value)
	}
	var rows [][]Button
	edit := func(step string) Button {
		return Button{Label: "✏️ " + p.T("step."+step), Data: stepData(st, "edit", step)}
	}
	if st.Answers[ansProducer] == "" {
		b.WriteString("\n\n" + p.T("reg.summary.producer"))
		line("field.kind", p.T("kind."+st.Answers[stKind]))
		line("field.name", st.Answers[stName])
		line("field.rep", st.Answers[stRep])
		line("field.phone", st.Answers[stPhone])
		if cid := st.Answers[ansCitizenID]; cid != "" {
			line("field.citizen_id", cid)
		} else {
			line("field.tax", st.Answers[stTax])
		}
		line("field.address", e.address(st))
		rows = append(rows,
			[]Button{edit(stKind), edit(stName)},
			[]Button{edit(stRep), edit(stPhone)},
			[]Button{edit(stTax), edit(stProvince)})
	}
	b.WriteString("\n\n" + p.T("reg.summary.product"))
	line("field.pname", st.Answers[stPName])
	g, sg, _ := e.subgroup(st.Answers[stSubgroup])
	line("field.group", g.Name(p.Lang)+" › "+sg.Name(p.Lang))
	line("field.desc", st.Answers[stDesc])
	photo := p.T("field.photo_yes")
	if st.Answers[stPhoto] == ansNoPhoto {
		photo = p.T("field.photo_no")
	}
	line("field.photo", photo)
	line("field.stars", st.Answers[stStars]+" ★")
	b.WriteString("\n\n" + p.T("reg.summary.hint"))
	rows = append(rows,
		[]Button{edit(stPName), edit(stGroup)},
		[]Button{edit(stDesc), edit(stPhoto)},
		[]Button{edit(stStars)},
		[]Button{{Label: p.T("button.submit"), Data: stepData(st, "submit", "")}},
		[]Button{{Label: p.T("button.back"), Data: stepData(st, "back", "")}, {Label: p.T("button.cancel"), Data: stepData(st, "cancelask", "")}},
	)
	return Reply{Text: b.String(), Buttons: rows}
}

// address writes the chosen commune with its parents: "Xã Tân Thông Hội,
// Huyện Củ Chi, Thành phố Hồ Chí Minh".
func (e *Engine) address(st *State) string {
	id, _ := strconv.ParseInt(st.Answers[stCommune], 10, 64)
	var parts []string
	for id != 0 {
		u, ok := e.units.Get(id)
		if !ok {
			break
		}
		parts = append(parts, u.Name)
		id = u.ParentID
	}
	return strings.Join(parts, ", ")
}

// submit writes producer, product and registration in one transaction and
// clears the conversation only once that has committed.
func (e *Engine) submit(t *turn) error {
	st := t.st
	for _, s := range e.steps(st) {
		if !e.answered(st, s) { // cannot happen through the buttons; be safe
			st.Step = s
			e.prompt(t)
			return nil
		}
	}
	atoi := func(k string) int64 { v, _ := strconv.ParseInt(st.Answers[k], 10, 64); return v }
	stars, _ := strconv.Atoi(st.Answers[stStars])
	sub := ocop.Submission{
		ActorID:      t.chat.UserID,
		SubmissionID: st.Submission,
		Product: ocop.Product{
			Name:         st.Answers[stPName],
			SubgroupCode: st.Answers[stSubgroup],
			Description:  st.Answers[stDesc],
			TargetStars:  stars,
		},
	}
	if ph := st.Answers[stPhoto]; ph != ansNoPhoto {
		sub.Product.PhotoFileID = ph
	}
	if id := atoi(ansProducer); id != 0 {
		sub.Producer = ocop.Producer{ID: id, OwnerUserID: t.chat.UserID}
	} else {
		sub.Producer = ocop.Producer{
			OwnerUserID:    t.chat.UserID,
			ChatID:         t.chat.ID,
			Kind:           ocop.ProducerKind(st.Answers[stKind]),
			Name:           st.Answers[stName],
			Representative: st.Answers[stRep],
			Phone:          st.Answers[stPhone],
			TaxCode:        st.Answers[stTax],
			CitizenID:      st.Answers[ansCitizenID],
			UnitID:         atoi(stCommune),
		}
	}
	reg, err := e.records.SubmitRegistration(t.ctx, sub)
	if err != nil {
		return err
	}
	e.log.InfoContext(t.ctx, "registration submitted", slog.Int64("registration_id", reg.ID),
		slog.Int64("producer_id", reg.ProducerID), slog.Int64("chat_id", t.chat.ID))
	t.st = nil
	t.say(Reply{Text: t.p.T("reg.done", "Code", reg.Code, "Product", reg.ProductName), Buttons: [][]Button{
		{{Label: t.p.T("button.register_another"), Data: globalData("reg")}},
		{{Label: t.p.T("button.my_records"), Data: globalData("hoso")}},
	}})
	return nil
}
