-- A product's standing through time, kept by the database itself: one row
-- per stretch of days over which the set of its valid certificates does not
-- change, with its best stars and the last valid_until among them (the day
-- it stops counting unless renewed). "What stood on day D" is then one
-- range test per product instead of a grouping of every certificate: the
-- country's status on any day reads these rows and nothing else.
--
-- Triggers keep it, not the Go code, so that no write can skip it: council
-- results, imports, supersessions and revocations change certificates; a
-- registry import may move a producer to another commune; erasing a
-- producer's personal data changes neither. A stretch's ends are the only
-- days a certificate's validity can change on: its decision, its
-- valid_until and its revocation.
CREATE TABLE product_spans (
    product_id bigint   NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    unit_id    bigint   NOT NULL, -- the producer's commune, copied
    valid_from date     NOT NULL, -- first day of the stretch
    valid_to   date     NOT NULL, -- first day after it
    stars      smallint NOT NULL, -- the best valid certificate's
    ends       date     NOT NULL, -- the latest valid_until of the valid certificates
    PRIMARY KEY (product_id, valid_from)
);
-- A commune's products on a day; and the country's, from the stretches
-- still running after it (for today's report, about one per product).
CREATE INDEX product_spans_unit ON product_spans (unit_id, valid_to) INCLUDE (valid_from, stars, ends);
CREATE INDEX product_spans_to ON product_spans (valid_to) INCLUDE (valid_from, unit_id, stars, ends);

-- refresh_product_spans recomputes the stretches of the products ids. It
-- locks the products first (in id order: no deadlock between two writers)
-- so that two transactions writing certificates of one product refresh it
-- one after the other, the second from what the first committed: each
-- statement of this volatile function reads a fresh snapshot.
CREATE FUNCTION refresh_product_spans(ids bigint[]) RETURNS void LANGUAGE sql AS $$
SELECT 1 FROM products WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
DELETE FROM product_spans s USING unnest(ids) i(id) WHERE s.product_id = i.id;
INSERT INTO product_spans (product_id, unit_id, valid_from, valid_to, stars, ends)
WITH b AS (
    SELECT DISTINCT c.product_id, v.d
    FROM unnest(ids) i(id)
    JOIN certificates c ON c.product_id = i.id
    CROSS JOIN LATERAL (VALUES (c.decision_date), (c.valid_until), (c.revoked_on)) v(d)
    WHERE v.d IS NOT NULL
), seg AS (
    SELECT product_id, d AS from_day, lead(d) OVER (PARTITION BY product_id ORDER BY d) AS to_day FROM b
)
SELECT s.product_id, p.unit_id, s.from_day, s.to_day, max(c.stars), max(c.valid_until)
FROM seg s
JOIN certificates c ON c.product_id = s.product_id AND c.decision_date <= s.from_day
    AND c.valid_until > s.from_day AND (c.revoked_on IS NULL OR c.revoked_on > s.from_day)
JOIN products pr ON pr.id = s.product_id
JOIN producers p ON p.id = pr.producer_id
WHERE s.to_day IS NOT NULL
GROUP BY s.product_id, p.unit_id, s.from_day, s.to_day;
$$;

-- Statement triggers with transition tables: an import of thousands of
-- certificates refreshes its products once, in one set-based pass.
CREATE FUNCTION product_spans_of_certificates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM refresh_product_spans(ARRAY(SELECT DISTINCT product_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM refresh_product_spans(ARRAY(SELECT DISTINCT product_id FROM old_rows));
    ELSE
        -- Only what changes a standing: other columns are updated too.
        PERFORM refresh_product_spans(ARRAY(
            SELECT o.product_id FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.product_id, o.stars, o.decision_date, o.valid_until, o.revoked_on)
                  IS DISTINCT FROM (n.product_id, n.stars, n.decision_date, n.valid_until, n.revoked_on)
            UNION
            SELECT n.product_id FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE o.product_id <> n.product_id));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER certificates_spans_insert AFTER INSERT ON certificates
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_spans_of_certificates();
CREATE TRIGGER certificates_spans_update AFTER UPDATE ON certificates
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_spans_of_certificates();
CREATE TRIGGER certificates_spans_delete AFTER DELETE ON certificates
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION product_spans_of_certificates();

-- A product moved to another producer, or a producer to another commune.
CREATE FUNCTION product_spans_of_products() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_product_spans(ARRAY(
        SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.producer_id <> n.producer_id));
    RETURN NULL;
END $$;
CREATE TRIGGER products_spans_update AFTER UPDATE ON products
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_spans_of_products();

CREATE FUNCTION product_spans_of_producers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_product_spans(ARRAY(
        SELECT pr.id FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN products pr ON pr.producer_id = n.id
        WHERE o.unit_id <> n.unit_id));
    RETURN NULL;
END $$;
CREATE TRIGGER producers_spans_update AFTER UPDATE ON producers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_spans_of_producers();

SELECT refresh_product_spans(ARRAY(SELECT id FROM products));
