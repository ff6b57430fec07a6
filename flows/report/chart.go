package report

import (
	"bytes"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/locales"
)

// The chart's size: 1280 × 720 pixels at plot's 96 dots per inch.
const (
	ChartWidth  = 1280
	ChartHeight = 720
	// chartUnits is the most child units drawn; beyond it, the furthest
	// from their targets (the list is ranked so).
	chartUnits = 40
)

// chartFont is Liberation Sans, which plot embeds and which has every
// Vietnamese letter (the test checks each one the chart may print).
var chartFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// Chart draws the child units of a status as bars: recognised products,
// those of 4★ or more, and the products their targets ask for.
func Chart(d Data, p locales.Printer) ([]byte, error) {
	children := d.Status.Children
	if len(children) > chartUnits {
		children = children[:chartUnits]
	}
	n := len(children)
	got, four, need := make(plotter.Values, n), make(plotter.Values, n), make(plotter.Values, n)
	names := make([]string, n)
	for i, c := range children {
		got[i] = float64(c.Tally.Recognised())
		four[i] = float64(c.Tally.FourStar())
		need[i] = float64(c.Required)
		names[i] = c.Unit.Name
	}

	pl := plot.New()
	title := p.T("chart.title", "Unit", unitName(d, p), "Date", dates.Format(d.Status.Day))
	if len(d.Status.Children) > chartUnits {
		title += "\n" + p.T("chart.truncated", "N", chartUnits, "Total", len(d.Status.Children))
	}
	pl.Title.Text = title
	pl.Title.TextStyle.Font = font.From(chartFont, 16)
	pl.Y.Label.Text = p.T("chart.y")
	pl.Y.Label.TextStyle.Font = font.From(chartFont, 12)
	pl.Y.Tick.Label.Font = font.From(chartFont, 11)
	pl.Y.Min = 0
	pl.X.Tick.Label.Font = font.From(chartFont, 10)
	pl.X.Tick.Label.Rotation = math.Pi / 4
	pl.X.Tick.Label.XAlign = draw.XRight
	pl.X.Tick.Label.YAlign = draw.YCenter
	pl.Legend.TextStyle.Font = font.From(chartFont, 12)
	pl.Legend.Top = true
	pl.Y.Tick.Marker = plot.TickerFunc(integerTicks)

	width := vg.Points(math.Min(18, 540/float64(max(n, 1))))
	series := []struct {
		v     plotter.Values
		label string
		c     color.Color
	}{
		{got, p.T("chart.recognised"), color.RGBA{R: 0x2e, G: 0x7d, B: 0x32, A: 0xff}},
		{four, p.T("chart.four_star"), color.RGBA{R: 0xf9, G: 0xa8, B: 0x25, A: 0xff}},
		{need, p.T("chart.target"), color.RGBA{R: 0x90, G: 0x90, B: 0x90, A: 0xff}},
	}
	for i, s := range series {
		bars, err := plotter.NewBarChart(s.v, width)
		if err != nil {
			return nil, err
		}
		bars.Color = s.c
		bars.LineStyle.Width = 0
		bars.Offset = width * vg.Length(i-1)
		pl.Add(bars)
		pl.Legend.Add(s.label, bars)
	}
	pl.NominalX(names...)
	wt, err := pl.WriterTo(vg.Length(ChartWidth)*vg.Inch/96, vg.Length(ChartHeight)*vg.Inch/96, "png")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// integerTicks marks whole numbers only: products are not counted in halves.
func integerTicks(lo, hi float64) []plot.Tick {
	step := math.Max(1, math.Ceil((hi-lo)/8))
	var out []plot.Tick
	for v := math.Ceil(lo); v <= hi; v += step {
		out = append(out, plot.Tick{Value: v, Label: formatInt(v)})
	}
	return out
}

func formatInt(v float64) string { return strconv.Itoa(int(v)) }

func unitName(d Data, p locales.Printer) string {
	if d.Status.Unit.ID == 0 {
		return p.T("status.country")
	}
	return d.Status.Unit.Name
}
