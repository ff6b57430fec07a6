package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

var (
	errWrongFile     = badRequest("wrong file identifier/HTTP URL specified")
	errInvalidFileID = badRequest("invalid file_id")
	errFileMismatch  = badRequest("type of file mismatch")
)

type fileKind int

const (
	kindPhoto fileKind = iota + 1
	kindDocument
	kindSticker
)

// file is a stored file. A photo has several sizes, each its own file sharing one group.
type file struct {
	id, uniqueID, path string
	kind               fileKind
	data               []byte
	size               int
	name, mime         string // documents
	width, height      int    // photos and stickers
	group              []*file
}

type fileStore struct {
	mu      sync.RWMutex
	byID    map[string]*file
	byPath  map[string]*file
	seq     int64
	sticker *file
}

func (fs *fileStore) init() {
	fs.byID = make(map[string]*file)
	fs.byPath = make(map[string]*file)
}

// add stores f under a new file_id and file_path (under fs.mu).
func (fs *fileStore) add(f *file, ext string) {
	fs.seq++
	var raw [12]byte
	binary.BigEndian.PutUint32(raw[:4], uint32(f.kind))
	binary.BigEndian.PutUint64(raw[4:], uint64(fs.seq))
	// Telegram's ids are opaque base64; the prefixes mimic its photo, document and sticker ids.
	prefix, dir := "BQACAgIAAxkBAA", "documents"
	switch f.kind {
	case kindPhoto:
		prefix, dir = "AgACAgIAAxkBAA", "photos"
	case kindSticker:
		prefix, dir = "CAACAgIAAxkBAA", "stickers"
	}
	f.id = prefix + base64.RawURLEncoding.EncodeToString(raw[:])
	f.uniqueID = "AQAD" + strconv.FormatInt(fs.seq, 36)
	f.path = dir + "/file_" + strconv.FormatInt(fs.seq, 10) + ext
	f.size = len(f.data)
	fs.byID[f.id] = f
	fs.byPath[f.path] = f
}

func (fs *fileStore) get(id string) *file {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	return fs.byID[id]
}

// addPhoto stores an image as a photo of two sizes, a thumbnail and the image, and returns the sizes, smallest
// first. ok is false when the bytes are no image the emulator knows and strict is set.
func (fs *fileStore) addPhoto(data []byte, strict bool) ([]*file, bool) {
	w, h, ok := imageSize(data)
	if !ok {
		if strict {
			return nil, false
		}
		w, h = 800, 600
	}
	bw, bh := fit(w, h, 1280)
	tw, th := fit(w, h, 90)
	big := &file{kind: kindPhoto, data: data, width: bw, height: bh}
	small := &file{kind: kindPhoto, data: data, width: tw, height: th}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.add(small, ".jpg")
	fs.add(big, ".jpg")
	if bw*bh > 0 {
		small.size = max(1, len(data)*tw*th/(bw*bh)) // what a thumbnail would weigh; its bytes are the original's
	}
	group := []*file{small, big}
	small.group, big.group = group, group
	return group, true
}

func (fs *fileStore) addDocument(name string, data []byte) *file {
	if name == "" {
		name = "file"
	}
	ext := path.Ext(name)
	mt := mime.TypeByExtension(ext)
	if mt == "" {
		mt = "application/octet-stream"
	}
	mt, _, _ = strings.Cut(mt, ";")
	f := &file{kind: kindDocument, data: data, name: name, mime: mt}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.add(f, ext)
	return f
}

// stickerFile is the one sticker users send; Telegram gives a sticker the same file_id every time.
func (fs *fileStore) stickerFile() *file {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.sticker == nil {
		fs.sticker = &file{kind: kindSticker, data: []byte("RIFF\x00\x00\x00\x00WEBP"), width: 512, height: 512}
		fs.add(fs.sticker, ".webp")
	}
	return fs.sticker
}

