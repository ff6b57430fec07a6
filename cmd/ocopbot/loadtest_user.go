package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/flows/ocop"
)

// A simulated producer of the load test: what it says and presses, through
// the emulator's user API, and the prompt it expects back each time — the
// Vietnamese texts of locales/vi.toml that tell one step from the next.
const (
	askKind      = "loại hình nào"
	askName      = "Tên đầy đủ của chủ thể"
	askRep       = "người đại diện"
	askPhone     = "Số điện thoại di động"
	askTax       = "Mã số thuế của chủ thể"
	askProvince  = "tỉnh/thành phố nào"
	askDistrict  = "quận/huyện nào"
	askCommune   = "xã/phường/đặc khu nào"
	askCommune3  = "xã/phường/thị trấn nào" // the commune step of the three-level tree
	askAddrLine  = "thôn/ấp/tổ dân phố, số nhà"
	askPName     = "Tên sản phẩm đăng ký OCOP"
	askGroup     = "thuộc nhóm nào"
	askSubgroup  = "Phân nhóm nào"
	askDesc      = "Mô tả ngắn sản phẩm"
	askPhoto     = "Gửi một ảnh sản phẩm"
	askStars     = "mấy sao"
	askSummary   = "kiểm tra lại thông tin"
	askCancel    = "chắc muốn hủy"
	doneCancel   = "Đã hủy đăng ký"
	doneRegister = "Mã hồ sơ"
	// A known producer is asked the product only: six steps.
	askProductOnly = "Bước 1/6"
	// /dangky in the middle of a registration asks whether to go on.
	askResume = "đăng ký dở"
	// A user who has not agreed to the personal-data notice sees it first.
	askConsent = "Luật Bảo vệ dữ liệu cá nhân"

	labelAgree = "✅ Tôi đồng ý"

	labelRestart = "🔄 Bắt đầu lại"
)

// step is one action of a user and the reply it waits for: a bot message
// after the action containing one of expect, or one shown before it and
// edited since (a pressed prompt edited into the next step, a search
// answered in place).
type step struct {
	action string // the user API's: text, press, contact, photo
	arg    string // the text, the button's label, the phone
	expect []string
	// next, when set, reads the step's reply and returns the steps that
	// follow it: a registration's opening depends on who the user is.
	next func(reply string) []step
}

func say(text string, expect ...string) step { return step{action: "text", arg: text, expect: expect} }
func press(label string, expect ...string) step {
	return step{action: "press", arg: label, expect: expect}
}
func share(phone string, expect ...string) step {
	return step{action: "contact", arg: phone, expect: expect}
}
func (s step) String() string { return s.action + " " + strconv.Quote(s.arg) }

// then sets the step's next.
func (s step) then(next func(reply string) []step) step {
	s.next = next
	return s
}

// matched is the expected text the reply holds: it names the step in the
// figures by step.
func (s step) matched(reply string) string {
	for _, e := range s.expect {
		if strings.Contains(reply, e) {
			return e
		}
	}
	return s.expect[0]
}

// plan is one registration of a simulated producer: /dangky, then what its
// answer asks — the personal-data notice and the producer's steps for a
// new producer, the question whether to go on with a registration left
// unfinished, or the product's steps for a known producer.
type plan struct {
	chatID int64
	n      int  // the product's number, in its name
	warmUp bool // make the producer known only: a known producer's registration is cancelled
}

func (p plan) steps() []step {
	return []step{say("/dangky", askProductOnly, askResume, askConsent, askKind).then(p.opening)}
}

// opening returns the steps that answer a registration's opening prompt.
func (p plan) opening(reply string) []step {
	switch {
	case strings.Contains(reply, askConsent):
		return []step{press(labelAgree, askKind, askProductOnly).then(p.opening)}
	case strings.Contains(reply, askResume):
		return []step{press(labelRestart, askKind, askProductOnly, askConsent).then(p.opening)}
	case strings.Contains(reply, askKind):
		tax, err := loadTaxCode(p.chatID)
		if err != nil {
			tax = "0" // refused by the bot: the step reports it
		}
		steps := producerSteps(p.chatID, tax)
		last := len(steps) - 1
		steps[last] = steps[last].then(func(reply string) []step { return append(addressSteps(reply), productSteps(p.n)...) })
		return steps
	case p.warmUp:
		return []step{say("/huy", askCancel), press("Có, hủy", doneCancel)}
	}
	return productSteps(p.n)
}

// productSteps register a product, from its name to the submission; the
// first registration and the measured ones share them.
func productSteps(n int) []step {
	return []step{
		say("Mật ong rừng Củ Chi số "+strconv.Itoa(n), askGroup),
		press("1. Thực phẩm", askSubgroup),
		press("Mật ong và sản phẩm từ mật ong", askDesc),
		say("Mật ong nguyên chất thu hoạch từ rừng tràm, không pha đường.", askPhoto),
		press("Bỏ qua", askStars),
		press("4 ★", askSummary),
		press("✅ Gửi đăng ký", doneRegister),
	}
}

// producerSteps answer the producer's part of a first registration up to
// its province; the commune follows by the tree in force (addressSteps).
func producerSteps(chatID int64, taxCode string) []step {
	return []step{
		press("Hợp tác xã", askName),
		say("Hợp tác xã Thử tải "+strconv.FormatInt(chatID, 10), askRep),
		say("Nguyễn Văn An", askPhone),
		share("84912345678", askTax),
		say(taxCode, askProvince),
		say("ho chi minh", "Tìm «ho chi minh»"),
		press("Thành phố Hồ Chí Minh", askCommune, askDistrict),
	}
}

