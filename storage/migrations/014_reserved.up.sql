-- Reserved. Migration versions must run 1, 2, 3… with no gap
-- (loadMigrations), and a parallel branch of issue 25 adds a migration 014
-- of its own; the 5★ path took 015 so the two do not clash. Until that
-- branch is merged this empty step keeps the numbers contiguous. When its
-- 014 arrives, delete this file (two files of version 14 fail at start-up,
-- so the merge cannot forget it).
SELECT 1;
