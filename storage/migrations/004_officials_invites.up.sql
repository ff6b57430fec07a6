-- Officials of a commune, district or province: a Telegram user bound to one
-- administrative unit and a role, who may see that unit and the units below.
CREATE TABLE officials (
    user_id     bigint PRIMARY KEY,
    chat_id     bigint NOT NULL,
    unit_id     bigint NOT NULL REFERENCES admin_units (id),
    role        text   NOT NULL CHECK (role IN ('commune', 'district', 'province')),
    invite_id   bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX officials_unit ON officials (unit_id);

-- Invitations: random single-use codes, stored only as their SHA-256, that
-- expire and can be revoked.
CREATE TABLE invites (
    id          bigserial PRIMARY KEY,
    code_hash   bytea  NOT NULL UNIQUE,
    unit_id     bigint NOT NULL REFERENCES admin_units (id),
    role        text   NOT NULL CHECK (role IN ('commune', 'district', 'province')),
    created_by  bigint,              -- the inviting official's user; NULL from the command line
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    used_by     bigint,
    revoked_at  timestamptz
);
