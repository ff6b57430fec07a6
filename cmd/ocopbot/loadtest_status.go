package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// statusOptions are statusload's flags.
type statusOptions struct {
	invite   string
	command  string
	calls    int
	timeout  time.Duration
	emulator string
	chatID   int64
	out      string
}

// The replies statusload waits for: the invitation accepted, and the first
// line of a status.
const (
	doneInvite  = "được ghi nhận là cán bộ"
	statusTitle = "tình hình OCOP ngày"
)

// statusload times /status as an official sees it, against `ocopbot
// emulator` while the bot, another process, answers: one chat redeems an
// invitation (`ocopbot invite`), then sends the command --calls times, one
// after another, each timed from the message sent to the status received.
// The first call is a warm-up, not counted.
//
//	ocopbot statusload --invite CODE [--command "/status"] [--calls 50]
func statusload(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	var o statusOptions
	fs := flag.NewFlagSet("statusload", flag.ContinueOnError)
	fs.StringVar(&o.invite, "invite", "", "invitation code of the official (`ocopbot invite`)")
	fs.StringVar(&o.command, "command", "/status", "the command timed")
	fs.IntVar(&o.calls, "calls", 50, "calls timed")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "longest a reply may take")
	fs.StringVar(&o.emulator, "emulator", "http://"+cfg.HTTPAddr, "URL of `ocopbot emulator`")
	fs.Int64Var(&o.chatID, "chat", 6_000_000_001, "the official's chat; runs on one database need one each")
	fs.StringVar(&o.out, "out", "text", "text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if o.invite == "" || o.calls < 1 || o.timeout <= 0 || (o.out != "text" && o.out != "json") {
		return fmt.Errorf("statusload: want --invite CODE, --calls ≥ 1, --out text|json: %w", errUsage)
	}
	c := newUserClient(o.emulator, 1, o.timeout)
	if _, err := c.do(ctx, o.chatID, say("/start "+o.invite, doneInvite)); err != nil {
		return fmt.Errorf("statusload: redeem the invitation: %w", err)
	}
	ask := say(o.command, statusTitle)
	if _, err := c.do(ctx, o.chatID, ask); err != nil {
		return fmt.Errorf("statusload: warm-up: %w", err)
	}
	took := make([]time.Duration, 0, o.calls)
	for range o.calls {
		sent := time.Now()
		if _, err := c.do(ctx, o.chatID, ask); err != nil {
			return fmt.Errorf("statusload: call %d: %w", len(took)+1, err)
		}
		took = append(took, time.Since(sent))
	}
	slices.Sort(took)
	r := struct {
		Command string  `json:"command"`
		Calls   int     `json:"calls"`
		P50     float64 `json:"p50_ms"`
		P99     float64 `json:"p99_ms"`
		Max     float64 `json:"max_ms"`
	}{o.command, len(took), percentileMS(took, 50), percentileMS(took, 99), ms(took[len(took)-1])}
	if o.out == "json" {
		return json.NewEncoder(stdout).Encode(r)
	}
	_, err := fmt.Fprintf(stdout, "%s: %d calls, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		strings.TrimSpace(r.Command), r.Calls, r.P50, r.P99, r.Max)
	return err
}
