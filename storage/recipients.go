package storage

import "strings"

// noticeUnits selects (key, id): for each row of rel — an SQL relation
// (a CTE's name, or a parenthesised subquery) with the
// columns key, commune_id (a producer's unit) and issuer_id (the unit that
// issued the certificate at hand, NULL for none) — the units whose
// officials are told about that producer, each once per key. It is the
// one place that says who answers for a producer: its commune and the
// unit above it (the district in the three-level tree, the province in
// the two-level one), the issuer, and, for a commune of the three-level
// tree, the commune it counts at today and that commune's province.
// Every producer registered before 1/7/2025 is in a commune of the old
// tree, whose officials no longer exist: without the merges nobody today
// would hear of it, though /giahan and /status list it under today's
// commune. Today's commune is its counterpart in units.Atlas (CommuneIn,
// Sources): the commune it was merged into whole, else the first by ID,
// so that the officials told are those who see the producer. The old
// commune and district stay, for their officials while they exist.
//
// The merges are read once for all the rows (no index leads with
// old_unit_id), so that a sweep holding thousands of reminders does not
// scan them once per reminder.
func noticeUnits(rel string) string {
	return strings.ReplaceAll(`
SELECT DISTINCT r.key, v.id
FROM {rel} r
JOIN admin_units c ON c.id = r.commune_id
LEFT JOIN (
    SELECT DISTINCT ON (m.old_unit_id) m.old_unit_id, m.unit_id FROM admin_unit_origins m
    WHERE m.old_unit_id IN (SELECT q.commune_id FROM {rel} q)
    ORDER BY m.old_unit_id, m.full_merge DESC, m.unit_id) merged ON merged.old_unit_id = c.id
LEFT JOIN admin_units n ON n.id = merged.unit_id
CROSS JOIN LATERAL (VALUES (c.id), (c.parent_id), (n.id), (n.parent_id), (r.issuer_id)) AS v (id)
WHERE v.id IS NOT NULL`, "{rel}", rel)
}

// noticeUnitsOf is noticeUnits for one producer: of commune, with the
// issuer issuer (SQL expressions), as a list of unit IDs for IN (…).
func noticeUnitsOf(commune, issuer string) string {
	return `SELECT u.id FROM (` + noticeUnits(`(SELECT 0 AS key, `+commune+` AS commune_id, `+issuer+` AS issuer_id)`) + `) u`
}

// certificateIssuer is the unit that issued the certificate whose ID is
// the SQL expression cert.
func certificateIssuer(cert string) string {
	return `(SELECT x.issuer_unit_id FROM certificates x WHERE x.id = ` + cert + `)`
}
