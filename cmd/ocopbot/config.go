package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/bot"
	"github.com/ocopbot/ocopbot/bot/jobs"
)

// Config is every setting, read once from the environment.
type Config struct {
	BotToken        string
	APIURL          string
	DatabaseURL     string
	RedisURL        string
	WebhookURL      string
	WebhookSecret   string
	HTTPAddr        string
	LogFormat       string
	Workers         string
	DemoDatabaseURL string
	SendRate        string
	SendWorkers     string
	JobTimeout      string
	ReminderStages  string
	ReminderHour    string
	DigestWeekday   string
}

// option is one environment variable with its default and the field it
// sets; secret ones are never printed.
type option struct {
	name   string
	def    string
	secret bool
	help   string
	field  *string
}

// options lists every variable, each bound to its field of c.
func (c *Config) options() []option {
	return []option{
		{"TELEGRAM_BOT_TOKEN", "", true, "bot token from @BotFather", &c.BotToken},
		{"TELEGRAM_API_URL", "https://api.telegram.org", false, "Bot API server", &c.APIURL},
		{"DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ocopbot?sslmode=disable", false, "Postgres", &c.DatabaseURL},
		{"REDIS_URL", "redis://127.0.0.1:6379/0", false, "Redis", &c.RedisURL},
		{"WEBHOOK_URL", "", false, "public HTTPS URL for webhook mode; empty means long polling", &c.WebhookURL},
		{"WEBHOOK_SECRET", "", true, "secret Telegram echoes in X-Telegram-Bot-Api-Secret-Token", &c.WebhookSecret},
		{"HTTP_ADDR", "127.0.0.1:8080", false, "address of the HTTP server (health, webhook)", &c.HTTPAddr},
		{"LOG_FORMAT", "json", false, "json or text", &c.LogFormat},
		{"DEMO_DATABASE_URL", demoDatabase, false, "database of demo mode (ocopbot demo); never DATABASE_URL's", &c.DemoDatabaseURL},
		{"WORKERS", "", false, "updates handled at once per process; empty: 4 per CPU", &c.Workers},
		{"SEND_RATE", "29.5", false, "messages per second the notification sender allows the whole bot (all processes)", &c.SendRate},
		{"SEND_WORKERS", "16", false, "notifications sent at once per process", &c.SendWorkers},
		{"JOB_TIMEOUT", "30s", false, "longest a notification send may take; a job left by a dead process is retried after twice this", &c.JobTimeout},
		{"REMINDER_STAGES", "90,60,30,7", false, "days before a certificate expires that its producer is reminded", &c.ReminderStages},
		{"REMINDER_HOUR", "8", false, "hour (Vietnam's time, 1–23) of the daily reminder sweep and the weekly digest", &c.ReminderHour},
		{"DIGEST_WEEKDAY", "1", false, "day of the officials' weekly digest: 1 Monday … 6 Saturday", &c.DigestWeekday},
	}
}

var (
	tokenPattern  = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]{20,}$`)
	secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,256}$`)
)

