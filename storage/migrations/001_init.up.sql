-- Administrative units: one tree for every reform. A unit is identified by its
-- GSO code *and* the date its tree came into force, because the July 2025
-- reform reused codes (00004 was Phường Trúc Bạch, now Phường Ba Đình).
CREATE TABLE admin_units (
    id          bigserial PRIMARY KEY,
    code        text     NOT NULL,
    name        text     NOT NULL,
    kind        text     NOT NULL,
    level       smallint NOT NULL CHECK (level BETWEEN 1 AND 3),
    parent_id   bigint   REFERENCES admin_units (id),
    valid_from  date     NOT NULL,
    valid_to    date,
    UNIQUE (code, level, valid_from)
);
CREATE INDEX admin_units_parent ON admin_units (parent_id);
CREATE INDEX admin_units_valid ON admin_units (valid_from);

-- The unit a post-reform commune came from (full or partial merge).
CREATE TABLE admin_unit_origins (
    unit_id     bigint NOT NULL REFERENCES admin_units (id),
    old_unit_id bigint NOT NULL REFERENCES admin_units (id),
    full_merge  boolean NOT NULL,
    PRIMARY KEY (unit_id, old_unit_id)
);

-- Product taxonomy (919/QĐ-TTg 2022, 148/QĐ-TTg 2023) kept as data.
CREATE TABLE product_groups (
    code    text PRIMARY KEY,
    name_vi text NOT NULL,
    name_en text NOT NULL,
    sort    int  NOT NULL
);
CREATE TABLE product_subgroups (
    code       text PRIMARY KEY,
    group_code text NOT NULL REFERENCES product_groups (code),
    name_vi    text NOT NULL,
    name_en    text NOT NULL,
    sort       int  NOT NULL
);

-- A Telegram private chat and the language its user chose.
CREATE TABLE chats (
    chat_id     bigint PRIMARY KEY,
    user_id     bigint NOT NULL,
    locale      text   NOT NULL DEFAULT 'vi',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chats_user ON chats (user_id);

-- A producer (chủ thể OCOP) is managed by the Telegram user who registered it.
CREATE TABLE producers (
    id             bigserial PRIMARY KEY,
    owner_user_id  bigint NOT NULL UNIQUE,
    chat_id        bigint NOT NULL,
    kind           text   NOT NULL CHECK (kind IN ('enterprise', 'cooperative', 'coop_group', 'farm', 'household')),
    name           text   NOT NULL,
    representative text   NOT NULL,
    phone          text   NOT NULL,
    tax_code       text   NOT NULL DEFAULT '',
    citizen_id     text   NOT NULL DEFAULT '',
    unit_id        bigint NOT NULL REFERENCES admin_units (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (tax_code <> '' OR citizen_id <> '')
);
CREATE INDEX producers_unit ON producers (unit_id);

CREATE TABLE products (
    id             bigserial PRIMARY KEY,
    producer_id    bigint NOT NULL REFERENCES producers (id),
    name           text   NOT NULL,
    subgroup_code  text   NOT NULL REFERENCES product_subgroups (code),
    description    text   NOT NULL,
    photo_file_id  text   NOT NULL DEFAULT '',
    target_stars   smallint NOT NULL CHECK (target_stars BETWEEN 3 AND 5),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_producer ON products (producer_id);

CREATE SEQUENCE registration_code_seq;

CREATE TABLE registrations (
    id           bigserial PRIMARY KEY,
    code         text   NOT NULL UNIQUE,
    producer_id  bigint NOT NULL REFERENCES producers (id),
    product_id   bigint NOT NULL UNIQUE REFERENCES products (id),
    unit_id      bigint NOT NULL REFERENCES admin_units (id),
    status       text   NOT NULL DEFAULT 'submitted'
                 CHECK (status IN ('submitted', 'in_review', 'evaluated', 'rejected', 'withdrawn')),
    submitted_at timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registrations_producer ON registrations (producer_id);
CREATE INDEX registrations_unit_status ON registrations (unit_id, status);

-- Who did what, for officials and auditors. details never holds phone numbers,
-- tax codes or ID numbers.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_user  bigint,
    action      text   NOT NULL,
    entity      text   NOT NULL,
    entity_id   bigint,
    details     jsonb  NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
