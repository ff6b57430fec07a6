-- OCOP certificates: a council's decision recognising a product with 3, 4 or
-- 5 stars, valid 36 months from the decision date. A product keeps its
-- history: a re-evaluation or an upgrade is a new row, never an update.
CREATE TABLE certificates (
    id             bigserial PRIMARY KEY,
    product_id     bigint   NOT NULL REFERENCES products (id),
    stars          smallint NOT NULL CHECK (stars BETWEEN 3 AND 5),
    score          numeric(5, 2) CHECK (score BETWEEN 0 AND 100),
    decision_no    text     NOT NULL,
    decision_date  date     NOT NULL,
    issuer_unit_id bigint   REFERENCES admin_units (id),
    valid_until    date     NOT NULL, -- first day it no longer counts
    revoked_on     date,              -- first day it no longer counts, when revoked early
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (valid_until > decision_date)
);
-- "Valid on day D" is decision_date <= D < valid_until (and not revoked):
-- counting reads a product's certificates through this index.
CREATE INDEX certificates_product ON certificates (product_id, valid_until) INCLUDE (decision_date, stars, revoked_on);
-- What expires soon, nationally.
CREATE INDEX certificates_valid_until ON certificates (valid_until);

-- Targets an office sets for its units, as data: the rule is set for the unit
-- with unit_code/unit_level (in whichever unit tree is in force) and applies
-- to that unit itself ('self') or to every unit below it of the given kinds
-- ('below'; kinds are folded kind words such as 'quan', 'phuong').
CREATE TABLE quotas (
    id          bigserial PRIMARY KEY,
    unit_code   text     NOT NULL,
    unit_level  smallint NOT NULL CHECK (unit_level BETWEEN 1 AND 3),
    applies_to  text     NOT NULL CHECK (applies_to IN ('self', 'below')),
    kinds       text[]   NOT NULL DEFAULT '{}',
    metric      text     NOT NULL CHECK (metric IN ('recognised', 'four_star', 'avg_per_commune', 'communes_with_product')),
    minimum     numeric  NOT NULL CHECK (minimum >= 0),
    encouraged  numeric  CHECK (encouraged >= minimum),
    valid_from  date     NOT NULL,
    valid_to    date,
    source      text     NOT NULL,
    UNIQUE (unit_code, unit_level, applies_to, kinds, metric, valid_from)
);

-- Ho Chi Minh City's targets (UBND TP.HCM's OCOP directive, see DESIGN.md).
-- A 4★ target counts products of 4 stars or more.
INSERT INTO quotas (unit_code, unit_level, applies_to, kinds, metric, minimum, encouraged, valid_from, source) VALUES
    ('79', 1, 'below', '{quan,thanh pho}', 'recognised',      3, 4,    '2021-01-01', 'UBND TP.HCM, chỉ đạo thực hiện Chương trình OCOP'),
    ('79', 1, 'below', '{quan,thanh pho}', 'four_star',       0, 1,    '2021-01-01', 'UBND TP.HCM, chỉ đạo thực hiện Chương trình OCOP'),
    ('79', 1, 'below', '{phuong}',         'recognised',      1, NULL, '2021-01-01', 'UBND TP.HCM, chỉ đạo thực hiện Chương trình OCOP'),
    ('79', 1, 'below', '{huyen}',          'avg_per_commune', 2, 3,    '2021-01-01', 'UBND TP.HCM, chỉ đạo thực hiện Chương trình OCOP'),
    ('79', 1, 'below', '{huyen}',          'four_star',       2, NULL, '2021-01-01', 'UBND TP.HCM, chỉ đạo thực hiện Chương trình OCOP');

-- An administrator sees every unit: an official with no unit.
ALTER TABLE officials ALTER COLUMN unit_id DROP NOT NULL;
ALTER TABLE officials DROP CONSTRAINT officials_role_check;
ALTER TABLE officials ADD CONSTRAINT officials_role_check
    CHECK (role IN ('commune', 'district', 'province', 'admin') AND (unit_id IS NULL) = (role = 'admin'));
ALTER TABLE invites ALTER COLUMN unit_id DROP NOT NULL;
ALTER TABLE invites DROP CONSTRAINT invites_role_check;
ALTER TABLE invites ADD CONSTRAINT invites_role_check
    CHECK (role IN ('commune', 'district', 'province', 'admin') AND (unit_id IS NULL) = (role = 'admin'));
