package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ocopbot/ocopbot/bot/emulator"
)

// loadOptions are loadtest's flags.
type loadOptions struct {
	chats    int
	think    time.Duration
	duration time.Duration
	timeout  time.Duration
	emulator string
	out      string
	chatBase int64
	phase    string
}

func parseLoadFlags(cfg Config, args []string) (loadOptions, error) {
	var o loadOptions
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.IntVar(&o.chats, "chats", 50, "simulated producers, each in its own chat")
	fs.DurationVar(&o.think, "think", 0, "pause between a reply and the user's next step")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "how long the measured registrations go on")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "longest a reply may take before the step counts as an error")
	fs.StringVar(&o.emulator, "emulator", "http://"+cfg.HTTPAddr, "URL of `ocopbot emulator`")
	fs.StringVar(&o.out, "out", "text", "text or json")
	fs.Int64Var(&o.chatBase, "chat-base", 7_000_000_000, "id of the first chat; runs on one database need apart ranges")
	fs.StringVar(&o.phase, "phase", "all", "all; warmup: register the producers only; measure: skip the warm-up")
	if err := parseFlags(fs, args); err != nil {
		return o, err
	}
	switch {
	case o.chats < 1 || o.chats > 10_000:
		return o, fmt.Errorf("loadtest: --chats %d: want 1 to 10000: %w", o.chats, errUsage)
	case o.think < 0 || o.duration <= 0 || o.timeout <= 0 || o.timeout > time.Minute:
		return o, fmt.Errorf("loadtest: --think, --duration and --timeout (at most 1m) must be positive: %w", errUsage)
	case o.out != "text" && o.out != "json":
		return o, fmt.Errorf("loadtest: --out %q: want text or json: %w", o.out, errUsage)
	case o.phase != "all" && o.phase != "warmup" && o.phase != "measure":
		return o, fmt.Errorf("loadtest: --phase %q: want all, warmup or measure: %w", o.phase, errUsage)
	case o.chatBase <= 0:
		return o, fmt.Errorf("loadtest: --chat-base must be positive: %w", errUsage)
	}
	return o, nil
}

// loadtest plays simulated producers against `ocopbot emulator`'s user API
// while the bot, another process (`ocopbot serve` with TELEGRAM_API_URL at
// the emulator), answers them. A warm-up registers each chat's producer
// through the chat itself, unmeasured; then every user registers products
// (the six product steps, a summary, the submission) again and again for
// --duration, pausing --think between steps, and each step is timed from
// the user's action to the bot's expected reply.
func loadtest(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	o, err := parseLoadFlags(cfg, args)
	if err != nil {
		return err
	}
	c := newUserClient(o.emulator, o.chats, o.timeout)
	users := make([]*simUser, o.chats)
	for i := range users {
		users[i] = &simUser{chatID: o.chatBase + int64(i), c: c}
	}
	var warm time.Duration
	if o.phase != "measure" {
		start := time.Now()
		if err := warmUp(ctx, users); err != nil {
			return err
		}
		warm = time.Since(start)
		if o.phase == "warmup" {
			fmt.Fprintf(stderr, "loadtest: %d producers known after %.1fs\n", o.chats, warm.Seconds())
			return nil
		}
	}
	rep := measure(ctx, users, o)
	rep.WarmupSeconds = warm.Seconds()
	if st, err := c.stats(ctx); err == nil {
		rep.EarlySends, rep.Violations = st.EarlySends, st.Violations
	} else {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
	}
	for _, e := range rep.samples {
		fmt.Fprintf(stderr, "loadtest: error: %v\n", e)
	}
	return rep.print(stdout, o.out)
}

// warmUp makes every chat's producer known, all chats at once.
func warmUp(ctx context.Context, users []*simUser) error {
	errs := make([]error, len(users))
	var wg sync.WaitGroup
	for i, u := range users {
		wg.Go(func() { errs[i] = u.ensureProducer(ctx) })
	}
	wg.Wait()
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("warm-up: %d of %d chats failed, first: %w", len(failed), len(users), failed[0])
	}
	return nil
}

