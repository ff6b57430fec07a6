package bot_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ocopbot/ocopbot/bot"
	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/metrics"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// transcript prints the chat as its user sees it.
func (z *zuser) transcript() string {
	var b strings.Builder
	for _, e := range z.h.zemu.Transcript(z.id) {
		who := "👤"
		if e.FromBot {
			who = "🤖"
		}
		b.WriteString(who + " " + text(e))
		if e.Photo != "" {
			b.WriteString(" [ảnh " + e.Photo + "]")
		}
		b.WriteString("\n\n")
	}
	return b.String()
}

func TestZaloRegistration(t *testing.T) {
	t.Parallel()
	for _, hook := range []bool{false, true} {
		name := "polling"
		if hook {
			name = "webhook"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			zaloRegistration(t, hook)
		})
	}
}

// zaloRegistration is a producer's whole registration on Zalo, its updates
// long-polled or posted to the bot's webhook.
func zaloRegistration(t *testing.T, hook bool) {
	var reg atomic.Pointer[prometheus.Registry]
	h := newHarness(t, harnessOptions{twoLevel: true, merges: true, zalo: true, zaloWebhook: hook,
		now: time.Date(2026, 12, 1, 9, 0, 0, 0, dates.Vietnam),
		metrics: func(store *storage.Store, _ *storage.Redis) bot.Metrics {
			r := prometheus.NewRegistry()
			reg.Store(r)
			return metrics.New(r, store).Transport()
		}})
	z := h.zaloUser("8213645102938475610")
	z.say("Xin chào")
	z.choose("📝 Đăng ký sản phẩm OCOP")
	// The notice names the channel the user is on.
	z.expect("Luật Bảo vệ dữ liệu cá nhân", "mã tài khoản Zalo", "đi qua dịch vụ Zalo")
	if strings.Contains(z.lastText(), "Telegram") {
		t.Fatalf("the notice on Zalo speaks of Telegram:\n%s", z.lastText())
	}
	z.choose("✅ Tôi đồng ý")
	z.expect("Bước 1/14", "loại hình")
	z.say("hop tac xa") // the choice typed, accents left out
	z.expect("Bước 2/14")
	z.say("Hợp tác xã Nông nghiệp Củ Chi")
	z.expect("Bước 3/14")
	z.say("quay lại")
	z.expect("Bước 2/14")
	z.say("Hợp tác xã Nông nghiệp Củ Chi")
	z.say("Nguyễn Văn An")
	z.expect("Bước 4/14", "Số điện thoại")
	z.say("0912345678")
	// No keyboard to take away on Zalo: the back word as on every step.
	z.expect("Đã lưu số điện thoại 0912345678.", "Bước 5/14", "Mã số thuế", "Gõ «quay lại» để về bước trước.")
	z.say("0100109106")
	z.expect("Bước 6/14", "tỉnh/thành phố")
	z.say("ho chi minh")
	z.choose("Thành phố Hồ Chí Minh")
	z.expect("Bước 7/14", "Thành phố Hồ Chí Minh")
	z.say("cu chi")
	z.choose("Xã Củ Chi")
	z.expect("Bước 8/14", "Địa chỉ chi tiết trong Xã Củ Chi")
	z.say("Ấp Bàu Tre")
	z.expect("Bước 9/14", "Tên sản phẩm")
	z.say("Mật ong rừng Củ Chi")
	z.choose("Thực phẩm")
	z.choose("Mật ong và sản phẩm từ mật ong")
	z.expect("Bước 12/14", "Mô tả ngắn")
	z.say("Mật ong nguyên chất thu hoạch từ rừng tràm, không pha đường.")
	z.expect("Bước 13/14", "ảnh")
	z.sendImage("https://photo.zadn.vn/ocop/mat-ong.jpg")
	z.expect("Bước 14/14", "mấy sao")
	z.choose("4 ★")
	z.expect("kiểm tra lại", "Mật ong rừng Củ Chi", "Hạng sao: mong muốn 4★", "Ảnh: có", "Ấp Bàu Tre, Xã Củ Chi")
	// Edit from the summary: the product's name.
	z.choose("✏️ Tên sản phẩm")
	z.expect("Tên sản phẩm")
	z.say("Mật ong tràm Củ Chi")
	z.expect("kiểm tra lại", "Mật ong tràm Củ Chi")
	// A redelivered message is handled once: the summary is not asked again.
	before := len(z.messages())
	last := z.h.zemu.Transcript(z.id)
	var lastUser string
	for _, e := range last {
		if !e.FromBot {
			lastUser = e.ID
		}
	}
	z.h.zemu.Redeliver(z.id, lastUser)
	h.waitDups(1)
	if n := len(z.messages()); n != before {
		t.Fatalf("a redelivered message was answered again: %d bot messages, want %d", n, before)
	}
	z.say("gui dang ky")
	z.expect("Đã gửi đăng ký sản phẩm «Mật ong tràm Củ Chi»", "Mã hồ sơ: OCOP-")

	var product, photo, owner string
	err := h.db.Store.Pool().QueryRow(context.Background(), `
SELECT pr.name, coalesce(pr.photo_file_id, ''), p.owner_user_id::text FROM registrations r JOIN producers p ON p.id = r.producer_id
JOIN products pr ON pr.id = r.product_id WHERE p.owner_user_id = $1`, z.chatID()).Scan(&product, &photo, &owner)
	if err != nil {
		t.Fatalf("registration not stored: %v", err)
	}
	if product != "Mật ong tràm Củ Chi" || photo != "https://photo.zadn.vn/ocop/mat-ong.jpg" {
		t.Errorf("stored product %q photo %q", product, photo)
	}
	storedInToday(t, h, &user{h: h, u: emulator.User{ID: z.chatID()}}, "Xã Củ Chi")

	z.say("/hoso")
	z.expect("Anh/Chị có 1 hồ sơ", "Mật ong tràm Củ Chi")
	// Nothing went to Telegram, and the metrics say Zalo.
	if n := len(h.emu.BotMessages(z.chatID())); n != 0 {
		t.Errorf("%d messages went to Telegram for a Zalo user", n)
	}
	for _, m := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		// 25 messages, and one of them again.
		{"ocopbot_updates_received_total", map[string]string{"channel": "zalo"}, 26},
		{"ocopbot_updates_received_total", map[string]string{"channel": "telegram"}, 0},
		{"ocopbot_updates_duplicate_total", map[string]string{"channel": "zalo"}, 1},
		// One message per step.
		{"ocopbot_telegram_calls_total", map[string]string{"channel": "zalo", "method": "sendMessage", "outcome": "ok"}, 25},
	} {
		if got := metricValue(t, reg.Load(), m.name, m.labels); got != m.want {
			t.Errorf("%s%v = %v, want %v", m.name, m.labels, got, m.want)
		}
	}
	t.Log(z.transcript())
}

