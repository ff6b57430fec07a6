package ocop_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

func TestStarsFromScore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		score   float64
		want    int
		wantErr bool
	}{
		{name: "zero", score: 0, want: 1},
		{name: "just below 2 stars", score: 29.99, want: 1},
		{name: "2 stars at 30", score: 30, want: 2},
		{name: "just below 3 stars", score: 49.99, want: 2},
		{name: "3 stars at 50", score: 50, want: 3},
		{name: "just below 4 stars", score: 69.99, want: 3},
		{name: "4 stars at 70", score: 70, want: 4},
		{name: "just below 5 stars", score: 89.99, want: 4},
		{name: "5 stars at 90", score: 90, want: 5},
		{name: "full marks", score: 100, want: 5},
		{name: "negative zero", score: math.Copysign(0, -1), want: 1},
		{name: "negative", score: -1, wantErr: true},
		{name: "above 100", score: 100.01, wantErr: true},
		{name: "NaN", score: math.NaN(), wantErr: true},
		{name: "plus infinity", score: math.Inf(1), wantErr: true},
		{name: "minus infinity", score: math.Inf(-1), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ocop.StarsFromScore(tt.score)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("StarsFromScore(%v) = %d, nil; want an error", tt.score, got)
				}
				if got != 0 {
					t.Errorf("StarsFromScore(%v) stars = %d with an error, want 0", tt.score, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("StarsFromScore(%v) = %d, %v; want %d, nil", tt.score, got, err, tt.want)
			}
		})
	}
}

func TestIsOCOP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		stars int
		want  bool
	}{
		{-1, false}, {0, false}, {1, false}, {2, false}, {3, true}, {4, true}, {5, true}, {6, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d stars", tt.stars), func(t *testing.T) {
			t.Parallel()
			if got := ocop.IsOCOP(tt.stars); got != tt.want {
				t.Errorf("IsOCOP(%d) = %v, want %v", tt.stars, got, tt.want)
			}
		})
	}
}

func TestCertificateExpiry(t *testing.T) {
	t.Parallel()
	hcm := time.FixedZone("ICT", 7*3600)
	tests := []struct {
		name     string
		decision time.Time
		want     time.Time
	}{
		{
			name:     "2388/QĐ-UBND of 28/6/2024",
			decision: time.Date(2024, 6, 28, 0, 0, 0, 0, hcm),
			want:     time.Date(2027, 6, 28, 0, 0, 0, 0, hcm),
		},
		{
			name:     "leap day normalises to 1 March",
			decision: time.Date(2024, 2, 29, 0, 0, 0, 0, hcm),
			want:     time.Date(2027, 3, 1, 0, 0, 0, 0, hcm),
		},
		{
			name:     "31 December",
			decision: time.Date(2023, 12, 31, 0, 0, 0, 0, hcm),
			want:     time.Date(2026, 12, 31, 0, 0, 0, 0, hcm),
		},
		{
			name:     "keeps the time of day and zone",
			decision: time.Date(2025, 7, 6, 15, 30, 0, 0, time.UTC),
			want:     time.Date(2028, 7, 6, 15, 30, 0, 0, time.UTC),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ocop.CertificateExpiry(tt.decision)
			if !got.Equal(tt.want) || got.Location() != tt.want.Location() {
				t.Errorf("CertificateExpiry(%v) = %v, want %v", tt.decision, got, tt.want)
			}
		})
	}
}
