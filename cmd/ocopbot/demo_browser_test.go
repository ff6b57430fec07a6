package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// chromium finds Debian's Chromium, which `make test` installs.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium on PATH: run `make test` (it installs Debian's chromium) or `apt-get install -y chromium`")
	return ""
}

// TestWebChatRegistration runs the demo binary as a fresh clone would:
// from a directory with no shared/ anywhere above it, on a database that
// does not exist yet. It registers a producer by clicking through the web
// chat in headless Chromium, in today's two-level tree (province → commune,
// 14 steps with the address line) — each press edits the question pressed
// into the answer and the next question, a search's results replace the
// question they answer, and the chat shows at most 10 messages for the
// registration —, then checks Postgres.
func TestWebChatRegistration(t *testing.T) {
	t.Parallel()
	exe := chromium(t)
	dir, bin := buildInTempDir(t)
	dbURL := storagetest.AbsentDB(t)
	// The demo's Redis prefix is fixed ("demo:"): a database no other test
	// uses keeps it apart.
	const redisURL = "redis://127.0.0.1:6379/13"
	cleanDemoRedis(t, redisURL)
	t.Cleanup(func() { cleanDemoRedis(t, redisURL) })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := startDemoBinary(t, dir, bin, dbURL, redisURL)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 900))
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	// The first action starts the browser, whose life is its context's:
	// start it without a deadline, and bound each step instead.
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}

	photo := filepath.Join(t.TempDir(), "mat-ong.png")
	writePNG(t, photo)

	type action = chromedp.Action[chromedp.Void]
	botSays := func(text string) []action {
		return []action{chromedp.WaitVisible(chromedp.Search(`//*[@data-testid="msg" and @data-from="bot" and contains(., "` + text + `")]`))}
	}
	press := func(label string) []action {
		return []action{chromedp.Click(chromedp.Search(`(//*[@data-testid="inline-btn" and normalize-space(.)="` + label + `"])[last()]`))}
	}
	// inPlace waits for a bot message edited in place ("đã sửa") that
	// shows what was answered above what comes next: one step, one message.
	inPlace := func(answered, next string) []action {
		return []action{chromedp.WaitVisible(chromedp.Search(`//*[@data-testid="msg" and @data-from="bot" and contains(., "` +
			answered + `") and contains(., "` + next + `") and contains(., "đã sửa")]`))}
	}
	say := func(text string) []action {
		return []action{
			chromedp.SendKeys(chromedp.CSS(`[data-testid="composer"]`), text),
			chromedp.Click(chromedp.CSS(`[data-testid="send"]`)),
		}
	}
	steps := []struct {
		name string
		do   []action
	}{
		{"open", []action{chromedp.Navigate(d.URL)}},
		{"pick the new user", []action{chromedp.Click(chromedp.CSS(`[data-testid="user-9003"]`))}},
		{"start", say("/start")},
		{"greeting", botSays("Xin chào")},
		{"register", press("📝 Đăng ký sản phẩm OCOP")},
		{"personal-data notice", botSays("Luật Bảo vệ dữ liệu cá nhân")},
		{"agree", press("✅ Tôi đồng ý")},
		{"kind asked", inPlace("Cảm ơn Anh/Chị đã đồng ý.", "Bước 1/14")},
		{"kind", press("Hợp tác xã")},
		{"name asked", inPlace("Loại hình: Hợp tác xã ✓", "Bước 2/14")},
		{"name", say("HTX Rau sạch An Nhơn Tây")},
		{"rep asked", botSays("Bước 3/14")},
		{"rep", say("Phạm Thị Hoa")},
		{"phone asked", botSays("Bước 4/14")},
		{"share phone", []action{
			chromedp.Click(chromedp.Search(`(//*[@data-testid="reply-btn" and contains(., "Chia sẻ số điện thoại")])[last()]`)),
			// The page asks which number to share, prefilled as Telegram would.
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="dialog-ok"]`)),
			chromedp.Click(chromedp.CSS(`[data-testid="dialog-ok"]`)),
		}},
		{"tax asked", botSays("Đã lưu số điện thoại 0912345678")},
		{"tax asked in the same message", botSays("Bước 5/14")},
		{"tax", say("0100109106")},
		{"province asked", botSays("Bước 6/14")},
		{"province search", say("ho chi minh")},
		// Today's first page of provinces has the city too: press the
		// search's button, not the page's.
		// The search's results take the place of the question it answers.
		{"province found", inPlace("Bước 6/14", "Tìm «ho chi minh»")},
		{"province", press("Thành phố Hồ Chí Minh")},
		// No district: the two-level tree is in force.
		{"commune asked", inPlace("Địa chỉ: Thành phố Hồ Chí Minh ✓", "Bước 7/14")},
		{"commune search", say("an nhon tay")},
		{"commune found", inPlace("Bước 7/14", "Tìm «an nhon tay»")},
		{"commune", press("Xã An Nhơn Tây")},
		{"address line asked", inPlace("Địa chỉ: Xã An Nhơn Tây, Thành phố Hồ Chí Minh ✓", "Bước 8/14")},
		{"address line", say("Ấp Chợ Cũ")},
		{"product asked", botSays("Bước 9/14")},
		{"product", say("Rau muống sạch An Nhơn Tây")},
		{"group asked", botSays("Bước 10/14")},
		{"group", press("1. Thực phẩm")},
		{"subgroup asked", inPlace("Nhóm: Thực phẩm ✓", "Bước 11/14")},
		{"subgroup", press("Nông sản tươi sống (rau, củ, quả, hạt, thịt, trứng, sữa)")},
		{"description asked", inPlace("Nhóm: Thực phẩm › Nông sản tươi sống", "Bước 12/14")},
		{"description", say("Rau muống trồng theo VietGAP, tưới nước giếng khoan.")},
		{"photo asked", botSays("Bước 13/14")},
		{"photo", []action{chromedp.SetUploadFiles(chromedp.CSS(`[data-testid="attach"]`), []string{photo})}},
		{"stars asked", botSays("Bước 14/14")},
		{"stars", press("4 ★")},
		{"summary", inPlace("Hạng sao: mong muốn 4★ ✓", "Ấp Chợ Cũ, Xã An Nhơn Tây, Thành phố Hồ Chí Minh")},
		{"submit", press("✅ Gửi đăng ký")},
		// The summary stays, as what was sent, above the answer.
		{"done", inPlace("Rau muống sạch An Nhơn Tây", "Mã hồ sơ: OCOP-")},
		// The greeting, then at most 10 messages for the whole registration.
		{"one message per step", []action{chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			n, err := chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="msg"][data-from="bot"]').length`)(ctx, tg)
			if err == nil && n > 1+10 {
				err = fmt.Errorf("the chat shows %d bot messages, want the greeting and at most 10", n)
			}
			return err
		})}},
	}
	for _, s := range steps {
		sctx, scancel := context.WithTimeout(bctx, 30*time.Second)
		err := chromedp.Do(sctx, s.do...)
		scancel()
		if err != nil {
			shot(t, bctx, "failed-"+strings.ReplaceAll(s.name, " ", "-"))
			t.Fatalf("step %q: %v; the demo's log:\n%s", s.name, err, d.out.String())
		}
	}
	shot(t, bctx, "webchat-registration")

	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var phone, unit, tree, product, photoID string
	err = conn.QueryRow(context.Background(), `
SELECT p.phone, u.name, u.valid_from::text, pr.name, pr.photo_file_id FROM registrations r
JOIN producers p ON p.id = r.producer_id JOIN products pr ON pr.id = r.product_id
JOIN admin_units u ON u.id = p.unit_id WHERE p.owner_user_id = 9003`).Scan(&phone, &unit, &tree, &product, &photoID)
	if err != nil {
		t.Fatalf("registration made in the browser is not in Postgres: %v", err)
	}
	if phone != "0912345678" || unit != "Xã An Nhơn Tây" || tree != "2025-07-01" || product != "Rau muống sạch An Nhơn Tây" || photoID == "" {
		t.Fatalf("stored %q %q (tree from %s) %q photo %q", phone, unit, tree, product, photoID)
	}
	if !d.hasFile(t, photoID) {
		t.Fatalf("the uploaded photo %q is not in the emulator", photoID)
	}
	d.stop(t)
}

