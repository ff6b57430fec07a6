package ocop_test

import (
	"testing"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

func TestProducerKindValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind ocop.ProducerKind
		want bool
	}{
		{ocop.KindEnterprise, true},
		{ocop.KindCooperative, true},
		{ocop.KindCoopGroup, true},
		{ocop.KindFarm, true},
		{ocop.KindHousehold, true},
		{"", false},
		{"Enterprise", false},
		{"hợp tác xã", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			t.Parallel()
			if got := tt.kind.Valid(); got != tt.want {
				t.Errorf("ProducerKind(%q).Valid() = %v, want %v", tt.kind, got, tt.want)
			}
		})
	}
	if len(ocop.ProducerKinds) != 5 {
		t.Errorf("ProducerKinds = %q, want the five kinds of 148/QĐ-TTg", ocop.ProducerKinds)
	}
}

func TestProductGroupName(t *testing.T) {
	t.Parallel()
	g := ocop.ProductGroup{Code: "1", NameVI: "Thực phẩm", NameEN: "Food"}
	sg := ocop.ProductSubgroup{Code: "1.1", GroupCode: "1", NameVI: "Nông sản tươi sống", NameEN: "Fresh produce"}
	tests := []struct {
		lang, group, subgroup string
	}{
		{lang: "vi", group: "Thực phẩm", subgroup: "Nông sản tươi sống"},
		{lang: "en", group: "Food", subgroup: "Fresh produce"},
		{lang: "", group: "Thực phẩm", subgroup: "Nông sản tươi sống"},
		{lang: "fr", group: "Thực phẩm", subgroup: "Nông sản tươi sống"},
	}
	for _, tt := range tests {
		t.Run("lang "+tt.lang, func(t *testing.T) {
			t.Parallel()
			if got := g.Name(tt.lang); got != tt.group {
				t.Errorf("ProductGroup.Name(%q) = %q, want %q", tt.lang, got, tt.group)
			}
			if got := sg.Name(tt.lang); got != tt.subgroup {
				t.Errorf("ProductSubgroup.Name(%q) = %q, want %q", tt.lang, got, tt.subgroup)
			}
		})
	}
}

func TestKeepsTaxCode(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind ocop.ProducerKind
		tax  string
		want bool
	}{
		{"enterprise", ocop.KindEnterprise, "0100109106", true},
		{"branch", ocop.KindCooperative, "0100109106-001", true},
		{"household MST", ocop.KindHousehold, "0100109106", false},
		{"CCCD as tax code", ocop.KindFarm, "079190000001", false},
		{"none", ocop.KindEnterprise, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ocop.KeepsTaxCode(tc.kind, tc.tax); got != tc.want {
				t.Errorf("KeepsTaxCode(%s, %q) = %v, want %v", tc.kind, tc.tax, got, tc.want)
			}
		})
	}
}
