-- A registration conversation carries a random submission ID, so that
-- submitting twice (a retried update, a double tap after a crash) finds the
-- first registration instead of writing a second.
ALTER TABLE registrations ADD COLUMN submission_id text;
CREATE UNIQUE INDEX registrations_submission ON registrations (submission_id);