// urlPhoto stands for a photo the bot sent by URL: the emulator never fetches it.
func (fs *fileStore) urlPhoto() []*file {
	group, _ := fs.addPhoto(nil, false)
	return group
}

func imageSize(data []byte) (w, h int, ok bool) {
	for _, decode := range []func(*bytes.Reader) (image.Config, error){
		func(r *bytes.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) },
		func(r *bytes.Reader) (image.Config, error) { return png.DecodeConfig(r) },
		func(r *bytes.Reader) (image.Config, error) { return gif.DecodeConfig(r) },
	} {
		if cfg, err := decode(bytes.NewReader(data)); err == nil && cfg.Width > 0 && cfg.Height > 0 {
			return cfg.Width, cfg.Height, true
		}
	}
	if len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP" {
		return 512, 512, true
	}
	return 0, 0, false
}

// fit scales w×h down to fit a box of side n, keeping the ratio.
func fit(w, h, n int) (int, int) {
	if w <= n && h <= n {
		return w, h
	}
	if w >= h {
		return n, max(1, h*n/w)
	}
	return max(1, w*n/h), n
}

// inputFile is a file argument of a send: an upload, an existing file_id, or a URL.
type inputFile struct {
	fileID   string
	existing *file // fileID, once resolved
	url      bool
	upload   *upload
}

// fileArg reads a file argument like telegram-bot-api's get_input_file: a string (file_id, URL, or
// "attach://<part>") or a file part of that name.
func fileArg(a *args, field, missing string) (inputFile, *apiError) {
	v := strings.TrimSpace(a.get(field))
	if part, ok := strings.CutPrefix(v, "attach://"); ok {
		field, v = part, ""
	}
	switch {
	case strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://"):
		return inputFile{url: true}, nil
	case v != "":
		return inputFile{fileID: v}, nil
	}
	if up := a.upload(field); up != nil {
		return inputFile{upload: up}, nil
	}
	return inputFile{}, badRequest(missing)
}

// resolve finds an existing file_id and checks its kind; uploads and URLs pass.
func (s *Server) resolve(in inputFile, kind fileKind) (inputFile, *apiError) {
	if in.fileID == "" {
		return in, nil
	}
	f := s.files.get(in.fileID)
	switch {
	case f == nil:
		return in, errWrongFile
	case f.kind != kind:
		return in, errFileMismatch
	}
	in.existing = f
	return in, nil
}

// getFile answers https://core.telegram.org/bots/api#getfile.
func (s *Server) getFile(_ *http.Request, a *args) (any, *apiError) {
	id := strings.TrimSpace(a.get("file_id"))
	if id == "" {
		return nil, badRequest("file_id not specified")
	}
	f := s.files.get(id)
	if f == nil {
		return nil, errInvalidFileID
	}
	return &wireFile{FileID: f.id, FileUniqueID: f.uniqueID, FileSize: f.size, FilePath: f.path}, nil
}

// serveFile answers GET /file/bot<token>/<file_path>; rest is what follows "/file/bot".
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, rest string) {
	token, p, ok := strings.Cut(rest, "/")
	if !ok {
		writeError(w, errNotFound)
		return
	}
	if !s.validToken(token) {
		writeError(w, errUnauthorized)
		return
	}
	s.files.mu.RLock()
	f := s.files.byPath[p]
	s.files.mu.RUnlock()
	if f == nil {
		writeError(w, errNotFound)
		return
	}
	if s.stalled(f) {
		s.holdStalled(r)
		return
	}
	ct := f.mime
	if ct == "" {
		ct = http.DetectContentType(f.data)
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	if r.Method != http.MethodHead {
		_, _ = w.Write(f.data) // the client hung up; nothing left to tell it
	}
}

// FileBytes returns a copy of a stored file's content. A photo's thumbnail holds the original bytes.
func (s *Server) FileBytes(fileID string) ([]byte, bool) {
	f := s.files.get(fileID)
	if f == nil {
		return nil, false
	}
	return bytes.Clone(f.data), true
}
