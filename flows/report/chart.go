package report

import (
	"bytes"
	"cmp"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/locales"
)

// The chart's size: 1280 × 720 pixels at plot's 96 dots per inch.
const (
	ChartWidth  = 1280
	ChartHeight = 720
	// chartRows is the most child units drawn, one row each; the others
	// are counted in the title.
	chartRows = 30
	chartDPI  = vgimg.DefaultDPI
)

// chartFont is Liberation Sans, which plot embeds and which has every
// Vietnamese letter (the test checks each one the chart may print).
var chartFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// The chart's colours: stars from dark (5★) to light (3★), stacked from 0 in
// that order so that a 4★ rule reads against the bar's dark part; targets
// in colours no bar or text has.
var (
	starColors = [6]color.RGBA{
		3: {R: 0xa5, G: 0xd6, B: 0xa7, A: 0xff},
		4: {R: 0x43, G: 0xa0, B: 0x47, A: 0xff},
		5: {R: 0x1b, G: 0x5e, B: 0x20, A: 0xff},
	}
	minimumColor    = color.RGBA{R: 0xd3, G: 0x2f, B: 0x2f, A: 0xff}
	fourStarColor   = color.RGBA{R: 0x7b, G: 0x1f, B: 0xa2, A: 0xff}
	encouragedColor = color.RGBA{R: 0x15, G: 0x65, B: 0xc0, A: 0xff}
	textColor       = color.RGBA{R: 0x21, G: 0x21, B: 0x21, A: 0xff}
)

// Target marker kinds.
const (
	markMinimum    = "minimum"    // a minimum on recognised products: a solid line
	markFourStar   = "four-star"  // a minimum on 4★ products: a solid line
	markEncouraged = "encouraged" // an encouraged level only: a hollow diamond
)

// box is a rectangle in the PNG's pixels, y downwards.
type box struct{ X0, Y0, X1, Y1 float64 }

// chartLayout is where the chart drew what, in the PNG's pixels: the test
// checks it against the data and against the pixels.
type chartLayout struct {
	Plot                   box // the data area
	XMin, XMax, YMin, YMax float64
	Rows                   []rowLayout
	Labels                 []labelLayout // every text drawn
	More                   int           // child units not drawn
	Empty                  bool          // no product and no shortfall: a message instead
}

type rowLayout struct {
	Unit    string
	Band    box // the row's share of the data area
	Bars    []barLayout
	Targets []markerLayout
}

type barLayout struct {
	Stars int
	Box   box
}

type markerLayout struct {
	Kind  string
	Value int
	Box   box
}

type labelLayout struct {
	Text string
	Box  box
}

// chartRow is one child unit as drawn: its stars and targets as the status
// gives them.
type chartRow struct {
	r       ocop.UnitResult
	targets []chartTarget
}

type chartTarget struct {
	kind  string
	value int
}

// Chart draws the child units of a status as horizontal bars, one row
// each: recognised products stacked by stars, and on the same row a
// marker at each target.
func Chart(d Data, p locales.Printer) ([]byte, error) {
	png, _, err := drawChart(d, p)
	return png, err
}

// drawChart draws the chart and says where it drew what.
func drawChart(d Data, p locales.Printer) ([]byte, chartLayout, error) {
	img := vgimg.NewWith(vgimg.UseWH(vg.Length(ChartWidth)*vg.Inch/chartDPI, vg.Length(ChartHeight)*vg.Inch/chartDPI), vgimg.UseDPI(chartDPI))
	lay := layChart(draw.New(img), d, p)
	return lay.encode(img)
}

