-- A province's existing OCOP registry (issue 15): producers, products and
-- certificates imported from its files before anyone chatted with the bot,
-- and the links producers claim them with.

-- An imported producer has no Telegram user until it claims its record; its
-- file may lack a tax code (then its identity is its folded name in its
-- commune), a representative or a phone.
ALTER TABLE producers
    ALTER COLUMN owner_user_id DROP NOT NULL,
    ALTER COLUMN chat_id DROP NOT NULL,
    ALTER COLUMN representative SET DEFAULT '',
    ALTER COLUMN phone SET DEFAULT '',
    DROP CONSTRAINT producers_check,
    -- the province (GSO code, in the tree of the decision or registration)
    -- within which a tax code or CCCD identifies a producer
    ADD COLUMN province_code text,
    ADD COLUMN name_key      text,        -- folded name: identity without a tax code
    ADD COLUMN imported_at   timestamptz, -- set when the registry brought it
    ADD COLUMN claimed_at    timestamptz, -- set when its user linked the chat
    ADD CONSTRAINT producers_identity CHECK (tax_code <> '' OR citizen_id <> '' OR imported_at IS NOT NULL),
    ADD CONSTRAINT producers_claimed CHECK (owner_user_id IS NULL OR chat_id IS NOT NULL);

-- Producers registered in the chat get their province too: the level-1
-- ancestor of their commune, in whichever tree it is.
UPDATE producers p SET province_code = coalesce(
    (SELECT a.code FROM admin_units c JOIN admin_units a ON a.id = c.parent_id WHERE c.id = p.unit_id AND a.level = 1),
    (SELECT g.code FROM admin_units c JOIN admin_units a ON a.id = c.parent_id JOIN admin_units g ON g.id = a.parent_id
     WHERE c.id = p.unit_id AND g.level = 1));
CREATE INDEX producers_tax ON producers (province_code, tax_code) WHERE tax_code <> '';
CREATE INDEX producers_citizen ON producers (province_code, citizen_id) WHERE citizen_id <> '';
CREATE INDEX producers_name_key ON producers (unit_id, name_key) WHERE name_key IS NOT NULL;
-- A producer claims by sharing its phone: found by number.
CREATE INDEX producers_phone ON producers (phone) WHERE phone <> '';
CREATE INDEX producers_unclaimed ON producers (unit_id) WHERE owner_user_id IS NULL;

-- A registry names a product's group, not its sub-group.
ALTER TABLE products
    ALTER COLUMN subgroup_code DROP NOT NULL,
    ALTER COLUMN description SET DEFAULT '',
    ADD COLUMN group_code text REFERENCES product_groups (code),
    ADD COLUMN name_key   text, -- folded name: a product is its producer and this
    ADD COLUMN imported_at timestamptz;
UPDATE products p SET group_code = s.group_code FROM product_subgroups s WHERE s.code = p.subgroup_code;
ALTER TABLE products ALTER COLUMN group_code SET NOT NULL;
CREATE INDEX products_name_key ON products (producer_id, name_key);

-- A certificate is its product, decision number and date.
ALTER TABLE certificates ADD COLUMN imported_at timestamptz;
CREATE INDEX certificates_decision ON certificates (product_id, decision_no, decision_date);

-- A notification to a producer that has not claimed its record yet waits,
-- held, with no chat, until it does.
ALTER TABLE notifications
    ALTER COLUMN chat_id DROP NOT NULL,
    DROP CONSTRAINT notifications_status_check,
    ADD CONSTRAINT notifications_status_check CHECK (status IN ('queued', 'sent', 'blocked', 'failed', 'held'));
CREATE INDEX notifications_held ON notifications (producer_id) WHERE status = 'held';

-- Single-use links officials hand to producers to claim their records:
-- only the code's hash is kept; 60 days by default; revocable.
CREATE TABLE claim_links (
    id          bigserial PRIMARY KEY,
    code_hash   bytea       NOT NULL UNIQUE,
    producer_id bigint      NOT NULL REFERENCES producers (id),
    created_by  bigint,     -- Telegram user; NULL: the command line
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    used_by     bigint,
    revoked_at  timestamptz
);
CREATE INDEX claim_links_producer ON claim_links (producer_id);