// A producer on Zalo hears the council's result, is reminded before the
// certificate ends and answers by typing a number; the officials, on
// Telegram, are told of the answer and count it in /status.
func TestZaloProducerResultAndRenewal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{now: time.Date(2026, 9, 1, 3, 0, 0, 0, time.UTC), notify: true, zalo: true})
	registered := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	cuchi, anphu := unitOn(t, h, "783", 2, registered), unitOn(t, h, "27502", 3, registered)
	district := bind(t, h, 9702, cuchi, ocop.RoleDistrict)
	z := h.zaloUser("5550001112223334445")
	z.say("Xin chào")
	product := storagetest.AddProduct(t, h.db.Store, z.chatID(), anphu, "Mật ong Tràm")
	h.recordResult(product, 68, 3, "2388/QĐ-UBND", time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC), cuchi, 9702)
	h.settled("the result told")
	z.expect("Mật ong Tràm", "68", "3 sao", "2388/QĐ-UBND", "28/06/2024")

	// 31/05/2027: 27 days before the certificate's last day.
	h.sweepOn(time.Date(2027, 5, 31, 0, 0, 0, 0, time.UTC), 1)
	h.settled("the reminder sent")
	z.expect("Nhắc đánh giá lại sản phẩm OCOP", "Sản phẩm: Mật ong Tràm", "1. Đăng ký đánh giá lại", "2. Đăng ký nâng hạng sao",
		"3. Không đăng ký lại", "👉 Trả lời 1, 2 hoặc 3")
	z.say("2")
	z.expect("Đã ghi nhận: Anh/Chị đăng ký nâng hạng sản phẩm Mật ong Tràm", "lên 4 sao")
	if n := h.count(`SELECT count(*) FROM renewal_requests WHERE answer = 'upgrade' AND product_id = $1`, product); n != 1 {
		t.Fatalf("upgrade requests: %d, want 1", n)
	}
	h.settled("the answer told")
	if texts := strings.Join(h.botTexts(district.chatID()), "\n---\n"); !containsAll(texts, "Trả lời nhắc đánh giá lại", "Mật ong Tràm", "Đăng ký nâng hạng lên 4 sao") {
		t.Errorf("the district's notices:\n%s", texts)
	}
	district.say("/status")
	district.expectSome("1 nâng hạng")
	t.Log(z.transcript())
}

