package vntext_test

import (
	"testing"

	"github.com/ocopbot/ocopbot/flows/vntext"
)

func TestUnaccented(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"nguyen van tu":             true,
		"Cong ty TNHH Che Bau Bang": true,
		"HTX ABC 2":                 true,
		"HTX Tân Thông":             false, // one accent shows a Vietnamese keyboard
		"Dang Van Duc":              true,
		"Đang":                      false, // đ is no ASCII letter
		"Nguyễn Văn Tú":             false,
		"123/4":                     false, // no letter to accent
		"":                          false,
		"Tra\u0301":                 false, // a combining mark left unnormalised
		"茶":                         false,
	} {
		if got := vntext.Unaccented(in); got != want {
			t.Errorf("Unaccented(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestPersonName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"nguyễn văn tú":    "Nguyễn Văn Tú",
		"NGUYỄN VĂN TÚ":    "Nguyễn Văn Tú",
		"nguyễn Văn TÚ":    "Nguyễn Văn Tú",
		"đặng thị ưng":     "Đặng Thị Ưng",
		"lê thị mai-anh":   "Lê Thị Mai-Anh",
		"nguyen van tu":    "Nguyen Van Tu",
		"H'Hen Niê":        "H'Hen Niê", // a capital inside a word is chosen
		"ksor h'hen":       "Ksor H'hen",
		"Nguyễn Văn Tú":    "Nguyễn Văn Tú",
		"trần văn a (chủ)": "Trần Văn A (Chủ)",
	} {
		if got := vntext.PersonName(in); got != want {
			t.Errorf("PersonName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCapitalizeName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"mật ong rừng":              "Mật ong rừng",
		"ấp phú lợi":                "Ấp phú lợi",
		"mật ong rừng U Minh":       "mật ong rừng U Minh", // a capital: the writer chose the case
		"Cong ty TNHH Che Bau Bang": "Cong ty TNHH Che Bau Bang",
		"eFarm":                     "eFarm",
		"12 ấp 3":                   "12 ấp 3",
		"":                          "",
	} {
		if got := vntext.CapitalizeName(in); got != want {
			t.Errorf("CapitalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}
