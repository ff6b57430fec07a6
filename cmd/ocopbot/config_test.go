package main

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/bot"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	const token = "123456789:AAFakeTokenFakeTokenFakeToken_-12"
	cases := []struct {
		name    string
		env     map[string]string
		wantErr string // substring naming the variable; "" for success
	}{
		{"defaults", nil, ""},
		{"good token", map[string]string{"TELEGRAM_BOT_TOKEN": token}, ""},
		{"malformed token", map[string]string{"TELEGRAM_BOT_TOKEN": "abc"}, "TELEGRAM_BOT_TOKEN"},
		{"bad api url", map[string]string{"TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL"},
		{"bad database url", map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
		{"bad redis url", map[string]string{"REDIS_URL": "http://x"}, "REDIS_URL"},
		{"webhook needs https", map[string]string{"WEBHOOK_URL": "http://x.vn/hook", "WEBHOOK_SECRET": "0123456789abcdef"}, "WEBHOOK_URL"},
		{"webhook needs a secret", map[string]string{"WEBHOOK_URL": "https://x.vn/hook"}, "WEBHOOK_SECRET is required"},
		{"short secret", map[string]string{"WEBHOOK_URL": "https://x.vn/hook", "WEBHOOK_SECRET": "abc"}, "WEBHOOK_SECRET must be"},
		{"webhook ok", map[string]string{"WEBHOOK_URL": "https://x.vn/hook", "WEBHOOK_SECRET": "0123456789abcdef"}, ""},
		{"plain http to Telegram", map[string]string{"WEBHOOK_URL": "http://x.vn/hook", "WEBHOOK_SECRET": "0123456789abcdef"}, "must be an https:// URL"},
		{"plain http from a local Bot API", map[string]string{"WEBHOOK_URL": "http://10.0.0.5/hook", "WEBHOOK_SECRET": "0123456789abcdef",
			"TELEGRAM_API_URL": "http://127.0.0.1:8081"}, ""},
		{"log format", map[string]string{"LOG_FORMAT": "xml"}, "LOG_FORMAT"},
		{"workers", map[string]string{"WORKERS": "32"}, ""},
		{"demo database is the real one", map[string]string{"DATABASE_URL": "postgres://h/x", "DEMO_DATABASE_URL": "postgres://h/x"}, "DEMO_DATABASE_URL must differ"},
		{"workers not a number", map[string]string{"WORKERS": "many"}, "WORKERS"},
		{"reminder stages", map[string]string{"REMINDER_STAGES": "120, 30,7"}, ""},
		{"reminder stage zero", map[string]string{"REMINDER_STAGES": "90,0"}, "REMINDER_STAGES"},
		{"reminder stages not numbers", map[string]string{"REMINDER_STAGES": "ba tháng"}, "REMINDER_STAGES"},
		{"reminder hour", map[string]string{"REMINDER_HOUR": "24"}, "REMINDER_HOUR"},
		{"digest on sunday", map[string]string{"DIGEST_WEEKDAY": "0"}, "DIGEST_WEEKDAY"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadConfig(env(tc.env))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("got error %v, want none", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("got error %v, want one naming %q", err, tc.wantErr)
			}
		})
	}
}

