package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/bot"
	"github.com/ocopbot/ocopbot/bot/jobs"
	"github.com/ocopbot/ocopbot/flows"
)

// Config is every setting, read once from the environment and parsed into
// the values the program uses.
type Config struct {
	BotToken      string
	APIURL        string
	DatabaseURL   string
	RedisURL      string
	WebhookURL    string
	WebhookSecret string
	// Zalo (issue 28): the Zalo Bot Platform's token and API, and its
	// webhook (empty URL: long polling).
	ZaloToken         string
	ZaloAPIURL        string
	ZaloWebhookURL    string
	ZaloWebhookSecret string
	// PublicURL is where users reach HTTP_ADDR: Zalo's charts and
	// workbooks go as signed links under it.
	PublicURL       string
	HTTPAddr        string
	LogFormat       string
	DemoDatabaseURL string
	Workers         int // updates handled at once; 0: the transport's default
	SendRate        float64
	ZaloSendRate    float64
	ZaloChatRate    float64
	SendWorkers     int
	JobTimeout      time.Duration
	ReminderStages  []int
	ReminderHour    int
	DigestWeekday   time.Weekday
	// Controllers are the personal-data controllers the notice names
	// (PRIVACY_CONTROLLER, PRIVACY_CONTROLLERS_FILE).
	Controllers flows.Controllers

	given map[string]string // each variable as given (or its default), for the log
}

// option is one environment variable with its default and how it is read
// into Config; secret ones are never printed.
type option struct {
	name   string
	def    string
	secret bool
	help   string
	parse  func(v string) error // sets the field; the error says what is wrong, the caller names the variable
}

// options lists every variable, each bound to its field of c.
func (c *Config) options() []option {
	return []option{
		{"TELEGRAM_BOT_TOKEN", "", true, "bot token from @BotFather", matching(&c.BotToken, tokenPattern, "is malformed: expected <digits>:<letters> as given by @BotFather")},
		{"TELEGRAM_API_URL", "https://api.telegram.org", false, "Bot API server", urlOf(&c.APIURL, "is not an http(s) URL", "http", "https")},
		{"DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ocopbot?sslmode=disable", false, "Postgres", urlOf(&c.DatabaseURL, "must be a postgres:// URL", "postgres", "postgresql")},
		{"REDIS_URL", "redis://127.0.0.1:6379/0", false, "Redis", urlOf(&c.RedisURL, "must be a redis:// URL", "redis", "rediss")},
		{"WEBHOOK_URL", "", false, "public HTTPS URL for webhook mode; empty means long polling", urlOf(&c.WebhookURL, "must be an https:// URL (Telegram sends webhooks over HTTPS only)", "https", "http")},
		{"WEBHOOK_SECRET", "", true, "secret Telegram echoes in X-Telegram-Bot-Api-Secret-Token", matching(&c.WebhookSecret, secretPattern, "must be 16–256 characters of A-Z, a-z, 0-9, _ and -")},
		{"ZALO_BOT_TOKEN", "", true, "Zalo Bot Platform token; empty: no Zalo channel", text(&c.ZaloToken)},
		{"ZALO_API_URL", "https://bot-api.zaloplatforms.com", false, "Zalo Bot API server", urlOf(&c.ZaloAPIURL, "is not an http(s) URL", "http", "https")},
		{"ZALO_WEBHOOK_URL", "", false, "public HTTPS URL Zalo posts updates to; empty means long polling", urlOf(&c.ZaloWebhookURL, "must be an http(s) URL", "https", "http")},
		{"ZALO_WEBHOOK_SECRET", "", true, "secret Zalo echoes in X-Bot-Api-Secret-Token (8–256 characters)", matching(&c.ZaloWebhookSecret, zaloSecretPattern, "must be 8–256 characters of A-Z, a-z, 0-9, _ and -")},
		{"PUBLIC_URL", "", false, "public URL of HTTP_ADDR; charts and workbooks reach Zalo users as signed links under it (empty: Zalo is told to use Telegram)", urlOf(&c.PublicURL, "must be an http(s) URL", "https", "http")},
		{"HTTP_ADDR", "127.0.0.1:8080", false, "address of the HTTP server (health, webhook)", text(&c.HTTPAddr)},
		{"LOG_FORMAT", "json", false, "json or text", oneOf(&c.LogFormat, "json", "text")},
		{"DEMO_DATABASE_URL", demoDatabase, false, "database of demo mode (ocopbot demo); never DATABASE_URL's", urlOf(&c.DemoDatabaseURL, "must be a postgres:// URL", "postgres", "postgresql")},
		{"WORKERS", "", false, "updates handled at once per process; empty: 4 per CPU", whole(&c.Workers, 1, 4096, "a whole number")},
		{"SEND_RATE", "29.5", false, "messages per second the whole bot (all processes) keeps to: notifications always, replies once Telegram has refused the bot for going too fast", rate(&c.SendRate)},
		{"ZALO_SEND_RATE", "29.5", false, "messages per second the whole bot keeps to on Zalo: notifications (Zalo names no limit; Telegram's is taken)", rate(&c.ZaloSendRate)},
		{"ZALO_CHAT_RATE", "1", false, "notifications per second to one Zalo user", rate(&c.ZaloChatRate)},
		{"SEND_WORKERS", "16", false, "notifications sent at once per process", whole(&c.SendWorkers, 1, 1024, "a whole number")},
		{"JOB_TIMEOUT", "30s", false, "longest a notification send may take; a job left by a dead process is retried after twice this", duration(&c.JobTimeout)},
		{"REMINDER_STAGES", "90,60,30,7", false, "days before a certificate expires that its producer is reminded", stages(&c.ReminderStages)},
		{"REMINDER_HOUR", "8", false, "hour (Vietnam's time, 1–23) of the daily reminder sweep and the weekly digest", whole(&c.ReminderHour, 1, 23, "an hour")},
		{"DIGEST_WEEKDAY", "1", false, "day of the officials' weekly digest: 1 Monday … 6 Saturday", weekday(&c.DigestWeekday)},
		{"PRIVACY_CONTROLLER", "", false, "the personal-data controller the notice names, as `name | contact`; empty: the OCOP office of the producer's province", controller(&c.Controllers.Default)},
		{"PRIVACY_CONTROLLERS_FILE", "", false, "CSV of each province's controller: province_code,name,contact (the province's GSO code)", controllersFile(&c.Controllers.ByProvince)},
	}
}

