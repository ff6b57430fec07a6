package ocop_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/units/unitstest"
)

func TestNormalizeTaxCode(t *testing.T) {
	t.Parallel()
	// Besides the examples of the design, the valid codes below are computed
	// by the rule: weights 31,29,23,19,17,13,7,5,3 on the first nine digits,
	// check = 10 − sum mod 11.
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr error
	}{
		{name: "ten digits", in: "0100109106", want: "0100109106"},
		{name: "remainder 2", in: "0300118348", want: "0300118348"}, // sum 200
		{name: "remainder 7", in: "0100000003", want: "0100000003"}, // sum 29
		{name: "remainder 1 gives check 9", in: "0310112779", want: "0310112779"},
		{name: "remainder 10 gives check 0", in: "0100000010", want: "0100000010"},
		{name: "not starting with 0", in: "1234567893", want: "1234567893"},
		{name: "spaced and dotted", in: " 0100.109.106 ", want: "0100109106"},
		{name: "branch", in: "0100109106-001", want: "0100109106-001"},
		{name: "branch 999", in: "0100109106-999", want: "0100109106-999"},
		// A branch's dash may be spaced or left out: the 13 digits are unambiguous.
		{name: "branch spaced dash", in: "0100109106 - 001", want: "0100109106-001"},
		{name: "branch without dash", in: "0100109106001", want: "0100109106-001"},
		{name: "branch with a space", in: "0100109106 001", want: "0100109106-001"},

		{name: "empty", in: "", wantErr: ocop.ErrTaxCodeFormat},
		{name: "nine digits", in: "010010910", wantErr: ocop.ErrTaxCodeFormat},
		{name: "eleven digits", in: "01001091060", wantErr: ocop.ErrTaxCodeFormat},
		{name: "twelve digits", in: "0100109106-01", wantErr: ocop.ErrTaxCodeFormat},
		{name: "fourteen digits", in: "0100109106-0011", wantErr: ocop.ErrTaxCodeFormat},
		{name: "letters", in: "01OO109106", wantErr: ocop.ErrTaxCodeFormat},
		{name: "MST prefix", in: "MST 0100109106", wantErr: ocop.ErrTaxCodeFormat},
		{name: "branch 000", in: "0100109106-000", wantErr: ocop.ErrTaxCodeFormat},
		{name: "branch 000 without dash", in: "0100109106000", wantErr: ocop.ErrTaxCodeFormat},
		{name: "dash in the wrong place", in: "010010-9106001", wantErr: ocop.ErrTaxCodeFormat},
		{name: "dash and no branch", in: "0100109106-", wantErr: ocop.ErrTaxCodeFormat},
		{name: "leading dash", in: "-0100109106", wantErr: ocop.ErrTaxCodeFormat},
		{name: "two dashes", in: "0100109106--001", wantErr: ocop.ErrTaxCodeFormat},
		{name: "slash", in: "0100109106/001", wantErr: ocop.ErrTaxCodeFormat},

		{name: "wrong check digit", in: "0100109107", wantErr: ocop.ErrTaxCodeChecksum},
		{name: "wrong check digit with branch", in: "0100109105-001", wantErr: ocop.ErrTaxCodeChecksum},
		{name: "remainder 0 with 0", in: "0100000050", wantErr: ocop.ErrTaxCodeChecksum},
		{name: "remainder 0 with 9", in: "0100000059", wantErr: ocop.ErrTaxCodeChecksum},
		{name: "all zeros", in: "0000000000", wantErr: ocop.ErrTaxCodeChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ocop.NormalizeTaxCode(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || got != "" {
					t.Errorf("NormalizeTaxCode(%q) = %q, %v; want \"\", %v", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("NormalizeTaxCode(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestNormalizeTaxCodeOneCheckDigit checks that, for prefixes of every
// remainder, exactly one tenth digit is accepted — none for remainder 0.
func TestNormalizeTaxCodeOneCheckDigit(t *testing.T) {
	t.Parallel()
	weights := [9]int{31, 29, 23, 19, 17, 13, 7, 5, 3}
	for _, prefix := range []string{"010010910", "030011834", "000000000", "010000005", "010000001", "031011277", "999999999", "480012345"} {
		t.Run(prefix, func(t *testing.T) {
			t.Parallel()
			sum := 0
			for i, w := range weights {
				sum += int(prefix[i]-'0') * w
			}
			want := ""
			if sum%11 != 0 {
				want = prefix + string(rune('0'+10-sum%11))
			}
			var accepted []string
			for c := '0'; c <= '9'; c++ {
				if got, err := ocop.NormalizeTaxCode(prefix + string(c)); err == nil {
					accepted = append(accepted, got)
				} else if !errors.Is(err, ocop.ErrTaxCodeChecksum) {
					t.Errorf("NormalizeTaxCode(%q) error = %v, want ErrTaxCodeChecksum", prefix+string(c), err)
				}
			}
			switch {
			case want == "" && len(accepted) != 0:
				t.Errorf("remainder 0: accepted %q, want none", accepted)
			case want != "" && (len(accepted) != 1 || accepted[0] != want):
				t.Errorf("accepted %q, want only %q", accepted, want)
			}
		})
	}
}

// citizenToday is the day citizen IDs are checked on in these tests.
var citizenToday = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func TestNormalizeCitizenID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr error
	}{
		{name: "HCMC", in: "079123456789", want: "079123456789"},
		{name: "Hà Nội", in: "001090001234", want: "001090001234"},
		{name: "Cà Mau, the last code", in: "096300000001", want: "096300000001"},
		{name: "spaced", in: " 079 123 456 789 ", want: "079123456789"},
		{name: "dotted", in: "079.123.456.789", want: "079123456789"},

		{name: "empty", in: "", wantErr: ocop.ErrCitizenIDFormat},
		{name: "eleven digits", in: "07912345678", wantErr: ocop.ErrCitizenIDFormat},
		{name: "thirteen digits", in: "0791234567890", wantErr: ocop.ErrCitizenIDFormat},
		{name: "old 9-digit CMND", in: "025123456", wantErr: ocop.ErrCitizenIDFormat},
		{name: "letters", in: "07912345678O", wantErr: ocop.ErrCitizenIDFormat},
		{name: "dashed", in: "079-123-456-789", wantErr: ocop.ErrCitizenIDFormat},

		{name: "unknown province 099", in: "099123456789", wantErr: ocop.ErrCitizenIDProvince},
		{name: "province 000", in: "000123456789", wantErr: ocop.ErrCitizenIDProvince},
		{name: "province 003, a gap", in: "003123456789", wantErr: ocop.ErrCitizenIDProvince},
		{name: "GSO code without its 0", in: "791234567890", wantErr: ocop.ErrCitizenIDProvince},

		// The century-and-sex digit and the birth year, on 1/12/2026.
		{name: "man born 1999", in: "079099000001", want: "079099000001"},
		{name: "woman born 1900", in: "079100000001", want: "079100000001"},
		{name: "man born 2026, this year", in: "079226000001", want: "079226000001"},
		{name: "woman born 2025", in: "079325000001", want: "079325000001"},
		{name: "born 2027, next year", in: "079227000001", wantErr: ocop.ErrCitizenIDBirthYear},
		{name: "woman born 2099", in: "079399000001", wantErr: ocop.ErrCitizenIDBirthYear},
		{name: "22nd century, man", in: "079400000001", wantErr: ocop.ErrCitizenIDCentury},
		{name: "22nd century, woman", in: "079500000001", wantErr: ocop.ErrCitizenIDCentury},
		{name: "23rd century", in: "079690000001", wantErr: ocop.ErrCitizenIDCentury},
		{name: "24th century", in: "079900000001", wantErr: ocop.ErrCitizenIDCentury},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ocop.NormalizeCitizenID(tt.in, citizenToday)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || got != "" {
					t.Errorf("NormalizeCitizenID(%q) = %q, %v; want \"\", %v", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("NormalizeCitizenID(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestNormalizeTaxID: a household's 12 characters are its owner's CCCD,
// anything else a tax code; an organisation's 12 digits are a bad tax code.
func TestNormalizeTaxID(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in           string
		household    bool
		tax, citizen string
		wantErr      error
	}{
		{in: "079 227 000 001", household: true, wantErr: ocop.ErrCitizenIDBirthYear},
		{in: "079.123.456.789", household: true, citizen: "079123456789"},
		{in: "0100109106", household: true, tax: "0100109106"},
		{in: "0100109107", household: true, wantErr: ocop.ErrTaxCodeChecksum},
		{in: "07912345678O", household: true, wantErr: ocop.ErrCitizenIDFormat},
		{in: "079123456789", wantErr: ocop.ErrTaxCodeFormat},
		{in: "0100109106-001", tax: "0100109106-001"},
	} {
		tax, citizen, err := ocop.NormalizeTaxID(tt.in, tt.household, citizenToday)
		if !errors.Is(err, tt.wantErr) || tax != tt.tax || citizen != tt.citizen {
			t.Errorf("NormalizeTaxID(%q, %v) = %q, %q, %v; want %q, %q, %v", tt.in, tt.household, tax, citizen, err, tt.tax, tt.citizen, tt.wantErr)
		}
	}
}

// TestCitizenIDProvincesMatchUnits checks the citizen ID province codes
// against the 63 provinces of the March 2025 unit list: a CCCD opens with the
// province's GSO code padded to three digits.
func TestCitizenIDProvincesMatchUnits(t *testing.T) {
	t.Parallel()
	units := unitstest.Load(t, "vn-units-2025-03.csv")
	provinces := map[string]string{}
	for _, u := range units {
		if u.Level == 1 {
			provinces["0"+u.Code] = u.Name
		}
	}
	if len(provinces) != 63 {
		t.Fatalf("%d provinces in the March 2025 list, want 63", len(provinces))
	}
	for code := range 1000 {
		prefix := string([]byte{byte('0' + code/100), byte('0' + code/10%10), byte('0' + code%10)})
		_, err := ocop.NormalizeCitizenID(prefix+"090001234", citizenToday)
		name, known := provinces[prefix]
		switch {
		case known && err != nil:
			t.Errorf("NormalizeCitizenID(%s…) for %s: %v, want nil", prefix, name, err)
		case !known && !errors.Is(err, ocop.ErrCitizenIDProvince):
			t.Errorf("NormalizeCitizenID(%s…): %v, want ErrCitizenIDProvince", prefix, err)
		}
	}
}

func TestMaskID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{name: "citizen ID", in: "079123456789", want: "*********789"},
		{name: "tax code", in: "0100109106", want: "*******106"},
		{name: "branch", in: "0100109106-001", want: "***********001"},
		{name: "four", in: "1234", want: "*234"},
		{name: "three", in: "123", want: "123"},
		{name: "empty", in: "", want: ""},
		{name: "runes, not bytes", in: "Đắk Lắk", want: "****Lắk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ocop.MaskID(tt.in); got != tt.want {
				t.Errorf("MaskID(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzNormalizeTaxCode(f *testing.F) {
	for _, s := range []string{
		"0100109106", "0100109106-001", "0100109106001", "0100109106 - 001", "0100109107",
		"0100109106-000", "0100000050", "0100000010", "010010910", "01001091060", "-", "--", "",
		"0100109106--001", "0100\u00a0109106",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ocop.NormalizeTaxCode(s)
		if err != nil {
			if got != "" || !errors.Is(err, ocop.ErrTaxCodeFormat) && !errors.Is(err, ocop.ErrTaxCodeChecksum) {
				t.Errorf("NormalizeTaxCode(%q) = %q, %v; want \"\" and ErrTaxCodeFormat or ErrTaxCodeChecksum", s, got, err)
			}
			return
		}
		if len(got) != 10 && (len(got) != 14 || got[10] != '-' || got[11:] == "000") {
			t.Errorf("NormalizeTaxCode(%q) = %q, want 10 digits or 10-3", s, got)
		}
		again, err := ocop.NormalizeTaxCode(got)
		if err != nil || again != got {
			t.Errorf("NormalizeTaxCode(%q) = %q, %v; want %q, nil (normalising %q)", got, again, err, got, s)
		}
	})
}

func FuzzNormalizeCitizenID(f *testing.F) {
	for _, s := range []string{
		"079123456789", " 079 123 456 789 ", "079.123.456.789", "099123456789", "07912345678",
		"0791234567890", "", "000000000000", "079\u00a0123456789", "079227000001", "079900000001", "079326000001",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ocop.NormalizeCitizenID(s, citizenToday)
		if err != nil {
			known := false
			for _, e := range []error{ocop.ErrCitizenIDFormat, ocop.ErrCitizenIDProvince, ocop.ErrCitizenIDCentury, ocop.ErrCitizenIDBirthYear} {
				known = known || errors.Is(err, e)
			}
			if got != "" || !known {
				t.Errorf("NormalizeCitizenID(%q) = %q, %v; want \"\" and one of the CCCD errors", s, got, err)
			}
			return
		}
		if _, year := ocop.CitizenBirthYear(got); year > citizenToday.Year() || year < 1900 {
			t.Errorf("NormalizeCitizenID(%q) accepted birth year %d", s, year)
		}
		if len(got) != 12 {
			t.Errorf("NormalizeCitizenID(%q) = %q, want 12 digits", s, got)
		}
		again, err := ocop.NormalizeCitizenID(got, citizenToday)
		if err != nil || again != got {
			t.Errorf("NormalizeCitizenID(%q) = %q, %v; want %q, nil (normalising %q)", got, again, err, got, s)
		}
		if m := ocop.MaskID(got); len(m) != 12 || m[9:] != got[9:] {
			t.Errorf("MaskID(%q) = %q, want nine stars and the last three digits", got, m)
		}
	})
}
