package storage

import "strings"

// noticeUnits is a subquery of the units whose officials are told about a
// producer of commune (an SQL expression: its unit), the one place that
// says who answers for a producer: its commune and the unit above it (the
// district in the three-level tree, the province in the two-level one),
// and, for a commune of the three-level tree, the commune it counts at
// today and that commune's province. Every producer registered before
// 1/7/2025 is in a commune of the old tree, whose officials no longer
// exist: without the merges nobody today would hear of it, though
// /giahan and /status list it under today's commune. Today's commune is
// its counterpart in units.Atlas (CommuneIn, Sources): the commune it was
// merged into whole, else the first by ID, so that the officials told are
// those who see the producer. The old commune and district stay, for
// their officials while they exist. issuer (an SQL expression, NULL for
// none) adds the unit that issued the certificate at hand.
func noticeUnits(commune, issuer string) string {
	return strings.NewReplacer("{commune}", commune, "{issuer}", issuer).Replace(`
SELECT v.id FROM admin_units c
LEFT JOIN LATERAL (
    SELECT m.unit_id FROM admin_unit_origins m WHERE m.old_unit_id = c.id
    ORDER BY m.full_merge DESC, m.unit_id LIMIT 1) merged ON true
LEFT JOIN admin_units n ON n.id = merged.unit_id
CROSS JOIN LATERAL (VALUES (c.id), (c.parent_id), (n.id), (n.parent_id), ({issuer})) AS v (id)
WHERE c.id = {commune} AND v.id IS NOT NULL`)
}

// certificateIssuer is the issuer argument of noticeUnits for the
// certificate whose ID is the SQL expression cert.
func certificateIssuer(cert string) string {
	return `(SELECT x.issuer_unit_id FROM certificates x WHERE x.id = ` + cert + `)`
}
