package ocop_test

import (
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/units"
)

// TestBuildStatus measures a small hand-made tree: a province with an
// urban district (two wards) and a rural district (three communes), against
// HCMC-style quotas, with every number worked out by hand.
func TestBuildStatus(t *testing.T) {
	t.Parallel()
	ix := smallCity()
	from := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	below := cityRule(from)
	quotas := []ocop.Quota{
		below([]string{units.KindUrbanDistrict, units.KindCity}, ocop.MetricRecognised, 3, 4),
		below([]string{units.KindUrbanDistrict, units.KindCity}, ocop.MetricFourStar, 0, 1),
		below([]string{units.KindWard}, ocop.MetricRecognised, 1, 0),
		below([]string{units.KindRuralDistrict}, ocop.MetricAvgPerCommune, 2, 3),
		below([]string{units.KindRuralDistrict}, ocop.MetricFourStar, 2, 0),
		// Ended before the day asked: ignored.
		{UnitCode: "79", UnitLevel: 1, Metric: ocop.MetricRecognised, Minimum: 100, From: from, To: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	tally := func(three, four, five int) ocop.Tally {
		var t ocop.Tally
		t.Stars[3], t.Stars[4], t.Stars[5] = three, four, five
		return t
	}
	counts := map[int64]ocop.Tally{11: tally(1, 1, 0), 21: tally(2, 0, 1), 23: tally(1, 1, 0)}
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

	st := ocop.BuildStatus(ix, 1, counts, quotas, day)
	if st.Tally.Recognised() != 7 || st.Tally.FourStar() != 3 || st.Communes != 5 {
		t.Fatalf("city: %d recognised, %d 4★+, %d communes; want 7, 3, 5", st.Tally.Recognised(), st.Tally.FourStar(), st.Communes)
	}
	if len(st.Targets) != 0 {
		t.Errorf("the city has targets of its own: %+v", st.Targets)
	}
	// Quận 1 (2 products, one 4★): 3 short of… 1 short of 3; encouraged 4★ met.
	// Phường: Bến Nghé has products, Đa Kao none → 1 of 2.
	// Củ Chi (5 products, 3 communes): average 2 needs 6 → 1 short; 4★+ is
	// 2 (one 4★, one 5★) → met.
	wantRules := map[string][2]int{"recognised quan": {0, 1}, "four_star quan": {1, 1}, "recognised phuong": {1, 2},
		"avg_per_commune huyen": {0, 1}, "four_star huyen": {1, 1}}
	for _, r := range st.Rules {
		key := string(r.Quota.Metric) + " " + r.Quota.Kinds[0]
		if got := [2]int{r.Met, r.Units}; got != wantRules[key] {
			t.Errorf("rule %s: %d of %d met, want %v", key, r.Met, r.Units, wantRules[key])
		}
		delete(wantRules, key)
	}
	if len(wantRules) != 0 {
		t.Errorf("rules missing: %v", wantRules)
	}
	if len(st.Children) != 2 || st.Children[0].Unit.Name != "Quận 1" || st.Children[0].Gap != 1 || st.Children[1].Gap != 1 {
		t.Fatalf("children = %+v", st.Children)
	}
	if names := []string{st.Empty[0].Name, st.Empty[1].Name}; len(st.Empty) != 2 || names[0] != "Phường Đa Kao" || names[1] != "Xã Bình Mỹ" {
		t.Errorf("communes with none = %v", st.Empty)
	}

	cuchi := ocop.BuildStatus(ix, 20, counts, quotas, day)
	if len(cuchi.Targets) != 2 {
		t.Fatalf("Củ Chi targets = %+v", cuchi.Targets)
	}
	avg, four := cuchi.Targets[0], cuchi.Targets[1]
	if avg.Met || avg.Gap != 1 || avg.EncouragedGap != 4 || avg.Value != 5.0/3 {
		t.Errorf("average target = %+v, want 1 short (4 short of the encouraged 3)", avg)
	}
	if !four.Met || four.Value != 2 {
		t.Errorf("4★ target = %+v, want met with 2", four)
	}
	if cuchi.Children[0].Unit.Name != "Xã Bình Mỹ" {
		t.Errorf("children ranked %v: the commune with none comes first", cuchi.Children)
	}
}

// TestStandingTakesTheLargestShortfall: a product counts for every rule it
// meets, so a unit lacks the largest of its rules' shortfalls, never their
// sum; an encouraged level is never a shortfall.
func TestStandingTakesTheLargestShortfall(t *testing.T) {
	t.Parallel()
	ix := smallCity()
	below := cityRule(time.Date(2022, 6, 8, 0, 0, 0, 0, time.UTC))
	quotas := []ocop.Quota{
		below([]string{units.KindRuralDistrict}, ocop.MetricAvgPerCommune, 2, 3),
		below([]string{units.KindRuralDistrict}, ocop.MetricFourStar, 2, 0),
		below([]string{units.KindUrbanDistrict}, ocop.MetricRecognised, 0, 1),
	}
	var one ocop.Tally
	one.Stars[4] = 1
	st := ocop.BuildStatus(ix, 1, map[int64]ocop.Tally{21: one}, quotas, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC))
	got := map[string][4]int{}
	for _, c := range st.Children {
		got[c.Unit.Name] = [4]int{c.Required, c.Gap, c.Encouraged, c.EncouragedGap}
	}
	// Củ Chi: 3 communes × 2 = 6 products, 1 held → 5 short; 4★: 1 of 2
	// → 1 short, within the 5. Encouraged: 3 × 3 = 9, 8 short.
	if want := [4]int{6, 5, 9, 8}; got["Huyện Củ Chi"] != want {
		t.Errorf("Củ Chi (required, gap, encouraged, its gap) = %v, want %v", got["Huyện Củ Chi"], want)
	}
	// Quận 1: encouraged only, 1 short of it and short of nothing.
	if want := [4]int{0, 0, 1, 1}; got["Quận 1"] != want {
		t.Errorf("Quận 1 (required, gap, encouraged, its gap) = %v, want %v", got["Quận 1"], want)
	}
	if st.Children[0].Unit.Name != "Huyện Củ Chi" {
		t.Errorf("ranked first: %s, want the unit short of a minimum", st.Children[0].Unit.Name)
	}
}

// smallCity is a province with an urban district (two wards) and a rural
// district (three communes).
func smallCity() *units.UnitIndex {
	return units.NewUnitIndex([]units.Unit{
		{ID: 1, Level: 1, Code: "79", Name: "Thành phố Hồ Chí Minh", Kind: units.KindCity},
		{ID: 10, ParentID: 1, Level: 2, Code: "760", Name: "Quận 1", Kind: units.KindUrbanDistrict},
		{ID: 11, ParentID: 10, Level: 3, Code: "a", Name: "Phường Bến Nghé", Kind: units.KindWard},
		{ID: 12, ParentID: 10, Level: 3, Code: "b", Name: "Phường Đa Kao", Kind: units.KindWard},
		{ID: 20, ParentID: 1, Level: 2, Code: "783", Name: "Huyện Củ Chi", Kind: units.KindRuralDistrict},
		{ID: 21, ParentID: 20, Level: 3, Code: "c", Name: "Xã An Phú", Kind: units.KindCommune},
		{ID: 22, ParentID: 20, Level: 3, Code: "d", Name: "Xã Bình Mỹ", Kind: units.KindCommune},
		{ID: 23, ParentID: 20, Level: 3, Code: "e", Name: "Thị trấn Củ Chi", Kind: units.KindTownship},
	})
}

// cityRule makes rules the city sets from a day on the units below it.
func cityRule(from time.Time) func(kinds []string, m ocop.Metric, min, enc float64) ocop.Quota {
	return func(kinds []string, m ocop.Metric, min, enc float64) ocop.Quota {
		return ocop.Quota{UnitCode: "79", UnitLevel: 1, Below: true, Kinds: kinds, Metric: m, Minimum: min, Encouraged: enc, From: from}
	}
}