// layChart draws the chart on c, a canvas of the chart's size, and says
// where it drew what.
func layChart(c draw.Canvas, d Data, p locales.Printer) chartLayout {
	var lay chartLayout
	rows := chartRowsOf(d.Status.Children)
	if len(rows) > chartRows {
		rows = rows[:chartRows]
	}
	lay.More = len(d.Status.Children) - len(rows)
	lay.Empty = len(rows) == 0

	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	margin := px(16)
	frame := draw.Crop(c, margin, -margin, margin, -margin)

	heading := textStyle(16, draw.XLeft, draw.YTop)
	title := p.T("chart.title", "Unit", unitName(d, p), "Date", dates.Format(d.Status.Day))
	if more := p.N("chart.more", lay.More); lay.More > 0 && !lay.Empty {
		sep := " " // on the title's line while it fits, else below it
		if heading.Width(title+sep+more) > frame.Max.X-frame.Min.X {
			sep = "\n"
		}
		title += sep + more
	}
	for size := vg.Length(15); heading.Width(title) > frame.Max.X-frame.Min.X && size >= 10; size-- {
		heading = textStyle(size, draw.XLeft, draw.YTop) // a long name: smaller, whole
	}
	top := lay.text(c, heading, vg.Point{X: frame.Min.X, Y: frame.Max.Y}, title).Min.Y - px(10)

	if lay.Empty {
		msg := p.T("chart.empty", "Date", dates.Format(d.Status.Day))
		lay.text(c, textStyle(20, draw.XCenter, draw.YCenter), vg.Point{X: frame.Center().X, Y: (frame.Min.Y + top) / 2}, msg)
		return lay
	}
	top = lay.legend(c, p, vg.Point{X: frame.Min.X, Y: top}, rows) - px(8)

	label := textStyle(12, draw.XRight, draw.YCenter)
	var nameWidth vg.Length
	for _, r := range rows {
		nameWidth = max(nameWidth, label.Width(r.r.Unit.Name))
	}
	pl := plot.New()
	pl.X.Min, pl.Y.Min = 0, 0
	pl.Y.Max = float64(len(rows))
	// The axis goes a little past the longest row, so that a target there
	// is drawn whole inside the plot.
	end := 1
	for _, r := range rows {
		end = max(end, r.end())
	}
	pl.X.Max = float64(end)*1.03 + 0.2
	pl.X.Label.Text = p.T("chart.x")
	pl.X.Label.TextStyle = textStyle(12, draw.XCenter, draw.YTop)
	pl.X.Tick.Label = textStyle(11, draw.XCenter, draw.YTop)
	pl.X.Tick.Marker = plot.TickerFunc(integerTicks)
	pl.Y.Tick.Marker = plot.ConstantTicks(nil)
	pl.Y.Padding = nameWidth + px(10)
	grid := plotter.NewGrid()
	grid.Horizontal.Color = nil
	pl.Add(grid, &rowsPlotter{rows: rows, lay: &lay, label: label})
	pl.Draw(draw.Crop(frame, 0, 0, 0, top-frame.Max.Y))
	lay.XMin, lay.XMax, lay.YMin, lay.YMax = pl.X.Min, pl.X.Max, pl.Y.Min, pl.Y.Max
	return lay
}

// chartRowsOf are the child units worth a row, the furthest from their
// targets first, then those with the most products: a unit with no
// product and no minimum target is left to the title's count.
func chartRowsOf(children []ocop.UnitResult) []chartRow {
	var rows []chartRow
	for _, c := range children {
		row := chartRow{r: c, targets: targetsOf(c)}
		if c.Tally.Recognised() == 0 && !slices.ContainsFunc(row.targets, func(t chartTarget) bool { return t.kind != markEncouraged }) {
			continue
		}
		rows = append(rows, row)
	}
	slices.SortStableFunc(rows, func(a, b chartRow) int {
		return cmp.Or(cmp.Compare(b.r.Gap, a.r.Gap), cmp.Compare(b.r.Tally.Recognised(), a.r.Tally.Recognised()))
	})
	return rows
}

// targetsOf places a unit's targets on products, as the status measured
// them: the count plus its gap, or the level when met. Targets on communes
// are not products and are not drawn.
func targetsOf(r ocop.UnitResult) []chartTarget {
	var out []chartTarget
	for _, t := range r.Targets {
		q := t.Quota
		kind, gap, level := markMinimum, t.Gap, q.Minimum
		switch {
		case q.Minimum == 0 && q.Encouraged == 0:
			continue
		case q.Minimum == 0:
			kind, gap, level = markEncouraged, t.EncouragedGap, q.Encouraged
		case q.Metric == ocop.MetricFourStar:
			kind = markFourStar
		}
		var have int
		switch q.Metric {
		case ocop.MetricRecognised:
			have = r.Tally.Recognised()
		case ocop.MetricAvgPerCommune:
			have, level = r.Tally.Recognised(), level*float64(r.Communes)
		case ocop.MetricFourStar:
			have = r.Tally.FourStar()
		default:
			continue
		}
		v := have + gap
		if gap == 0 {
			v = int(math.Ceil(level - 1e-9))
		}
		out = append(out, chartTarget{kind: kind, value: v})
	}
	return out
}

// end is where the row's drawing ends on the products' axis.
func (r chartRow) end() int {
	e := r.r.Tally.Recognised()
	for _, t := range r.targets {
		e = max(e, t.value)
	}
	return e
}

// rowsPlotter draws the rows and records them in the layout; the bars and
// the markers of row i are placed from i alone.
type rowsPlotter struct {
	rows  []chartRow
	lay   *chartLayout
	label draw.TextStyle
}

const barHalf, markHalf = 0.3, 0.42 // of a row's height

