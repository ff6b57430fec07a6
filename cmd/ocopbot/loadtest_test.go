package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/bot/emulator"
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
	if rep.Actions != rep.Replies || rep.MessagesSent == 0 || rep.MessagesPerRegistration <= 0 || rep.CallsPerAction <= 0 ||
		rep.Calls["sendMessage"] == 0 || rep.TooManyRequests != 0 {
		t.Errorf("emulator figures = %+v, want messages and calls over the window, no 429", rep)
	}
	if _, stderr := loadtestRun("--phase", "warmup"); !strings.Contains(stderr, "3 producers known") {
		t.Errorf("second warm-up said %q", stderr)
	}
	// A training hall: new producers arriving over a ramp, each registration
	// measured from /dangky and finished past the deadline.
	out, stderr = loadtestRun("--phase", "new", "--chat-base", "8000000100", "--ramp", "100ms", "--think", "30ms", "--duration", "150ms",
		"--finish", "--out", "json")
	var hall loadReport
	if err := json.Unmarshal([]byte(out), &hall); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	if hall.Errors != 0 || hall.Registrations != 3 || hall.StepP99[askConsent] <= 0 || hall.StepP99[doneRegister] <= 0 ||
		hall.Replies != hall.Actions || hall.MessagesPerRegistration <= 0 || hall.MessagesPerRegistration > 10 {
		t.Errorf("training hall = %+v, want the 3 producers' registrations from the personal-data notice, a reply to every action, "+
			"at most 10 messages each\n%s", hall, stderr)
	}
	var producers int
	if err := svc.store.Pool().QueryRow(ctx, `SELECT count(*) FROM producers`).Scan(&producers); err != nil || producers != 6 {
		t.Errorf("producers = %d (%v), want the 6 chats'", producers, err)
	}
}

// TestLoadtestWaits: each step is timed from the user's action to the reply
// it waited for, whether a new message or an edit of the prompt; users
// arrive spread over the ramp; the emulator's counters over the window give
// the calls per action and the messages per registration.
func TestLoadtestWaits(t *testing.T) {
	t.Parallel()
	const delay = 20 * time.Millisecond
	var (
		mu    sync.Mutex
		first = map[string]time.Time{} // each chat's first action
		calls int
	)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /emulator/users/{chat}/{action}", func(w http.ResponseWriter, r *http.Request) {
		var a emulator.UserAction
		if err := json.NewDecoder(r.Body).Decode(&a); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		if _, ok := first[r.PathValue("chat")]; !ok {
			first[r.PathValue("chat")] = time.Now()
		}
		calls += 2 // a message and a callback answer, say
		mu.Unlock()
		time.Sleep(delay)
		// The bot answers what was expected: a press by editing the
		// pressed prompt, a message by a new one.
		_ = json.NewEncoder(w).Encode(emulator.UserView{Reply: &emulator.MessageView{Text: "… " + a.Expect[0]},
			ReplyEdit: r.PathValue("action") == "press"})
	})
	mux.HandleFunc("GET /emulator/stats", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_ = json.NewEncoder(w).Encode(emulator.Stats{Calls: map[string]int{"sendMessage": calls / 2, "answerCallbackQuery": calls / 2},
			MessagesSent: calls / 2, TooManyRequests: 1})
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)

	var stdout, stderr bytes.Buffer
	args := []string{"loadtest", "--emulator", hs.URL, "--chats", "2", "--phase", "measure", "--ramp", "100ms",
		"--duration", "150ms", "--finish", "--out", "json"}
	if err := run(t.Context(), args, env(nil), &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var rep loadReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	steps := 1 + len(productSteps(0)) // /dangky and the product's
	presses := 0
	for _, s := range productSteps(0) {
		if s.action == "press" {
			presses++
		}
	}
	if rep.Registrations != 2 || rep.Actions != 2*steps || rep.Replies != 2*steps || rep.RepliesByEdit != 2*presses {
		t.Fatalf("report = %+v, want 2 registrations of %d steps, %d presses each answered by an edit", rep, steps, presses)
	}
	if rep.P50 < ms(delay) || rep.P95 < rep.P50 || rep.P99 < rep.P95 || rep.Max < rep.P99 {
		t.Errorf("waits p50 %v p95 %v p99 %v max %v, want at least the %v each reply took, in order", rep.P50, rep.P95, rep.P99, rep.Max, delay)
	}
	if rep.CallsPerAction != 2 || rep.MessagesPerRegistration != float64(steps) || rep.TooManyRequests != 0 {
		t.Errorf("calls per action %v, messages per registration %v, 429s %d; want 2, %d, 0 (the window's)",
			rep.CallsPerAction, rep.MessagesPerRegistration, rep.TooManyRequests, steps)
	}
	mu.Lock()
	defer mu.Unlock()
	if gap := first["7000000001"].Sub(first["7000000000"]); gap < 40*time.Millisecond {
		t.Errorf("second user began %v after the first, want half the 100 ms ramp", gap)
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
		{"training hall", []string{"--chats", "500", "--ramp", "10s", "--think", "10s", "--duration", "2m", "--finish", "--phase", "new", "--timeout", "3m"}, false},
		{"negative ramp", []string{"--ramp", "-1s"}, true},
		{"no chats", []string{"--chats", "0"}, true},
		{"negative think", []string{"--think", "-1s"}, true},
		{"unknown output", []string{"--out", "csv"}, true},
		{"unknown phase", []string{"--phase", "cooldown"}, true},
		{"long timeout", []string{"--timeout", "6m"}, true},
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
