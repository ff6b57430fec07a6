package metrics

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ocopbot/ocopbot/bot/jobs"
	"github.com/ocopbot/ocopbot/storage"
)

// queryTimeout bounds each query a scrape runs: a slow database leaves
// those metrics out of one scrape rather than hold it.
const queryTimeout = 2 * time.Second

// remindersEvery is how often the reminders are counted again: they change
// once a day (the sweep) and as their notifications go out, and the count
// reads every reminder ever queued.
const remindersEvery = 30 * time.Second

// jobStates are River's job states, reported even when no job is in one so
// that graphs and alerts see zeros rather than gaps.
var jobStates = []string{"available", "cancelled", "completed", "discarded", "pending", "retryable", "running", "scheduled"}

var (
	jobsDesc = prometheus.NewDesc(namespace+"_river_jobs",
		"River jobs by queue and state (finished ones are kept a day).", []string{"queue", "state"}, nil)
	oldestDesc = prometheus.NewDesc(namespace+"_river_oldest_available_seconds",
		"How long the oldest job of the queue that is due and not taken has waited; 0 when none.", []string{"queue"}, nil)
	remindersDesc = prometheus.NewDesc(namespace+"_reminders",
		"Renewal reminders ever queued, by stage (days before expiry; 0 is the expiry notice) and their notification's status: queued, sent, blocked, failed, held.",
		[]string{"stage", "status"}, nil)
)

// dbCollector reads River's jobs and the renewal reminders from Postgres
// when Prometheus scrapes.
type dbCollector struct {
	store *storage.Store

	mu        sync.Mutex
	reminders []storage.ReminderCount
	countedAt time.Time
}

func newDBCollector(store *storage.Store) *dbCollector {
	return &dbCollector{store: store}
}

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsDesc
	ch <- oldestDesc
	ch <- remindersDesc
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	counts, err := c.store.JobCounts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(jobsDesc, err)
	} else {
		collectJobs(ch, counts)
	}
	rs, err := c.reminderCounts()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(remindersDesc, err)
		return
	}
	for _, r := range rs {
		ch <- prometheus.MustNewConstMetric(remindersDesc, prometheus.GaugeValue, float64(r.Reminders), strconv.Itoa(r.Stage), r.Status)
	}
}

func collectJobs(ch chan<- prometheus.Metric, counts []storage.JobCount) {
	type key struct{ queue, state string }
	n := map[key]int64{}
	// The bot's queues are always reported, empty or not.
	oldest := map[string]float64{jobs.NotifyQueue: 0, jobs.SweepQueue: 0}
	for _, j := range counts {
		n[key{j.Queue, j.State}] = j.Jobs
		oldest[j.Queue] = max(oldest[j.Queue], j.Oldest)
	}
	for queue, age := range oldest {
		for _, state := range jobStates {
			ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n[key{queue, state}]), queue, state)
		}
		ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age, queue)
	}
}

// reminderCounts counts the reminders at most every remindersEvery.
func (c *dbCollector) reminderCounts() ([]storage.ReminderCount, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.countedAt.IsZero() || time.Since(c.countedAt) >= remindersEvery {
		ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
		defer cancel()
		rs, err := c.store.ReminderCounts(ctx)
		if err != nil {
			return nil, err
		}
		c.reminders, c.countedAt = rs, time.Now()
	}
	return c.reminders, nil
}
