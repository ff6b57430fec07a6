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
	ramp     time.Duration
	duration time.Duration
	finish   bool
	timeout  time.Duration
	emulator string
	zalo     string // the Zalo emulator's URL: the users are on Zalo
	out      string
	chatBase int64
	phase    string
}

// maxStepTimeout bounds --timeout: the emulator's longest wait.
const maxStepTimeout = 5 * time.Minute

func parseLoadFlags(cfg Config, args []string) (loadOptions, error) {
	var o loadOptions
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.IntVar(&o.chats, "chats", 50, "simulated producers, each in its own chat")
	fs.DurationVar(&o.think, "think", 0, "pause between a reply and the user's next step")
	fs.DurationVar(&o.ramp, "ramp", 0, "spread the users' first steps evenly over this window (default: over one --think)")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "how long the measured registrations go on")
	fs.BoolVar(&o.finish, "finish", false, "a registration under way at the end of --duration goes on to its submission")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "longest a reply may take before the step counts as an error")
	fs.StringVar(&o.emulator, "emulator", "http://"+cfg.HTTPAddr, "URL of `ocopbot emulator`")
	fs.StringVar(&o.zalo, "zalo", "", "URL of `ocopbot emulator --zalo`: the users write on Zalo (numbers for buttons)")
	fs.StringVar(&o.out, "out", "text", "text or json")
	fs.Int64Var(&o.chatBase, "chat-base", 7_000_000_000, "id of the first chat; runs on one database need apart ranges")
	fs.StringVar(&o.phase, "phase", "all",
		"all; warmup: register the producers only; measure: skip the warm-up; new: no warm-up, each user a new producer whose first registration is measured")
	if err := parseFlags(fs, args); err != nil {
		return o, err
	}
	switch {
	case o.chats < 1 || o.chats > 10_000:
		return o, fmt.Errorf("loadtest: --chats %d: want 1 to 10000: %w", o.chats, errUsage)
	case o.think < 0 || o.ramp < 0 || o.duration <= 0 || o.timeout <= 0 || o.timeout > maxStepTimeout:
		return o, fmt.Errorf("loadtest: --think, --ramp, --duration and --timeout (at most %v) must be positive: %w", maxStepTimeout, errUsage)
	case o.out != "text" && o.out != "json":
		return o, fmt.Errorf("loadtest: --out %q: want text or json: %w", o.out, errUsage)
	case o.phase != "all" && o.phase != "warmup" && o.phase != "measure" && o.phase != "new":
		return o, fmt.Errorf("loadtest: --phase %q: want all, warmup, measure or new: %w", o.phase, errUsage)
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
// the user's action to the bot's expected reply, a new message or an edit.
// With --phase new there is no warm-up: every user is a new producer whose
// whole first registration (the personal-data notice, the producer, its
// address, the product) is measured — a training hall, with --ramp for the
// users arriving and --finish for their registrations to end. The
// emulator's counters over the measured window give the messages sent per
// registration, the Bot API calls per user action and the 429s.
func loadtest(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	o, err := parseLoadFlags(cfg, args)
	if err != nil {
		return err
	}
	c := newUserClient(o.emulator, o.chats, o.timeout)
	var act actor = c
	if o.zalo != "" {
		act = newZaloClient(o.zalo, o.chats, o.timeout)
	}
	users := make([]*simUser, o.chats)
	for i := range users {
		users[i] = &simUser{chatID: o.chatBase + int64(i), c: act}
	}
	var warm time.Duration
	if o.phase == "all" || o.phase == "warmup" {
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
	var before emulator.Stats
	if o.zalo == "" {
		// The Bot API emulator's counts: calls and messages per reply.
		before, err = c.stats(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "loadtest: %v\n", err)
		}
	}
	rep := measure(ctx, users, o)
	rep.WarmupSeconds = warm.Seconds()
	if err == nil && o.zalo == "" {
		var after emulator.Stats
		if after, err = c.settled(ctx); err == nil {
			rep.count(before, after)
		} else {
			fmt.Fprintf(stderr, "loadtest: %v\n", err)
		}
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
	edits         int                        // replies that were edits of a message shown before the step
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
	// Spread the first steps over the ramp, or over one pause, so that the
	// users do not move in lockstep.
	spread := o.think
	if o.ramp > 0 {
		spread = o.ramp
	}
	var wg sync.WaitGroup
	for i, u := range users {
		offset := spread * time.Duration(i) / time.Duration(len(users))
		wg.Go(func() { u.registerUntil(ctx, deadline, o, offset, &tallies[i]) })
	}
	wg.Wait()
	return newReport(o, time.Since(start), tallies)
}

// registerUntil registers products one after another until the deadline —
// with --phase new, the producer's own first — and with --finish takes the
// one under way at the deadline on to its submission.
func (u *simUser) registerUntil(ctx context.Context, deadline time.Time, o loadOptions, offset time.Duration, t *tally) {
	pause := offset
	wait := func(i int) bool {
		until := deadline
		if o.finish && i > 0 {
			until = time.Now().Add(pause + time.Hour) // the registration goes on; ctx still ends it
		}
		if !sleepUntil(ctx, time.Now().Add(pause), until) {
			return false
		}
		pause = o.think
		return true
	}
	done := func(s step, reply userReply, took time.Duration) {
		t.latencies = append(t.latencies, took)
		if t.byStep == nil {
			t.byStep = map[string][]time.Duration{}
		}
		key := s.matched(reply.Text)
		t.byStep[key] = append(t.byStep[key], took)
		if reply.edit {
			t.edits++
		}
		switch {
		case s.action == "press" && s.arg == labelRestart:
			t.restarts++ // a registration left by an error, started again
		case key == doneRegister:
			t.registrations++
		}
	}
	for n := 1; ctx.Err() == nil && time.Now().Add(pause).Before(deadline); n++ {
		if _, err := u.play(ctx, plan{chatID: u.chatID, n: n}.steps(), wait, done); err != nil {
			t.fail(err)
			// A bot or emulator that fails at once must not make the users
			// spin; the next registration's /dangky takes up the chat again.
			pause = max(o.think, errorPause)
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
	RampSeconds   float64 `json:"ramp_s"`
	Seconds       float64 `json:"duration_s"` // measured, from the first step to the last reply
	WarmupSeconds float64 `json:"warmup_s"`
	Actions       int     `json:"actions"` // steps the users took: replies and errors
	Replies       int     `json:"replies"` // steps whose expected reply came
	RepliesByEdit int     `json:"replies_by_edit"`
	RepliesPerSec float64 `json:"replies_per_s"`
	// The reply wait: from a user's action to the bot's reply it waited for.
	P50           float64 `json:"p50_ms"`
	P90           float64 `json:"p90_ms"`
	P95           float64 `json:"p95_ms"`
	P99           float64 `json:"p99_ms"`
	Max           float64 `json:"max_ms"`
	Errors        int     `json:"errors"`
	Timeouts      int     `json:"timeouts"`
	Refused       int     `json:"refused"`
	Failed        int     `json:"failed"`
	Registrations int     `json:"registrations"`
	Restarts      int     `json:"restarts"`
	// The emulator's counters over the measured window (until the bot's
	// calls settle after the last reply).
	Calls                map[string]int `json:"calls"` // by method, getUpdates left out
	BotCalls             int            `json:"bot_calls"`
	CallsPerAction       float64        `json:"calls_per_action"` // chat actions apart
	ChatActionsPerAction float64        `json:"chat_actions_per_action"`
	// InWebhookResponses are calls the bot made in its webhook's
	// responses (answers to presses): no request of its own.
	InWebhookResponses      int     `json:"in_webhook_responses"`
	MessagesSent            int     `json:"messages_sent"`
	MessagesPerRegistration float64 `json:"messages_per_registration"`
	TooManyRequests         int     `json:"too_many_requests"` // 429s answered
	EarlySends              int     `json:"early_sends"`
	Violations              int     `json:"violations"`
	// StepP99 is the p99 of each step, named by the reply it waits for:
	// where a tail comes from.
	StepP99 map[string]float64 `json:"step_p99_ms"`

	samples []error
}

// Methods that are no answer to a user: polling and the bot's set-up.
var setupMethods = map[string]bool{"getUpdates": true, "getMe": true, "deleteWebhook": true, "setWebhook": true,
	"getWebhookInfo": true, "getMyCommands": true}

// count sets the figures of the emulator's counters between two readings.
// BotCalls are the calls that answer users (set-up and polling left out)
// and were not refused with 429: what a user's action costs.
func (r *loadReport) count(before, after emulator.Stats) {
	r.Calls = map[string]int{}
	refused := after.TooManyRequests - before.TooManyRequests
	for m, n := range after.Calls {
		if d := n - before.Calls[m]; d > 0 && m != "getUpdates" {
			r.Calls[m] = d
			if !setupMethods[m] {
				r.BotCalls += d
			}
		}
	}
	r.BotCalls -= refused
	for m, n := range after.WebhookReplies {
		r.InWebhookResponses += n - before.WebhookReplies[m]
	}
	r.TooManyRequests = refused
	r.EarlySends = after.EarlySends - before.EarlySends
	r.Violations = after.Violations - before.Violations
	r.MessagesSent = after.MessagesSent - before.MessagesSent
	if r.Actions > 0 {
		typing := r.Calls["sendChatAction"]
		r.CallsPerAction = math.Round(100*float64(r.BotCalls-typing)/float64(r.Actions)) / 100
		r.ChatActionsPerAction = math.Round(100*float64(typing)/float64(r.Actions)) / 100
	}
	if r.Registrations > 0 {
		r.MessagesPerRegistration = math.Round(10*float64(r.MessagesSent)/float64(r.Registrations)) / 10
	}
}

func newReport(o loadOptions, elapsed time.Duration, tallies []tally) loadReport {
	r := loadReport{Chats: o.chats, ThinkSeconds: o.think.Seconds(), RampSeconds: o.ramp.Seconds(), Seconds: elapsed.Seconds()}
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
		r.RepliesByEdit += t.edits
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
	r.Actions = r.Replies + r.Errors
	r.RepliesPerSec = float64(r.Replies) / elapsed.Seconds()
	r.P50, r.P90, r.P95, r.P99 = percentileMS(all, 50), percentileMS(all, 90), percentileMS(all, 95), percentileMS(all, 99)
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
think          %gs (ramp %gs)
duration       %.1fs (warm-up %.1fs)
replies        %d (%.1f/s, %d by an edit) to %d actions, %d registrations
latency ms     p50 %.1f  p90 %.1f  p95 %.1f  p99 %.1f  max %.1f
errors         %d (no reply %d, refused %d, failed %d; %d registrations started again)
messages       %d sent, %.1f per registration
bot API calls  %d, %.2f per action besides %.2f chat actions: %s (and %d in webhook responses)
emulator       %d 429s (%d over the limits, %d early sends)
p99 by step    %s
`, r.Chats, r.ThinkSeconds, r.RampSeconds, r.Seconds, r.WarmupSeconds, r.Replies, r.RepliesPerSec, r.RepliesByEdit,
		r.Actions, r.Registrations, r.P50, r.P90, r.P95, r.P99, r.Max, r.Errors, r.Timeouts, r.Refused, r.Failed, r.Restarts,
		r.MessagesSent, r.MessagesPerRegistration, r.BotCalls, r.CallsPerAction, r.ChatActionsPerAction, callsByMethod(r.Calls), r.InWebhookResponses,
		r.TooManyRequests, r.Violations, r.EarlySends, stepsByP99(r.StepP99))
	return err
}

// callsByMethod lists the calls, the most first: sendMessage 120, …
func callsByMethod(calls map[string]int) string {
	keys := slices.Collect(maps.Keys(calls))
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(calls[b], calls[a]), cmp.Compare(a, b)) })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, calls[k])
	}
	return strings.Join(parts, ", ")
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

// settled reads the emulator's counters once the bot's calls have stopped
// for a second (polling aside): what a run's last replies cost comes after
// them (a callback answered after the edit it led to, a trailing message).
func (c *userClient) settled(ctx context.Context) (emulator.Stats, error) {
	const quiet, most = time.Second, 15 * time.Second
	busy := func(st emulator.Stats) (n int) {
		for m, k := range st.Calls {
			if m != "getUpdates" {
				n += k
			}
		}
		return n
	}
	st, err := c.stats(ctx)
	for start, since := time.Now(), time.Now(); err == nil && time.Since(since) < quiet && time.Since(start) < most; {
		if !sleepUntil(ctx, time.Now().Add(quiet/4), time.Now().Add(quiet)) {
			return st, ctx.Err()
		}
		var next emulator.Stats
		if next, err = c.stats(ctx); err == nil && busy(next) != busy(st) {
			since = time.Now()
		}
		if err == nil {
			st = next
		}
	}
	return st, err
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
