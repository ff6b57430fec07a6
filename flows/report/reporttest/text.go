package reporttest

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/unicode/norm"
)

// CSV writes rows separated by sep as Excel does (CRLF line ends), in
// UTF-8, to be encoded as an office's file is.
func CSV(rows [][]string, sep rune) string {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma, w.UseCRLF = sep, true
	if err := w.WriteAll(rows); err != nil {
		panic(fmt.Sprintf("reporttest: %v", err))
	}
	return buf.String()
}

// Windows1258 encodes s as Windows does in code page 1258 ("CSV (Comma
// delimited)" saved by Excel on a Vietnamese Windows): a letter the code
// page has as it is (à, ê, ư), any other as its letter without tone and
// the combining tone mark after it ("ủ" as u and 0xD2, "ậ" as â and 0xF2).
func Windows1258(s string) []byte {
	var out []byte
	for _, r := range norm.NFC.String(s) {
		if b, ok := charmap.Windows1258.EncodeRune(r); ok {
			out = append(out, b)
			continue
		}
		var base, tone []rune
		for _, c := range norm.NFD.String(string(r)) {
			if strings.ContainsRune("\u0300\u0301\u0303\u0309\u0323", c) {
				tone = append(tone, c)
			} else {
				base = append(base, c)
			}
		}
		for _, c := range append([]rune(norm.NFC.String(string(base))), tone...) {
			b, ok := charmap.Windows1258.EncodeRune(c)
			if !ok {
				panic(fmt.Sprintf("reporttest: %q (in %q) has no Windows-1258 form", c, r))
			}
			out = append(out, b)
		}
	}
	return out
}

// UTF16 encodes s in UTF-16 with its BOM, as Excel saves "Unicode Text"
// (little-endian).
func UTF16(s string, endian unicode.Endianness) []byte {
	out, err := unicode.UTF16(endian, unicode.UseBOM).NewEncoder().String(s)
	if err != nil {
		panic(fmt.Sprintf("reporttest: %v", err))
	}
	return []byte(out)
}
