package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/xuri/excelize/v2"
)

// CheckXLSX judges an XLSX file against b before anything of it is
// inflated beyond a few kilobytes: from the zip's central directory the
// number of parts, each part's inflated size, their total and each large
// part's compression ratio; from the head of the first sheet, the rows and
// columns its <dimension ref="A1:O2001"/> declares. A file over budget is
// refused with a *LimitError, one that is no zip with ErrUnreadable.
func CheckXLSX(data []byte, b Budget) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("%w: open zip: %w", ErrUnreadable, err)
	}
	if len(zr.File) > b.Parts {
		return &LimitError{What: LimitParts, Max: int64(b.Parts)}
	}
	var total uint64
	for _, f := range zr.File {
		size := f.UncompressedSize64
		if size > uint64(b.Part) {
			return &LimitError{What: LimitInflated, Max: b.Part}
		}
		if total += size; total > uint64(b.Inflated) {
			return &LimitError{What: LimitInflated, Max: b.Inflated}
		}
		if size > ratioFloor && size/max(f.CompressedSize64, 1) > uint64(b.Ratio) {
			return &LimitError{What: LimitRatio, Max: b.Ratio}
		}
	}
	sheet := firstSheet(zr)
	if sheet == nil {
		return nil // excelize finds out what is wrong, within the sizes above
	}
	rows, cols, ok := dimension(sheet)
	switch {
	case !ok:
	case rows > b.Rows:
		return &LimitError{What: LimitRows, Max: int64(b.Rows)}
	case cols > b.Columns:
		return &LimitError{What: LimitColumns, Max: int64(b.Columns)}
	}
	return nil
}

// headBytes bounds what is inflated of a part to read its head: the
// workbook's sheet list and relationships, or a sheet's opening elements.
const headBytes = 64 << 10

// firstSheet finds the part of the workbook's first sheet (the one
// ReadTable reads) through xl/workbook.xml and its relationships; nil
// when they do not say.
func firstSheet(zr *zip.Reader) *zip.File {
	parts := map[string]*zip.File{}
	for _, f := range zr.File {
		parts[strings.TrimPrefix(f.Name, "/")] = f
	}
	var wb struct {
		Sheets []struct {
			ID string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if decodeHead(parts["xl/workbook.xml"], &wb) != nil || len(wb.Sheets) == 0 ||
		decodeHead(parts["xl/_rels/workbook.xml.rels"], &rels) != nil {
		return nil
	}
	for _, r := range rels.Rels {
		if r.ID != wb.Sheets[0].ID {
			continue
		}
		name := path.Join("xl", r.Target)
		if strings.HasPrefix(r.Target, "/") {
			name = strings.TrimPrefix(r.Target, "/")
		}
		return parts[name]
	}
	return nil
}

// decodeHead unmarshals a small part, of which at most headBytes are read.
func decodeHead(f *zip.File, v any) error {
	if f == nil {
		return errors.New("no such part")
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(io.LimitReader(rc, headBytes)).Decode(v)
}

// dimension reads the rows and columns a sheet declares in the
// <dimension> at its head (before <sheetData>); ok is false when it
// declares none within headBytes.
func dimension(f *zip.File) (rows, cols int, ok bool) {
	rc, err := f.Open()
	if err != nil {
		return 0, 0, false
	}
	defer rc.Close()
	d := xml.NewDecoder(io.LimitReader(rc, headBytes))
	for {
		tok, err := d.RawToken()
		if err != nil {
			return 0, 0, false
		}
		el, isStart := tok.(xml.StartElement)
		if !isStart {
			continue
		}
		switch el.Name.Local {
		case "sheetData":
			return 0, 0, false
		case "dimension":
			for _, a := range el.Attr {
				if a.Name.Local == "ref" {
					return dimensionRef(a.Value)
				}
			}
			return 0, 0, false
		}
	}
}

// dimensionRef reads "A1:O2001" (or a single cell, "A1").
func dimensionRef(ref string) (rows, cols int, ok bool) {
	_, last, _ := strings.Cut(ref, ":")
	if last == "" {
		last = ref
	}
	c, r, err := excelize.CellNameToCoordinates(strings.ReplaceAll(last, "$", ""))
	if err != nil {
		return 0, 0, false
	}
	return r, c, true
}