// A producer of the registry claims its record on Zalo by typing the code
// printed for it (Zalo opens no t.me link), then reads what the bot holds
// about it (/dulieu) and erases it (/xoadulieu); the province's official,
// on Telegram, sees the producer as linked in /status.
func TestZaloClaimByCodeAndPrivacy(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{twoLevel: true, merges: true, zalo: true,
		now: time.Date(2026, 12, 1, 9, 0, 0, 0, dates.Vietnam)})
	ctx := context.Background()
	commune := unitOn(t, h, "27556", 3, time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC))
	p := storagetest.AddRegistryProducer(t, h.db.Store, commune, "HTX Mật ong Tân Thông", "0912345678",
		storagetest.Cert{Stars: 4, Decided: "2024-06-28"})
	codes, err := h.db.Store.CreateClaimLinks(ctx, []int64{p}, 0, 60*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	z := h.zaloUser("7770001112223334445")
	z.say("Xin chào")
	z.choose("🔗 Nhận hồ sơ OCOP đã có")
	z.choose("✅ Tôi đồng ý")
	z.expect("gõ mã nhận hồ sơ in trên giấy")
	z.say("0912345678") // a phone proves nothing on Zalo
	z.expect("bot không nhận hồ sơ theo số điện thoại")
	// Typed as a phone's keyboard does: a capital first, a space inside.
	code := codes[0]
	z.say("C" + code[1:10] + " " + code[10:])
	z.expect("Liên kết này dành cho hồ sơ sau", "🏷 HTX Mật ong Tân Thông", "4★, hiệu lực đến hết ngày 27/06/2027")
	z.say("dung, day la toi")
	if !strings.Contains(strings.Join(z.replies(), "\n"), "Đã liên kết hồ sơ «HTX Mật ong Tân Thông»") {
		t.Fatalf("no claim confirmed; transcript:\n%s", z.transcript())
	}
	if got := owner(t, h, p); got != z.chatID() {
		t.Fatalf("producer owner = %d, want the Zalo user's %d", got, z.chatID())
	}

	z.say("/dulieu")
	z.expect("HTX Mật ong Tân Thông", "0912345678", "/xoadulieu")
	z.say("/xoadulieu")
	z.expect("Sẽ xóa ngay", "số điện thoại")
	z.choose("🗑 Xóa dữ liệu của tôi")
	z.expect("Đã xóa dữ liệu cá nhân", "Được giữ lại vì là hồ sơ công khai: tên chủ thể «HTX Mật ong Tân Thông»")
	if got := owner(t, h, p); got != 0 {
		t.Fatalf("producer still owned by %d after erasure", got)
	}
	if n := h.count(`SELECT count(*) FROM producers WHERE id = $1 AND phone = ''`, p); n != 1 {
		t.Fatal("the phone was not erased")
	}
	t.Log(z.transcript())
}

// An official on Zalo: bound by the invitation code typed, /status, and
// the chart and the workbook as signed links to the bot itself, which
// expire and refuse any change.
func TestZaloOfficialFilesAsSignedLinks(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{now: statusDay, zalo: true})
	u := seedCuChi(t, h)
	code, err := h.db.Store.CreateInvite(context.Background(), u["cuchi"], ocop.RoleDistrict, 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	z := h.zaloUser("6660001112223334445")
	z.say("/start " + code)
	z.expect("Anh/Chị đã được ghi nhận là cán bộ")
	// Zalo carries no file: where a file is asked for, and when one is sent,
	// the official is told where files go.
	z.say("/ketqua")
	z.expect("Chọn hồ sơ cần ghi kết quả", "Trên Zalo không gửi được tệp cho bot")
	z.say("/huy")
	z.say("1") // yes, cancel
	z.h.waitZalo(z.id + "/" + h.zemu.SendUnsupported(z.id, z.name))
	z.expect("trên Zalo, bot chỉ nhận chữ và ảnh")
	z.say("/status")
	z.expect("Huyện Củ Chi")
	z.choose("📈 Biểu đồ")
	msgs := z.messages()
	chart := msgs[len(msgs)-1]
	if !strings.HasPrefix(chart.Photo, h.publicURL+"/files/") || !strings.Contains(chart.Caption, "Biểu đồ Huyện Củ Chi") {
		t.Fatalf("chart message = %+v", chart)
	}
	if body := fetch(t, chart.Photo, http.StatusOK); !bytes.HasPrefix(body, []byte("\x89PNG")) {
		t.Fatalf("the chart's link serves %q…", body[:min(8, len(body))])
	}
	z.choose("📄 Xuất Excel")
	link := regexp.MustCompile(`https?://\S+`).FindString(z.lastText())
	if !strings.Contains(z.lastText(), "Tải tệp") || !strings.HasPrefix(link, h.publicURL+"/files/") {
		t.Fatalf("workbook message:\n%s", z.lastText())
	}
	if body := fetch(t, link, http.StatusOK); !bytes.HasPrefix(body, []byte("PK")) {
		t.Fatal("the workbook's link serves no workbook")
	}
	// A link changed in any part is refused: another expiry, another file.
	later := regexp.MustCompile(`exp=\d+`).ReplaceAllString(link, "exp=9999999999")
	fetch(t, later, http.StatusForbidden)
	other := strings.Replace(link, "/files/", "/files/0", 1)
	fetch(t, other, http.StatusForbidden)
}

