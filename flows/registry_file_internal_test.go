package flows

import (
	"testing"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/vntext"
)

func TestRegistryWords(t *testing.T) {
	t.Parallel()
	kinds := map[string]ocop.ProducerKind{
		"DN": ocop.KindEnterprise, "Công ty TNHH": ocop.KindEnterprise, "Công ty CP Vinamit": ocop.KindEnterprise,
		"Doanh nghiệp tư nhân": ocop.KindEnterprise, "HTX": ocop.KindCooperative, "Hợp tác xã": ocop.KindCooperative,
		"THT": ocop.KindCoopGroup, "Tổ hợp tác": ocop.KindCoopGroup, "Trang trại": ocop.KindFarm,
		"Hộ kinh doanh": ocop.KindHousehold, "HKD": ocop.KindHousehold, "hộ sản xuất": ocop.KindHousehold,
	}
	for in, want := range kinds {
		if got, ok := producerKind(in); !ok || got != want {
			t.Errorf("producerKind(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "Công xưởng", "HTXX"} {
		if got, ok := producerKind(in); ok {
			t.Errorf("producerKind(%q) = %q, want refused", in, got)
		}
	}
	stars := map[string]int{"4": 4, "4 sao": 4, "4★": 4, "4*": 4, " 3 Sao ": 3, "5": 5}
	for in, want := range stars {
		if got, ok := parseStars(in); !ok || got != want {
			t.Errorf("parseStars(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "2", "6", "bốn", "4,5"} {
		if got, ok := parseStars(in); ok {
			t.Errorf("parseStars(%q) = %d, want refused", in, got)
		}
	}
	groups := groupNames([]ocop.ProductGroup{{Code: "3", NameVI: "Dược liệu và sản phẩm từ dược liệu", NameEN: "Medicinal herbs"}})
	for in, want := range map[string]string{"3": "3", "Thảo dược": "3", "Vải và may mặc": "4",
		"Lưu niệm – nội thất – trang trí": "4", "Dịch vụ du lịch nông thôn": "6", "dược liệu và sản phẩm từ dược liệu": "3"} {
		if got := groups[vntext.Fold(in)]; got != want {
			t.Errorf("group %q = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]ocop.Office{"Trung ương": ocop.OfficeCentral, "Tỉnh": ocop.OfficeProvince, "cấp huyện": ocop.OfficeDistrict} {
		if got, ok := officeWord(in); !ok || got != want {
			t.Errorf("officeWord(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzRegistryWords: no panic; accepted stars stay within 3–5.
func FuzzRegistryWords(f *testing.F) {
	for _, s := range []string{"4 sao", "4★", "HTX", "Công ty TNHH", "", "ở", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, ok := parseStars(s); ok && !ocop.IsOCOP(n) {
			t.Fatalf("parseStars(%q) = %d", s, n)
		}
		if k, ok := producerKind(s); ok && !k.Valid() {
			t.Fatalf("producerKind(%q) = %q", s, k)
		}
		officeWord(s)
	})
}
