-- Secrets the bot makes for itself and every replica shares: the key that
-- signs the data of its buttons (a client can send a callback query with
-- any data; the bot refuses data it did not sign). Made on first use.
CREATE TABLE bot_secrets (
    name       text        PRIMARY KEY,
    value      bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A claim is confirmed only by the Telegram user it was offered to: the user
-- who shared the matching phone, or the last one who opened the printed link.
ALTER TABLE claim_links ADD COLUMN offered_to bigint;
