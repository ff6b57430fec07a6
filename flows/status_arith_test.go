package flows_test

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// arithToday is "today" for the status arithmetic tests.
var arithToday = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

// arithFixture is HCMC with the demo's sample producers (cmd/ocopbot/
// demodata.go; not its registry, which adds 191 products): three
// products recognised on 28/06/2024 in communes of today's tree, the honey
// 4★ in Xã Củ Chi, the rice paper 3★ in Xã Phú Hòa Đông (both of the former
// Huyện Củ Chi, counted there through the merges on a day before
// 1/7/2025), the sprouts 4★ in Phường Linh Xuân (former Thành phố Thủ
// Đức); and an official of the city, bound in today's tree.
func arithFixture(t *testing.T) (*flows.Engine, *flows.Chat, func(code string, level int, day time.Time) int64) {
	t.Helper()
	f := newFixture(t, "vn-units-2025-07.csv", "vn-units-2025-07-merges.json")
	e := flows.New(flows.Config{Records: f.store, Atlas: f.atlas, Groups: f.groups, Text: f.text, Log: f.log,
		Now: func() time.Time { return arithToday }})
	ctx := context.Background()
	unit := func(code string, level int, day time.Time) int64 {
		t.Helper()
		id, err := f.store.UnitIDByCode(ctx, code, level, day)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	type C = storagetest.Cert
	storagetest.AddProduct(t, f.store, 9001, unit("27553", 3, arithToday), "Mật ong rừng tràm Củ Chi", C{Stars: 4, Decided: "2024-06-28"})
	storagetest.AddProduct(t, f.store, 9011, unit("27541", 3, arithToday), "Bánh tráng phơi sương", C{Stars: 3, Decided: "2024-06-28"})
	storagetest.AddProduct(t, f.store, 9012, unit("26800", 3, arithToday), "Rau mầm hữu cơ", C{Stars: 4, Decided: "2024-06-28"})
	const official = 9002
	code, err := f.store.CreateInvite(ctx, unit("79", 1, arithToday), ocop.RoleProvince, 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.RedeemInvite(ctx, code, official, official); err != nil {
		t.Fatal(err)
	}
	return e, &flows.Chat{ID: official, UserID: official, Locale: "vi"}, unit
}

// statusReply asks /status with args and returns the message.
func statusReply(t *testing.T, e *flows.Engine, c *flows.Chat, args string) flows.Reply {
	t.Helper()
	_, res := handle(t, e, c, nil, flows.Input{Kind: flows.InputCommand, Command: "status", Text: args})
	if len(res.Replies) == 0 {
		t.Fatalf("/status %s: no reply", args)
	}
	r := res.Replies[0]
	// On a day before 1/7/2025 the city's official answers for the three
	// provinces it took in: the test asks for Ho Chi Minh City's.
	for _, row := range r.Choices {
		if b := row[0]; b.Label == "Thành phố Hồ Chí Minh" && strings.Contains(r.Text, "chọn đơn vị") {
			_, res = handle(t, e, c, nil, flows.Input{Kind: flows.InputButton, Data: b.ID, MessageID: 1})
			r = res.Replies[0]
		}
	}
	for _, more := range res.Replies[1:] { // a long status comes in parts
		r.Text += "\n" + more.Text
		if more.Choices != nil {
			r.Choices = more.Choices
		}
	}
	return r
}

// workbookOf presses the status's workbook button and returns the summary
// sheet's rows.
func workbookOf(t *testing.T, e *flows.Engine, c *flows.Chat, status flows.Reply) [][]string {
	t.Helper()
	for _, row := range status.Choices {
		for _, b := range row {
			if !strings.Contains(b.ID, "|xl|") {
				continue
			}
			_, res := handle(t, e, c, nil, flows.Input{Kind: flows.InputButton, Data: b.ID, MessageID: 1})
			for _, r := range res.Replies {
				if r.Document == nil {
					continue
				}
				book, err := excelize.OpenReader(bytes.NewReader(r.Document.Data))
				if err != nil {
					t.Fatal(err)
				}
				defer book.Close()
				rows, err := book.GetRows("Tổng hợp")
				if err != nil {
					t.Fatal(err)
				}
				return rows
			}
			t.Fatalf("workbook button: no document in %+v", res.Replies)
		}
	}
	t.Fatalf("no workbook button under %q %+v", status.Text, status.Choices)
	return nil
}

// Columns of the workbook's child units table.
const (
	colUnit = iota
	colCommunes
	col3
	col4
	col5
	colRecognised
	colRequired
	colGap
	colEncouraged
	colEncouragedState
)

// childRows are the workbook's child unit rows by name.
func childRows(t *testing.T, rows [][]string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	in := false
	for _, r := range rows {
		if len(r) > 0 && r[0] == "Đơn vị" {
			in = true
			continue
		}
		if in && len(r) > 0 {
			for len(r) <= colEncouragedState {
				r = append(r, "")
			}
			out[r[colUnit]] = r
		}
	}
	if !in {
		t.Fatalf("the workbook has no child units table: %q", rows)
	}
	return out
}

// childLine is a child unit in the status message: "3. Huyện Củ Chi: 2 sản
// phẩm, còn thiếu 40", "… ✅" or "… (khuyến khích 1, chưa đạt)".
var childLine = regexp.MustCompile(`(?m)^\d+\. (.+): (\d+) sản phẩm(?:, còn thiếu (\d+)| ✅| \(khuyến khích (\d+), chưa đạt\))?$`)

// sameNumbers checks that every child unit the message lists has the same
// numbers in the workbook, and returns the message's lines by unit.
func sameNumbers(t *testing.T, text string, rows [][]string) map[string]string {
	t.Helper()
	book := childRows(t, rows)
	lines := map[string]string{}
	for _, m := range childLine.FindAllStringSubmatch(text, -1) {
		name, count, gap, encouraged := m[1], m[2], m[3], m[4]
		lines[name] = m[0]
		r, ok := book[name]
		if !ok {
			t.Errorf("%s is in the message, not in the workbook", name)
			continue
		}
		if r[colRecognised] != count {
			t.Errorf("%s: %s products in the message, %s in the workbook", name, count, r[colRecognised])
		}
		switch {
		case gap != "":
			if r[colGap] != gap {
				t.Errorf("%s: %s short in the message, %q in the workbook", name, gap, r[colGap])
			}
		case encouraged != "":
			if r[colGap] != "" && r[colGap] != "0" || r[colEncouraged] != encouraged || r[colEncouragedState] != "Chưa đạt" {
				t.Errorf("%s: encouraged %s, not reached, in the message; the workbook says %q", name, encouraged, r)
			}
		case strings.HasSuffix(m[0], "✅"):
			if r[colGap] != "" && r[colGap] != "0" || r[colEncouragedState] == "Chưa đạt" {
				t.Errorf("%s: met in the message; the workbook says %q", name, r)
			}
		}
	}
	if len(lines) == 0 {
		t.Fatalf("no child unit in the message %q", text)
	}
	return lines
}

// TestStatusShortfallsCountWithin: on 01/03/2025 (the three-level tree,
// HCMC's district rules of 1943/QĐ-UBND in force) a huyện must have an
// average of 2 products per commune and 2 products of 4★ or more, and the
// 4★ products are among those products, never added to them:
//
//	Huyện Bình Chánh: 15 xã + Thị trấn Tân Túc = 16 communes, 0 products:
//	  average 2 → 2 × 16 = 32 products, 32 short; 4★: 2 short, within the
//	  32 → 32 (the bot said 34 = 32 + 2).
//	Huyện Củ Chi: 20 xã + Thị trấn Củ Chi = 21 communes, 2 products (the
//	  honey 4★, the rice paper 3★): 2 × 21 = 42, 42 − 2 = 40 short; 4★:
//	  2 − 1 = 1 short, within the 40 → 40 (the bot said 41 = 40 + 1).
//
// The message and the workbook show the same numbers for every unit.
func TestStatusShortfallsCountWithin(t *testing.T) {
	t.Parallel()
	e, c, _ := arithFixture(t)

	city := statusReply(t, e, c, "01/03/2025")
	lines := sameNumbers(t, city.Text, workbookOf(t, e, c, city))
	for name, want := range map[string]string{
		"Huyện Bình Chánh": "Huyện Bình Chánh: 0 sản phẩm, còn thiếu 32",
		"Huyện Củ Chi":     "Huyện Củ Chi: 2 sản phẩm, còn thiếu 40",
	} {
		if got := lines[name]; !strings.HasSuffix(got, want) {
			t.Errorf("%s: %q, want %q\n%s", name, got, want, city.Text)
		}
	}
	book := childRows(t, workbookOf(t, e, c, city))
	if r := book["Huyện Bình Chánh"]; r[colRequired] != "32" || r[colGap] != "32" {
		t.Errorf("workbook, Bình Chánh: target %s, short %s; want 32, 32", r[colRequired], r[colGap])
	}
	if r := book["Huyện Củ Chi"]; r[colRequired] != "42" || r[colGap] != "40" || r[colEncouraged] != "63" || r[colEncouragedState] != "Chưa đạt" {
		t.Errorf("workbook, Củ Chi: %q; want target 42, short 40, encouraged 63 (3 × 21) not reached", r)
	}

	// Củ Chi itself: each rule's own shortfall, and what it lacks in all.
	cuchi := statusReply(t, e, c, "huyen cu chi 01/03/2025")
	for _, want := range []string{
		"❌ bình quân ≥ 2 sản phẩm/đơn vị cấp xã: hiện có 0,1, còn thiếu 40 sản phẩm",
		"☆ Khuyến khích bình quân ≥ 3 sản phẩm/đơn vị cấp xã: hiện có 0,1, chưa đạt",
		"❌ ≥ 2 sản phẩm 4 sao trở lên: hiện có 1, còn thiếu 1 sản phẩm 4 sao",
		"→ Cần thêm ít nhất 40 sản phẩm để đạt mọi chỉ tiêu tối thiểu",
	} {
		if !strings.Contains(cuchi.Text, want) {
			t.Errorf("Củ Chi on 01/03/2025: %q missing from\n%s", want, cuchi.Text)
		}
	}
	total := ""
	for _, r := range workbookOf(t, e, c, cuchi) {
		if len(r) > 0 && strings.HasPrefix(r[0], "Cần thêm") {
			total = r[len(r)-1]
		}
	}
	if total != "40" {
		t.Errorf("Củ Chi's workbook: %q more products to meet every minimum, want 40", total)
	}
}

// TestStatusEncouragedIsNoShortfall: today (07/12/2026, the two-level tree)
// the one rule in force is "each ward, commune and special zone at least 1
// product", encouraged: no unit is short of anything, in the message, the
// child list or the workbook, and they say the same thing.
func TestStatusEncouragedIsNoShortfall(t *testing.T) {
	t.Parallel()
	e, c, _ := arithFixture(t)

	city := statusReply(t, e, c, "")
	if strings.Contains(city.Text, "còn thiếu") {
		t.Errorf("an encouraged rule shown as a shortfall:\n%s", city.Text)
	}
	rows := workbookOf(t, e, c, city)
	lines := sameNumbers(t, city.Text, rows)
	if got := lines["Xã An Nhơn Tây"]; !strings.HasSuffix(got, "Xã An Nhơn Tây: 0 sản phẩm (khuyến khích 1, chưa đạt)") {
		t.Errorf("Xã An Nhơn Tây in the child list: %q\n%s", got, city.Text)
	}
	book := childRows(t, rows)
	if len(book) != 168 {
		t.Errorf("the workbook lists %d units, want HCMC's 168", len(book))
	}
	reached := 0
	for name, r := range book {
		if r[colRequired] != "" || r[colGap] != "" {
			t.Errorf("%s: a minimum in the workbook (%q, short %q) where the rule is encouraged only", name, r[colRequired], r[colGap])
		}
		want := "Chưa đạt"
		if n, _ := strconv.Atoi(r[colRecognised]); n >= 1 {
			want = "Đạt"
			reached++
		}
		if r[colEncouraged] != "1" || r[colEncouragedState] != want {
			t.Errorf("%s: encouraged %q %q in the workbook, want 1 %s", name, r[colEncouraged], r[colEncouragedState], want)
		}
	}
	if reached != 3 {
		t.Errorf("%d units reach the encouraged level, want 3 (Xã Củ Chi, Xã Phú Hòa Đông, Phường Linh Xuân)", reached)
	}

	commune := statusReply(t, e, c, "an nhon tay")
	if want := "☆ Khuyến khích ≥ 1 sản phẩm OCOP: hiện có 0, chưa đạt"; !strings.Contains(commune.Text, want) || strings.Contains(commune.Text, "còn thiếu") {
		t.Errorf("Xã An Nhơn Tây: want %q and no shortfall in\n%s", want, commune.Text)
	}
	var target []string
	for _, r := range workbookOf(t, e, c, commune) {
		if len(r) > 0 && r[0] == "Số sản phẩm OCOP" {
			target = r
		}
	}
	// Target, minimum (none), encouraged, value, met (no minimum), short
	// (no minimum), encouraged level.
	if want := []string{"Số sản phẩm OCOP", "", "1", "0", "", "", "Chưa đạt"}; strings.Join(target, "|") != strings.Join(want, "|") {
		t.Errorf("Xã An Nhơn Tây's workbook target row = %q, want %q", target, want)
	}
}
