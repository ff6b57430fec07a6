package webchat

import (
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestPage(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOptions{noBot: true})
	tests := []struct {
		path     string
		wantType string
		want     []string
	}{
		{"/", "text/html", []string{
			`<html lang="vi">`, "ocopbot — trò chuyện thử", "Nhập tin nhắn…", "Gửi", "Chia sẻ số điện thoại",
			"Đính kèm ảnh/tệp", "Thêm người dùng", `src="webchat/static/app.js"`, `href="webchat/static/app.css"`,
			`data-testid="composer"`, `data-testid="send"`, `data-testid="attach"`, `data-testid="messages"`,
			`data-testid="reply-keyboard"`, `data-testid="add-user"`,
		}},
		{"/webchat/static/app.js", "text/javascript", []string{
			"textContent", `'inline-btn'`, `'reply-btn'`, "'msg'", "dataset.from", "'user-' + u.id", "?after=",
			"request_contact", "0912345678", "Chia sẻ số điện thoại", "upload",
		}},
		{"/webchat/static/app.css", "text/css", []string{".bubble", ".inline-btn", ".reply-btn"}},
		{"/webchat/static/icon.svg", "image/svg+xml", []string{"<svg"}},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			r := e.get(t, tc.path)
			if r.status != http.StatusOK {
				t.Fatalf("GET %s = %d", tc.path, r.status)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, tc.wantType) {
				t.Errorf("Content-Type = %q, want %s", ct, tc.wantType)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(r.body), w) {
					t.Errorf("GET %s lacks %q", tc.path, w)
				}
			}
		})
	}

	r := e.get(t, "/")
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("page CSP = %q, want scripts from the site only", csp)
	}
}

// TestStaticFilesSelfContained guards the page's two promises: nothing is fetched from elsewhere (the machines
// have no internet), and message text never becomes markup.
func TestStaticFilesSelfContained(t *testing.T) {
	t.Parallel()
	external := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//|@import|url\(\s*["']?(https?:)?//`)
	markup := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function`)
	err := fs.WalkDir(staticFiles, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFiles.ReadFile(path)
		if err != nil {
			return err
		}
		if m := external.Find(b); m != nil {
			t.Errorf("%s loads something from elsewhere: %q", path, m)
		}
		if m := markup.Find(b); m != nil {
			t.Errorf("%s builds markup from strings: %q", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPageTitle(t *testing.T) {
	t.Parallel()
	s := New(nil, Options{Title: `<b>"Bot"</b>`})
	page := string(s.page)
	if strings.Contains(page, "<b>") || !strings.Contains(page, "&lt;b&gt;") {
		t.Errorf("title not escaped in the page: %q", page[:min(len(page), 400)])
	}
}
