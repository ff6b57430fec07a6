package jobs

import (
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/ocopbot/ocopbot/storage"
)

// The kinds and options below are stored in river_job: rows written by an
// earlier release must still be worked, so they do not change.

// NotifyQueue is the queue of everything the bot sends on its own.
const NotifyQueue = storage.NotifyQueue

// SweepQueue holds the daily and weekly sweeps, one at a time.
const SweepQueue = "sweep"

// NotifyArgs sends one row of notifications: the store inserts them with
// the rows (storage.NotifyArgs).
type NotifyArgs = storage.NotifyArgs

// SweepArgs queues the reminders due on Day (yyyy-mm-dd, Vietnam's date).
type SweepArgs struct {
	Day string `json:"day"`
}

// Kind names the job in river_job.
func (SweepArgs) Kind() string { return "renewal_sweep" }

// InsertOpts: one sweep per day, however many processes or restarts ask.
func (SweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: SweepQueue, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// DigestArgs queues the weekly digests of the week starting Week
// (yyyy-mm-dd, a Monday). Only the week makes it unique: the day it runs
// is taken when it runs.
type DigestArgs struct {
	Week string `json:"week"`
}

// Kind names the job in river_job.
func (DigestArgs) Kind() string { return "digest" }

// InsertOpts: one digest run per week.
func (DigestArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: SweepQueue, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// jobDay reads the day a job carries (yyyy-mm-dd); a malformed one cancels
// the job, since no retry can mend it.
func jobDay(what, s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, river.JobCancel(fmt.Errorf("%s %q: %w", what, s, err))
	}
	return d, nil
}