// tally is what one user measured.
type tally struct {
	latencies     []time.Duration            // of the steps whose reply came
	byStep        map[string][]time.Duration // the same, by the reply waited for
	timeouts      int
	refused       int
	failed        int // transport errors
	registrations int
	restarts      int // a registration cut short, taken up again from the start
	samples       []error
}

const (
	maxSamples = 3                      // errors shown per user, and per run
	errorPause = 100 * time.Millisecond // the least pause after an error
)

func (t *tally) fail(err error) {
	var refused *refusedError
	switch {
	case errors.Is(err, errNoReply):
		t.timeouts++
	case errors.As(err, &refused):
		t.refused++
	default:
		t.failed++
	}
	if len(t.samples) < maxSamples {
		t.samples = append(t.samples, err)
	}
}

// measure runs the users' registrations until the deadline and adds up
// what they measured.
func measure(ctx context.Context, users []*simUser, o loadOptions) loadReport {
	start := time.Now()
	deadline := start.Add(o.duration)
	tallies := make([]tally, len(users))
	var wg sync.WaitGroup
	for i, u := range users {
		// Spread the first steps over one pause, so that the users do not
		// move in lockstep.
		offset := o.think * time.Duration(i) / time.Duration(len(users))
		wg.Go(func() { u.registerUntil(ctx, deadline, o.think, offset, &tallies[i]) })
	}
	wg.Wait()
	return newReport(o, time.Since(start), tallies)
}

// registerUntil registers products one after another until the deadline.
func (u *simUser) registerUntil(ctx context.Context, deadline time.Time, think, offset time.Duration, t *tally) {
	pause := offset
	for n := 1; ; n++ {
		steps := append([]step{say("/dangky", askProductOnly, askResume)}, productSteps(n)...)
		for i := 0; i < len(steps); i++ {
			if !sleepUntil(ctx, time.Now().Add(pause), deadline) {
				return
			}
			pause = think
			sent := time.Now()
			reply, err := u.c.do(ctx, u.chatID, steps[i])
			if err != nil {
				t.fail(err)
				// A bot or emulator that fails at once must not make the
				// users spin.
				pause = max(think, errorPause)
				break // the next registration's /dangky takes up the chat again
			}
			took := time.Since(sent)
			t.latencies = append(t.latencies, took)
			if t.byStep == nil {
				t.byStep = map[string][]time.Duration{}
			}
			t.byStep[steps[i].expect[0]] = append(t.byStep[steps[i].expect[0]], took)
			if i == 0 && strings.Contains(reply.Text, askResume) {
				// A registration left by an error: start it again.
				steps = slices.Insert(steps, 1, press(labelRestart, askProductOnly))
				t.restarts++
			}
			if i == len(steps)-1 {
				t.registrations++
			}
		}
	}
}

