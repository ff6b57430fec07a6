// Package reporttest builds hostile spreadsheets for tests and benchmarks:
// a zip bomb whose sheet inflates to a gigabyte from about a megabyte, and
// sheets of as many rows as asked, written with archive/zip as any
// generator would (or as an attacker would); and text tables encoded as
// offices save them (Windows-1258, UTF-16).
package reporttest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/xml"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

const (
	contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`
	rootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	workbook = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`
	workbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`
	sheetOpen  = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
	sheetClose = `</sheetData></worksheet>`
	sheetPart  = "xl/worksheets/sheet1.xml"
)

// writeFrame writes the parts of a one-sheet workbook other than its sheet.
func writeFrame(z *zip.Writer) error {
	for _, p := range []struct{ name, body string }{{"[Content_Types].xml", contentTypes}, {"_rels/.rels", rootRels},
		{"xl/workbook.xml", workbook}, {"xl/_rels/workbook.xml.rels", workbookRels}} {
		w, err := z.Create(p.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(w, p.body); err != nil {
			return err
		}
	}
	return nil
}

// dimensionTag declares rows×cols cells, or nothing when rows is 0.
func dimensionTag(rows, cols int) string {
	if rows == 0 {
		return ""
	}
	last, _ := excelize.CoordinatesToCellName(max(cols, 1), rows)
	return `<dimension ref="A1:` + last + `"/>`
}

// Bomb writes an XLSX whose sheet inflates to about inflated bytes (whole
// MiB: a run of identical rows) from about a thousandth of that: each MiB
// is deflated once and its compressed bytes repeated, which a deflate
// stream allows (blocks flushed byte-aligned, no reference across them).
// declared is the inflated size its central directory states: inflated to
// tell the truth, less to lie about it. dimRows declares that many rows of
// one column (0: no dimension).
func Bomb(w io.Writer, inflated, declared int64, dimRows int) error {
	const unit = "<row><c><v>1</v></c></row>\n\n\n\n\n\n" // 32 bytes
	chunk := bytes.Repeat([]byte(unit), (1<<20)/len(unit))
	head := []byte(sheetOpen + dimensionTag(dimRows, 1) + "<sheetData>")
	tail := []byte(sheetClose)
	n := max(inflated>>20, 1)

	crc := crc32.Update(0, crc32.IEEETable, head)
	for range n {
		crc = crc32.Update(crc, crc32.IEEETable, chunk)
	}
	crc = crc32.Update(crc, crc32.IEEETable, tail)
	size := int64(len(head)) + n*int64(len(chunk)) + int64(len(tail))
	if declared <= 0 {
		declared = size
	}

	var body bytes.Buffer
	deflated := func(p []byte, last bool) []byte {
		var b bytes.Buffer
		fw, _ := flate.NewWriter(&b, flate.BestCompression)
		_, _ = fw.Write(p)
		if last {
			_ = fw.Close()
		} else {
			_ = fw.Flush()
		}
		return b.Bytes()
	}
	body.Write(deflated(head, false))
	mid := deflated(chunk, false)
	for range n {
		body.Write(mid)
	}
	body.Write(deflated(tail, true))

	z := zip.NewWriter(w)
	if err := writeFrame(z); err != nil {
		return err
	}
	sw, err := z.CreateRaw(&zip.FileHeader{Name: sheetPart, Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(body.Len()), UncompressedSize64: uint64(declared)})
	if err != nil {
		return err
	}
	if _, err := sw.Write(body.Bytes()); err != nil {
		return err
	}
	return z.Close()
}

// Sheet writes an XLSX whose one sheet has rows rows, row(i) the cells of
// the i-th (from 0) as inline strings; with dimension, the sheet declares
// its size as Excel does.
func Sheet(w io.Writer, rows int, dimension bool, row func(i int) []string) error {
	z := zip.NewWriter(w)
	if err := writeFrame(z); err != nil {
		return err
	}
	sw, err := z.Create(sheetPart)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	dim := ""
	if dimension && rows > 0 {
		dim = dimensionTag(rows, len(row(0)))
	}
	buf.WriteString(sheetOpen + dim + "<sheetData>")
	var letters []string // of the columns, made once
	for i := range rows {
		r := strconv.Itoa(i + 1)
		buf.WriteString(`<row r="` + r + `">`)
		for j, v := range row(i) {
			for len(letters) <= j {
				l, _ := excelize.ColumnNumberToName(len(letters) + 1)
				letters = append(letters, l)
			}
			buf.WriteString(`<c r="` + letters[j] + r + `" t="inlineStr"><is><t>`)
			_ = xml.EscapeText(&buf, []byte(v))
			buf.WriteString(`</t></is></c>`)
		}
		buf.WriteString(`</row>`)
		if buf.Len() > 64<<10 {
			if _, err := sw.Write(buf.Bytes()); err != nil {
				return err
			}
			buf.Reset()
		}
	}
	buf.WriteString(sheetClose)
	if _, err := sw.Write(buf.Bytes()); err != nil {
		return err
	}
	return z.Close()
}

// Bytes runs a writer of this package into memory.
func Bytes(write func(io.Writer) error) []byte {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		panic(fmt.Sprintf("reporttest: %v", err))
	}
	return b.Bytes()
}
