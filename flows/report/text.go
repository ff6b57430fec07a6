package report

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/ocopbot/ocopbot/flows/vntext"
)

// Text tables as offices save them: Excel on Windows writes "CSV (Comma
// delimited)" in the system's code page (1258 on a Vietnamese Windows, 1252
// on an English one), "CSV UTF-8" with a BOM, and "Unicode Text" as UTF-16
// with a BOM and tabs; where the decimal mark is a comma, as in Vietnamese
// settings, the separator is a semicolon.

// ErrEncoding: a text file in none of the encodings read here (TCVN3 or VNI
// of the old Vietnamese fonts, UTF-16 without its BOM, a binary file named
// .csv). It is also ErrUnreadable.
var ErrEncoding = fmt.Errorf("%w: not text in a known encoding", ErrUnreadable)

// boms are the byte order marks that name a file's encoding, and the
// decoder of each (which takes the mark off).
var boms = []struct {
	mark   string
	decode func() transform.Transformer
}{
	{bom, func() transform.Transformer { return xunicode.UTF8BOM.NewDecoder() }},
	{"\xff\xfe", func() transform.Transformer {
		return xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder()
	}},
	{"\xfe\xff", func() transform.Transformer {
		return xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM).NewDecoder()
	}},
}

// decoder tells a text file's encoding, in the order that decides it: a
// BOM names it; else bytes that are valid UTF-8 are UTF-8 (text in a code
// page almost never is: its letters above 0x7F would have to fall in UTF-8's
// sequences); else one of the Windows code pages (codePage). nil: UTF-8, as
// it is.
func decoder(data []byte) (transform.Transformer, error) {
	for _, b := range boms {
		if bytes.HasPrefix(data, []byte(b.mark)) {
			return b.decode(), nil
		}
	}
	if utf8.Valid(data) {
		return nil, nil
	}
	cm, err := codePage(data)
	if err != nil {
		return nil, err
	}
	return cm.NewDecoder(), nil
}

// minWords is how many words that read as nothing in either code page
// refuse a file: a row or two of names, so that a loan word or two ("café")
// in a file of otherwise plain ASCII does not.
const minWords = 10

// codePage tells Windows-1258 from Windows-1252. Both read every byte, and
// differ where 1258 has its letters ă đ ơ ư and the combining tone marks
// (0xCC 0xD2 0xDE 0xEC 0xF2) and 1252 has Ã Ì Ò Þ ì ò ð õ ý…: each reading's
// words are judged as Vietnamese syllables (vntext.IsSyllable) after NFC,
// and the reading whose syllables outnumber its non-syllables by more wins.
// On a tie 1252: text in 1258 has tone marks as bytes of their own, which
// read in 1252 make no syllable, so a tie means the file's letters beyond
// ASCII are those the two code pages share or read alike well ("Lý", "Lư").
// A word read in the wrong code page is no syllable: 1258's "Hồ"
// (H ô 0xCC) read as 1252 is "HôÌ", 1252's "Bình" (B 0xEC n h) read as 1258
// is "B́nh", its "Xã" (X 0xE3) is "Xă". When neither reading gives more
// syllables than non-syllables, the file is in a code page not read here.
func codePage(data []byte) (*charmap.Charmap, error) {
	good58, bad58 := syllables(data, charmap.Windows1258)
	good52, bad52 := syllables(data, charmap.Windows1252)
	cm, good, bad := charmap.Windows1252, good52, bad52
	if good58-bad58 > good52-bad52 {
		cm, good, bad = charmap.Windows1258, good58, bad58
	}
	if bad > good && bad >= minWords {
		return nil, ErrEncoding
	}
	return cm, nil
}

// syllables counts the words of data read in cm that are Vietnamese
// syllables and those that are not; words of ASCII alone are not counted
// (both code pages read them alike). A file says the same words again and
// again (its units, "Hợp tác xã"): each is judged once, up to maxJudged of
// them, so that a file of words all different costs time, not memory.
func syllables(data []byte, cm *charmap.Charmap) (good, bad int) {
	judged := map[string]bool{}
	start, beyond := -1, false // the word's first byte; whether it has one above ASCII
	for i := 0; i <= len(data); i++ {
		if i < len(data) {
			c := data[i]
			r := rune(c)
			if c >= utf8.RuneSelf {
				r = cm.DecodeByte(c)
			}
			if unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) {
				if start < 0 {
					start = i
				}
				beyond = beyond || c >= utf8.RuneSelf
				continue
			}
		}
		if start >= 0 && beyond {
			w := data[start:i]
			ok, seen := judged[string(w)]
			if !seen {
				ok = isSyllable(w, cm)
				if len(judged) < maxJudged {
					judged[string(w)] = ok
				}
			}
			if ok {
				good++
			} else {
				bad++
			}
		}
		start, beyond = -1, false
	}
	return good, bad
}

