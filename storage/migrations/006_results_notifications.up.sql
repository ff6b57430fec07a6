-- Who may recognise which stars, by the regime in force on a decision's
-- date (DESIGN.md). Rows, not code: a new decision of the Prime Minister is
-- an insert. valid_to is the regime's last day (NULL: still in force).
CREATE TABLE recognition_authority (
    regime     text     NOT NULL,
    valid_from date     NOT NULL,
    valid_to   date,
    level      text     NOT NULL CHECK (level IN ('district', 'province', 'central')),
    min_stars  smallint NOT NULL CHECK (min_stars BETWEEN 3 AND 5),
    max_stars  smallint NOT NULL CHECK (max_stars BETWEEN 3 AND 5),
    PRIMARY KEY (regime, level),
    CHECK (min_stars <= max_stars),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
INSERT INTO recognition_authority VALUES
    ('1048/QĐ-TTg', '2019-08-21', '2023-02-23', 'province', 3, 4),
    ('1048/QĐ-TTg', '2019-08-21', '2023-02-23', 'central',  5, 5),
    ('148/QĐ-TTg',  '2023-02-24', '2025-07-05', 'district', 3, 3),
    ('148/QĐ-TTg',  '2023-02-24', '2025-07-05', 'province', 4, 4),
    ('148/QĐ-TTg',  '2023-02-24', '2025-07-05', 'central',  5, 5),
    ('1489/QĐ-TTg', '2025-07-06', NULL,         'province', 3, 4),
    ('1489/QĐ-TTg', '2025-07-06', NULL,         'central',  5, 5);

-- A council's result for a registered product: every score is kept, also
-- those below 3★ that earn no certificate. (product_id, decision_no) is the
-- result's identity, so importing a file twice records it once.
CREATE TABLE council_results (
    id              bigserial PRIMARY KEY,
    registration_id bigint   NOT NULL REFERENCES registrations (id),
    product_id      bigint   NOT NULL REFERENCES products (id),
    score           numeric(5, 2) NOT NULL CHECK (score BETWEEN 0 AND 100),
    stars           smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
    decision_no     text     NOT NULL,
    decision_date   date     NOT NULL,
    issuer_unit_id  bigint   REFERENCES admin_units (id), -- NULL: central
    recorded_by     bigint,                               -- Telegram user; NULL: the command line
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (product_id, decision_no)
);
CREATE INDEX council_results_product ON council_results (product_id, decision_date);

-- A certificate comes from a result; a later result for the same product
-- ends it early (revoked_on = the later decision's date, ended_by_result set),
-- as does a revocation (ended_by_result NULL).
ALTER TABLE certificates
    ADD COLUMN result_id       bigint REFERENCES council_results (id),
    ADD COLUMN ended_by_result bigint REFERENCES council_results (id);

-- Everything the bot sends on its own: one row per message, visible to
-- officials. The text is rendered when sent, in the recipient's language,
-- from kind and payload. unit_id is the unit the matter belongs to (the
-- producer's commune, or the official's unit), for officials' scope.
CREATE TABLE notifications (
    id          bigserial PRIMARY KEY,
    kind        text   NOT NULL,
    chat_id     bigint NOT NULL,
    producer_id bigint REFERENCES producers (id),
    unit_id     bigint REFERENCES admin_units (id),
    payload     jsonb  NOT NULL,
    status      text   NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'blocked', 'failed')),
    attempts    int    NOT NULL DEFAULT 0,
    message_id  bigint,
    last_error  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_undelivered ON notifications (unit_id, created_at) WHERE status <> 'sent';
CREATE INDEX notifications_chat ON notifications (chat_id);

-- Chats Telegram refused for good (403 blocked, 400 chat not found): nothing
-- more is sent to them until the user writes /start again.
CREATE TABLE unreachable_chats (
    chat_id bigint PRIMARY KEY,
    since   timestamptz NOT NULL DEFAULT now(),
    reason  text NOT NULL
);
