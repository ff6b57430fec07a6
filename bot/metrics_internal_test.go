package bot

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestCallOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		err     error
		want    string
		wantFor time.Duration
	}{
		{"ok", nil, "ok", 0},
		{"429", refusal("sendMessage", apiAnswer{ErrorCode: 429, Parameters: struct {
			RetryAfter int `json:"retry_after"`
		}{RetryAfter: 7}}), "429", 7 * time.Second},
		{"blocked", refusal("sendMessage", apiAnswer{ErrorCode: 403, Description: "Forbidden: bot was blocked by the user"}), "403", 0},
		{"chat not found", refusal("sendMessage", apiAnswer{ErrorCode: 400, Description: "Bad Request: chat not found"}), "4xx", 0},
		{"not modified", refusal("editMessageText", apiAnswer{ErrorCode: 400, Description: "Bad Request: message is not modified"}), "4xx", 0},
		{"bad gateway page", &SendError{Err: errors.New("HTTP 502, not a Bot API answer"), Code: 502}, "5xx", 0},
		{"internal", refusal("sendMessage", apiAnswer{ErrorCode: 500}), "5xx", 0},
		{"timeout", &SendError{Err: context.DeadlineExceeded}, "network", 0},
		{"not a send error", errors.New("dial tcp: connection refused"), "network", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, wait := callOutcome(tt.err)
			if got != tt.want || wait != tt.wantFor {
				t.Errorf("callOutcome(%v) = %q, %v; want %q, %v", tt.err, got, wait, tt.want, tt.wantFor)
			}
		})
	}
}

func TestIntakeStalled(t *testing.T) {
	t.Parallel()
	b := &Bot{}
	if stalled, _, _ := b.IntakeStalled(time.Minute); stalled {
		t.Fatal("stalled before the dispatcher runs")
	}
	inHand := 0
	b.watchIntake(func() int { return inHand })
	if stalled, _, _ := b.IntakeStalled(0); stalled {
		t.Error("stalled with nothing in hand")
	}
	inHand = 3
	b.intake.progress.Store(time.Now().Add(-2 * time.Minute).UnixNano())
	if stalled, n, since := b.IntakeStalled(time.Minute); !stalled || n != 3 || since < 2*time.Minute {
		t.Errorf("IntakeStalled = %v, %d, %v; want stalled with 3 in hand for 2 min", stalled, n, since)
	}
	if err := b.stepDone("telegram", 0, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	if stalled, _, _ := b.IntakeStalled(time.Minute); stalled {
		t.Error("stalled right after an update was handled")
	}
	want := errors.New("redis down")
	if err := b.stepDone("telegram", 0, time.Now(), want); !errors.Is(err, want) {
		t.Errorf("stepDone returned %v, want the step's error", err)
	}
}