var (
	tokenPattern  = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]{20,}$`)
	secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,256}$`)
	// Zalo takes secret tokens of 8 to 256 characters.
	zaloSecretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{8,256}$`)
)

// loadConfig reads the environment through getenv, once, into typed
// values; every message names the variable at fault.
func loadConfig(getenv func(string) string) (Config, error) {
	c := Config{given: map[string]string{}}
	var errs []error
	for _, o := range c.options() {
		v := strings.TrimSpace(getenv(o.name))
		if v == "" {
			v = o.def
		}
		c.given[o.name] = v
		if v == "" {
			continue // unset and no default: the zero value
		}
		if err := o.parse(v); err != nil {
			errs = append(errs, fmt.Errorf("%s %w", o.name, err))
		}
	}
	// A local Bot API server (or the emulator) may post over plain HTTP;
	// Telegram's own only over HTTPS.
	if strings.HasPrefix(c.WebhookURL, "http://") && strings.Contains(c.APIURL, "api.telegram.org") {
		errs = append(errs, errors.New(`WEBHOOK_URL must be an https:// URL (Telegram sends webhooks over HTTPS only; http:// is for a local Bot API server)`))
	}
	if c.WebhookURL != "" && c.WebhookSecret == "" {
		errs = append(errs, errors.New("WEBHOOK_SECRET is required when WEBHOOK_URL is set"))
	}
	if c.ZaloWebhookURL != "" && (c.ZaloWebhookSecret == "" || c.ZaloToken == "") {
		errs = append(errs, errors.New("ZALO_WEBHOOK_URL needs ZALO_BOT_TOKEN and ZALO_WEBHOOK_SECRET"))
	}
	if c.DemoDatabaseURL == c.DatabaseURL {
		errs = append(errs, errors.New("DEMO_DATABASE_URL must differ from DATABASE_URL: demo data must not reach the real database"))
	}
	return c, errors.Join(errs...)
}

// limits returns the sender's rates.
func (c Config) limits() bot.Limits { return bot.Limits{Global: c.SendRate} }

// zaloLimits returns the sender's rates on Zalo.
func (c Config) zaloLimits() bot.Limits {
	return bot.Limits{Global: c.ZaloSendRate, PerChat: c.ZaloChatRate}
}

// jobs returns the settings of the background work.
func (c Config) jobs(log *slog.Logger) jobs.Config {
	return jobs.Config{Workers: c.SendWorkers, JobTimeout: c.JobTimeout, Stages: c.ReminderStages, Hour: c.ReminderHour,
		DigestDay: c.DigestWeekday, Log: log}
}

// The readers of options: each sets its field or says what is wrong.

func text(f *string) func(string) error {
	return func(v string) error { *f = v; return nil }
}

func matching(f *string, re *regexp.Regexp, msg string) func(string) error {
	return func(v string) error {
		if !re.MatchString(v) {
			return errors.New(msg)
		}
		*f = v
		return nil
	}
}

