-- The 5★ path (Quyết định số 1489/QĐ-TTg, as 148/QĐ-TTg and 1048/QĐ-TTg
-- before it): a province council's score of 90 or more is 5★ by its band,
-- but the province recognises at most 4★. It recognises the product with
-- 4★ and proposes it to the central level (Bộ Nông nghiệp và Môi trường),
-- whose council may recognise 5★; that later decision supersedes the 4★.
--
-- Which office takes proposals is part of the recognition table, not of the
-- code: on_proposal marks the rows whose stars reach their office only
-- through the office below, which records its own ceiling meanwhile.
ALTER TABLE recognition_authority ADD COLUMN on_proposal boolean NOT NULL DEFAULT false;
UPDATE recognition_authority SET on_proposal = true WHERE level = 'central';

-- A proposal made with a result: the proposing office's result (4★, with
-- its certificate) and the stars it asks the higher office to consider.
-- It stays open until a later result for the product is recorded — the
-- central level's decision, or a re-evaluation that supersedes the result
-- it came with — which settles it (decided_by). The central level lists the
-- open ones addressed to it.
CREATE TABLE star_proposals (
    id              bigserial PRIMARY KEY,
    product_id      bigint   NOT NULL REFERENCES products (id),
    registration_id bigint   NOT NULL REFERENCES registrations (id),
    result_id       bigint   NOT NULL UNIQUE REFERENCES council_results (id),
    stars           smallint NOT NULL CHECK (stars BETWEEN 4 AND 5),
    to_level        text     NOT NULL CHECK (to_level IN ('province', 'central')),
    decided_by      bigint   REFERENCES council_results (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX star_proposals_open ON star_proposals (to_level, created_at) WHERE decided_by IS NULL;
CREATE INDEX star_proposals_product ON star_proposals (product_id) WHERE decided_by IS NULL;
