-- Quotas by period. HCMC's seeded rules (005) were dated 1/1/2021, a date no
-- document gives: they come from the city's OCOP programme, Quyết định
-- 1943/QĐ-UBND of 8/6/2022, and they are set on quận, huyện and phường, so
-- they end with the district level on 30/6/2025 (Nghị quyết 202/2025/QH15).
UPDATE quotas
SET valid_from = '2022-06-08', valid_to = '2025-06-30',
    source = 'Quyết định 1943/QĐ-UBND ngày 08/6/2022 của UBND TP.HCM (Chương trình OCOP)'
WHERE unit_code = '79' AND unit_level = 1 AND valid_from = '2021-01-01'
  AND source = 'UBND TP.HCM, chỉ đạo thực hiện Chương trình OCOP';

-- The directive words the ward line as encouragement ("khuyến khích … mỗi
-- phường có ít nhất 1 sản phẩm"): no minimum, an encouraged level of 1.
UPDATE quotas SET minimum = 0, encouraged = 1
WHERE unit_code = '79' AND unit_level = 1 AND applies_to = 'below' AND kinds = '{phuong}'
  AND metric = 'recognised' AND valid_from = '2022-06-08';

-- Today's tree (from 1/7/2025): the one rule the documents support at
-- commune level, each ward, commune and special zone of HCMC with at least
-- one product, encouraged. Province 79 keeps its code in the two-level tree;
-- a province sets its own rules with `ocopbot quotas import` or a file sent
-- in the chat, which end this one for the units they cover.
INSERT INTO quotas (unit_code, unit_level, applies_to, kinds, metric, minimum, encouraged, valid_from, valid_to, source) VALUES
    ('79', 1, 'below', '{phuong,xa,dac khu}', 'recognised', 0, 1, '2025-07-01', NULL,
     'Quyết định 1943/QĐ-UBND ngày 08/6/2022 của UBND TP.HCM: khuyến khích mỗi phường, xã có ít nhất 1 sản phẩm');

-- An imported rule may start the day a former one ends.
ALTER TABLE quotas ADD CONSTRAINT quotas_period_check CHECK (valid_to IS NULL OR valid_to >= valid_from);
