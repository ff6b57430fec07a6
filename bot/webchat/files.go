package webchat

import (
	"bytes"
	"errors"
	"hash/fnv"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

const (
	maxUpload     = 10 << 20 // bytes of an uploaded file
	maxCaptionLen = 1024     // characters of a caption, Telegram's limit
	maxFileName   = 255      // bytes of a document's name
	maxFileID     = 200
)

// photoTypes are the images Telegram's apps send as photos; anything else goes as a document.
var photoTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

// upload is what postUpload read from the form.
type upload struct {
	data       []byte
	name       string
	caption    string
	asDocument bool
}

// postUpload sends the form's file as a photo when its content is a JPEG, PNG, GIF or WebP image and the form does
// not say as=document, else as a document named like the file. The caption goes with a photo only: the emulator's
// SendDocument takes none.
func (s *Server) postUpload(w http.ResponseWriter, r *http.Request) {
	s.onChat(w, r, func(u User) *apiError {
		in, aerr := readUpload(w, r)
		if aerr != nil {
			return aerr
		}
		if !in.asDocument && photoTypes[http.DetectContentType(in.data)] {
			s.emu.SendPhoto(u.ID, u.emuUser(), in.data, in.caption)
		} else {
			s.emu.SendDocument(u.ID, u.emuUser(), in.name, in.data)
		}
		return nil
	})
}

// readUpload streams the multipart form, holding at most maxUpload bytes of file.
func readUpload(w http.ResponseWriter, r *http.Request) (upload, *apiError) {
	var in upload
	// The form's other fields and the parts' headers are small; the margin covers them.
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return in, errNotMultipart
	}
	gotFile := false
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return in, uploadError(err)
		}
		switch p.FormName() {
		case "file":
			if gotFile {
				return in, errNotMultipart
			}
			gotFile = true
			in.name = fileName(p.FileName())
			if in.data, err = io.ReadAll(io.LimitReader(p, maxUpload+1)); err != nil {
				return in, uploadError(err)
			}
			if len(in.data) > maxUpload {
				return in, errUploadTooBig
			}
		case "caption":
			b, err := io.ReadAll(io.LimitReader(p, 4*maxCaptionLen+1))
			if err != nil {
				return in, uploadError(err)
			}
			in.caption = strings.TrimSpace(string(b))
			if len(b) > 4*maxCaptionLen || utf8.RuneCountInString(in.caption) > maxCaptionLen {
				return in, errCaptionTooLong
			}
		case "as":
			b, err := io.ReadAll(io.LimitReader(p, 16))
			if err != nil {
				return in, uploadError(err)
			}
			in.asDocument = string(b) == "document"
		}
		// Other fields are ignored; the reader skips what is left of a part.
	}
	if len(in.data) == 0 {
		return in, errNoFile
	}
	return in, nil
}

func uploadError(err error) *apiError {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return errUploadTooBig
	}
	return errNotMultipart
}

// fileName keeps a file's name as the browser gave it, without control characters and within 255 bytes.
func fileName(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '/' || r == '\\' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	name = strings.TrimSpace(name)
	for len(name) > maxFileName {
		_, n := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-n]
	}
	if name == "" || name == "." || name == ".." {
		name = "tep"
	}
	return name
}

// getFile serves a file of the emulator. Images a browser can show are served as such; anything else is an
// attachment of type application/octet-stream, so that an uploaded HTML file never runs as this site's page.
func (s *Server) getFile(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("file_id")
	if len(id) > maxFileID || strings.ContainsFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) {
		writeError(w, errFileNotFound)
		return
	}
	data, ok := s.emu.FileBytes(id)
	if !ok {
		writeError(w, errFileNotFound)
		return
	}
	h := w.Header()
	if ct := http.DetectContentType(data); photoTypes[ct] {
		h.Set("Content-Type", ct)
	} else {
		h.Set("Content-Type", "application/octet-stream")
		name := fileName(r.URL.Query().Get("name"))
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	}
	// File IDs restart with the emulator: revalidate rather than cache by ID.
	sum := fnv.New64a()
	_, _ = sum.Write(data) // a hash never fails
	h.Set("ETag", `"`+strconv.FormatUint(sum.Sum64(), 36)+`"`)
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}
