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
	case stName, stRep, stPName, stDesc:
		return r.textInput(t)
	case stPhone:
		raw := in.Text
		if in.Kind == InputContact {
			raw = in.Phone
		}
		v, err := ocop.NormalizePhone(raw)
		if err != nil {
			return retry(t, r, t.p.T(explain(err, "error.phone_format", refusal{ocop.ErrPhonePrefix, "error.phone_prefix"})))
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
