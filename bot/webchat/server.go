package webchat

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/ocopbot/ocopbot/bot/emulator"
)

//go:embed static
var staticFiles embed.FS

// pollTimeout is how long a long poll waits for a change: under the 30 to 60 seconds proxies allow an idle
// request.
const pollTimeout = 25 * time.Second

// User is a simulated Telegram user the page lets a person act as. Its private chat with the bot has the user's
// ID.
type User struct {
	ID   int64
	Name string
	Role string // shown under the name, e.g. "Nhà sản xuất (demo)"
	Lang string // the language_code of the user's messages; "" is "vi"
}

// Options configure a Server.
type Options struct {
	Users  []User       // shown at start, in this order; IDs must be positive and distinct
	Title  string       // the page's title and the chat's header; "" is "ocopbot"
	Logger *slog.Logger // nil discards
}

// Server serves the page and its JSON API. It is safe for concurrent use.
type Server struct {
	emu         *emulator.Server
	log         *slog.Logger
	mux         *http.ServeMux
	page        []byte
	csrf        *http.CrossOriginProtection
	pollTimeout time.Duration

	mu    sync.RWMutex
	users []User
}

// New returns a Server showing emu's chats with opts.Users. It panics on a user ID that is not positive or
// repeated: a programmer's error at start-up.
func New(emu *emulator.Server, opts Options) *Server {
	s := &Server{
		emu:         emu,
		log:         opts.Logger,
		mux:         http.NewServeMux(),
		csrf:        http.NewCrossOriginProtection(),
		pollTimeout: pollTimeout,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	seen := make(map[int64]bool, len(opts.Users))
	for _, u := range opts.Users {
		if u.ID <= 0 || seen[u.ID] {
			panic(fmt.Sprintf("webchat: user ID %d is not positive or is repeated", u.ID))
		}
		seen[u.ID] = true
		if u.Lang == "" {
			u.Lang = "vi"
		}
		s.users = append(s.users, u)
	}
	title := opts.Title
	if title == "" {
		title = "ocopbot"
	}
	s.page = renderPage(title)
	s.routes()
	return s
}

// renderPage fills the embedded page's template once; it is the same for every request.
func renderPage(title string) []byte {
	t := template.Must(template.ParseFS(staticFiles, "static/index.html"))
	var buf bytes.Buffer
	if err := t.Execute(&buf, struct{ Title string }{title}); err != nil {
		panic(fmt.Sprintf("webchat: render page: %v", err)) // the embedded template is ours
	}
	return buf.Bytes()
}

func (s *Server) routes() {
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(fmt.Sprintf("webchat: static files: %v", err))
	}
	s.mux.HandleFunc("GET /{$}", s.servePage)
	s.mux.Handle("GET /webchat/static/", http.StripPrefix("/webchat/static/", noCache(http.FileServerFS(static))))

	api := []struct {
		method, path string
		h            http.HandlerFunc
	}{
		{http.MethodGet, "users", s.listUsers},
		{http.MethodPost, "users", s.addUser},
		{http.MethodGet, "chats/{id}", s.getChat},
		{http.MethodPost, "chats/{id}/text", s.postText},
		{http.MethodPost, "chats/{id}/press", s.postPress},
		{http.MethodPost, "chats/{id}/contact", s.postContact},
		{http.MethodPost, "chats/{id}/upload", s.postUpload},
		{http.MethodGet, "files/{file_id}", s.getFile},
	}
	paths := make(map[string]bool)
	for _, a := range api {
		s.mux.HandleFunc(a.method+" /webchat/api/"+a.path, a.h)
		if !paths[a.path] {
			paths[a.path] = true
			// The same path without a method is less specific: it catches the other methods, so that they get
			// a JSON 405 rather than ServeMux's plain text one.
			s.mux.HandleFunc("/webchat/api/"+a.path, s.methodNotAllowed)
		}
	}
	s.mux.HandleFunc("/{$}", s.methodNotAllowed)
	s.mux.HandleFunc("/", s.notFound)
}

// ServeHTTP answers "/" (the page), "/webchat/static/…" and "/webchat/api/…". Mount it at "/" next to the
// emulator's "/bot<token>/…" and "/file/…" routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "webchat handler panicked", slog.String("path", r.URL.Path),
				slog.Any("panic", v))
			writeError(w, errInternal)
		}
	}()
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if err := s.csrf.Check(r); err != nil {
		writeError(w, errCrossOrigin)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// contentSecurityPolicy lets the page run its own script and style only: message text never becomes markup, and
// this is the second line.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'"

func (s *Server) servePage(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Cache-Control", "no-cache")
	_, _ = w.Write(s.page) // the browser hung up; nothing left to tell it
}

// noCache makes browsers revalidate the embedded files, so that a new build's script is never mixed with an old
// page.
func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, _ *http.Request) {
	writeError(w, errMethod)
}

func (s *Server) notFound(w http.ResponseWriter, _ *http.Request) {
	writeError(w, errNoRoute)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Our own view types always encode; answer something rather than nothing.
		status, b = http.StatusInternalServerError, []byte(`{"code":"internal","error":"Máy chủ gặp lỗi."}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n')) // the client hung up; nothing left to tell it
}

// maxJSONBody bounds a JSON request: a 4096-character text escaped as \uXXXX is 24 KB.
const maxJSONBody = 64 << 10

// decodeJSON reads one JSON object of the request into v, refusing unknown fields, trailing data and bodies over
// maxJSONBody.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) *apiError {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return errBodyTooBig
		}
		return errBadJSON
	}
	if _, err := dec.Token(); err != io.EOF {
		return errBadJSON
	}
	return nil
}
