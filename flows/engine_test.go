package flows_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/locales"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// fixture is a database of the test's own (real Postgres, the real unit
// tree) with what the engine and the file imports read from it.
type fixture struct {
	store  *storage.Store
	atlas  *units.Atlas
	groups []ocop.ProductGroup
	text   *locales.Catalog
	log    *slog.Logger
}

// newFixture's database holds the three-level tree; data files of the
// shared data (storagetest.DataFile: "vn-units-2025-07.csv" the two-level
// tree, "vn-units-2025-07-merges.json" the merges) are imported in order.
func newFixture(t *testing.T, data ...string) fixture {
	t.Helper()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	for _, name := range data {
		f, err := os.Open(storagetest.DataFile(t, name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, ".json") {
			_, err = db.Store.ImportMerges(ctx, f)
		} else {
			_, err = db.Store.ImportUnits(ctx, f)
		}
		f.Close()
		if err != nil {
			t.Fatalf("import %s: %v", name, err)
		}
	}
	atlas, err := db.Store.Atlas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := db.Store.ProductGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	text, err := locales.Load(log)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{store: db.Store, atlas: atlas, groups: groups, text: text, log: log}
}

// setup returns an engine over a fixture and a chat whose user agreed to
// the personal-data notice (privacy_test.go tests the notice itself).
func setup(t *testing.T) (*flows.Engine, *storage.Store, *flows.Chat) {
	t.Helper()
	e, store, c := setupWithoutConsent(t)
	if err := store.GiveConsent(context.Background(), c.UserID, flows.ConsentVersion, time.Now()); err != nil {
		t.Fatal(err)
	}
	return e, store, c
}

// setupWithoutConsent is setup for a user who has not agreed yet.
func setupWithoutConsent(t *testing.T) (*flows.Engine, *storage.Store, *flows.Chat) {
	t.Helper()
	f := newFixture(t)
	e := flows.New(flows.Config{Records: f.store, Atlas: f.atlas, Groups: f.groups, Text: f.text, Log: f.log})
	return e, f.store, &flows.Chat{ID: 11, UserID: 11}
}

func handle(t *testing.T, e *flows.Engine, c *flows.Chat, st *flows.State, in flows.Input) (*flows.State, flows.Result) {
	t.Helper()
	next, res, err := e.Handle(context.Background(), c, st, in)
	if err != nil {
		t.Fatalf("handle %+v: %v", in, err)
	}
	return next, res
}

func lastText(res flows.Result) string {
	if len(res.Replies) == 0 {
		return ""
	}
	return res.Replies[len(res.Replies)-1].Text
}

func TestHandleLeavesTheGivenStateAlone(t *testing.T) {
	t.Parallel()
	e, _, c := setup(t)
	st, _ := handle(t, e, c, nil, flows.Input{Kind: flows.InputCommand, Command: "dangky"})
	before, _ := st.Encode()
	next, _ := handle(t, e, c, st, flows.Input{Kind: flows.InputText, Text: "hop tac xa"})
	after, _ := st.Encode()
	if string(before) != string(after) {
		t.Fatalf("Handle changed its input state:\n%s\n%s", before, after)
	}
	if next.Step != "name" || next.Reg.Kind != "cooperative" {
		t.Fatalf("next = %s %+v, want the name step after a cooperative", next.Step, next.Reg)
	}
}

func TestTypedChoices(t *testing.T) {
	t.Parallel()
	e, _, c := setup(t)
	start, _ := handle(t, e, c, nil, flows.Input{Kind: flows.InputCommand, Command: "dangky"})
	cases := []struct {
		text     string
		wantKind string // "" when the step must be asked again
	}{
		{"Trang trại", "farm"},
		{"trang trai", "farm"},
		{"DOANH NGHIEP", "enterprise"},
		{"to hop", "coop_group"},
		{"h", ""}, // Hợp tác xã or Hộ sản xuất: ambiguous
		{"xyz", ""},
	}
	for _, tc := range cases {
		t.Run(tc.text, func(t *testing.T) {
			next, res := handle(t, e, c, start, flows.Input{Kind: flows.InputText, Text: tc.text})
			if string(next.Reg.Kind) != tc.wantKind {
				t.Fatalf("kind = %q, want %q", next.Reg.Kind, tc.wantKind)
			}
			if tc.wantKind == "" && !strings.Contains(res.Replies[0].Text, "chọn một mục") {
				t.Fatalf("no explanation: %q", res.Replies[0].Text)
			}
		})
	}
}

func TestOldButtonIsRefused(t *testing.T) {
	t.Parallel()
	e, _, c := setup(t)
	st, res := handle(t, e, c, nil, flows.Input{Kind: flows.InputCommand, Command: "dangky"})
	old := res.Replies[len(res.Replies)-1].Choices[0][0].ID // "Doanh nghiệp" on the first prompt
	st, _ = handle(t, e, c, st, flows.Input{Kind: flows.InputText, Text: "trang trai"})
	next, res := handle(t, e, c, st, flows.Input{Kind: flows.InputButton, Data: old, MessageID: 7})
	if next.Reg.Kind != "farm" || next.Step != "name" {
		t.Fatalf("an old button changed the state: %s %+v", next.Step, next.Reg)
	}
	if !strings.Contains(res.Toast, "tin nhắn cũ") || res.Closes != 7 {
		t.Fatalf("old button answered with toast %q, clearing %d", res.Toast, res.Closes)
	}
	// Forged data is refused the same way.
	for _, data := range []string{"", "garbage", "x|nope|", "999|pick|enterprise"} {
		n, r := handle(t, e, c, st, flows.Input{Kind: flows.InputButton, Data: data})
		if n.Step != st.Step || r.Toast == "" {
			t.Errorf("data %q: step %s toast %q", data, n.Step, r.Toast)
		}
	}
}

func TestRecordsFailureKeepsConversation(t *testing.T) {
	t.Parallel()
	e, store, c := setup(t)
	st, _ := handle(t, e, c, nil, flows.Input{Kind: flows.InputCommand, Command: "dangky"})
	store.Close() // Postgres gone
	next, res, err := e.Handle(context.Background(), c, st, flows.Input{Kind: flows.InputCommand, Command: "hoso"})
	if err == nil {
		t.Fatal("no error with the database closed")
	}
	if next != st || !strings.Contains(lastText(res), "thông tin đã nhập vẫn được giữ") {
		t.Fatalf("on failure: state %p (want %p), reply %q", next, st, lastText(res))
	}
}

func TestEnglishChat(t *testing.T) {
	t.Parallel()
	e, _, c := setup(t)
	c.Locale = "en"
	_, res := handle(t, e, c, nil, flows.Input{Kind: flows.InputCommand, Command: "dangky"})
	if got := lastText(res); !strings.Contains(got, "Step 1/15") {
		t.Fatalf("English prompt = %q", got)
	}
}

// A conversation saved under the three-level tree, resumed after the
// operator switched to the two-level tree, is brought back to a step that
// exists instead of leaving the user stuck.
func TestStateFromAnotherTreeIsRepaired(t *testing.T) {
	t.Parallel()
	e, _, c := setup(t)
	st := &flows.State{Flow: "reg", Step: "district", Seq: 3, Reg: &flows.RegistrationAnswers{
		Kind: "farm", Name: "Trang trại", Rep: "An", Phone: "0912345678", TaxCode: "0100109106",
		Province: 999999999, // not in this tree
		Consent:  flows.ConsentVersion,
	}}
	next, res := handle(t, e, c, st, flows.Input{Kind: flows.InputCommand, Command: "start"})
	if next.Reg.Province != 0 {
		t.Fatalf("a province the tree does not have is kept: %+v", next.Reg)
	}
	if next.Step != "province" {
		t.Fatalf("step = %q, want province", next.Step)
	}
	next, res = handle(t, e, c, next, flows.Input{Kind: flows.InputButton, Data: res.Replies[0].Choices[0][0].ID})
	if got := lastText(res); !strings.Contains(got, "Bước 6/15") {
		t.Fatalf("after resuming: %q", got)
	}
}

// TestLongRecordsListWhole checks that /hoso with many long product names
// says every record in one reply, the button under it: splitting it into
// messages is each channel's (bot.TestLongTextsSplitByChannel).
func TestLongRecordsListWhole(t *testing.T) {
	t.Parallel()
	e, store, c := setup(t)
	ctx := context.Background()
	var unit int64
	if err := store.Pool().QueryRow(ctx, `SELECT id FROM admin_units WHERE level = 3 LIMIT 1`).Scan(&unit); err != nil {
		t.Fatal(err)
	}
	p := ocop.Producer{OwnerUserID: c.UserID, ChatID: c.ID, Kind: ocop.KindFarm, Name: "Trang trại",
		Representative: "An", Phone: "0912345678", TaxCode: "0100109106", UnitID: unit}
	for i := 0; i < 60; i++ {
		name := strings.Repeat("Sản phẩm đặc sản vùng miền ", 5) + string(rune('A'+i%26))
		reg, err := store.SubmitRegistration(ctx, ocop.Submission{ActorID: c.UserID, Producer: p,
			Product: ocop.Product{Name: name, SubgroupCode: "1.1", Description: "Mô tả sản phẩm", TargetStars: 3}})
		if err != nil {
			t.Fatal(err)
		}
		p.ID = reg.ProducerID
	}
	_, res := handle(t, e, c, nil, flows.Input{Kind: flows.InputCommand, Command: "hoso"})
	if len(res.Replies) != 1 || len(res.Replies[0].Choices) != 1 {
		t.Fatalf("/hoso says %d replies, want one with its button", len(res.Replies))
	}
	text := res.Replies[0].Text
	if n := strings.Count(text, "OCOP-"); n != 60 || !strings.HasPrefix(text, "Anh/Chị có 60 hồ sơ") {
		t.Fatalf("%d registrations listed; header %q", n, text[:40])
	}
}

// A household answers the tax step with its owner's CCCD: a century not yet
// begun or a birth year after this year is refused with its reason, and the
// step is asked again; a good one moves on.
func TestCitizenIDRefusedInRegistration(t *testing.T) {
	t.Parallel()
	e, _, c := setup(t)
	st, _ := handle(t, e, c, nil, flows.Input{Kind: flows.InputCommand, Command: "dangky"})
	for _, text := range []string{"ho san xuat", "Hộ kinh doanh Lê Văn Tư", "Lê Văn Tư", "0912345678"} {
		st, _ = handle(t, e, c, st, flows.Input{Kind: flows.InputText, Text: text})
	}
	if st.Step != "tax" || st.Reg.Kind != "household" {
		t.Fatalf("at %s as %s; want the tax step of a household", st.Step, st.Reg.Kind)
	}
	year := time.Now().Year() % 100
	cases := []struct{ cid, want string }{
		{"079490001234", "chữ số thứ 4 (thế kỷ sinh và giới tính)"},
		{fmt.Sprintf("0792%02d001234", year+1), "năm sinh (chữ số thứ 4 đến 6) ở sau năm nay"},
	}
	for _, tc := range cases {
		next, res := handle(t, e, c, st, flows.Input{Kind: flows.InputText, Text: tc.cid})
		if next.Step != "tax" || next.Reg.CitizenID != "" || !strings.Contains(res.Replies[0].Text, tc.want) {
			t.Errorf("%s: step %s, stored %q, said %q; want it refused: %q", tc.cid, next.Step, next.Reg.CitizenID, res.Replies[0].Text, tc.want)
		}
	}
	next, _ := handle(t, e, c, st, flows.Input{Kind: flows.InputText, Text: "079190001234"})
	if next.Step != "province" || next.Reg.CitizenID != "079190001234" {
		t.Fatalf("a good CCCD: step %s, stored %q", next.Step, next.Reg.CitizenID)
	}
}