func TestDescribeHidesSecrets(t *testing.T) {
	t.Parallel()
	c, err := loadConfig(env(map[string]string{
		"TELEGRAM_BOT_TOKEN": "123456789:AAFakeTokenFakeTokenFakeToken_-12",
		"WEBHOOK_URL":        "https://x.vn/hook", "WEBHOOK_SECRET": "0123456789abcdef",
		"DATABASE_URL": "postgres://u:pw@h/db",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, v := range c.describe() {
		b.WriteString(v.(string) + " ")
	}
	for _, secret := range []string{"AAFakeToken", "0123456789abcdef", ":pw@"} {
		if strings.Contains(b.String(), secret) {
			t.Errorf("describe shows %q: %s", secret, b.String())
		}
	}
}

func TestServeWithoutTokenSaysWhatToDo(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"serve"}, env(nil), &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "@BotFather") {
		t.Fatalf("serve without a token: %v", err)
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if err := run(context.Background(), nil, env(nil), &out, &errb); err == nil {
		t.Fatal("no subcommand: no error")
	}
	if !strings.Contains(errb.String(), "DATABASE_URL") {
		t.Fatalf("usage does not list settings:\n%s", errb.String())
	}
	if err := run(context.Background(), []string{"version"}, env(nil), &out, &errb); err != nil || !strings.Contains(out.String(), "ocopbot") {
		t.Fatalf("version: %v %q", err, out.String())
	}
}

func TestLoggerRedactsIdentifiers(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	log := newLogger(&b, "json")
	log.Info("x", "phone", "0912345678", "tax_code", "0100109106", "citizen_id", "079123456789", "chat_id", 5)
	for _, s := range []string{"0912345678", "0100109106", "079123456789"} {
		if strings.Contains(b.String(), s) {
			t.Errorf("log shows %s: %s", s, b.String())
		}
	}
}

func TestInviteCommand(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	getenv := env(map[string]string{"DATABASE_URL": db.URL})
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"invite", "--unit", "79", "--role", "province", "--bot", "ocop_bot"}, getenv, &out, &errb)
	if err != nil || !strings.Contains(out.String(), "https://t.me/ocop_bot?start=") {
		t.Fatalf("invite: %v\n%s", err, out.String())
	}
	// Since 1/7/2025 there are no districts: refused with the reason.
	err = run(context.Background(), []string{"invite", "--unit", "783", "--role", "district", "--bot", "ocop_bot"}, getenv, &out, &errb)
	if !errors.Is(err, ocop.ErrRoleAbolished) || !strings.Contains(err.Error(), "202/2025/QH15") {
		t.Fatalf("district invitation: %v, want the district level's end as the reason", err)
	}
	for _, bad := range [][]string{
		{"invite", "--unit", "79", "--role", "commune"}, // a province is no commune
		{"invite", "--unit", "99999", "--role", "district"},
		{"invite", "--role", "district"},
	} {
		if err := run(context.Background(), bad, getenv, &out, &errb); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// The environment is parsed once into the values the program uses.
func TestConfigTypedValues(t *testing.T) {
	t.Parallel()
	c, err := loadConfig(env(map[string]string{"REMINDER_STAGES": "120, 30,7", "WORKERS": "32", "DIGEST_WEEKDAY": "3"}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.ReminderStages, []int{120, 30, 7}) || c.Workers != 32 || c.DigestWeekday != time.Wednesday ||
		c.SendRate != 29.5 || c.SendWorkers != 16 || c.JobTimeout != 30*time.Second || c.ReminderHour != 8 {
		t.Fatalf("config = %+v", c)
	}
	if c, _ := loadConfig(env(nil)); c.Workers != 0 || c.DigestWeekday != time.Monday ||
		c.zaloLimits() != (bot.Limits{Global: 29.5, PerChat: 1}) {
		t.Fatalf("defaults: workers %d, digest on %v, Zalo %+v; want the transport's default, Monday and Telegram's rates",
			c.Workers, c.DigestWeekday, c.zaloLimits())
	}
	c, err = loadConfig(env(map[string]string{"ZALO_SEND_RATE": "5", "ZALO_CHAT_RATE": "0.5"}))
	if err != nil || c.zaloLimits() != (bot.Limits{Global: 5, PerChat: 0.5}) || c.limits().Global != 29.5 {
		t.Fatalf("Zalo's rates set: %+v (Telegram %+v), %v", c.zaloLimits(), c.limits(), err)
	}
	if _, err := loadConfig(env(map[string]string{"ZALO_SEND_RATE": "0"})); err == nil || !strings.Contains(err.Error(), "ZALO_SEND_RATE") {
		t.Fatalf("ZALO_SEND_RATE=0 accepted: %v", err)
	}
}

// TestTuneGC: serve collects at five times the live heap within a soft
// limit, unless GOGC or GOMEMLIMIT is set, which then rule alone.
func TestTuneGC(t *testing.T) {
	// The settings are the process's: restore them whatever happens.
	gc, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(gc)
		debug.SetMemoryLimit(limit)
	})
	tests := []struct {
		name  string
		env   map[string]string
		gc    int
		limit int64
	}{
		{name: "default", env: map[string]string{}, gc: 400, limit: 512 << 20},
		{name: "GOGC set", env: map[string]string{"GOGC": "100"}, gc: 100, limit: math.MaxInt64},
		{name: "GOMEMLIMIT set", env: map[string]string{"GOMEMLIMIT": "1GiB"}, gc: 100, limit: math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			tuneGC(func(k string) string { return tt.env[k] })
			if got := debug.SetGCPercent(100); got != tt.gc {
				t.Errorf("GC percent = %d, want %d", got, tt.gc)
			}
			if got := debug.SetMemoryLimit(math.MaxInt64); got != tt.limit {
				t.Errorf("memory limit = %d, want %d", got, tt.limit)
			}
		})
	}
}

// TestPrivacyControllers: PRIVACY_CONTROLLER is "name | contact", the
// default controller; PRIVACY_CONTROLLERS_FILE is a CSV of each province's
// (as Excel saves it: a BOM, "1" for "01"); a file that would name the
// wrong office — a province twice, a row without a name — stops the bot.
func TestPrivacyControllers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.csv", "\ufeffprovince_code,name,contact\n79,Văn phòng Điều phối Chương trình OCOP Thành phố Hồ Chí Minh,\"028 3829 1234, ocop@tphcm.gov.vn\"\n1,Văn phòng Điều phối Chương trình OCOP Thành phố Hà Nội\n")
	c, err := loadConfig(env(map[string]string{"PRIVACY_CONTROLLER": "Văn phòng Điều phối OCOP | 028 0000 0000",
		"PRIVACY_CONTROLLERS_FILE": good}))
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Controllers.Default; d.Name != "Văn phòng Điều phối OCOP" || d.Contact != "028 0000 0000" {
		t.Errorf("default controller = %+v", d)
	}
	if p := c.Controllers.ByProvince; len(p) != 2 || p["79"].Contact != "028 3829 1234, ocop@tphcm.gov.vn" ||
		p["01"].Name != "Văn phòng Điều phối Chương trình OCOP Thành phố Hà Nội" || p["01"].Contact != "" {
		t.Errorf("controllers by province = %+v", p)
	}
	for name, e := range map[string]map[string]string{
		"no name":        {"PRIVACY_CONTROLLER": " | 028"},
		"no file":        {"PRIVACY_CONTROLLERS_FILE": filepath.Join(dir, "none.csv")},
		"no header":      {"PRIVACY_CONTROLLERS_FILE": write("noheader.csv", "79,Văn phòng\n")},
		"twice":          {"PRIVACY_CONTROLLERS_FILE": write("twice.csv", "province_code,name,contact\n79,A,\n79,B,\n")},
		"row without it": {"PRIVACY_CONTROLLERS_FILE": write("noname.csv", "province_code,name,contact\n79,,028\n")},
	} {
		if _, err := loadConfig(env(e)); err == nil || !strings.Contains(err.Error(), "PRIVACY_CONTROLLER") {
			t.Errorf("%s: err = %v, want one naming the variable", name, err)
		}
	}
}