func oneOf(f *string, allowed ...string) func(string) error {
	return func(v string) error {
		if !slices.Contains(allowed, v) {
			return fmt.Errorf("%q must be %s", v, strings.Join(allowed, " or "))
		}
		*f = v
		return nil
	}
}

func urlOf(f *string, msg string, schemes ...string) func(string) error {
	return func(v string) error {
		u, err := url.Parse(v)
		web := u != nil && (u.Scheme == "http" || u.Scheme == "https")
		if err != nil || !slices.Contains(schemes, u.Scheme) || web && u.Host == "" {
			return fmt.Errorf("%q %s", v, msg)
		}
		*f = v
		return nil
	}
}

func whole(f *int, lo, hi int, what string) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("%q must be %s from %d to %d", v, what, lo, hi)
		}
		*f = n
		return nil
	}
}

func rate(f *float64) func(string) error {
	return func(v string) error {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0.1 || r > 1000 {
			return fmt.Errorf("%q must be a number of messages per second from 0.1 to 1000", v)
		}
		*f = r
		return nil
	}
}

func duration(f *time.Duration) func(string) error {
	return func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > time.Hour {
			return fmt.Errorf("%q must be a duration from 1s to 1h, like 30s", v)
		}
		*f = d
		return nil
	}
}

func weekday(f *time.Weekday) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 6 {
			return fmt.Errorf("%q must be a day from 1 (Monday) to 6 (Saturday)", v)
		}
		*f = time.Weekday(n)
		return nil
	}
}

// stages reads days from 1 to 365, separated by commas.
func stages(f *[]int) func(string) error {
	return func(v string) error {
		var out []int
		for _, field := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(field))
			if err != nil || n < 1 || n > 365 {
				return fmt.Errorf("%q must be days before expiry from 1 to 365, separated by commas, like 90,60,30,7", v)
			}
			out = append(out, n)
		}
		*f = out
		return nil
	}
}

// describe lists the settings for the log, hiding secrets.
func (c Config) describe() []any {
	var kv []any
	for _, o := range c.options() {
		v := c.given[o.name]
		if o.secret && v != "" {
			v = "(set)"
		}
		if o.name == "DATABASE_URL" || o.name == "REDIS_URL" {
			if u, err := url.Parse(v); err == nil && u.User != nil {
				if _, has := u.User.Password(); has {
					u.User = url.UserPassword(u.User.Username(), "xxx")
					v = u.String()
				}
			}
		}
		kv = append(kv, strings.ToLower(o.name), v)
	}
	return kv
}

// controller reads "name | contact" (the contact may be left out).
func controller(f *flows.Controller) func(string) error {
	return func(v string) error {
		name, contact, _ := strings.Cut(v, "|")
		c := flows.Controller{Name: strings.TrimSpace(name), Contact: strings.TrimSpace(contact)}
		if c.Name == "" {
			return fmt.Errorf("%q must be `name | contact`, the name not empty", v)
		}
		*f = c
		return nil
	}
}

// controllersFile reads the CSV of each province's controller: a header
// province_code,name,contact, then a row per province (its GSO code, as
// "79" or "01"). A province given twice, or a row without a name, is an
// error: the notice must not name the wrong office.
func controllersFile(f *map[string]flows.Controller) func(string) error {
	return func(path string) error {
		file, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("cannot be read: %w", err)
		}
		defer file.Close()
		r := csv.NewReader(bufio.NewReader(file))
		r.FieldsPerRecord = -1
		rows, err := r.ReadAll()
		if err != nil {
			return fmt.Errorf("%q is not a CSV file: %w", path, err)
		}
		if len(rows) == 0 || len(rows[0]) < 2 || strings.TrimPrefix(strings.TrimSpace(rows[0][0]), "\ufeff") != "province_code" {
			return fmt.Errorf("%q must start with the header province_code,name,contact", path)
		}
		out := make(map[string]flows.Controller, len(rows)-1)
		for i, row := range rows[1:] {
			for len(row) < 3 {
				row = append(row, "")
			}
			code, name := strings.TrimSpace(row[0]), strings.TrimSpace(row[1])
			if _, err := strconv.Atoi(code); err != nil || name == "" {
				return fmt.Errorf("%q line %d: want a province's code and a name", path, i+2)
			}
			if len(code) == 1 {
				code = "0" + code // Excel drops the leading zero of "01"
			}
			if _, ok := out[code]; ok {
				return fmt.Errorf("%q line %d: province %s given twice", path, i+2, code)
			}
			out[code] = flows.Controller{Name: name, Contact: strings.TrimSpace(row[2])}
		}
		*f = out
		return nil
	}
}
