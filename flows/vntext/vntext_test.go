package vntext_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/ocopbot/ocopbot/flows/vntext"
	"github.com/ocopbot/ocopbot/storage/unitdata"
)

func TestFold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{name: "upper case", in: "CỦ CHI", want: "cu chi"},
		{name: "tone on o", in: "Hòa", want: "hoa"},
		{name: "tone on a", in: "Hoà", want: "hoa"},
		{name: "tone on u", in: "Thủy", want: "thuy"},
		{name: "tone on y", in: "Thuỷ", want: "thuy"},
		{name: "đ and Đ", in: "Đắk Lắk", want: "dak lak"},
		{name: "lower đ", in: "đồng tháp", want: "dong thap"},
		{name: "eth for Đ", in: "Ðắk Lắk, ðồng Tháp", want: "dak lak dong thap"},
		{name: "spaces and punctuation", in: "  Huyện   Củ-Chi!! ", want: "huyen cu chi"},
		{name: "decomposed", in: norm.NFD.String("Huyện Củ Chi, Đắk Lắk"), want: "huyen cu chi dak lak"},
		{name: "decomposed Đ stays one letter", in: norm.NFD.String("Đ"), want: "d"},
		{name: "all the vowels", in: "ÀÁẢÃẠ ĂẰẮẲẴẶ ÂẦẤẨẪẬ ÈÉẺẼẸ ÊỀẾỂỄỆ ÌÍỈĨỊ ÒÓỎÕỌ ÔỒỐỔỖỘ ƠỜỚỞỠỢ ÙÚỦŨỤ ƯỪỨỬỮỰ ỲÝỶỸỴ",
			want: "aaaaa aaaaaa aaaaaa eeeee eeeeee iiiii ooooo oooooo oooooo uuuuu uuuuuu yyyyy"},
		{name: "ASCII", in: "Quan 1", want: "quan 1"},
		{name: "dotted abbreviation", in: "TP.HCM", want: "tp hcm"},
		{name: "numbers kept", in: "Phường 12", want: "phuong 12"},
		{name: "tabs and newlines", in: "Củ\tChi\r\n", want: "cu chi"},
		{name: "no-break space", in: "Củ\u00a0Chi", want: "cu chi"},
		{name: "emoji is a separator", in: "Củ🌾Chi", want: "cu chi"},
		{name: "invalid UTF-8 is a separator", in: "Củ\xffChi", want: "cu chi"},
		{name: "invalid lead byte before an accent", in: "\xf5Ż", want: "z"}, // found by FuzzFold
		{name: "only punctuation", in: " -.,!? ", want: ""},
		{name: "empty", in: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := vntext.Fold(tt.in)
			if got != tt.want {
				t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := vntext.Fold(got); again != got {
				t.Errorf("Fold(%q) = %q, want it unchanged", got, again)
			}
		})
	}
}

