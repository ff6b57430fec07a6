package dates_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/flows/dates"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want time.Time // zero: refused
	}{
		{name: "dd/mm/yyyy", in: "05/03/2025", want: day(2025, 3, 5)},
		{name: "one-digit day and month", in: "5/3/2025", want: day(2025, 3, 5)},
		{name: "dashes", in: "05-03-2025", want: day(2025, 3, 5)},
		{name: "dots", in: "05.03.2025", want: day(2025, 3, 5)},
		{name: "spaces around", in: "  05/03/2025 ", want: day(2025, 3, 5)},
		{name: "iso", in: "2025-03-05", want: day(2025, 3, 5)},
		{name: "leap day", in: "29/02/2024", want: day(2024, 2, 29)},
		{name: "excel serial", in: "45721", want: day(2025, 3, 5)},
		{name: "excel serial with time", in: "45721.75", want: day(2025, 3, 5)},
		{name: "no leap day", in: "29/02/2025"},
		{name: "month 13", in: "01/13/2025"},
		{name: "year too early", in: "01/01/1999"},
		{name: "year too late", in: "01/01/2101"},
		{name: "two parts", in: "01/2025"},
		{name: "words", in: "hôm nay"},
		{name: "empty", in: ""},
		{name: "small number", in: "2025"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := dates.Parse(tt.in)
			if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
				t.Errorf("Parse(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, !tt.want.IsZero())
			}
		})
	}
}

// TestParseExcelSerial checks serials against excelize, which wrote them.
func TestParseExcelSerial(t *testing.T) {
	t.Parallel()
	for _, n := range []float64{30000.5, 36526, 45000, 45000.4999, 45000.999999, 45000.99999999, 79999.9} {
		want, err := excelize.ExcelDateToTime(n, false)
		if err != nil {
			t.Fatal(err)
		}
		want = day(want.Year(), want.Month(), want.Day())
		s := strconv.FormatFloat(n, 'f', -1, 64)
		if got, ok := dates.Parse(s); !ok || !got.Equal(want) {
			t.Errorf("Parse(%q) = %v, %v; want %v, true", s, got, ok, want)
		}
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	if got, want := dates.Format(day(2025, 3, 5)), "05/03/2025"; got != want {
		t.Errorf("Format = %q, want %q", got, want)
	}
}

func TestLocalDay(t *testing.T) {
	t.Parallel()
	// 17:30 UTC on 4/3 is 00:30 on 5/3 in Vietnam (UTC+7).
	if got, want := dates.LocalDay(time.Date(2025, 3, 4, 17, 30, 0, 0, time.UTC)), day(2025, 3, 5); !got.Equal(want) {
		t.Errorf("LocalDay = %v, want %v", got, want)
	}
}

// FuzzParse: no panic, and a day accepted stays the same day once
// formatted and read again.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"05/03/2025", "5-3-2025", "2025-03-05", "45721", "45721.5", "29/02/2024", "", "1/1/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := dates.Parse(s)
		if !ok {
			return
		}
		if d.Year() < 2000 || d.Year() > 2100 {
			return // yyyy-mm-dd and serials reach further than dd/mm/yyyy
		}
		again, ok := dates.Parse(dates.Format(d))
		if !ok || !again.Equal(d) {
			t.Errorf("Parse(Format(%v)) = %v, %v; want the same day", d, again, ok)
		}
	})
}
