-- One row per certificate and stage the producer has been reminded of:
-- stage is the days before expiry (90, 60, 30, 7 by default), 0 the notice
-- that it expired. The primary key is what makes a reminder go out once,
-- whatever sweeps run again or side by side. notification_id is drawn from
-- the notifications' sequence in the same statement, hence deferred.
CREATE TABLE certificate_reminders (
    certificate_id  bigint   NOT NULL REFERENCES certificates (id),
    stage           smallint NOT NULL CHECK (stage >= 0),
    due_on          date     NOT NULL, -- the sweep's day
    notification_id bigint   NOT NULL UNIQUE REFERENCES notifications (id) DEFERRABLE INITIALLY DEFERRED,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (certificate_id, stage)
);

-- The producer's answer to a reminder: re-evaluate, upgrade, or let it
-- lapse. One per certificate; the producer may change it until a council
-- result settles it (status done). unit_id is the producer's commune, which
-- officials' lists are scoped by.
CREATE TABLE renewal_requests (
    id             bigserial PRIMARY KEY,
    certificate_id bigint   NOT NULL UNIQUE REFERENCES certificates (id),
    product_id     bigint   NOT NULL REFERENCES products (id),
    producer_id    bigint   NOT NULL REFERENCES producers (id),
    unit_id        bigint   NOT NULL REFERENCES admin_units (id),
    answer         text     NOT NULL CHECK (answer IN ('reevaluate', 'upgrade', 'lapse')),
    target_stars   smallint CHECK (target_stars BETWEEN 3 AND 5),
    status         text     NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    result_id      bigint   REFERENCES council_results (id),
    answered_at    timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX renewal_requests_unit ON renewal_requests (unit_id, answered_at);
CREATE INDEX renewal_requests_product ON renewal_requests (product_id) WHERE status = 'open';

-- Officials who asked for the weekly digest, and the digests queued: one
-- per official and week, whatever runs again.
ALTER TABLE officials ADD COLUMN digest boolean NOT NULL DEFAULT false;
CREATE TABLE official_digests (
    user_id         bigint NOT NULL,
    week            date   NOT NULL, -- the Monday of the week
    notification_id bigint NOT NULL REFERENCES notifications (id),
    PRIMARY KEY (user_id, week)
);
