// Package jobs is ocopbot's background work, in one place: the process's
// River client that works jobs, the job arguments, the workers that send
// notifications, sweep renewal reminders and queue the weekly digests, and
// their schedules.
//
// Jobs are rows in river_job written in the same transaction as the change
// that causes them (a transactional outbox): the store inserts a
// notification's job itself (storage.NotifyArgs), so nothing is handed to
// it after it is made. What a notification
// says comes from a Renderer (flows), how it reaches Telegram from a Sender
// (bot); neither package knows this one, cmd wires them.
package jobs
