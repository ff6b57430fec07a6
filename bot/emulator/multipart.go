package emulator

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"
)

// Multipart bodies are the hot path: go-telegram/bot sends every request that way. mime/multipart allocates a
// 4 KB reader, a header map and a parsed Content-Disposition per part; parseMultipart reads the body into a pooled
// buffer and cuts the parts in place instead, and hands anything unusual to mime/multipart.

var errIrregular = errors.New("irregular multipart body")

// boundaryOf returns the boundary parameter of a multipart/form-data Content-Type.
func boundaryOf(contentType string) string {
	i := strings.Index(contentType, "boundary=")
	if i < 0 {
		return ""
	}
	b := contentType[i+len("boundary="):]
	if strings.HasPrefix(b, `"`) {
		_, params, err := mime.ParseMediaType(contentType)
		if err != nil {
			return ""
		}
		return params["boundary"]
	}
	if j := strings.IndexAny(b, "; \t"); j >= 0 {
		b = b[:j]
	}
	return b
}

func (a *args) parseMultipart(contentType string, body io.Reader) *apiError {
	boundary := boundaryOf(contentType)
	if boundary == "" {
		return badRequest("can't parse multipart/form-data")
	}
	data, aerr := a.readAll(body, maxBodyBytes)
	if aerr != nil {
		return aerr
	}
	kvs, ups := len(a.kv), len(a.uploads)
	if err := a.cutParts(data, boundary); err != nil {
		a.kv, a.uploads = a.kv[:kvs], a.uploads[:ups]
		return a.parseMultipartSlow(data, boundary)
	}
	return nil
}

// cutParts parses a well-formed body; errIrregular means "let mime/multipart decide".
func (a *args) cutParts(data []byte, boundary string) error {
	delim := make([]byte, 0, len(boundary)+4)
	delim = append(delim, "\r\n--"...)
	delim = append(delim, boundary...)
	// The first delimiter may open the body without a preceding CRLF.
	var rest []byte
	switch {
	case len(data) == 0:
		return nil // go-telegram/bot sends an empty body for methods without parameters
	case bytes.HasPrefix(data, delim[2:]):
		rest = data[len(delim)-2:]
	default:
		i := bytes.Index(data, delim)
		if i < 0 {
			return errIrregular
		}
		rest = data[i+len(delim):]
	}
	for {
		if bytes.HasPrefix(rest, []byte("--")) {
			return nil // the closing delimiter
		}
		if !bytes.HasPrefix(rest, []byte("\r\n")) {
			return errIrregular
		}
		rest = rest[2:]
		end := bytes.Index(rest, []byte("\r\n\r\n"))
		if end < 0 {
			return errIrregular
		}
		header := rest[:end+2]
		rest = rest[end+4:]
		stop := bytes.Index(rest, delim)
		if stop < 0 {
			return errIrregular
		}
		content := rest[:stop]
		rest = rest[stop+len(delim):]

		name, filename, isFile, err := partHeader(header)
		if err != nil {
			return err
		}
		switch {
		case name == "":
		case isFile:
			if len(content) > maxUploadBytes {
				return errIrregular // the slow path answers 413
			}
			a.uploads = append(a.uploads, upload{field: name, name: filename, data: bytes.Clone(content)})
		default:
			a.kv = append(a.kv, kv{name, string(content)})
		}
	}
}

// partHeader reads a part's form name and file name. A part is a file when it has a file name or a Content-Type:
// go-telegram/bot writes files with CreateFormFile, which sets a Content-Type even when the name is empty.
func partHeader(header []byte) (name, filename string, isFile bool, err error) {
	for len(header) > 0 {
		i := bytes.Index(header, []byte("\r\n"))
		line := header[:i]
		header = header[i+2:]
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			return "", "", false, errIrregular // folded header
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return "", "", false, errIrregular
		}
		v = bytes.TrimSpace(v)
		switch {
		case asciiEqualFold(k, "Content-Disposition"):
			name, filename, ok = disposition(string(v))
			if !ok {
				return "", "", false, errIrregular
			}
			if filename != "" {
				isFile = true
			}
		case asciiEqualFold(k, "Content-Type"):
			isFile = true
		case asciiEqualFold(k, "Content-Transfer-Encoding"):
			return "", "", false, errIrregular // quoted-printable is mime/multipart's business
		}
	}
	return name, filename, isFile, nil
}

// disposition parses `form-data; name="x"; filename="y"` with simple quoted values; ok is false otherwise.
func disposition(v string) (name, filename string, ok bool) {
	typ, params, _ := strings.Cut(v, ";")
	if !strings.EqualFold(strings.TrimSpace(typ), "form-data") {
		return "", "", false
	}
	for params != "" {
		params = strings.TrimLeft(params, " \t;")
		if params == "" {
			break
		}
		key, after, found := strings.Cut(params, "=")
		if !found {
			return "", "", false
		}
		key = strings.ToLower(strings.TrimSpace(key))
		var val string
		if strings.HasPrefix(after, `"`) {
			end := strings.IndexByte(after[1:], '"')
			if end < 0 || strings.Contains(after[1:end+1], `\`) {
				return "", "", false // escapes: the slow path unquotes them
			}
			val, params = after[1:end+1], after[end+2:]
		} else {
			val, params, _ = strings.Cut(after, ";")
			val = strings.TrimSpace(val)
		}
		switch key {
		case "name":
			name = val
		case "filename":
			filename = val
		default:
			if strings.HasSuffix(key, "*") {
				return "", "", false // RFC 2231 encoding
			}
		}
	}
	return name, filename, true
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if b[i]|0x20 != s[i]|0x20 {
			return false
		}
	}
	return true
}

// parseMultipartSlow parses with mime/multipart.
func (a *args) parseMultipartSlow(data []byte, boundary string) *apiError {
	mr := multipart.NewReader(bytes.NewReader(data), boundary)
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return badRequest("can't parse multipart/form-data")
		}
		name := p.FormName()
		if name == "" {
			continue
		}
		content, err := io.ReadAll(io.LimitReader(p, maxUploadBytes+1))
		if err != nil {
			return badRequest("can't parse multipart/form-data")
		}
		if len(content) > maxUploadBytes {
			return errTooLarge
		}
		if filename := p.FileName(); filename != "" || p.Header.Get("Content-Type") != "" {
			a.uploads = append(a.uploads, upload{field: name, name: filename, data: content})
		} else {
			a.kv = append(a.kv, kv{name, string(content)})
		}
	}
}
