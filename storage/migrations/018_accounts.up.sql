-- Accounts (issue 28): a person reaches the bot through one or more
-- messenger accounts. The bot's records name a person by the chat id they
-- have always carried: a Telegram user's own id (positive), or, for a Zalo
-- user, an id the bot allocates below -2^52 — far from Telegram's group and
-- channel ids (-10^13 and up), which the bot never serves. The id is the key
-- of the conversation in Redis, of chats, producers and officials, so
-- today's rows keep theirs: each Telegram chat gets its account row here,
-- nothing else moves.
CREATE TABLE accounts (
    channel     text        NOT NULL CHECK (channel IN ('telegram', 'zalo')),
    external_id text        NOT NULL CHECK (external_id <> ''),
    chat_id     bigint      NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- last_seen says which channel a person used last: notifications go there.
    last_seen   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel, external_id)
);
CREATE INDEX accounts_chat ON accounts (chat_id, last_seen DESC);

CREATE SEQUENCE zalo_chat_seq;

INSERT INTO accounts (channel, external_id, chat_id, created_at, last_seen)
SELECT 'telegram', chat_id::text, chat_id, created_at, updated_at FROM chats;
