package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"runtime"
	"time"

	"github.com/skip2/go-qrcode"
	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/locales"
)

// writeUnlinked writes the sheet of producers not linked to the bot yet,
// with whom to call (the /status workbook).
func writeUnlinked(f *excelize.File, sheet string, bold int, d Data, p locales.Printer) error {
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, w := range []float64{6, 36, 28, 28, 24, 16, 28} {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	head := []any{}
	// The address line last, as on the products sheet.
	for _, h := range []string{"xlsx.no_col", "xlsx.producer", "xlsx.commune", "xlsx.parent", "xlsx.representative", "xlsx.phone", "xlsx.address_line"} {
		head = append(head, excelize.Cell{StyleID: bold, Value: p.T(h)})
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{StyleID: bold}); err != nil {
		return err
	}
	for i, u := range d.Unlinked {
		commune, parent := CommuneName(p, d.Atlas, u.UnitID, d.Status.Day)
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, []any{i + 1, u.Name, commune, parent, u.Representative, u.Phone, blank(u.AddressLine != "", u.AddressLine)}); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// ClaimLinkSize is the side of a claim link's QR code picture, in pixels:
// about 3 cm printed, what a phone's camera reads from arm's length.
const ClaimLinkSize = 120

// ClaimLinkRow is the link of one producer as the workbook prints it.
type ClaimLinkRow struct {
	ocop.ClaimLink
	URL string // https://t.me/<bot>?start=<code>
}

// ClaimLinks writes the printable workbook of claim links: one row per
// unclaimed producer with its name, commune as named on day, phone, link
// and the link's QR code picture, and a sheet saying how to use them.
func ClaimLinks(rows []ClaimLinkRow, atlas *units.Atlas, day time.Time, expires string, p locales.Printer) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := p.T("xlsx.sheet_claim_links")
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	if err != nil {
		return nil, err
	}
	for col, w := range map[string]float64{"A": 6, "B": 34, "C": 28, "D": 16, "E": 44, "F": 18, "G": 30} {
		if err := f.SetColWidth(sheet, col, col, w); err != nil {
			return nil, err
		}
	}
	head := []any{}
	for _, h := range []string{"xlsx.no_col", "xlsx.producer", "xlsx.commune", "xlsx.phone", "xlsx.claim_link", "xlsx.qr", "xlsx.zalo_code"} {
		head = append(head, p.T(h))
	}
	if err := f.SetSheetRow(sheet, "A1", &head); err != nil {
		return nil, err
	}
	if err := f.SetRowStyle(sheet, 1, 1, bold); err != nil {
		return nil, err
	}
	qrOf := qrCodes(rows)
	// Row height in points: the picture's pixels at 96 dpi, and a margin.
	height := float64(ClaimLinkSize)*0.75 + 6
	for i, r := range rows {
		row := i + 2
		commune, _ := CommuneName(p, atlas, r.UnitID, day)
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if err := f.SetSheetRow(sheet, cell, &[]any{i + 1, r.Name, commune, r.Phone, r.URL}); err != nil {
			return nil, err
		}
		// The code a Zalo user types (Zalo opens no t.me link), beside the picture.
		code, _ := excelize.CoordinatesToCellName(7, row)
		if err := f.SetCellValue(sheet, code, r.Code); err != nil {
			return nil, err
		}
		if err := f.SetRowHeight(sheet, row, height); err != nil {
			return nil, err
		}
		data, err := qrOf(i)
		if err != nil {
			return nil, fmt.Errorf("QR code of row %d: %w", row, err)
		}
		qr, _ := excelize.CoordinatesToCellName(6, row)
		pic := &excelize.Picture{Extension: ".png", File: data, Format: &excelize.GraphicOptions{OffsetX: 4, OffsetY: 4, AltText: r.URL}}
		if err := f.AddPictureFromBytes(sheet, qr, pic); err != nil {
			return nil, fmt.Errorf("QR code of row %d: %w", row, err)
		}
	}
	last, _ := excelize.CoordinatesToCellName(7, len(rows)+1)
	if err := f.SetCellStyle(sheet, "A2", last, wrap); err != nil {
		return nil, err
	}
	help := p.T("xlsx.sheet_claim_help")
	if _, err := f.NewSheet(help); err != nil {
		return nil, err
	}
	if err := f.SetColWidth(help, "A", "A", 100); err != nil {
		return nil, err
	}
	if err := f.SetCellValue(help, "A1", p.T("xlsx.claim_help", "Date", expires)); err != nil {
		return nil, err
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// qrCodes starts drawing the QR code of every row's link as a PNG, on
// every core, and returns a function waiting for row i's: for thousands of
// producers the drawing is half the workbook's time, done while the rows
// before are written.
func qrCodes(rows []ClaimLinkRow) func(i int) ([]byte, error) {
	out := make([][]byte, len(rows))
	errs := make([]error, len(rows))
	ready := make([]chan struct{}, len(rows))
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	workers := min(runtime.GOMAXPROCS(0), max(len(rows), 1))
	for w := range workers {
		go func() {
			enc := png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngBuffers{}}
			for i := w; i < len(rows); i += workers {
				out[i], errs[i] = qrPNG(&enc, rows[i].URL)
				close(ready[i])
			}
		}()
	}
	return func(i int) ([]byte, error) {
		<-ready[i]
		return out[i], errs[i]
	}
}

// qrPalette is black on white: a 1-bit PNG, small and quick to write.
var qrPalette = color.Palette{color.White, color.Black}

// qrPNG draws text's QR code (medium error correction, with its quiet zone)
// as a two-colour PNG of about ClaimLinkSize pixels, whole pixels per module
// so that it prints sharp.
func qrPNG(enc *png.Encoder, text string) ([]byte, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	bits := q.Bitmap()
	n := len(bits)
	scale := max(ClaimLinkSize/n, 1)
	img := image.NewPaletted(image.Rect(0, 0, n*scale, n*scale), qrPalette)
	for y, row := range bits {
		for x, black := range row {
			if !black {
				continue
			}
			for dy := range scale {
				off := img.PixOffset(x*scale, y*scale+dy)
				for dx := range scale {
					img.Pix[off+dx] = 1
				}
			}
		}
	}
	var b bytes.Buffer
	if err := enc.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// pngBuffers keeps one PNG encoder's buffers for the next picture of the
// same worker: a new zlib writer per picture costs more than the picture.
type pngBuffers struct{ b *png.EncoderBuffer }

func (p *pngBuffers) Get() *png.EncoderBuffer  { b := p.b; p.b = nil; return b }
func (p *pngBuffers) Put(b *png.EncoderBuffer) { p.b = b }
