package jobs

import (
	"testing"
	"time"

	"github.com/riverqueue/river"
)

// TestSweepSchedule: the daily sweep fires at the configured hour of
// Vietnam's day, the digest on its weekday; at start they run only once
// their hour of today has passed, for the day and week the process started.
func TestSweepSchedule(t *testing.T) {
	t.Parallel()
	utc := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	daily, weekly := atHour{hour: 8}, atHour{hour: 8, weekly: true, weekday: time.Monday}
	for _, tc := range []struct {
		s        atHour
		from, to string
	}{
		{daily, "2026-11-23 00:30", "2026-11-23 01:00"}, // 07:30 → 08:00 in Vietnam
		{daily, "2026-11-23 01:00", "2026-11-24 01:00"},
		{daily, "2026-11-22 20:00", "2026-11-23 01:00"}, // 03:00 on the 23rd in Vietnam
		{weekly, "2026-11-23 02:00", "2026-11-30 01:00"},
		{weekly, "2026-11-20 02:00", "2026-11-23 01:00"},
	} {
		if got := tc.s.Next(utc(tc.from)); !got.Equal(utc(tc.to)) {
			t.Errorf("hour %d weekly %v after %s: %s, want %s", tc.s.hour, tc.s.weekly, tc.from, got.UTC().Format("2006-01-02 15:04"), tc.to)
		}
	}

	start := func(now string) (sweep, digest river.JobArgs) {
		// The clock moves on before River asks: the start's jobs keep the
		// start's day.
		c := Config{Now: func() time.Time { return utc(now).Add(48 * time.Hour) }}
		c.defaults()
		sweep, _ = sweepJob(c, utc(now))()
		digest, _ = digestJob(c, utc(now))()
		return sweep, digest
	}
	for _, tc := range []struct {
		now           string
		sweep, digest river.JobArgs
	}{
		{"2026-11-23 00:00", nil, nil}, // Monday 07:00 in Vietnam: before the hour
		{"2026-11-23 02:00", SweepArgs{Day: "2026-11-23"}, DigestArgs{Week: "2026-11-23"}},
		{"2026-11-22 05:00", SweepArgs{Day: "2026-11-22"}, DigestArgs{Week: "2026-11-16"}}, // Sunday noon
		{"2026-11-24 23:30", nil, DigestArgs{Week: "2026-11-23"}},                          // Wednesday 06:30
	} {
		s, d := start(tc.now)
		if s != tc.sweep || d != tc.digest {
			t.Errorf("started %s UTC: sweep %v, digest %v; want %v, %v", tc.now, s, d, tc.sweep, tc.digest)
		}
	}
}