func (rp *rowsPlotter) Plot(c draw.Canvas, pl *plot.Plot) {
	x, y := pl.Transforms(&c)
	lay := rp.lay
	lay.Plot = pixBox(vg.Rectangle{Min: c.Min, Max: c.Max})
	value := textStyle(11, draw.XLeft, draw.YCenter)
	for i, r := range rp.rows {
		mid := float64(len(rp.rows)-i) - 0.5
		row := rowLayout{Unit: r.r.Unit.Name, Band: pixBox(vg.Rectangle{Min: vg.Point{X: c.Min.X, Y: y(mid - 0.5)}, Max: vg.Point{X: c.Max.X, Y: y(mid + 0.5)}})}
		lay.text(c, rp.label, vg.Point{X: c.Min.X - px(8), Y: y(mid)}, r.r.Unit.Name)
		from := 0
		for s := 5; s >= 3; s-- {
			n := r.r.Tally.Stars[s]
			if n == 0 {
				continue
			}
			rect := vg.Rectangle{Min: vg.Point{X: x(float64(from)), Y: y(mid - barHalf)}, Max: vg.Point{X: x(float64(from + n)), Y: y(mid + barHalf)}}
			c.SetColor(starColors[s])
			c.Fill(rect.Path())
			row.Bars = append(row.Bars, barLayout{Stars: s, Box: pixBox(rect)})
			from += n
		}
		// The count goes after the bar, or after a target right behind it.
		count := strconv.Itoa(r.r.Tally.Recognised())
		at := x(float64(from)) + px(6)
		half := min(y(mid+markHalf)-y(mid), px(12))
		for _, t := range r.targets {
			rect := marker(c, t.kind, x(float64(t.value)), y(mid)-half, y(mid)+half)
			row.Targets = append(row.Targets, markerLayout{Kind: t.kind, Value: t.value, Box: pixBox(rect)})
			if rect.Min.X < at+value.Width(count)+px(4) && rect.Max.X > at-px(6) {
				at = rect.Max.X + px(4)
			}
		}
		lay.text(c, value, vg.Point{X: at, Y: y(mid)}, count)
		lay.Rows = append(lay.Rows, row)
	}
}

// GlyphBoxes leaves room at the right of the longest row for its count.
func (rp *rowsPlotter) GlyphBoxes(pl *plot.Plot) []plot.GlyphBox {
	var out []plot.GlyphBox
	value := textStyle(11, draw.XLeft, draw.YCenter)
	for i, r := range rp.rows {
		w := value.Width(strconv.Itoa(r.r.Tally.Recognised())) + px(24)
		out = append(out, plot.GlyphBox{X: pl.X.Norm(float64(r.end())), Y: pl.Y.Norm(float64(len(rp.rows)-i) - 0.5),
			Rectangle: vg.Rectangle{Min: vg.Point{X: -px(8), Y: -px(4)}, Max: vg.Point{X: w, Y: px(4)}}})
	}
	return out
}

// marker draws a target at x across [y0, y1] and returns its extent: a
// solid line for a minimum, a hollow diamond for an encouraged level.
func marker(c draw.Canvas, kind string, x, y0, y1 vg.Length) vg.Rectangle {
	if kind == markEncouraged {
		h := (y1 - y0) / 2
		mid := (y0 + y1) / 2
		var path vg.Path
		path.Move(vg.Point{X: x, Y: mid - h})
		path.Line(vg.Point{X: x + h*0.7, Y: mid})
		path.Line(vg.Point{X: x, Y: mid + h})
		path.Line(vg.Point{X: x - h*0.7, Y: mid})
		path.Close()
		c.SetLineStyle(draw.LineStyle{Color: encouragedColor, Width: px(3)})
		c.Stroke(path)
		return vg.Rectangle{Min: vg.Point{X: x - h*0.7 - px(2), Y: y0 - px(2)}, Max: vg.Point{X: x + h*0.7 + px(2), Y: y1 + px(2)}}
	}
	col := minimumColor
	if kind == markFourStar {
		col = fourStarColor
	}
	rect := vg.Rectangle{Min: vg.Point{X: x - px(2.5), Y: y0}, Max: vg.Point{X: x + px(2.5), Y: y1}}
	c.SetColor(col)
	c.Fill(rect.Path())
	return rect
}

