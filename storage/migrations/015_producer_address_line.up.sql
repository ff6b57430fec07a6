-- A producer's address within its commune (issue 25): the thôn/ấp/tổ dân
-- phố and house number, asked (and skippable) after the commune when
-- registering, shown in /hoso, /dulieu and officials' workbooks. '' when
-- not given: producers registered before, those of a registry, a skipped
-- step. A constant default adds the column without rewriting the table.
ALTER TABLE producers ADD COLUMN address_line text NOT NULL DEFAULT '';