func TestCleanText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		max     int
		want    string
		wantErr error
		wantLen int // for a *TooLongError
	}{
		{name: "as is", in: "Trà xanh Tân Cương", max: 100, want: "Trà xanh Tân Cương"},
		{name: "trimmed", in: "  Mật ong rừng \t", max: 100, want: "Mật ong rừng"},
		{name: "newlines to spaces", in: "Bánh tráng\nphơi sương\r\nTrảng Bàng", max: 100, want: "Bánh tráng phơi sương Trảng Bàng"},
		{name: "runs collapsed", in: "Nước   mắm \t\t Phú   Quốc", max: 100, want: "Nước mắm Phú Quốc"},
		{name: "no-break and ideographic spaces", in: "Cà\u00a0phê\u3000Buôn Ma Thuột", max: 100, want: "Cà phê Buôn Ma Thuột"},
		{name: "line separator", in: "Dòng một\u2028dòng hai", max: 100, want: "Dòng một dòng hai"},
		{name: "NFD to NFC", in: norm.NFD.String("Đặc sản Củ Chi"), max: 100, want: "Đặc sản Củ Chi"},
		{name: "punctuation kept", in: "HTX Nông nghiệp (Xã An Phú) - 5★", max: 100, want: "HTX Nông nghiệp (Xã An Phú) - 5★"},
		{name: "emoji with joiner kept", in: "Gia đình 👨‍👩‍👧", max: 100, want: "Gia đình 👨‍👩‍👧"},
		{name: "exactly max runes", in: "Củ Chi", max: 6, want: "Củ Chi"},
		{name: "max counts runes, not bytes", in: "Đắk Lắk", max: 7, want: "Đắk Lắk"},
		{name: "max counts after cleaning", in: "  Củ \n\n Chi  ", max: 6, want: "Củ Chi"},
		{name: "max counts NFC runes", in: norm.NFD.String("Củ Chi"), max: 6, want: "Củ Chi"},

		{name: "empty", in: "", max: 100, wantErr: vntext.ErrTextEmpty},
		{name: "only spaces", in: " \t\r\n\u00a0 ", max: 100, wantErr: vntext.ErrTextEmpty},
		{name: "NUL", in: "Trà\x00xanh", max: 100, wantErr: vntext.ErrTextControl},
		{name: "escape", in: "Trà \x1b[31mxanh", max: 100, wantErr: vntext.ErrTextControl},
		{name: "DEL", in: "Trà\x7f", max: 100, wantErr: vntext.ErrTextControl},
		{name: "right-to-left override", in: "HTX \u202eanh", max: 100, wantErr: vntext.ErrTextControl},
		{name: "C1 control", in: "Trà\u0080", max: 100, wantErr: vntext.ErrTextControl},
		{name: "invalid UTF-8", in: "Tr\xe0 xanh", max: 100, wantErr: vntext.ErrTextControl},

		{name: "one rune too long", in: "Củ Chi!", max: 6, wantLen: 7},
		{name: "long Vietnamese", in: strings.Repeat("Đắk ", 30), max: 100, wantLen: 119},
		{name: "zero max", in: "a", max: 0, wantLen: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := vntext.CleanText(tt.in, tt.max)
			switch {
			case tt.wantLen > 0:
				var tl *vntext.TooLongError
				if !errors.As(err, &tl) || tl.Max != tt.max || tl.Len != tt.wantLen || got != "" {
					t.Errorf("CleanText(%q, %d) = %q, %v; want \"\", &TooLongError{Max: %d, Len: %d}", tt.in, tt.max, got, err, tt.max, tt.wantLen)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) || got != "" {
					t.Errorf("CleanText(%q, %d) = %q, %v; want \"\", %v", tt.in, tt.max, got, err, tt.wantErr)
				}
			default:
				if err != nil || got != tt.want {
					t.Errorf("CleanText(%q, %d) = %q, %v; want %q, nil", tt.in, tt.max, got, err, tt.want)
				}
			}
		})
	}
}

func TestTooLongErrorMessage(t *testing.T) {
	t.Parallel()
	err := error(&vntext.TooLongError{Max: 60, Len: 61})
	if got, want := err.Error(), "text has 61 characters, at most 60 allowed"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{
		"CỦ CHI", "Hòa", "Hoà", "Thủy", "Thuỷ", "Đắk Lắk", "  Huyện   Củ-Chi!! ", norm.NFD.String("Huyện Củ Chi"),
		"TP.HCM", "q1", "", " ", "ℂ", "İstanbul", "ǅ", "ﬁ", "x\u0345", "ᾼ", "Củ\xffChi", "한국어", "ကြ", "कि",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := vntext.Fold(s)
		if !utf8.ValidString(got) {
			t.Errorf("Fold(%q) = %q, not valid UTF-8", s, got)
		}
		if again := vntext.Fold(got); again != got {
			t.Errorf("Fold(Fold(%q)) = %q, want %q", s, again, got)
		}
		if lower := strings.ToLower(got); lower != got {
			t.Errorf("Fold(%q) = %q, want no upper case (%q)", s, got, lower)
		}
		if strings.Contains(got, "  ") || strings.TrimSpace(got) != got {
			t.Errorf("Fold(%q) = %q, want single spaces between words only", s, got)
		}
		for _, r := range got {
			if r != ' ' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				t.Errorf("Fold(%q) = %q, holds %q", s, got, r)
				break
			}
		}
		if nfd := vntext.Fold(norm.NFD.String(s)); utf8.ValidString(s) && nfd != got {
			t.Errorf("Fold(NFD %q) = %q, want %q as for the input", s, nfd, got)
		}
	})
}