// maxJudged bounds the words syllables remembers.
const maxJudged = 1 << 16

// isSyllable reads the bytes of one word in cm and judges it. No syllable
// takes more than 10 bytes in a code page (seven letters, a tone mark);
// a longer word is none.
func isSyllable(w []byte, cm *charmap.Charmap) bool {
	if len(w) > 16 {
		return false
	}
	var b strings.Builder
	for _, c := range w {
		if c < utf8.RuneSelf {
			b.WriteByte(c)
		} else {
			b.WriteRune(cm.DecodeByte(c))
		}
	}
	return vntext.IsSyllable(b.String())
}

// errNUL: text with a NUL in it, which no spreadsheet writes: a binary file,
// or UTF-16 without a BOM read as UTF-8.
var errNUL = fmt.Errorf("%w: NUL in text", ErrEncoding)

// textReader passes on the decoded text of a file within the budget of
// what it may inflate to (the file's bytes are bounded before: a code page
// gives up to 3 bytes of UTF-8 a byte, UTF-16 3 for 2), and refuses NULs.
type textReader struct {
	r    io.Reader
	read int64
	max  int64
}

func (t *textReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if t.read += int64(n); t.read > t.max {
		return 0, &LimitError{What: LimitInflated, Max: t.max}
	}
	if bytes.IndexByte(p[:n], 0) >= 0 {
		return 0, errNUL
	}
	return n, err
}

// headerRows: a table's header is among its first rows (a title may come
// before it), as the imports look for it.
const headerRows = 10

// sniffBytes of decoded text are enough to hold the header rows.
const sniffBytes = 64 << 10

// readText reads a text table: its encoding told (decoder), decoded within
// b, its separator told from the header (separator).
func readText(ctx context.Context, data []byte, b Budget, known []func(string) bool) ([][]string, error) {
	dec, err := decoder(data)
	if err != nil {
		return nil, err
	}
	var src io.Reader = bytes.NewReader(data)
	if dec != nil {
		src = transform.NewReader(src, dec)
	}
	br := bufio.NewReaderSize(&textReader{r: src, max: b.Inflated}, sniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, readError(err)
	}
	r := csv.NewReader(br)
	r.Comma = separator(head, known)
	r.FieldsPerRecord = -1
	t := table{ctx: ctx, b: b}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, readError(err)
		}
		if err := t.add(rec); err != nil {
			return nil, err
		}
	}
	return t.rows, nil
}

// readError is what refuses a text file: over budget, or unreadable.
func readError(err error) error {
	var over *LimitError
	if errors.As(err, &over) || errors.Is(err, ErrUnreadable) {
		return err
	}
	return fmt.Errorf("%w: read csv: %w", ErrUnreadable, err)
}

// separator is the one of comma, semicolon and tab that splits the header
// into the most known column names, then (no name known, or none given)
// into the most cells with a letter: a header's names hold none of the
// three, a wrong separator leaves the whole line one cell. Each of the
// first rows is tried as the header; on a tie the comma, then the
// semicolon.
func separator(head []byte, known []func(string) bool) rune {
	best, most := ',', [2]int{-1, -1}
	for _, sep := range []rune{',', ';', '\t'} {
		r := csv.NewReader(bytes.NewReader(head))
		r.Comma, r.FieldsPerRecord, r.LazyQuotes = sep, -1, true
		score := [2]int{}
		for range headerRows {
			rec, err := r.Read()
			if err != nil {
				break // the end, or a row cut at sniffBytes
			}
			var row [2]int
			for _, c := range rec {
				c = norm.NFC.String(strings.TrimSpace(c))
				if isKnown(c, known) {
					row[0]++
				}
				if strings.IndexFunc(c, unicode.IsLetter) >= 0 {
					row[1]++
				}
			}
			if row[0] > score[0] || row[0] == score[0] && row[1] > score[1] {
				score = row
			}
		}
		if score[0] > most[0] || score[0] == most[0] && score[1] > most[1] {
			best, most = sep, score
		}
	}
	return best
}

func isKnown(cell string, known []func(string) bool) bool {
	for _, k := range known {
		if k(cell) {
			return true
		}
	}
	return false
}