func fetch(t *testing.T, url string, status int) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != status {
		t.Fatalf("GET %s: %s, want %d", url, resp.Status, status)
	}
	return body
}

// The Zalo webhook refuses a request without the secret Zalo was given,
// and takes nothing from it.
func TestZaloWebhookSecret(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{zalo: true, zaloWebhook: true})
	body := `{"event_name":"message.text.received","message":{"message_id":"m1","from":{"id":"u1"},"chat":{"id":"u1","chat_type":"PRIVATE"},"date":1,"text":"/hoso"}}`
	for _, secret := range []string{"", "wrong-secret"} {
		req, _ := http.NewRequest(http.MethodPost, h.zaloHook, strings.NewReader(body))
		if secret != "" {
			req.Header.Set("X-Bot-Api-Secret-Token", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("secret %q: %s, want 401", secret, resp.Status)
		}
	}
	if n := h.count(`SELECT count(*) FROM accounts WHERE channel = 'zalo'`); n != 0 {
		t.Fatalf("a refused request made %d Zalo accounts", n)
	}
}

// Zalo's 429s are honoured: a reply longer than a message goes out in its
// parts, in order, each as soon as Zalo takes it, none lost, while Zalo
// refuses the bot for going too fast.
func TestZaloTooManyRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{now: statusDay, zalo: true, zaloLimits: true})
	seedCuChi(t, h)
	z := h.zaloUser("4440001112223334445")
	for range 4 {
		z.say("/trogiup")
	}
	h.waitFor("every reply", func() bool { return len(z.messages()) >= 4 })
	if h.zemu.TooManyRequests() == 0 {
		t.Fatal("Zalo never answered 429: the test shows nothing")
	}
	msgs := z.messages()
	if len(msgs) != 4 {
		t.Fatalf("%d replies, want 4", len(msgs))
	}
	for _, m := range msgs {
		if !strings.Contains(m.Text, "/dangky") {
			t.Fatalf("a reply is not the help:\n%s", m.Text)
		}
	}
}

// A Zalo user's messages sent at once are answered in their order, each
// once; and a restart in the middle of a registration loses nothing: the
// step and the numbered choices the user was shown carry over.
func TestZaloOrderAndRestart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{twoLevel: true, merges: true, zalo: true,
		now: time.Date(2026, 12, 1, 9, 0, 0, 0, dates.Vietnam)})
	z := h.zaloUser("2220001112223334445")
	sent := []string{"/trogiup", "/hoso", "/trogiup", "/hoso", "/trogiup", "/hoso"}
	var keys []string
	for _, s := range sent {
		keys = append(keys, z.id+"/"+h.zemu.SendText(z.id, z.name, s))
	}
	for _, k := range keys {
		h.waitZalo(k)
	}
	h.waitFor("six replies", func() bool { return len(z.messages()) >= 6 })
	msgs := z.messages()
	if len(msgs) != 6 {
		t.Fatalf("%d replies to 6 messages", len(msgs))
	}
	for i, m := range msgs {
		help := strings.Contains(m.Text, "/dangky")
		if help != (sent[i] == "/trogiup") {
			t.Fatalf("reply %d answers the wrong message (%s):\n%s", i+1, sent[i], m.Text)
		}
	}

	z.say("/dangky")
	z.choose("✅ Tôi đồng ý")
	z.expect("Bước 1/14")
	h.restart()
	z.choose("Hợp tác xã") // read against the choices kept in Redis
	z.expect("Loại hình: Hợp tác xã ✓", "Bước 2/14")
}
