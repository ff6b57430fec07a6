package flows

import (
	"errors"
	"strings"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/vntext"
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
	case stName, stRep, stPName, stDesc:
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
// product's name or description.
func (r *registration) textInput(t *turn) error {
	st, a := t.st, t.st.Reg
	limit, least := map[string]int{stName: maxName, stRep: maxRep, stPName: maxProductName, stDesc: maxDesc}[st.Step], 2
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
	case stName:
		a.Name = v
	case stRep:
		a.Rep = v
	case stPName:
		a.ProductName = v
	case stDesc:
		a.Desc = v
	}
	return r.next(t, "")
}

// taxInput takes a tax code, or a household owner's 12-digit CCCD.
func (r *registration) taxInput(t *turn) error {
	a := t.st.Reg
	raw := strings.TrimSpace(t.in.Text)
	household := a.Kind == ocop.KindHousehold
	digits := strings.Map(func(c rune) rune {
		if c == ' ' || c == '.' {
			return -1
		}
		return c
	}, raw)
	if household && len(digits) == 12 {
		v, err := ocop.NormalizeCitizenID(raw, r.e.today())
		if err != nil {
			return retry(t, r, t.p.T(explain(err, "error.citizen_id_format", refusal{ocop.ErrCitizenIDProvince, "error.citizen_id_province"},
				refusal{ocop.ErrCitizenIDCentury, "error.citizen_id_century"}, refusal{ocop.ErrCitizenIDBirthYear, "error.citizen_id_birth_year"})))
		}
		a.TaxCode, a.CitizenID = "", v
		return r.next(t, "")
	}
	v, err := ocop.NormalizeTaxCode(raw)
	if err != nil {
		format := "error.tax_format"
		if household {
			format = "error.tax_format_household"
		}
		return retry(t, r, t.p.T(explain(err, format, refusal{ocop.ErrTaxCodeChecksum, "error.tax_checksum"})))
	}
	a.TaxCode, a.CitizenID = v, ""
	return r.next(t, "")
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
