-- The reform's edge. District councils ended on 30/6/2025 with the district
-- level itself (Resolution 202/2025/QH15 and the 2025 Law on the
-- Organisation of Local Government), but 148/QĐ-TTg stayed in force until
-- 1489/QĐ-TTg took over on 6/7/2025. For decisions dated 1–5/7/2025 no
-- district exists to recognise 3★: the province records 3★ and 4★ (the
-- central level 5★, unchanged), as it does under 1489.
--
-- A regime may now hold two rows for one level, told apart by their start:
-- the primary key takes valid_from.
ALTER TABLE recognition_authority DROP CONSTRAINT recognition_authority_pkey;
ALTER TABLE recognition_authority ADD PRIMARY KEY (regime, level, valid_from);

UPDATE recognition_authority SET valid_to = '2025-06-30'
WHERE regime = '148/QĐ-TTg' AND level IN ('district', 'province');

INSERT INTO recognition_authority VALUES
    ('148/QĐ-TTg', '2025-07-01', '2025-07-05', 'province', 3, 4);

-- District officials invited before the reform keep read-only access; each
-- is told once that new work goes through the commune or the province.
ALTER TABLE officials ADD COLUMN reform_noticed_at timestamptz;
