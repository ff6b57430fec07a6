package report

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/flows/units/unitstest"
	"github.com/ocopbot/ocopbot/locales"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// hcmcQuotas are Ho Chi Minh City's seeded rules (migrations 005 and 008):
// 1943/QĐ-UBND until 30/6/2025, then one encouraged product per commune.
func hcmcQuotas() []ocop.Quota {
	old := func(kinds string, m ocop.Metric, minimum, encouraged float64) ocop.Quota {
		return ocop.Quota{UnitCode: "79", UnitLevel: 1, Below: true, Kinds: strings.Split(kinds, ","), Metric: m,
			Minimum: minimum, Encouraged: encouraged, From: day(2022, 6, 8), To: day(2025, 6, 30)}
	}
	return []ocop.Quota{
		old("quan,thanh pho", ocop.MetricRecognised, 3, 4),
		old("quan,thanh pho", ocop.MetricFourStar, 0, 1),
		old("phuong", ocop.MetricRecognised, 0, 1),
		old("huyen", ocop.MetricAvgPerCommune, 2, 3),
		old("huyen", ocop.MetricFourStar, 2, 0),
		{UnitCode: "79", UnitLevel: 1, Below: true, Kinds: []string{"phuong", "xa", "dac khu"}, Metric: ocop.MetricRecognised,
			Encouraged: 1, From: day(2025, 7, 1)},
	}
}

// hcmcStatus is the city's status on day in the tree of file, with the
// products counts gives the city's i-th commune.
func hcmcStatus(t *testing.T, file string, on time.Time, counts func(i int) ocop.Tally) ocop.Status {
	t.Helper()
	list := unitstest.Load(t, file)
	city := unitstest.ByCode(t, list, 1, "79")
	tallies := map[int64]ocop.Tally{}
	ix := unitstest.Index(t, file)
	for i, u := range units.Communes(ix, city.ID) {
		tallies[u.ID] = counts(i + 1)
	}
	return ocop.BuildStatus(ix, city.ID, tallies, hcmcQuotas(), on)
}

