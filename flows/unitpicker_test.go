package flows_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/dates"
)

// TestFormerUnitButtonsAreChecked: a former unit's button carries the old
// unit and today's; the bot signs buttons, but the flow still takes only a
// pair the search offers, for the step shown, and records today's unit.
func TestFormerUnitButtonsAreChecked(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "vn-units-2025-07.csv", "vn-units-2025-07-merges.json")
	ctx := context.Background()
	day := time.Date(2026, 12, 1, 9, 0, 0, 0, dates.Vietnam)
	e := flows.New(flows.Config{Records: f.store, Atlas: f.atlas, Groups: f.groups, Text: f.text, Log: f.log, Now: func() time.Time { return day }})
	c := &flows.Chat{ID: 12, UserID: 12}
	before, after := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	unit := func(code string, level int, day time.Time) int64 {
		id, err := f.store.UnitIDByCode(ctx, code, level, day)
		if err != nil {
			t.Fatalf("unit %s level %d: %v", code, level, err)
		}
		return id
	}
	binhDuong, hcm, hanoi := unit("74", 1, before), unit("79", 1, after), unit("01", 1, after)
	tanThongHoi, cuChiDistrict := unit("27556", 3, before), unit("783", 2, before)
	cuChi, anNhonTay := unit("27553", 3, after), unit("27508", 3, after)
	at := func(step string, province int64) *flows.State {
		return &flows.State{Flow: "reg", Step: step, Seq: 5, Reg: &flows.RegistrationAnswers{
			Kind: "farm", Name: "Trang trại Hoa Lan", Rep: "Nguyễn Văn An", Phone: "0912345678", TaxCode: "0100109106",
			Province: province, Consent: flows.ConsentVersion}}
	}
	was := func(old, now int64) string {
		return "5|was|" + strconv.FormatInt(old, 36) + "." + strconv.FormatInt(now, 36)
	}
	refused := []struct {
		name, step string
		province   int64
		data       string
	}{
		{"garbage", "province", 0, "5|was|zz"},
		{"one id", "province", 0, "5|was|" + strconv.FormatInt(binhDuong, 36)},
		{"decimal ids", "province", 0, "5|was|" + strconv.FormatInt(binhDuong, 10) + ":" + strconv.FormatInt(hcm, 10)},
		{"province into another", "province", 0, was(binhDuong, hanoi)},
		{"commune pair at the province step", "province", 0, was(tanThongHoi, cuChi)},
		{"commune into an unrelated one", "commune", hcm, was(tanThongHoi, anNhonTay)},
		{"commune of another province", "commune", hanoi, was(tanThongHoi, cuChi)},
		{"province pair at the commune step", "commune", hcm, was(binhDuong, hcm)},
		{"district into its area", "commune", hcm, was(cuChiDistrict, anNhonTay)},
		{"today's unit as the old", "commune", hcm, was(cuChi, cuChi)},
		{"at another step", "phone", hcm, was(binhDuong, hcm)},
		{"a button of an older prompt", "province", 0, "4|was|" + strconv.FormatInt(binhDuong, 36) + "." + strconv.FormatInt(hcm, 36)},
	}
	for _, tc := range refused {
		st := at(tc.step, tc.province)
		if tc.step == "phone" {
			st.Reg.Phone = ""
		}
		next, res := handle(t, e, c, st, flows.Input{Kind: flows.InputButton, Data: tc.data, MessageID: 9})
		if next.Step != tc.step || next.Reg.Province != tc.province || next.Reg.Commune != 0 || !strings.Contains(res.Toast, "tin nhắn cũ") {
			t.Errorf("%s: %q moved to step %s, province %d, commune %d (toast %q); want refused", tc.name, tc.data, next.Step, next.Reg.Province, next.Reg.Commune, res.Toast)
		}
	}

	next, res := handle(t, e, c, at("province", 0), flows.Input{Kind: flows.InputButton, Data: was(binhDuong, hcm)})
	if next.Reg.Province != hcm || next.Step != "commune" {
		t.Fatalf("Bình Dương's button: step %s, province %d; want the commune step in %d", next.Step, next.Reg.Province, hcm)
	}
	// Said above the next question, in the place of the list pressed.
	if got := res.Shown()[0].Text; !res.Replace || !strings.HasPrefix(got, "Tỉnh Bình Dương nay thuộc Thành phố Hồ Chí Minh — đã ghi Thành phố Hồ Chí Minh.\n\n") {
		t.Errorf("Bình Dương's button says %q", got)
	}
	next, res = handle(t, e, c, at("commune", hcm), flows.Input{Kind: flows.InputButton, Data: was(tanThongHoi, cuChi)})
	if next.Reg.Commune != cuChi || next.Step != "addrline" {
		t.Fatalf("Tân Thông Hội's button: step %s, commune %d; want the address line's step, commune %d", next.Step, next.Reg.Commune, cuChi)
	}
	// Said above the next question, in the place of the list pressed.
	if got := res.Shown()[0].Text; !res.Replace || !strings.HasPrefix(got, "Xã Tân Thông Hội nay thuộc Xã Củ Chi — đã ghi Xã Củ Chi.\n\n") {
		t.Errorf("Tân Thông Hội's button says %q", got)
	}

	// Every button the searches show fits Button.Data; each former one
	// does what it says.
	for _, q := range []string{"cu chi", "phuong 1", "son ky", "tan thong hoi"} {
		st, res := handle(t, e, c, at("commune", hcm), flows.Input{Kind: flows.InputText, Text: q})
		for _, row := range res.Replies[len(res.Replies)-1].Choices {
			for _, b := range row {
				if len(b.ID) > 52 {
					t.Errorf("%q: button %q carries %d bytes: %q", q, b.Label, len(b.ID), b.ID)
				}
				if !strings.Contains(b.ID, "|was|") {
					continue
				}
				next, _ := handle(t, e, c, st, flows.Input{Kind: flows.InputButton, Data: b.ID})
				if next.Reg.Commune == 0 || !strings.HasSuffix(b.Label, " "+unitName(t, f, next.Reg.Commune)) {
					t.Errorf("%q: button %q recorded commune %d", q, b.Label, next.Reg.Commune)
				}
			}
		}
	}
}

// unitName is the name of unit id.
func unitName(t *testing.T, f fixture, id int64) string {
	t.Helper()
	u, ok := f.atlas.Unit(id)
	if !ok {
		t.Fatalf("no unit %d", id)
	}
	return u.Name
}
