package flows_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/ocop"
)

// TestForgedStatusButtonsAreRefused: callback data can be forged, so every
// status, chart, workbook and invitation button checks the scope again —
// for each role against own unit, a child, a sibling, the parent and
// another province, as TestScopeMatrix does for the index.
func TestForgedStatusButtonsAreRefused(t *testing.T) {
	t.Parallel()
	e, store, _ := setup(t)
	ctx := context.Background()
	day := time.Now()
	unit := func(code string, level int) int64 {
		id, err := store.UnitIDByCode(ctx, code, level, day)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	hcm, hanoi, cuchi, hocmon, anphu, phumyhung, phucxa := unit("79", 1), unit("01", 1), unit("783", 2), unit("784", 2), unit("27502", 3), unit("27499", 3), unit("00004", 3)
	cases := []struct {
		role  ocop.Role
		own   int64
		allow []int64
		deny  []int64
	}{
		{ocop.RoleProvince, hcm, []int64{hcm, cuchi, anphu}, []int64{hanoi, phucxa}},
		{ocop.RoleDistrict, cuchi, []int64{cuchi, anphu}, []int64{hocmon, hcm, hanoi, phucxa}},
		{ocop.RoleCommune, anphu, []int64{anphu}, []int64{phumyhung, cuchi, hcm, phucxa}},
	}
	for i, c := range cases {
		user := int64(7000 + i)
		code, err := store.CreateInvite(ctx, c.own, c.role, 0, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.RedeemInvite(ctx, code, user, user); err != nil {
			t.Fatal(err)
		}
		chat := &flows.Chat{ID: user, UserID: user, Locale: "vi"}
		for _, action := range []string{"st", "ch", "xl", "iv"} {
			for _, target := range append(append([]int64{}, c.allow...), c.deny...) {
				data := "x|" + action + "|" + strconv.FormatInt(target, 10)
				if action != "iv" {
					data += "|" + day.Format("20060102")
				}
				_, res := handle(t, e, chat, nil, flows.Input{Kind: flows.InputButton, Data: data, MessageID: 1})
				refused := strings.Contains(lastText(res), "không thuộc phạm vi")
				want := !contains(c.allow, target)
				if refused != want {
					t.Errorf("%s official: %s on unit %d refused=%v, want %v (%q)", c.role, action, target, refused, want, lastText(res))
				}
			}
		}
	}
	// A producer (no official) is refused before any scope is looked at.
	_, res := handle(t, e, &flows.Chat{ID: 7100, UserID: 7100}, nil, flows.Input{Kind: flows.InputButton, Data: "x|st|" + strconv.FormatInt(anphu, 10) + "|20261123", MessageID: 1})
	if !strings.Contains(lastText(res), "dành cho cán bộ") {
		t.Errorf("producer pressing a status button: %q", lastText(res))
	}
}

func contains(list []int64, v int64) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