// loadConfig reads the environment through getenv and validates it; every
// message names the variable at fault.
func loadConfig(getenv func(string) string) (Config, error) {
	var c Config
	for _, o := range c.options() {
		v := strings.TrimSpace(getenv(o.name))
		if v == "" {
			v = o.def
		}
		*o.field = v
	}
	var errs []error
	if c.BotToken != "" && !tokenPattern.MatchString(c.BotToken) {
		errs = append(errs, errors.New("TELEGRAM_BOT_TOKEN is malformed: expected <digits>:<letters> as given by @BotFather"))
	}
	if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("TELEGRAM_API_URL %q is not an http(s) URL", c.APIURL))
	}
	if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		errs = append(errs, errors.New("DATABASE_URL must be a postgres:// URL"))
	}
	if u, err := url.Parse(c.DemoDatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		errs = append(errs, errors.New("DEMO_DATABASE_URL must be a postgres:// URL"))
	} else if c.DemoDatabaseURL == c.DatabaseURL {
		errs = append(errs, errors.New("DEMO_DATABASE_URL must differ from DATABASE_URL: demo data must not reach the real database"))
	}
	if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		errs = append(errs, errors.New("REDIS_URL must be a redis:// URL"))
	}
	if c.WebhookURL != "" {
		if u, err := url.Parse(c.WebhookURL); err != nil || u.Scheme != "https" || u.Host == "" {
			errs = append(errs, errors.New("WEBHOOK_URL must be an https:// URL (Telegram sends webhooks over HTTPS only)"))
		}
		if c.WebhookSecret == "" {
			errs = append(errs, errors.New("WEBHOOK_SECRET is required when WEBHOOK_URL is set"))
		}
	}
	if c.WebhookSecret != "" && !secretPattern.MatchString(c.WebhookSecret) {
		errs = append(errs, errors.New("WEBHOOK_SECRET must be 16–256 characters of A-Z, a-z, 0-9, _ and -"))
	}
	if c.Workers != "" {
		if n, err := strconv.Atoi(c.Workers); err != nil || n < 1 || n > 4096 {
			errs = append(errs, fmt.Errorf("WORKERS %q must be a whole number from 1 to 4096", c.Workers))
		}
	}
	if v, err := strconv.ParseFloat(c.SendRate, 64); err != nil || v < 0.1 || v > 1000 {
		errs = append(errs, fmt.Errorf("SEND_RATE %q must be a number of messages per second from 0.1 to 1000", c.SendRate))
	}
	if n, err := strconv.Atoi(c.SendWorkers); err != nil || n < 1 || n > 1024 {
		errs = append(errs, fmt.Errorf("SEND_WORKERS %q must be a whole number from 1 to 1024", c.SendWorkers))
	}
	if d, err := time.ParseDuration(c.JobTimeout); err != nil || d < time.Second || d > time.Hour {
		errs = append(errs, fmt.Errorf("JOB_TIMEOUT %q must be a duration from 1s to 1h, like 30s", c.JobTimeout))
	}
	if _, err := c.stages(); err != nil {
		errs = append(errs, err)
	}
	if n, err := strconv.Atoi(c.ReminderHour); err != nil || n < 1 || n > 23 {
		errs = append(errs, fmt.Errorf("REMINDER_HOUR %q must be an hour from 1 to 23", c.ReminderHour))
	}
	if n, err := strconv.Atoi(c.DigestWeekday); err != nil || n < 1 || n > 6 {
		errs = append(errs, fmt.Errorf("DIGEST_WEEKDAY %q must be a day from 1 (Monday) to 6 (Saturday)", c.DigestWeekday))
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		errs = append(errs, fmt.Errorf("LOG_FORMAT %q must be json or text", c.LogFormat))
	}
	return c, errors.Join(errs...)
}

// workers returns WORKERS as a number (0: the transport's default).
func (c Config) workers() int {
	n, _ := strconv.Atoi(c.Workers)
	return n
}

// limits returns the sender's rates.
func (c Config) limits() bot.Limits {
	rate, _ := strconv.ParseFloat(c.SendRate, 64)
	return bot.Limits{Global: rate}
}

// jobs returns the settings of the background work.
func (c Config) jobs(log *slog.Logger) jobs.Config {
	n, _ := strconv.Atoi(c.SendWorkers)
	d, _ := time.ParseDuration(c.JobTimeout)
	stages, _ := c.stages()
	hour, _ := strconv.Atoi(c.ReminderHour)
	weekday, _ := strconv.Atoi(c.DigestWeekday)
	return jobs.Config{Workers: n, JobTimeout: d, Stages: stages, Hour: hour, DigestDay: time.Weekday(weekday), Log: log}
}

// stages reads REMINDER_STAGES: days from 1 to 365, separated by commas.
func (c Config) stages() ([]int, error) {
	var out []int
	for _, f := range strings.Split(c.ReminderStages, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 365 {
			return nil, fmt.Errorf("REMINDER_STAGES %q must be days before expiry from 1 to 365, separated by commas, like 90,60,30,7", c.ReminderStages)
		}
		out = append(out, n)
	}
	return out, nil
}

// describe lists the settings for the log, hiding secrets.
func (c Config) describe() []any {
	var kv []any
	for _, o := range c.options() {
		v := *o.field
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