// legend draws one line of keys at pt (its top left) for what the rows
// show, and returns the line's bottom.
func (lay *chartLayout) legend(c draw.Canvas, p locales.Printer, pt vg.Point, rows []chartRow) vg.Length {
	sty := textStyle(12, draw.XLeft, draw.YCenter)
	h := sty.Height("Ẩy")
	mid := pt.Y - h/2
	x := pt.X
	key := func(text string, drawKey func(x vg.Length) vg.Length) {
		x = drawKey(x) + px(6)
		x = lay.text(c, sty, vg.Point{X: x, Y: mid}, text).Max.X + px(22)
	}
	for s := 5; s >= 3; s-- {
		key(p.T("chart.stars", "Stars", s), func(x vg.Length) vg.Length {
			rect := vg.Rectangle{Min: vg.Point{X: x, Y: mid - h/2}, Max: vg.Point{X: x + px(22), Y: mid + h/2}}
			c.SetColor(starColors[s])
			c.Fill(rect.Path())
			return rect.Max.X
		})
	}
	for _, k := range []struct{ kind, id string }{{markMinimum, "chart.target"}, {markFourStar, "chart.target_four"}, {markEncouraged, "chart.encouraged"}} {
		if !slices.ContainsFunc(rows, func(r chartRow) bool {
			return slices.ContainsFunc(r.targets, func(t chartTarget) bool { return t.kind == k.kind })
		}) {
			continue
		}
		key(p.T(k.id), func(x vg.Length) vg.Length {
			return marker(c, k.kind, x+px(8), mid-h*0.6, mid+h*0.6).Max.X
		})
	}
	return pt.Y - h
}

// text draws txt at pt and records its box.
func (lay *chartLayout) text(c draw.Canvas, sty draw.TextStyle, pt vg.Point, txt string) vg.Rectangle {
	c.FillText(sty, pt, txt)
	r := sty.Rectangle(txt)
	r = vg.Rectangle{Min: r.Min.Add(pt), Max: r.Max.Add(pt)}
	lay.Labels = append(lay.Labels, labelLayout{Text: txt, Box: pixBox(r)})
	return r
}

func (lay chartLayout) encode(img *vgimg.Canvas) ([]byte, chartLayout, error) {
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, lay, err
	}
	return buf.Bytes(), lay, nil
}

func textStyle(size vg.Length, x draw.XAlignment, y draw.YAlignment) draw.TextStyle {
	return draw.TextStyle{Color: textColor, Font: font.From(chartFont, size), XAlign: x, YAlign: y, Handler: plot.DefaultTextHandler}
}

// px is a length of n pixels.
func px(n float64) vg.Length { return vg.Length(n) * vg.Inch / chartDPI }

// pixBox turns a rectangle of the canvas (points, y upwards) into pixels.
func pixBox(r vg.Rectangle) box {
	k := float64(chartDPI) / float64(vg.Inch)
	return box{X0: float64(r.Min.X) * k, X1: float64(r.Max.X) * k, Y0: ChartHeight - float64(r.Max.Y)*k, Y1: ChartHeight - float64(r.Min.Y)*k}
}

// integerTicks marks whole numbers only: products are not counted in halves.
func integerTicks(lo, hi float64) []plot.Tick {
	step := math.Max(1, math.Ceil((hi-lo)/10))
	var out []plot.Tick
	for v := math.Ceil(lo); v <= hi; v += step {
		out = append(out, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return out
}

func unitName(d Data, p locales.Printer) string {
	if d.Status.Unit.ID == 0 {
		return p.T("status.country")
	}
	return d.Status.Unit.Name
}

// ChartRow is one row of a drawn chart read back from where it was drawn,
// in products: each bar's length by stars, and each target marker's
// position on the products' axis.
type ChartRow struct {
	Unit    string
	Stars   [6]float64
	Targets []ChartMark
}

// ChartMark is a target marker read back: its kind ("minimum",
// "four-star" or "encouraged") and where its centre stands, in products.
type ChartMark struct {
	Kind string
	At   float64
}

// ChartRows lays d's chart out as Chart draws it and reads its rows back
// from the geometry, with how many child units the title counts as not
// drawn. Tests compare it with the numbers the chart was drawn from (the
// status oracle of package flows): a bar or a target drawn anywhere but
// where the status puts it shows up as a wrong number, without anyone
// looking at the picture. The drawing goes to a recorder, not to pixels:
// the same layout, at a fraction of the cost.
func ChartRows(d Data, p locales.Printer) (rows []ChartRow, more int) {
	lay := layChart(draw.NewCanvas(&recorder.Canvas{}, px(ChartWidth), px(ChartHeight)), d, p)
	if lay.Empty {
		return nil, lay.More
	}
	scale := (lay.Plot.X1 - lay.Plot.X0) / (lay.XMax - lay.XMin) // pixels per product
	at := func(x float64) float64 { return lay.XMin + (x-lay.Plot.X0)/scale }
	for _, r := range lay.Rows {
		row := ChartRow{Unit: r.Unit}
		for _, b := range r.Bars {
			row.Stars[b.Stars] += (b.Box.X1 - b.Box.X0) / scale
		}
		for _, m := range r.Targets {
			row.Targets = append(row.Targets, ChartMark{Kind: m.Kind, At: at((m.Box.X0 + m.Box.X1) / 2)})
		}
		rows = append(rows, row)
	}
	return rows, lay.More
}
