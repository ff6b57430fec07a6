package vntext

import (
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// vietnameseLetters are the letters of the Vietnamese alphabet with every
// tone mark, lower and upper case, precomposed.
const vietnameseLetters = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"

// TestFoldTableCoversVietnamese checks that no Vietnamese letter leaves
// Fold's fast path.
func TestFoldTableCoversVietnamese(t *testing.T) {
	t.Parallel()
	for _, r := range vietnameseLetters {
		for _, r := range []rune{r, unicode.ToUpper(r)} {
			got, ok := foldFast(string(r))
			if want := foldSlow(string(r)); !ok || got != want {
				t.Errorf("foldFast(%q) = %q, %v; want %q, true", r, got, ok, want)
			}
		}
	}
}

// FuzzFoldFast checks Fold's short cuts against the full transform.
func FuzzFoldFast(f *testing.F) {
	for _, s := range []string{
		"", "huyen cu chi", "Huyện Củ Chi", "CỦ CHI", "Đắk Lắk", "Ðồng", "TP.HCM", " q1 ", "a  b", "×÷", "Ærø ßtraße",
		"Củ\xffChi", "e\u0301", "Ư\u0300", "ı", "İ", "ǅ", "Ǆ", "ſ", "Ỳ", "ỹ", "Ỻ", "ẞ", "Ả\u0345", "Ə", "ꜳ", "한국",
		norm.NFD.String("Huyện Củ Chi"),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := foldSlow(s)
		if got := Fold(s); got != want {
			t.Errorf("Fold(%q) = %q, want %q as foldSlow gives", s, got, want)
		}
		if got, ok := foldFast(s); ok && got != want {
			t.Errorf("foldFast(%q) = %q, want %q as foldSlow gives", s, got, want)
		}
		if isFolded(s) && want != s {
			t.Errorf("isFolded(%q), but foldSlow gives %q", s, want)
		}
	})
}