func FuzzCleanText(f *testing.F) {
	for _, s := range []string{
		"Trà xanh Tân Cương", "  Mật ong rừng \t", "a\nb", "\x00", "", " ", norm.NFD.String("Đặc sản"),
		"e\n\u0301", "\u0301", "a\u00a0\u0301", "Gia đình 👨‍👩‍👧", "Tr\xe0",
	} {
		f.Add(s, 20)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		got, err := vntext.CleanText(s, max)
		if err != nil {
			var tl *vntext.TooLongError
			switch {
			case got != "":
				t.Errorf("CleanText(%q, %d) = %q with error %v, want \"\"", s, max, got, err)
			case errors.As(err, &tl):
				if tl.Max != max || tl.Len <= max {
					t.Errorf("CleanText(%q, %d): %+v, want Max %d and Len above it", s, max, tl, max)
				}
			case !errors.Is(err, vntext.ErrTextEmpty) && !errors.Is(err, vntext.ErrTextControl):
				t.Errorf("CleanText(%q, %d): unexpected error %v", s, max, err)
			}
			return
		}
		if n := utf8.RuneCountInString(got); n == 0 || n > max {
			t.Errorf("CleanText(%q, %d) = %q, %d runes; want 1 to %d", s, max, got, n, max)
		}
		if !norm.NFC.IsNormalString(got) {
			t.Errorf("CleanText(%q, %d) = %q, not NFC", s, max, got)
		}
		if strings.Contains(got, "  ") || strings.TrimSpace(got) != got || strings.ContainsAny(got, "\r\n\t") {
			t.Errorf("CleanText(%q, %d) = %q, want single spaces between words only", s, max, got)
		}
		if again, err := vntext.CleanText(got, max); err != nil || again != got {
			t.Errorf("CleanText(%q, %d) = %q, %v; want it unchanged", got, max, again, err)
		}
	})
}

func BenchmarkFold(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{name: "ASCII", in: "Huyen Cu Chi, Thanh pho Ho Chi Minh"},
		{name: "Vietnamese", in: "Huyện Củ Chi, Thành phố Hồ Chí Minh"},
		{name: "folded", in: "huyen cu chi thanh pho ho chi minh"},
		// Combining marks leave the fast path for the full transform.
		{name: "decomposed", in: norm.NFD.String("Huyện Củ Chi, Thành phố Hồ Chí Minh")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.in)))
			for b.Loop() {
				vntext.Fold(bc.in)
			}
		})
	}
}

func TestIsSyllable(t *testing.T) {
	t.Parallel()
	for _, w := range []string{"Nguyễn", "người", "giò", "gìn", "Quỳnh", "quyết", "HỒ", "hoà", "hòa", "thuý", "thủy",
		"của", "khuỷu", "xoong", "Đắk", "Lắk", "ăn", "Xã", norm.NFD.String("Củ"), "ơi", "rượu", "khuấy", "Phường"} {
		if !vntext.IsSyllable(w) {
			t.Errorf("IsSyllable(%q) = false, want true", w)
		}
	}
	for _, w := range []string{
		"Xă",         // ă needs a final consonant: 1252's "Xã" read as 1258
		"B\u0301nh",  // a tone mark on a consonant: 1252's "Bình" read as 1258
		"Ḥa",         // the same, composed: 1252's "Hòa" read as 1258
		"HôÌ", "XaÞ", // 1258's "Hồ", "Xã" read as 1252: a capital after a small letter
		"phôì",                // 1258's "phố": the tone beside ô, not on it
		"Thiò",                // 1258's "Thị": no nucleus "io"
		"Ngoòc",               // 1258's "Ngọc": huyền before c
		"Hõòp",                // two tones
		"qùa",                 // the u of qu takes no tone
		"xaò",                 // ao carries its tone on a
		"café", "Ðà", "Vieät", // a loan word, an eth, VNI
	} {
		if vntext.IsSyllable(w) {
			t.Errorf("IsSyllable(%q) = true, want false", w)
		}
	}
}

// TestIsSyllableOnUnitNames: of the words with a letter beyond ASCII in
// every unit name of the three-level tree, all but the names of the
// Central Highlands' languages (Krông, Đrắk, Jút…) are syllables.
func TestIsSyllableOnUnitNames(t *testing.T) {
	t.Parallel()
	r, err := unitdata.Open(unitdata.ThreeLevel)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	var words, syllables int
	for _, w := range strings.FieldsFunc(string(data), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) }) {
		if strings.IndexFunc(w, func(r rune) bool { return r >= utf8.RuneSelf }) < 0 {
			continue
		}
		words++
		if vntext.IsSyllable(w) {
			syllables++
		}
	}
	if words < 50_000 || syllables < words*995/1000 {
		t.Errorf("%d of %d words are syllables, want 99.5%%", syllables, words)
	}
}