// shot saves a screenshot among the test's artifacts (go test -artifacts).
func shot(t *testing.T, ctx context.Context, name string) {
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(t.ArtifactDir(), name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Logf("save screenshot: %v", err)
		return
	}
	t.Logf("screenshot: %s", path)
}

func writePNG(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := 0; x < 64; x++ {
		for y := 0; y < 48; y++ {
			img.Set(x, y, color.RGBA{R: 230, G: uint8(150 + y), B: 30, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// demoProcess is `ocopbot demo` running as its own process.
type demoProcess struct {
	URL  string
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan error
}

// startDemoBinary runs `ocopbot demo` in dir on the database dbURL (which
// it creates) and waits for it to say where its web chat is.
func startDemoBinary(t *testing.T, dir, bin, dbURL, redisURL string) *demoProcess {
	t.Helper()
	cmd := exec.Command(bin, "demo")
	cmd.Dir = dir
	// DATABASE_URL only has to differ from the demo's: demo mode never opens it.
	cmd.Env = append(os.Environ(), "DEMO_DATABASE_URL="+dbURL, "DATABASE_URL="+dbURL+"&unused=1",
		"REDIS_URL="+redisURL, "HTTP_ADDR=127.0.0.1:0", "LOG_FORMAT=text", "TELEGRAM_BOT_TOKEN=")
	d := &demoProcess{cmd: cmd, out: &lockedBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = d.out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			d.out.Write([]byte(sc.Text() + "\n"))
			// "… mở http://127.0.0.1:PORT để trò chuyện với bot."
			if _, rest, ok := strings.Cut(sc.Text(), "mở http://"); ok {
				addr, _, _ := strings.Cut(rest, " ")
				urls <- "http://" + addr
			}
		}
		d.done <- cmd.Wait()
	}()
	// A test that failed midway leaves it running: kill it (a no-op once
	// stop has seen it exit).
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case d.URL = <-urls:
		return d
	case err := <-d.done:
		t.Fatalf("demo exited before serving (%v):\n%s", err, d.out.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("demo did not say where its web chat is within 2 minutes:\n%s", d.out.String())
	}
	return nil
}

// hasFile asks the demo's Bot API for a file as the bot would.
func (d *demoProcess) hasFile(t *testing.T, fileID string) bool {
	t.Helper()
	resp, err := http.Get(d.URL + "/bot" + demoToken + "/getFile?file_id=" + url.QueryEscape(fileID))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		OK     bool `json:"ok"`
		Result struct {
			FilePath string `json:"file_path"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || !got.OK {
		return false
	}
	file, err := http.Get(d.URL + "/file/bot" + demoToken + "/" + got.Result.FilePath)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Body.Close()
	body, _ := io.ReadAll(file.Body)
	return file.StatusCode == http.StatusOK && len(body) > 0
}

// stop interrupts the demo as Ctrl+C does and expects a clean exit.
func (d *demoProcess) stop(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("demo stopped with %v:\n%s", err, d.out.String())
		}
	case <-time.After(30 * time.Second):
		t.Errorf("demo did not stop within 30 s of SIGINT:\n%s", d.out.String())
	}
}

// cleanDemoRedis deletes demo mode's keys in the Redis database of url.
func cleanDemoRedis(t *testing.T, url string) {
	o, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(o)
	defer rdb.Close()
	if keys := scanKeys(rdb, "demo:*"); len(keys) > 0 {
		rdb.Del(context.Background(), keys...)
	}
}

// lockedBuffer collects a process's output from two goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
