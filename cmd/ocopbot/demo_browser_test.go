package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

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

// TestWebChatRegistration registers a producer by clicking through the web
// chat of demo mode in headless Chromium, then checks Postgres.
func TestWebChatRegistration(t *testing.T) {
	t.Parallel()
	exe := chromium(t)
	db := storagetest.NewDB(t)
	prefix := "test:" + randomHex() + ":"
	t.Cleanup(func() { cleanRedis(prefix) })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := Config{DatabaseURL: db.URL, RedisURL: storagetest.RedisURL(), HTTPAddr: "127.0.0.1:0"}
	d, err := startDemo(ctx, cfg, "", prefix, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		if err := d.wait(); err != nil {
			t.Errorf("demo stopped with %v", err)
		}
	}()

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
		{"kind asked", botSays("Bước 1/14")},
		{"kind", press("Hợp tác xã")},
		{"name asked", botSays("Bước 2/14")},
		{"name", say("HTX Rau sạch Tân Thông")},
		{"rep asked", botSays("Bước 3/14")},
		{"rep", say("Phạm Thị Hoa")},
		{"phone asked", botSays("Bước 4/14")},
		{"share phone", []action{
			chromedp.Click(chromedp.Search(`(//*[@data-testid="reply-btn" and contains(., "Chia sẻ số điện thoại")])[last()]`)),
			// The page asks which number to share, prefilled as Telegram would.
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="dialog-ok"]`)),
			chromedp.Click(chromedp.CSS(`[data-testid="dialog-ok"]`)),
		}},
		{"tax asked", botSays("Bước 5/14")},
		{"tax", say("0100109106")},
		{"province asked", botSays("Bước 6/14")},
		{"province search", say("ho chi minh")},
		{"province", press("Thành phố Hồ Chí Minh")},
		{"district asked", botSays("Bước 7/14")},
		{"district search", say("cu chi")},
		{"district", press("Huyện Củ Chi")},
		{"commune asked", botSays("Bước 8/14")},
		{"commune search", say("tan thong hoi")},
		{"commune", press("Xã Tân Thông Hội")},
		{"product asked", botSays("Bước 9/14")},
		{"product", say("Rau muống sạch Tân Thông")},
		{"group asked", botSays("Bước 10/14")},
		{"group", press("1. Thực phẩm")},
		{"subgroup asked", botSays("Bước 11/14")},
		{"subgroup", press("Nông sản tươi sống (rau, củ, quả, hạt, thịt, trứng, sữa)")},
		{"description asked", botSays("Bước 12/14")},
		{"description", say("Rau muống trồng theo VietGAP, tưới nước giếng khoan.")},
		{"photo asked", botSays("Bước 13/14")},
		{"photo", []action{chromedp.SetUploadFiles(chromedp.CSS(`[data-testid="attach"]`), []string{photo})}},
		{"stars asked", botSays("Bước 14/14")},
		{"stars", press("4 ★")},
		{"summary", botSays("Xã Tân Thông Hội, Huyện Củ Chi")},
		{"submit", press("✅ Gửi đăng ký")},
		{"done", botSays("Mã hồ sơ: OCOP-")},
	}
	for _, s := range steps {
		sctx, scancel := context.WithTimeout(bctx, 30*time.Second)
		err := chromedp.Do(sctx, s.do...)
		scancel()
		if err != nil {
			shot(t, bctx, "failed-"+strings.ReplaceAll(s.name, " ", "-"))
			t.Fatalf("step %q: %v", s.name, err)
		}
	}
	shot(t, bctx, "webchat-registration")

	var phone, unit, product string
	var photoID string
	err = d.Store.Pool().QueryRow(context.Background(), `
SELECT p.phone, u.name, pr.name, pr.photo_file_id FROM registrations r
JOIN producers p ON p.id = r.producer_id JOIN products pr ON pr.id = r.product_id
JOIN admin_units u ON u.id = p.unit_id WHERE p.owner_user_id = 9003`).Scan(&phone, &unit, &product, &photoID)
	if err != nil {
		t.Fatalf("registration made in the browser is not in Postgres: %v", err)
	}
	if phone != "0912345678" || unit != "Xã Tân Thông Hội" || product != "Rau muống sạch Tân Thông" || photoID == "" {
		t.Fatalf("stored %q %q %q photo %q", phone, unit, product, photoID)
	}
	if _, ok := d.Emu.FileBytes(photoID); !ok {
		t.Fatalf("the uploaded photo %q is not in the emulator", photoID)
	}
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