// PrinterForTest is the catalogue's printer for lang, for this package's tests
// inside and outside it.
func PrinterForTest(t *testing.T, lang string) locales.Printer {
	t.Helper()
	c, err := locales.Load(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return c.Printer(lang)
}

// render draws st, writes the PNG to the temporary directory (or
// $CHART_DIR, to look at it) and checks what holds for every chart.
func render(t *testing.T, name string, st ocop.Status, lang string) (chartLayout, image.Image) {
	t.Helper()
	data, lay, err := drawChart(Data{Status: st}, PrinterForTest(t, lang))
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("CHART_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != ChartWidth || b.Dy() != ChartHeight {
		t.Fatalf("chart is %v", b)
	}
	checkGeometry(t, lay, img)
	return lay, img
}

// checkGeometry: axes from 0, every text whole inside the image and apart
// from the others, every bar and marker inside its own row's band, the
// image's edges blank.
func checkGeometry(t *testing.T, lay chartLayout, img image.Image) {
	t.Helper()
	if lay.XMin < 0 || lay.YMin < 0 {
		t.Errorf("axes start at x %v, y %v", lay.XMin, lay.YMin)
	}
	for i, l := range lay.Labels {
		if l.Box.X0 < 0 || l.Box.Y0 < 0 || l.Box.X1 > ChartWidth || l.Box.Y1 > ChartHeight {
			t.Errorf("label %q at %+v leaves the image", l.Text, l.Box)
		}
		for _, o := range lay.Labels[:i] {
			if overlap(l.Box, o.Box) {
				t.Errorf("labels %q %+v and %q %+v overlap", l.Text, l.Box, o.Text, o.Box)
			}
		}
	}
	if !lay.Empty && (lay.Plot.X1 >= ChartWidth-1 || lay.Plot.X0 <= 0) {
		t.Errorf("plot area %+v touches the image's edge", lay.Plot)
	}
	for i, r := range lay.Rows {
		if i > 0 && r.Band.Y0 < lay.Rows[i-1].Band.Y1-0.5 {
			t.Errorf("row %q %+v overlaps the row above", r.Unit, r.Band)
		}
		for _, b := range r.Bars {
			if !inside(b.Box, r.Band) {
				t.Errorf("%q: %d★ bar %+v outside its band %+v", r.Unit, b.Stars, b.Box, r.Band)
			}
		}
		for _, m := range r.Targets {
			if !inside(m.Box, r.Band) {
				t.Errorf("%q: %s target %d at %+v outside its band %+v", r.Unit, m.Kind, m.Value, m.Box, r.Band)
			}
			if m.Box.X1 > lay.Plot.X1 {
				t.Errorf("%q: target %+v cut at the plot's right %v", r.Unit, m.Box, lay.Plot.X1)
			}
		}
		name := labelOf(t, lay, r.Unit)
		if mid := (name.Box.Y0 + name.Box.Y1) / 2; mid < r.Band.Y0 || mid > r.Band.Y1 || name.Box.X1 > lay.Plot.X0 {
			t.Errorf("%q: name %+v not beside its band %+v", r.Unit, name.Box, r.Band)
		}
	}
	// Nothing reaches the image's edges: nothing cut.
	b := img.Bounds()
	for y := range b.Dy() {
		for _, x := range []int{0, b.Dx() - 1} {
			if !white(img.At(x, y)) {
				t.Fatalf("pixel (%d,%d) at the edge is %v: something is cut", x, y, img.At(x, y))
			}
		}
	}
}

func overlap(a, b box) bool { return a.X0 < b.X1 && b.X0 < a.X1 && a.Y0 < b.Y1 && b.Y0 < a.Y1 }

// inside reports whether a lies in b, to half a pixel.
func inside(a, b box) bool {
	return a.X0 >= b.X0-0.5 && a.X1 <= b.X1+0.5 && a.Y0 >= b.Y0-0.5 && a.Y1 <= b.Y1+0.5
}

func labelOf(t *testing.T, lay chartLayout, text string) labelLayout {
	t.Helper()
	for _, l := range lay.Labels {
		if l.Text == text {
			return l
		}
	}
	t.Fatalf("no label %q among %d", text, len(lay.Labels))
	return labelLayout{}
}

func white(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r > 0xf000 && g > 0xf000 && b > 0xf000
}

// pixels counts the pixels of exactly colour c in bx.
func pixels(img image.Image, bx box, c color.RGBA) int {
	n := 0
	for y := int(bx.Y0); y < int(bx.Y1+1); y++ {
		for x := int(bx.X0); x < int(bx.X1+1); x++ {
			if color.RGBAModel.Convert(img.At(x, y)).(color.RGBA) == c {
				n++
			}
		}
	}
	return n
}

func rowOf(t *testing.T, lay chartLayout, name string) rowLayout {
	t.Helper()
	for _, r := range lay.Rows {
		if r.Unit == name {
			return r
		}
	}
	t.Fatalf("no row %q", name)
	return rowLayout{}
}

func targetOf(r rowLayout, kind string) (markerLayout, bool) {
	for _, m := range r.Targets {
		if m.Kind == kind {
			return m, true
		}
	}
	return markerLayout{}, false
}

// TestChartTargetsOnTheirOwnRow draws Ho Chi Minh City on 01/03/2025, its
// 22 districts of the real tree under 1943/QĐ-UBND: every target marker in
// its unit's band (Củ Chi's 42 beside "Huyện Củ Chi"), drawn in the
// marker's colour there and nowhere else; encouraged levels hollow.
func TestChartTargetsOnTheirOwnRow(t *testing.T) {
	t.Parallel()
	st := hcmcStatus(t, "vn-units-2025-03.csv", day(2025, 3, 1), func(i int) ocop.Tally {
		var tl ocop.Tally
		tl.Stars[3] = i % 3
		tl.Stars[4] = i % 5 / 4
		tl.Stars[5] = i % 17 / 16
		return tl
	})
	render(t, "chart-hcmc-2025-03-01-en", st, "en") // its legend is longer
	lay, img := render(t, "chart-hcmc-2025-03-01", st, "vi")
	if len(lay.Rows) != len(st.Children) || lay.More != 0 || len(st.Children) != 22 {
		t.Fatalf("%d rows, %d more, of %d districts", len(lay.Rows), lay.More, len(st.Children))
	}
	cuchi := rowOf(t, lay, "Huyện Củ Chi")
	if m, ok := targetOf(cuchi, markMinimum); !ok || m.Value != 42 {
		t.Fatalf("Củ Chi's targets: %+v", cuchi.Targets)
	}
	for k, r := range lay.Rows {
		c := st.Children[0]
		for _, c = range st.Children {
			if c.Unit.Name == r.Unit {
				break
			}
		}
		if k > 0 {
			above := lay.Rows[k-1].Unit
			for _, p := range st.Children {
				if p.Unit.Name == above && (p.Gap < c.Gap || p.Gap == c.Gap && p.Tally.Recognised() < c.Tally.Recognised()) {
					t.Errorf("%q (gap %d) below %q (gap %d)", r.Unit, c.Gap, above, p.Gap)
				}
			}
		}
		// The bars stack the stars from 0: their extents are the counts.
		var width float64
		for _, b := range r.Bars {
			if b.Stars < 3 || b.Stars > 5 || c.Tally.Stars[b.Stars] == 0 {
				t.Errorf("%q: a %d★ bar", r.Unit, b.Stars)
			}
			width += b.Box.X1 - b.Box.X0
		}
		scale := (lay.Plot.X1 - lay.Plot.X0) / (lay.XMax - lay.XMin)
		if got, want := width, float64(c.Tally.Recognised())*scale; got < want-1 || got > want+1 {
			t.Errorf("%q: bars %v px long, want %v", r.Unit, got, want)
		}
		for s := 3; s <= 5; s++ {
			if n := pixels(img, r.Band, starColors[s]); (n > 0) != (c.Tally.Stars[s] > 0) {
				t.Errorf("%q: %d px of the %d★ colour for %d products", r.Unit, n, s, c.Tally.Stars[s])
			}
		}
		min, hasMin := targetOf(r, markMinimum)
		if n := pixels(img, r.Band, minimumColor); (n > 0) != hasMin {
			t.Errorf("%q: %d px of the target's colour, has a target: %v", r.Unit, n, hasMin)
		}
		if hasMin {
			if want := lay.Plot.X0 + float64(min.Value)*scale; (min.Box.X0+min.Box.X1)/2 < want-1 || (min.Box.X0+min.Box.X1)/2 > want+1 {
				t.Errorf("%q: target %d at %+v, want x %v", r.Unit, min.Value, min.Box, want)
			}
			// Short of it: at what the status says is required; met:
			// at its level, within the bar.
			if need := c.Required; need > c.Tally.Recognised() && min.Value != need || need == c.Tally.Recognised() && min.Value > need {
				t.Errorf("%q: target drawn at %d, required %d, has %d", r.Unit, min.Value, need, c.Tally.Recognised())
			}
		}
		_, hasEnc := targetOf(r, markEncouraged)
		if n := pixels(img, r.Band, encouragedColor); (n > 0) != hasEnc {
			t.Errorf("%q: %d px of the encouraged colour, has one: %v", r.Unit, n, hasEnc)
		}
		if strings.HasPrefix(r.Unit, "Quận") && !hasEnc { // 4★: encouraged only
			t.Errorf("%q: no encouraged 4★ level: %+v", r.Unit, r.Targets)
		}
	}
	// Nothing drawn in the target's colour outside the rows that have one.
	total := pixels(img, box{0, 0, ChartWidth - 1, ChartHeight - 1}, minimumColor)
	inRows := 0
	for _, r := range lay.Rows {
		inRows += pixels(img, r.Band, minimumColor)
	}
	legend := pixels(img, box{0, 0, ChartWidth - 1, lay.Plot.Y0 - 1}, minimumColor)
	if total != inRows+legend {
		t.Errorf("%d px of the target's colour, %d in rows and %d in the legend", total, inRows, legend)
	}
}

// TestChartRowsAsDrawn: the layout ChartRows reads back (drawn on a
// recorder) is the one the PNG was drawn with, so a test reading it checks
// the picture sent.
func TestChartRowsAsDrawn(t *testing.T) {
	t.Parallel()
	st := hcmcStatus(t, "vn-units-2025-03.csv", day(2025, 3, 1), func(i int) ocop.Tally {
		var tl ocop.Tally
		tl.Stars[3], tl.Stars[4], tl.Stars[5] = i%3, i%5/4, i%17/16
		return tl
	})
	p := PrinterForTest(t, "vi")
	_, drawn, err := drawChart(Data{Status: st}, p)
	if err != nil {
		t.Fatal(err)
	}
	recorded := layChart(draw.NewCanvas(&recorder.Canvas{}, px(ChartWidth), px(ChartHeight)), Data{Status: st}, p)
	if !reflect.DeepEqual(drawn, recorded) {
		t.Fatalf("drawn on pixels:\n%+v\non a recorder:\n%+v", drawn, recorded)
	}
	rows, more := ChartRows(Data{Status: st}, p)
	if len(rows) != len(drawn.Rows) || more != drawn.More {
		t.Fatalf("ChartRows: %d rows and %d more, drawn %d and %d", len(rows), more, len(drawn.Rows), drawn.More)
	}
	for i, r := range rows {
		c := st.Children[slices.IndexFunc(st.Children, func(c ocop.UnitResult) bool { return c.Unit.Name == r.Unit })]
		for s := 3; s <= 5; s++ {
			if math.Abs(r.Stars[s]-float64(c.Tally.Stars[s])) > 1e-6 {
				t.Errorf("row %d %s: %d★ %v, want %d", i, r.Unit, s, r.Stars[s], c.Tally.Stars[s])
			}
		}
		for k, m := range r.Targets {
			if want := drawn.Rows[i].Targets[k].Value; math.Abs(m.At-float64(want)) > 1e-6 {
				t.Errorf("row %d %s: %s target at %v, drawn for %d", i, r.Unit, m.Kind, m.At, want)
			}
		}
	}
}

// TestChartEncouragedIsNoMiss draws today's city with products in a few
// wards: the units with nothing are counted in the title, the encouraged
// level is a hollow marker and never the minimum's colour.
func TestChartEncouragedIsNoMiss(t *testing.T) {
	t.Parallel()
	st := hcmcStatus(t, "vn-units-2025-07.csv", day(2026, 12, 7), func(i int) ocop.Tally {
		var tl ocop.Tally
		if i%14 == 0 {
			tl.Stars[3], tl.Stars[4] = i%4, 1
		}
		return tl
	})
	lay, img := render(t, "chart-hcmc-today", st, "vi")
	if len(lay.Rows) != 12 || lay.More != 168-12 {
		t.Fatalf("%d rows, %d more", len(lay.Rows), lay.More)
	}
	labelOf(t, lay, "Thành phố Hồ Chí Minh: sản phẩm OCOP theo đơn vị, ngày 07/12/2026 … và 156 đơn vị khác")
	if n := pixels(img, lay.Plot, minimumColor); n > 0 {
		t.Errorf("%d px of the minimum's colour for encouraged levels", n)
	}
	for _, r := range lay.Rows {
		if len(r.Targets) != 1 || r.Targets[0].Kind != markEncouraged || r.Targets[0].Value != 1 {
			t.Errorf("%q: targets %+v", r.Unit, r.Targets)
		}
		if pixels(img, r.Band, encouragedColor) == 0 || len(r.Bars) == 0 {
			t.Errorf("%q: no hollow marker or no bar", r.Unit)
		}
	}
}

// TestChartEmpty: a day with no product says so in the picture.
func TestChartEmpty(t *testing.T) {
	t.Parallel()
	st := hcmcStatus(t, "vn-units-2025-07.csv", day(2026, 12, 7), func(int) ocop.Tally { return ocop.Tally{} })
	for _, c := range []struct{ lang, msg string }{
		{"vi", "Chưa có sản phẩm OCOP nào còn hiệu lực ngày 07/12/2026"},
		{"en", "No OCOP product is valid on 07/12/2026 yet"},
	} {
		lay, img := render(t, "chart-empty-"+c.lang, st, c.lang)
		if !lay.Empty || len(lay.Rows) != 0 {
			t.Fatalf("%s: empty %v, %d rows", c.lang, lay.Empty, len(lay.Rows))
		}
		msg := labelOf(t, lay, c.msg)
		if dark := darkPixels(img, msg.Box); dark < 100 {
			t.Errorf("%s: the message's box holds %d dark pixels", c.lang, dark)
		}
	}
}

func darkPixels(img image.Image, bx box) int {
	n := 0
	for y := int(bx.Y0); y < int(bx.Y1); y++ {
		for x := int(bx.X0); x < int(bx.X1); x++ {
			if r, g, b, _ := img.At(x, y).RGBA(); r+g+b < 3*0x8000 {
				n++
			}
		}
	}
	return n
}

// TestChart45Units draws 30 of 45 units (today's wards of the city, long
// names first) and names the 15 others in the title, in both languages;
// each name is whole, left of the plot, in ink.
func TestChart45Units(t *testing.T) {
	t.Parallel()
	list := unitstest.Load(t, "vn-units-2025-07.csv")
	city := unitstest.ByCode(t, list, 1, "79")
	st := ocop.Status{Unit: city, Day: day(2026, 12, 7)}
	for _, u := range units.Communes(unitstest.Index(t, "vn-units-2025-07.csv"), city.ID)[:45] {
		r := ocop.UnitResult{Unit: u}
		r.Unit.Name += []string{"", " (Bà Rịa – Vũng Tàu cũ)", " – đặc khu Côn Đảo cũ"}[u.ID%3]
		r.Tally.Stars[3], r.Tally.Stars[4], r.Tally.Stars[5] = int(u.ID%5), int(u.ID%3), int(u.ID%7/6)
		r.Targets = []ocop.Target{{Quota: ocop.Quota{Metric: ocop.MetricRecognised, Minimum: 4}, Gap: max(0, 4-r.Tally.Recognised())}}
		r.Gap = r.Targets[0].Gap
		st.Children = append(st.Children, r)
	}
	for lang, more := range map[string]string{"vi": "… và 15 đơn vị khác", "en": "… and 15 other units"} {
		lay, img := render(t, "chart-45-"+lang, st, lang)
		checkRows(t, lay, img, more)
	}
	// A title too long for its line puts the count on the next.
	st.Unit.Name = "Thành phố Hồ Chí Minh (gồm tỉnh Bình Dương và tỉnh Bà Rịa – Vũng Tàu cũ, đặc khu Côn Đảo)"
	lay, img := render(t, "chart-45-long-title", st, "vi")
	if title := lay.Labels[0].Text; !strings.Contains(title, "\n… và 15 đơn vị khác") {
		t.Errorf("title %q", title)
	}
	checkRows(t, lay, img, "… và 15 đơn vị khác")
}

func checkRows(t *testing.T, lay chartLayout, img image.Image, more string) {
	t.Helper()
	{
		if len(lay.Rows) != 30 || lay.More != 15 {
			t.Fatalf("%d rows, %d more", len(lay.Rows), lay.More)
		}
		if title := lay.Labels[0].Text; !strings.HasSuffix(title, more) {
			t.Errorf("title %q", title)
		}
		for _, r := range lay.Rows {
			name := labelOf(t, lay, r.Unit)
			if darkPixels(img, name.Box) < 20 {
				t.Errorf("%q: no ink in its box %+v", r.Unit, name.Box)
			}
			if _, ok := targetOf(r, markMinimum); !ok || pixels(img, r.Band, minimumColor) == 0 {
				t.Errorf("%q: target not drawn in its band", r.Unit)
			}
		}
	}
}
