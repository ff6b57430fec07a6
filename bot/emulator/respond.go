package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
)

// apiError is a refusal in the Bot API's shape. A zero code means the client is gone and nothing is written.
type apiError struct {
	code       int
	desc       string
	retryAfter int
}

func badRequest(desc string) *apiError {
	return &apiError{code: http.StatusBadRequest, desc: "Bad Request: " + desc}
}

func tooManyRequests(retryAfter int) *apiError {
	return &apiError{
		code:       http.StatusTooManyRequests,
		desc:       "Too Many Requests: retry after " + strconv.Itoa(retryAfter),
		retryAfter: retryAfter,
	}
}

func conflict(desc string) *apiError {
	return &apiError{code: http.StatusConflict, desc: "Conflict: " + desc}
}

// Refusals of any method; each method's own are declared beside it.
var (
	errUnauthorized = &apiError{code: http.StatusUnauthorized, desc: "Unauthorized"}
	errNotFound     = &apiError{code: http.StatusNotFound, desc: "Not Found"}
	errInternal     = &apiError{code: http.StatusInternalServerError, desc: "Internal Server Error"}
	errTooLarge     = &apiError{code: http.StatusRequestEntityTooLarge, desc: "Request Entity Too Large"}
	errClientGone   = &apiError{}
)

// rawJSON is a result already encoded.
type rawJSON []byte

// described is a result with Telegram's optional description, as deleteWebhook has.
type described struct {
	result any
	desc   string
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func writeResult(w http.ResponseWriter, result any) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer putBuf(buf)
	buf.Reset()
	var desc string
	if d, ok := result.(described); ok {
		result, desc = d.result, d.desc
	}
	buf.WriteString(`{"ok":true,"result":`)
	if raw, ok := result.(rawJSON); ok {
		buf.Write(raw)
	} else {
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(result); err != nil {
			writeError(w, errInternal)
			return
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
	}
	if desc != "" {
		buf.WriteString(`,"description":`)
		writeJSONString(buf, desc)
	}
	buf.WriteByte('}')
	writeBody(w, http.StatusOK, buf.Bytes())
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.code == 0 {
		return
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer putBuf(buf)
	buf.Reset()
	buf.WriteString(`{"ok":false,"error_code":`)
	buf.WriteString(strconv.Itoa(e.code))
	buf.WriteString(`,"description":`)
	writeJSONString(buf, e.desc)
	if e.retryAfter > 0 {
		buf.WriteString(`,"parameters":{"retry_after":`)
		buf.WriteString(strconv.Itoa(e.retryAfter))
		buf.WriteByte('}')
	}
	buf.WriteByte('}')
	writeBody(w, e.code, buf.Bytes())
}

func writeJSONString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s) // a string always marshals
	buf.Write(b)
}

func writeBody(w http.ResponseWriter, code int, body []byte) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(code)
	_, _ = w.Write(body) // the client hung up; nothing left to tell it
}

func putBuf(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		bufPool.Put(buf)
	}
}
