package jobs

import (
	"time"

	"github.com/riverqueue/river"

	"github.com/ocopbot/ocopbot/flows/dates"
)

// Reminders before certificates expire, and the weekly digest: River
// periodic jobs that only sweep and queue. River runs them in the leader
// process only; the rows they write (one reminder per certificate and
// stage, one digest per official and week) make any second run harmless.

// weekOf is the Monday of day's week.
func weekOf(day time.Time) time.Time {
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
}

// atHour fires every day at hour (Vietnam's time), or once a week on
// weekday when weekly.
type atHour struct {
	hour    int
	weekly  bool
	weekday time.Weekday
}

// Next is the first firing after t.
func (s atHour) Next(t time.Time) time.Time {
	l := t.In(dates.Vietnam)
	next := time.Date(l.Year(), l.Month(), l.Day(), s.hour, 0, 0, 0, dates.Vietnam)
	for !next.After(t) || s.weekly && next.Weekday() != s.weekday {
		next = next.AddDate(0, 0, 1)
	}
	return next
}

// periodicJobs: the daily sweep and the weekly digest at their hour, and
// both once at start when their hour of today has passed (catching up after
// downtime, not waking producers at night).
func periodicJobs(c Config) []*river.PeriodicJob {
	started := c.Now()
	return []*river.PeriodicJob{
		river.NewPeriodicJob(atHour{hour: c.Hour}, sweepJob(c, time.Time{}), &river.PeriodicJobOpts{ID: "renewal_sweep"}),
		river.NewPeriodicJob(river.NeverSchedule(), sweepJob(c, started), &river.PeriodicJobOpts{ID: "renewal_sweep_start", RunOnStart: true}),
		river.NewPeriodicJob(atHour{hour: c.Hour, weekly: true, weekday: c.DigestDay}, digestJob(c, time.Time{}), &river.PeriodicJobOpts{ID: "digest"}),
		river.NewPeriodicJob(river.NeverSchedule(), digestJob(c, started), &river.PeriodicJobOpts{ID: "digest_start", RunOnStart: true}),
	}
}

// sweepJob makes the day's sweep. At start (started set) it is the sweep
// of the day the process started, however long River takes to elect a
// leader, and none before the hour.
func sweepJob(c Config, started time.Time) river.PeriodicJobConstructor {
	return func() (river.JobArgs, *river.InsertOpts) {
		now := c.Now()
		if !started.IsZero() {
			if now = started; now.In(dates.Vietnam).Hour() < c.Hour {
				return nil, nil
			}
		}
		return SweepArgs{Day: dates.LocalDay(now).Format(time.DateOnly)}, nil
	}
}

// digestJob makes the week's digests. At start, it is this week's once its
// day and hour have come.
func digestJob(c Config, started time.Time) river.PeriodicJobConstructor {
	return func() (river.JobArgs, *river.InsertOpts) {
		now := c.Now()
		if !started.IsZero() {
			now = started
			day := dates.LocalDay(now)
			due := weekOf(day).AddDate(0, 0, (int(c.DigestDay)+6)%7)
			if day.Before(due) || day.Equal(due) && now.In(dates.Vietnam).Hour() < c.Hour {
				return nil, nil
			}
		}
		return DigestArgs{Week: weekOf(dates.LocalDay(now)).Format(time.DateOnly)}, nil
	}
}
