-- Linked accounts (issue 28): one person on Telegram and on Zalo. An
-- account's chat id stays the key of its own conversation; person, when
-- set, is the chat id the person's records carry (producers, officials,
-- consents, notifications), which is the chat id of the account they began
-- with. NULL: the account is its own person. Nothing moves.
ALTER TABLE accounts ADD COLUMN person bigint;
CREATE INDEX accounts_person ON accounts (person, last_seen DESC) WHERE person IS NOT NULL;

-- Codes that link a second account to a person: single-use, short-lived,
-- asked for in the chat (/lienket) and typed in the other.
CREATE TABLE link_codes (
    code       text        PRIMARY KEY,
    person     bigint      NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_by    bigint,
    used_at    timestamptz
);
CREATE INDEX link_codes_person ON link_codes (person);
