-- /status and /giahan count the reminded certificates still waiting for an
-- answer from the reminders due within a year either side of the day.
CREATE INDEX certificate_reminders_due ON certificate_reminders (due_on) INCLUDE (certificate_id, stage, notification_id)
    WHERE stage > 0;
