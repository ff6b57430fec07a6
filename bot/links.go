package bot

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/storage"
)

// Zalo takes a photo by its URL and no documents at all, so a chart or a
// workbook the flows send goes there as a link to the bot itself: the file
// is kept in Redis (storage.Redis.PutFile) for linkTTL, under a random id,
// and served at PUBLIC_URL/files/{id}?exp=…&sig=…, the signature an HMAC of
// the id and the expiry under the button key, which every process shares.
// A link is refused once it expired or if anything in it was changed.

// linkTTL is how long a file's link works.
const linkTTL = 24 * time.Hour

// maxLinkedFile bounds a file kept for a link: Redis holds it.
const maxLinkedFile = 16 << 20

// errNoLinks: files cannot be linked (no PUBLIC_URL) or this one is too big.
var errNoLinks = errors.New("no link for the file")

// fileLinks keeps files for their links and serves them.
type fileLinks struct {
	state     *storage.Redis
	publicURL string // "": no links
	key       []byte // signs them: the button key, which every process shares
	log       *slog.Logger
}

// linker links files for a request's context (zaloEntries).
func (l *fileLinks) linker(ctx context.Context) func(*flows.Upload) (string, error) {
	return func(f *flows.Upload) (string, error) { return l.link(ctx, f) }
}

// link keeps f and returns its signed link.
func (l *fileLinks) link(ctx context.Context, f *flows.Upload) (string, error) {
	if l.publicURL == "" || len(f.Data) > maxLinkedFile {
		return "", errNoLinks
	}
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("file id: %w", err)
	}
	id := hex.EncodeToString(raw[:])
	if err := l.state.PutFile(ctx, id, f.Name, f.Data, linkTTL+time.Minute); err != nil {
		return "", err
	}
	exp := strconv.FormatInt(time.Now().Add(linkTTL).Unix(), 10)
	q := url.Values{"exp": {exp}, "sig": {l.sig(id, exp)}}
	return l.publicURL + "/files/" + id + "/" + url.PathEscape(f.Name) + "?" + q.Encode(), nil
}

func (l *fileLinks) sig(id, exp string) string {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte("file|" + id + "|" + exp))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// FilesHandler serves the files linked for Zalo: GET /files/{id}/{name}.
func (b *Bot) FilesHandler() http.Handler { return b.files.handler() }

func (l *fileLinks) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, exp, sig := r.PathValue("id"), r.URL.Query().Get("exp"), r.URL.Query().Get("sig")
		if len(id) != 32 || !hmac.Equal([]byte(sig), []byte(l.sig(id, exp))) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		if unix, err := strconv.ParseInt(exp, 10, 64); err != nil || time.Now().Unix() > unix {
			http.Error(w, "this link has expired", http.StatusGone)
			return
		}
		name, data, err := l.state.File(r.Context(), id)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			http.Error(w, "this link has expired", http.StatusGone)
			return
		case err != nil:
			l.log.Warn("serve linked file", errAttr(err))
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		w.Header().Set("Cache-Control", "private, no-store")
		_, _ = w.Write(data)
		l.log.Debug("linked file served", slog.String("id", id))
	})
}
