package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// TestLoadtest runs the load test against the emulator's control API and
// the real bot, as bench-serve.sh does with three processes: the warm-up
// registers each chat's producer through the chat (in the test database's
// three-level tree), the measured registrations all get their replies, and
// a second warm-up finds the producers known.
func TestLoadtest(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	svc, _, apiURL := runService(t, "123456:LOADTEST-token-for-the-emulator-00")

	loadtestRun := func(args ...string) (string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		args = append([]string{"loadtest", "--emulator", apiURL, "--chats", "3", "--chat-base", "8000000000"}, args...)
		if err := run(ctx, args, env(nil), &stdout, &stderr); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	out, stderr := loadtestRun("--duration", "2s", "--out", "json")
	var rep loadReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	if rep.Errors != 0 || rep.Replies == 0 || rep.Registrations == 0 || rep.EarlySends != 0 || rep.P99 <= 0 {
		t.Fatalf("report = %+v, want replies and registrations, no errors\n%s", rep, stderr)
	}
	// Each step of a registration has its tail: the submission's among them.
	if p, ok := rep.StepP99[doneRegister]; !ok || p <= 0 || len(rep.StepP99) != len(productSteps(0))+1 {
		t.Errorf("p99 by step = %v, want the %d steps of a registration", rep.StepP99, len(productSteps(0))+1)
	}
	if _, stderr := loadtestRun("--phase", "warmup"); !strings.Contains(stderr, "3 producers known") {
		t.Errorf("second warm-up said %q", stderr)
	}
	var producers int
	if err := svc.store.Pool().QueryRow(ctx, `SELECT count(*) FROM producers`).Scan(&producers); err != nil || producers != 3 {
		t.Errorf("producers = %d (%v), want the 3 chats'", producers, err)
	}
}

func TestLoadTaxCode(t *testing.T) {
	t.Parallel()
	seen := map[string]int64{}
	for chat := int64(7_000_000_000); chat < 7_000_000_000+2000; chat++ {
		code, err := loadTaxCode(chat)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ocop.NormalizeTaxCode(code); err != nil {
			t.Fatalf("chat %d: %s: %v", chat, code, err)
		}
		if other, dup := seen[code]; dup {
			t.Fatalf("chats %d and %d share tax code %s", other, chat, code)
		}
		seen[code] = chat
	}
}

func TestLoadFlags(t *testing.T) {
	t.Parallel()
	cfg := Config{HTTPAddr: "127.0.0.1:8080"}
	tests := []struct {
		name    string
		args    []string
		wantErr bool
	}{
		{"defaults", nil, false},
		{"all set", []string{"--chats", "200", "--think", "1s", "--duration", "30s", "--out", "json", "--phase", "measure"}, false},
		{"no chats", []string{"--chats", "0"}, true},
		{"negative think", []string{"--think", "-1s"}, true},
		{"unknown output", []string{"--out", "csv"}, true},
		{"unknown phase", []string{"--phase", "cooldown"}, true},
		{"long timeout", []string{"--timeout", "2m"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := parseLoadFlags(cfg, tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseLoadFlags(%q) = %+v, %v; want error %v", tt.args, o, err, tt.wantErr)
			}
			if tt.args == nil && (o.emulator != "http://127.0.0.1:8080" || o.chats != 50 || o.chatBase != 7_000_000_000) {
				t.Errorf("defaults = %+v", o)
			}
		})
	}
}

func TestPercentileMS(t *testing.T) {
	t.Parallel()
	var sorted []time.Duration
	for i := 1; i <= 100; i++ {
		sorted = append(sorted, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[int]float64{1: 1, 50: 50, 90: 90, 99: 99, 100: 100} {
		if got := percentileMS(sorted, p); got != want {
			t.Errorf("p%d = %v, want %v", p, got, want)
		}
	}
	if got := percentileMS(nil, 50); got != 0 {
		t.Errorf("p50 of nothing = %v, want 0", got)
	}
}
