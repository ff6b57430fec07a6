package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// TestInviteLinkBindsOfficial opens an invitation deep link (/start CODE):
// the first user becomes the district's official, a second one is refused.
func TestInviteLinkBindsOfficial(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	cuchi, err := h.db.Store.UnitIDByCode(ctx, "783", 2, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	code, err := h.db.Store.CreateInvite(ctx, cuchi, ocop.RoleDistrict, 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	official := h.user(9101)
	official.say("/start " + code)
	official.expect("cán bộ cấp huyện của Huyện Củ Chi")
	o, err := h.db.Store.OfficialByUser(ctx, 9101)
	if err != nil || o.UnitID != cuchi || o.Role != ocop.RoleDistrict {
		t.Fatalf("official = %+v (%v)", o, err)
	}
	other := h.user(9102)
	other.say("/start " + code)
	other.expect("đã được sử dụng")
	other.say("/start khong-co-ma-nay")
	other.expect("không hợp lệ")
}