// addressSteps choose the producer's commune: Xã Củ Chi in the two-level
// tree in force since 1/7/2025, Xã Phú Mỹ Hưng of Huyện Củ Chi in a
// database holding only the three-level tree; then the hamlet and house
// number.
func addressSteps(asked string) []step {
	line := say("Số 12, ấp Phú Lợi", askPName)
	if strings.Contains(asked, askDistrict) {
		return []step{
			say("cu chi", "Tìm «cu chi»"),
			press("Huyện Củ Chi", askCommune3),
			say("phu my hung", "Tìm «phu my hung»"),
			press("Xã Phú Mỹ Hưng", askAddrLine),
			line,
		}
	}
	return []step{say("cu chi", "Tìm «cu chi»"), press("Xã Củ Chi", askAddrLine), line}
}

// loadTaxCode is a valid mã số thuế of the chat's own: the chat id picks a
// pair of 9-digit bases no other chat of a run shares, and the check digit
// is the one ocop.NormalizeTaxCode accepts (one base in eleven has none).
func loadTaxCode(chatID int64) (string, error) {
	base := 100_000_000 + 2*(chatID%400_000_000)
	for b := base; b < base+2; b++ {
		for check := range 10 {
			code := strconv.FormatInt(b, 10) + strconv.Itoa(check)
			if _, err := ocop.NormalizeTaxCode(code); err == nil {
				return code, nil
			}
		}
	}
	return "", fmt.Errorf("no valid tax code for chat %d", chatID)
}

// userClient calls the emulator's user API.
type userClient struct {
	http    *http.Client
	base    string        // the emulator's URL
	timeout time.Duration // for a reply
}

func newUserClient(base string, chats int, timeout time.Duration) *userClient {
	// Every user holds one request at a time: keep a connection per user,
	// or the run would open and close thousands.
	tr := &http.Transport{MaxIdleConns: chats + 16, MaxIdleConnsPerHost: chats + 16, IdleConnTimeout: time.Minute}
	return &userClient{http: &http.Client{Transport: tr}, base: strings.TrimRight(base, "/"), timeout: timeout}
}

// errNoReply is a step whose expected reply did not come in time.
var errNoReply = errors.New("expected reply did not come")

// refusedError is a user action the emulator refused (a button no message
// shows, say).
type refusedError struct {
	status int
	msg    string
}

func (e *refusedError) Error() string { return fmt.Sprintf("refused (%d): %s", e.status, e.msg) }

// userReply is the bot's answer a step waited for.
type userReply struct {
	emulator.MessageView
	edit bool // a message shown before the action, edited since
}

// do performs one step in a chat and returns the reply it expected. The
// answer comes once that reply has come: the request's round trip is the
// step's latency as the user sees it.
func (c *userClient) do(ctx context.Context, chatID int64, s step) (userReply, error) {
	a := emulator.UserAction{Expect: s.expect, Timeout: c.timeout.String()}
	switch s.action {
	case "text":
		a.Text = s.arg
	case "press":
		a.Label = s.arg
	case "contact":
		a.Phone = s.arg
	}
	var v emulator.UserView
	url := c.base + "/emulator/users/" + strconv.FormatInt(chatID, 10) + "/" + s.action
	if err := postStep(ctx, c.http, url, a, c.timeout, &v); err != nil {
		return userReply{}, fmt.Errorf("%s: %w", s, err)
	}
	if v.Timeout || v.Reply == nil {
		last := "(none)"
		if v.Last != nil {
			last = strconv.Quote(firstLine(v.Last.Text))
		}
		return userReply{}, fmt.Errorf("%s: want %q within %v, last bot message %s: %w", s, s.expect, c.timeout, last, errNoReply)
	}
	return userReply{*v.Reply, v.ReplyEdit}, nil
}

// postStep posts a user's action to an emulator's control API and reads
// its answer into out: the reply the action waited for, up to timeout.
func postStep(ctx context.Context, client *http.Client, url string, action any, timeout time.Duration, out any) error {
	body, err := json.Marshal(action)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout+5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error, Description string }
		_ = json.NewDecoder(resp.Body).Decode(&e) // the status says enough without it
		return &refusedError{resp.StatusCode, e.Error + e.Description}
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// simUser is one simulated producer: a private chat whose id is its user's.
type simUser struct {
	chatID int64
	c      actor
}

// actor performs a user's step and returns the reply it expected: on
// Telegram through the Bot API emulator (userClient), on Zalo through the
// Zalo emulator (zaloClient).
type actor interface {
	do(ctx context.Context, chatID int64, s step) (userReply, error)
}

// play performs steps in order, and those each step's next adds, until
// they are done, pause says stop (false) or one fails; pause runs before
// each step, done after each reply.
func (u *simUser) play(ctx context.Context, steps []step, pause func(i int) bool,
	done func(s step, reply userReply, took time.Duration)) (userReply, error) {
	var reply userReply
	for i := 0; i < len(steps); i++ {
		if pause != nil && !pause(i) {
			return reply, nil
		}
		sent := time.Now()
		var err error
		if reply, err = u.c.do(ctx, u.chatID, steps[i]); err != nil {
			return reply, err
		}
		if done != nil {
			done(steps[i], reply, time.Since(sent))
		}
		if steps[i].next != nil {
			steps = append(steps[:i+1], steps[i].next(reply.Text)...)
		}
	}
	return reply, nil
}

// ensureProducer registers the chat's producer through the chat itself,
// unless it is known already, and leaves the chat with nothing in
// progress: the measured registrations then ask the product only.
func (u *simUser) ensureProducer(ctx context.Context) error {
	_, err := u.play(ctx, plan{chatID: u.chatID, warmUp: true}.steps(), nil, nil)
	return wrapChat(u.chatID, "warm-up", err)
}

func wrapChat(chatID int64, what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("chat %d: %s: %w", chatID, what, err)
}
