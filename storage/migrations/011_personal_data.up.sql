-- Personal data (Law 91/2025/QH15, in force since 1/1/2026): a producer's
-- consent to the notice it was shown, by version, and the erasure of what
-- identifies a person while the public record stays.

-- One row per Telegram user and version of the notice agreed to. Erasure
-- withdraws it (the row stays as the proof of what was agreed and when).
CREATE TABLE consents (
    user_id      bigint      NOT NULL,
    version      text        NOT NULL,
    agreed_at    timestamptz NOT NULL DEFAULT now(),
    withdrawn_at timestamptz,
    PRIMARY KEY (user_id, version)
);

-- An erased producer keeps its registered name, an enterprise's tax code and
-- its certificates, and loses its chat link, phone, representative and a
-- household's CCCD or personal tax code: it may then have no identifier left.
ALTER TABLE producers
    ADD COLUMN erased_at timestamptz,
    DROP CONSTRAINT producers_identity,
    ADD CONSTRAINT producers_identity
        CHECK (tax_code <> '' OR citizen_id <> '' OR imported_at IS NOT NULL OR erased_at IS NOT NULL);