// sleepUntil waits until at, and reports whether that is before the
// deadline (and ctx is not done).
func sleepUntil(ctx context.Context, at, deadline time.Time) bool {
	if !at.Before(deadline) || ctx.Err() != nil {
		return false
	}
	d := time.Until(at)
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// loadReport is a run's figures; --out json prints it as is.
type loadReport struct {
	Chats         int     `json:"chats"`
	ThinkSeconds  float64 `json:"think_s"`
	Seconds       float64 `json:"duration_s"` // measured, from the first step to the last reply
	WarmupSeconds float64 `json:"warmup_s"`
	Replies       int     `json:"replies"` // steps whose expected reply came
	RepliesPerSec float64 `json:"replies_per_s"`
	P50           float64 `json:"p50_ms"`
	P90           float64 `json:"p90_ms"`
	P99           float64 `json:"p99_ms"`
	Max           float64 `json:"max_ms"`
	Errors        int     `json:"errors"`
	Timeouts      int     `json:"timeouts"`
	Refused       int     `json:"refused"`
	Failed        int     `json:"failed"`
	Registrations int     `json:"registrations"`
	Restarts      int     `json:"restarts"`
	EarlySends    int     `json:"early_sends"` // the emulator's counters at the end
	// StepP99 is the p99 of each step, named by the reply it waits for:
	// where a tail comes from.
	StepP99    map[string]float64 `json:"step_p99_ms"`
	Violations int                `json:"violations"`

	samples []error
}

func newReport(o loadOptions, elapsed time.Duration, tallies []tally) loadReport {
	r := loadReport{Chats: o.chats, ThinkSeconds: o.think.Seconds(), Seconds: elapsed.Seconds()}
	var all []time.Duration
	byStep := map[string][]time.Duration{}
	for _, t := range tallies {
		all = append(all, t.latencies...)
		for k, l := range t.byStep {
			byStep[k] = append(byStep[k], l...)
		}
		r.Timeouts += t.timeouts
		r.Refused += t.refused
		r.Failed += t.failed
		r.Registrations += t.registrations
		r.Restarts += t.restarts
		for _, e := range t.samples {
			if len(r.samples) < maxSamples {
				r.samples = append(r.samples, e)
			}
		}
	}
	slices.Sort(all)
	r.StepP99 = make(map[string]float64, len(byStep))
	for k, l := range byStep {
		slices.Sort(l)
		r.StepP99[k] = percentileMS(l, 99)
	}
	r.Replies = len(all)
	r.Errors = r.Timeouts + r.Refused + r.Failed
	r.RepliesPerSec = float64(r.Replies) / elapsed.Seconds()
	r.P50, r.P90, r.P99 = percentileMS(all, 50), percentileMS(all, 90), percentileMS(all, 99)
	if len(all) > 0 {
		r.Max = ms(all[len(all)-1])
	}
	return r
}

// percentileMS is the nearest-rank percentile of sorted durations, in
// milliseconds.
func percentileMS(sorted []time.Duration, p int) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(float64(p)/100*float64(len(sorted)))) - 1
	return ms(sorted[max(i, 0)])
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())/10) / 100 }

func (r loadReport) print(w io.Writer, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(r)
	}
	_, err := fmt.Fprintf(w, `chats          %d
think          %gs
duration       %.1fs (warm-up %.1fs)
replies        %d (%.1f/s), %d registrations
latency ms     p50 %.1f  p90 %.1f  p99 %.1f  max %.1f
errors         %d (no reply %d, refused %d, failed %d; %d registrations started again)
emulator       %d early sends, %d violations
p99 by step    %s
`, r.Chats, r.ThinkSeconds, r.Seconds, r.WarmupSeconds, r.Replies, r.RepliesPerSec, r.Registrations,
		r.P50, r.P90, r.P99, r.Max, r.Errors, r.Timeouts, r.Refused, r.Failed, r.Restarts, r.EarlySends, r.Violations, stepsByP99(r.StepP99))
	return err
}

// stats reads the emulator's counters.
func (c *userClient) stats(ctx context.Context) (emulator.Stats, error) {
	var st emulator.Stats
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/emulator/stats", nil)
	if err != nil {
		return st, fmt.Errorf("emulator stats: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return st, fmt.Errorf("emulator stats: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("emulator stats: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("emulator stats: %w", err)
	}
	return st, nil
}

// stepsByP99 lists the steps' p99s, slowest first: «reply» 12.3 ms, …
func stepsByP99(p99 map[string]float64) string {
	keys := slices.Collect(maps.Keys(p99))
	slices.SortFunc(keys, func(a, b string) int { return cmp.Compare(p99[b], p99[a]) })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("«%s» %.1f", k, p99[k])
	}
	return strings.Join(parts, ", ")
}
