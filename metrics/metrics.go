// Package metrics is what ocopbot tells Prometheus: the transport's counts
// (updates, steps, Bot API calls), what Postgres holds at scrape time
// (River's jobs, renewal reminders) and what the flows record through the
// store (registrations, imports). Everything is registered on a registry
// the caller owns and served by Handler. Labels are small fixed sets; no
// chat, user, phone or name ever becomes one.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ocopbot/ocopbot/bot"
	"github.com/ocopbot/ocopbot/storage"
)

const namespace = "ocopbot"

// ImportKinds are the values of ocopbot_imports_total's kind.
var ImportKinds = []string{"results", "registry", "quotas"}

// Metrics holds the collectors of one process.
type Metrics struct {
	reg *prometheus.Registry

	received, duplicate *prometheus.CounterVec
	handled, retried    prometheus.Counter
	setAside            *prometheus.CounterVec
	step                *prometheus.HistogramVec
	calls               *prometheus.CounterVec
	retryAfter          prometheus.Counter
	forged              prometheus.Counter
	registrations       prometheus.Counter
	imports             *prometheus.CounterVec
}

// New registers the collectors on reg: ours, the Go runtime's and the
// process's. store is read at scrape time (see dbCollector).
func New(reg *prometheus.Registry, store *storage.Store) *Metrics {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help})
	}
	m := &Metrics{
		reg: reg,
		received: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "updates_received_total",
			Help: "Updates stored in the intake, duplicates included, by channel (telegram, zalo)."}, []string{"channel"}),
		duplicate: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "updates_duplicate_total",
			Help: "Updates dropped at intake as already seen, by channel."}, []string{"channel"}),
		handled: counter("updates_handled_total", "Updates handled: state, acknowledgement and replies committed."),
		retried: counter("updates_retried_total", "Attempts at an update that failed and will be tried again (an outage, a concurrent writer)."),
		setAside: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "updates_set_aside_total",
			Help: "Updates set aside by this process after their last try failed by their own fault (not an outage), by channel and the kind of input.",
		}, []string{"channel", "kind"}),
		step: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "step_duration_seconds",
			Help:    "Time to handle one update, from leaving the queue to its replies sent, by channel and the kind of input.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"channel", "kind"}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "telegram_calls_total",
			Help: "Bot API calls on the outbound path (replies, edits, notifications) by channel (telegram, zalo), method and outcome: ok, 429, 403, 4xx, 5xx, network.",
		}, []string{"channel", "method", "outcome"}),
		retryAfter:    counter("telegram_retry_after_seconds_total", "Seconds Telegram asked the bot to wait (retry_after of 429 answers)."),
		forged:        counter("buttons_refused_total", "Button presses whose data the bot did not sign for their chat: forged, or pressed from another chat."),
		registrations: counter("registrations_submitted_total", "Registrations submitted by producers in the chat."),
		imports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "imports_total",
			Help: "Imports written from the chat by kind: registry and quotas files; results counts every batch of council results recorded (a file, or one result entered with /ketqua).",
		}, []string{"kind"}),
	}
	for _, c := range bot.ChannelNames {
		m.received.WithLabelValues(c)
		m.duplicate.WithLabelValues(c)
		for _, k := range bot.KindNames {
			m.step.WithLabelValues(c, k)
			m.setAside.WithLabelValues(c, k)
		}
	}
	for _, k := range ImportKinds {
		m.imports.WithLabelValues(k)
	}
	reg.MustRegister(m.received, m.duplicate, m.handled, m.retried, m.setAside, m.step, m.calls, m.retryAfter, m.forged,
		m.registrations, m.imports, newDBCollector(store),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Transport is what package bot counts through (bot.Config.Metrics).
func (m *Metrics) Transport() bot.Metrics {
	return bot.Metrics{
		Received:  func(channel string, n int) { m.received.WithLabelValues(channel).Add(float64(n)) },
		Duplicate: func(channel string) { m.duplicate.WithLabelValues(channel).Inc() },
		Step: func(channel, kind string, took time.Duration, err error) {
			if err != nil {
				m.retried.Inc()
				return
			}
			m.handled.Inc()
			m.step.WithLabelValues(channel, kind).Observe(took.Seconds())
		},
		SetAside: func(channel, kind string) { m.setAside.WithLabelValues(channel, kind).Inc() },
		Call: func(channel, method, outcome string, retryAfter time.Duration) {
			m.calls.WithLabelValues(channel, method, outcome).Inc()
			if retryAfter > 0 {
				m.retryAfter.Add(retryAfter.Seconds())
			}
		},
		Forged: m.forged.Inc,
	}
}

// WatchBacklog exposes backlog — the calls held for chats and not sent
// yet (bot.Bot.Backlog) — as ocopbot_outbound_backlog.
func (m *Metrics) WatchBacklog(backlog func() int) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: namespace, Name: "outbound_backlog",
		Help: "Bot API calls this process holds for chats and has not sent yet: replies waiting their chat's turn or a retry_after.",
	}, func() float64 { return float64(backlog()) }))
}

// WatchSetAside exposes the updates set aside and not dropped yet, read
// from Redis at scrape time (shared by every process), as
// ocopbot_updates_set_aside.
func (m *Metrics) WatchSetAside(rdb *storage.Redis) {
	m.reg.MustRegister(heldCollector{rdb: rdb})
}

var heldDesc = prometheus.NewDesc(namespace+"_updates_set_aside",
	"Updates set aside after their last try and not dropped yet (`ocopbot updates held`), in the shared Redis.", nil, nil)

// heldCollector counts the held updates in Redis when Prometheus scrapes;
// a Redis that does not answer leaves the metric out of that scrape.
type heldCollector struct{ rdb *storage.Redis }

func (c heldCollector) Describe(ch chan<- *prometheus.Desc) { ch <- heldDesc }

func (c heldCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	n, err := c.rdb.CountHeld(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(heldDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(heldDesc, prometheus.GaugeValue, float64(n))
}

// Handler serves reg's metrics in Prometheus' text format. A query that
// fails at scrape time leaves its metrics out, logged; the rest is served.
func Handler(reg *prometheus.Registry, log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
		Timeout:       10 * time.Second,
	})
}
