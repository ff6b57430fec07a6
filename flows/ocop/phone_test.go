package ocop_test

import (
	"errors"
	"testing"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr error
	}{
		{name: "ten digits", in: "0912345678", want: "0912345678"},
		{name: "spaced", in: "0912 345 678", want: "0912345678"},
		{name: "dotted", in: "091.234.5678", want: "0912345678"},
		{name: "dashed", in: "0912-345-678", want: "0912345678"},
		{name: "plus 84", in: "+84912345678", want: "0912345678"},
		{name: "contact share 84", in: "84912345678", want: "0912345678"},
		{name: "parenthesised plus 84", in: "(+84) 912-345-678", want: "0912345678"},
		{name: "country code before the trunk 0", in: "+84 0912 345 678", want: "0912345678"},
		{name: "plus 84 spaced", in: "+84 912 345 678", want: "0912345678"},
		{name: "surrounding spaces", in: "  0912345678\n", want: "0912345678"},
		{name: "no-break space", in: "0912\u00a0345\u00a0678", want: "0912345678"},
		{name: "prefix 03", in: "0362345678", want: "0362345678"},
		{name: "prefix 05", in: "0562345678", want: "0562345678"},
		{name: "prefix 07", in: "0702345678", want: "0702345678"},
		{name: "prefix 08", in: "+84 862345678", want: "0862345678"},

		{name: "empty", in: "", wantErr: ocop.ErrPhoneFormat},
		{name: "only separators", in: " (-.) ", wantErr: ocop.ErrPhoneFormat},
		{name: "nine digits", in: "091234567", wantErr: ocop.ErrPhoneFormat},
		{name: "eleven digits with 0", in: "09123456789", wantErr: ocop.ErrPhoneFormat},
		{name: "84 and eight digits", in: "8491234567", wantErr: ocop.ErrPhoneFormat},
		{name: "84 and ten digits", in: "849123456789", wantErr: ocop.ErrPhoneFormat},
		{name: "letters", in: "09l2345678", wantErr: ocop.ErrPhoneFormat},
		{name: "words", in: "không có", wantErr: ocop.ErrPhoneFormat},
		{name: "plus in the middle", in: "0912+345678", wantErr: ocop.ErrPhoneFormat},
		{name: "plus after 84", in: "84+912345678", wantErr: ocop.ErrPhoneFormat},
		{name: "two pluses", in: "++84912345678", wantErr: ocop.ErrPhoneFormat},
		{name: "plus and a national number", in: "+0912345678", wantErr: ocop.ErrPhoneFormat},
		{name: "other country", in: "+14155552671", wantErr: ocop.ErrPhoneFormat},
		{name: "full-width digits", in: "０９１２３４５６７８", wantErr: ocop.ErrPhoneFormat},
		{name: "invalid UTF-8", in: "0912\xff345678", wantErr: ocop.ErrPhoneFormat},

		{name: "landline HCMC", in: "028 3822 1234", wantErr: ocop.ErrPhonePrefix},
		{name: "landline Hanoi international", in: "+84 24 3825 1234", wantErr: ocop.ErrPhonePrefix},
		{name: "ten digits 02x", in: "0281234567", wantErr: ocop.ErrPhonePrefix},
		{name: "prefix 01", in: "0112345678", wantErr: ocop.ErrPhonePrefix},
		{name: "prefix 04", in: "0412345678", wantErr: ocop.ErrPhonePrefix},
		{name: "prefix 06", in: "0612345678", wantErr: ocop.ErrPhonePrefix},
		{name: "prefix 00", in: "0012345678", wantErr: ocop.ErrPhonePrefix},
		{name: "84 then 0", in: "84012345678", wantErr: ocop.ErrPhonePrefix},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ocop.NormalizePhone(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || got != "" {
					t.Errorf("NormalizePhone(%q) = %q, %v; want \"\", %v", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("NormalizePhone(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{
		"0912345678", "0912 345 678", "091.234.5678", "+84912345678", "84912345678",
		"(+84) 912-345-678", "028 3822 1234", "+84 24 3825 1234", "0912+345678", "+0912345678",
		"", "+", "84", "0", "0912\u00a0345\u00a0678", "0912\xff345678",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ocop.NormalizePhone(s)
		if err != nil {
			if got != "" {
				t.Errorf("NormalizePhone(%q) = %q with error %v, want \"\"", s, got, err)
			}
			if !errors.Is(err, ocop.ErrPhoneFormat) && !errors.Is(err, ocop.ErrPhonePrefix) {
				t.Errorf("NormalizePhone(%q) error = %v, want ErrPhoneFormat or ErrPhonePrefix", s, err)
			}
			return
		}
		if len(got) != 10 || got[0] != '0' {
			t.Errorf("NormalizePhone(%q) = %q, want 0 and nine digits", s, got)
		}
		for i := range len(got) {
			if got[i] < '0' || got[i] > '9' {
				t.Errorf("NormalizePhone(%q) = %q, want digits only", s, got)
				break
			}
		}
		again, err := ocop.NormalizePhone(got)
		if err != nil || again != got {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, nil (normalising %q)", got, again, err, got, s)
		}
		// The international form of an accepted number is accepted too.
		if intl, err := ocop.NormalizePhone("+84" + got[1:]); err != nil || intl != got {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, nil", "+84"+got[1:], intl, err, got)
		}
	})
}
