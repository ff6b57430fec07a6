package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

const (
	maxFieldBytes  = 1 << 20  // one text field; Telegram caps all parameters together near this
	maxUploadBytes = 50 << 20 // Telegram's upload limit for bots
	maxBodyBytes   = maxUploadBytes + 4<<20
)

// args are a request's parameters, from the query string and the body, as strings like telegram-bot-api keeps
// them: a JSON body's strings unquoted, its numbers, booleans, objects and arrays as their JSON text.
type args struct {
	method  int // the methodTable index of the method served, for the counters kept by method
	kv      []kv
	uploads []upload
	scratch bytes.Buffer
}

type kv struct{ key, val string }

type upload struct {
	field, name string
	data        []byte
}

var argsPool = sync.Pool{New: func() any { return new(args) }}

func getArgs() *args { return argsPool.Get().(*args) }

func putArgs(a *args) {
	clear(a.kv)
	a.kv = a.kv[:0]
	clear(a.uploads)
	a.uploads = a.uploads[:0]
	if a.scratch.Cap() > 64<<10 {
		a.scratch = bytes.Buffer{}
	}
	argsPool.Put(a)
}

func (a *args) get(key string) string {
	for i := range a.kv {
		if a.kv[i].key == key {
			return a.kv[i].val
		}
	}
	return ""
}

// int reads an integer argument; absent or malformed reads as 0, like td::to_integer.
func (a *args) int(key string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(a.get(key)), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// bool reads a boolean like telegram-bot-api's to_bool.
func (a *args) bool(key string) bool {
	switch strings.ToLower(strings.TrimSpace(a.get(key))) {
	case "true", "yes", "1":
		return true
	}
	return false
}

func (a *args) upload(field string) *upload {
	for i := range a.uploads {
		if a.uploads[i].field == field {
			return &a.uploads[i]
		}
	}
	return nil
}

// parse reads the query string, then the body by its content type.
func (a *args) parse(w http.ResponseWriter, r *http.Request) *apiError {
	if q := r.URL.RawQuery; q != "" {
		a.parseQuery(q)
	}
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return nil
	}
	body := http.MaxBytesReader(w, r.Body, maxBodyBytes)
	ct := r.Header.Get("Content-Type")
	mediaType, _, _ := strings.Cut(ct, ";")
	switch strings.ToLower(strings.TrimSpace(mediaType)) {
	case "multipart/form-data":
		return a.parseMultipart(ct, body)
	case "application/json":
		data, err := a.readAll(body, maxFieldBytes*4)
		if err != nil {
			return err
		}
		return a.parseJSON(data)
	case "application/x-www-form-urlencoded":
		data, err := a.readAll(body, maxFieldBytes*4)
		if err != nil {
			return err
		}
		a.parseQuery(string(data))
	}
	return nil
}

func (a *args) readAll(r io.Reader, limit int64) ([]byte, *apiError) {
	a.scratch.Reset()
	n, err := a.scratch.ReadFrom(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, bodyError(err)
	}
	if n > limit {
		return nil, errTooLarge
	}
	return a.scratch.Bytes(), nil
}

func bodyError(err error) *apiError {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errTooLarge
	}
	return badRequest("can't read request body")
}

func (a *args) parseQuery(q string) {
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			continue
		}
		a.kv = append(a.kv, kv{k, v})
	}
}

func (a *args) parseJSON(data []byte) *apiError {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil
	}
	if data[0] != '{' {
		return badRequest("JSON object expected")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return badRequest("can't parse JSON object")
	}
	for k, raw := range fields {
		switch {
		case len(raw) > 0 && raw[0] == '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return badRequest("can't parse parameter value")
			}
			a.kv = append(a.kv, kv{k, s})
		case string(raw) == "null":
		default:
			a.kv = append(a.kv, kv{k, string(raw)})
		}
	}
	return nil
}
