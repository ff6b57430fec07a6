package report_test

import (
	"bytes"
	"image/png"
	"os"
	"strings"
	"testing"
	"time"

	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"golang.org/x/image/font/sfnt"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/report"
	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/locales"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestChartFontHasEveryLetter: the chart's font must draw every letter of
// every unit name in the country and of the chart's labels, or Vietnamese
// names would show boxes.
func TestChartFontHasEveryLetter(t *testing.T) {
	t.Parallel()
	f, err := sfnt.Parse(liberationsansregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, name := range []string{"vn-units-2025-03.csv", "vn-units-2025-07.csv"} {
		b, err := os.ReadFile(storagetest.DataFile(t, name))
		if err != nil {
			t.Fatal(err)
		}
		text.Write(b)
	}
	for _, lang := range locales.Languages {
		p := printer(t, lang)
		for _, id := range []string{"chart.title", "chart.more", "chart.empty", "chart.x", "chart.stars", "chart.target", "chart.target_four", "chart.encouraged", "status.country"} {
			text.WriteString(p.T(id, "Unit", "", "Date", "", "Count", 2, "Stars", 4))
		}
	}
	var buf sfnt.Buffer
	missing := map[rune]bool{}
	for _, r := range text.String() {
		if r < ' ' {
			continue
		}
		if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
			missing[r] = true
		}
	}
	if len(missing) > 0 {
		t.Fatalf("Liberation Sans lacks %d letters: %q", len(missing), keys(missing))
	}
}

func keys(m map[rune]bool) string {
	var s []rune
	for r := range m {
		s = append(s, r)
	}
	return string(s)
}

var printer = report.PrinterForTest

// TestChartIsAPNGOfItsSize draws more children than fit: the PNG decodes at
// the announced size.
func TestChartIsAPNGOfItsSize(t *testing.T) {
	t.Parallel()
	st := ocop.Status{Unit: units.Unit{ID: 1, Name: "Thành phố Hồ Chí Minh"}, Day: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}
	for i := range 60 {
		r := ocop.UnitResult{Unit: units.Unit{ID: int64(i + 2), Name: "Phường Đa Kao " + strings.Repeat("ữ", i%3)}}
		r.Tally.Stars[3] = i % 4
		st.Children = append(st.Children, r)
	}
	data, err := report.Chart(report.Data{Status: st}, printer(t, "vi"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != report.ChartWidth || b.Dy() != report.ChartHeight {
		t.Fatalf("chart is %v", b)
	}
}
