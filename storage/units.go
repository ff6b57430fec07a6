package storage

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/storage/unitdata"
)

// The two trees the public unit files describe. The pre-reform tree is taken
// as valid since 2000 (older history is not needed by OCOP, which began in
// 2018) until the three-level structure was abolished on 1 July 2025.
var (
	treeThreeLevelFrom = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	treeThreeLevelTo   = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	treeTwoLevelFrom   = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
)

// UnitImport says what an import did.
type UnitImport struct {
	Tree      string // "3-level (before 1/7/2025)" or "2-level (from 1/7/2025)"
	Provinces int
	Districts int
	Communes  int
}

type unitRow struct{ code, name, parentCode string }

// ImportUnits reads one of the two CSV shapes of the public unit lists and
// upserts its units, so importing the same file twice changes nothing:
//
//	province_code,province,district_code,district,ward_code,ward  (three levels, before 7/2025)
//	province_code,province,ward_code,ward                         (two levels, from 7/2025)
//
// With provinces given, only those provinces (by code) are imported.
func (s *Store) ImportUnits(ctx context.Context, r io.Reader, provinces ...string) (UnitImport, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return UnitImport{}, fmt.Errorf("read header: %w", err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	var threeLevel bool
	switch strings.Join(header, ",") {
	case "province_code,province,district_code,district,ward_code,ward":
		threeLevel = true
	case "province_code,province,ward_code,ward":
	default:
		return UnitImport{}, fmt.Errorf("unknown unit file header %q: want province_code,province,district_code,district,ward_code,ward or province_code,province,ward_code,ward", strings.Join(header, ","))
	}

	var provs, districts, communes []unitRow
	seen := map[string]bool{}
	add := func(list *[]unitRow, level, code, name, parent string) {
		code, name = strings.TrimSpace(code), strings.TrimSpace(name)
		if code == "" || name == "" {
			return
		}
		key := level + "/" + code
		if seen[key] {
			return
		}
		seen[key] = true
		*list = append(*list, unitRow{code: code, name: name, parentCode: parent})
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return UnitImport{}, fmt.Errorf("read line %d: %w", line, err)
		}
		if len(provinces) > 0 && !slices.Contains(provinces, strings.TrimSpace(rec[0])) {
			continue
		}
		add(&provs, "1", rec[0], rec[1], "")
		if threeLevel {
			add(&districts, "2", rec[2], rec[3], rec[0])
			add(&communes, "3", rec[4], rec[5], rec[2])
		} else {
			add(&communes, "3", rec[2], rec[3], rec[0])
		}
	}
	if len(provs) == 0 {
		return UnitImport{}, errors.New("unit file has no rows (for the provinces asked)")
	}

	from, to, tree := treeTwoLevelFrom, (*time.Time)(nil), "2-level (from 1/7/2025)"
	communeParentLevel := 1
	if threeLevel {
		end := treeThreeLevelTo
		from, to, tree = treeThreeLevelFrom, &end, "3-level (before 1/7/2025)"
		communeParentLevel = 2
	}
	err = s.WithTx(ctx, func(tx pgx.Tx) error {
		if err := upsertUnits(ctx, tx, provs, 1, 0, from, to); err != nil {
			return err
		}
		if err := upsertUnits(ctx, tx, districts, 2, 1, from, to); err != nil {
			return err
		}
		return upsertUnits(ctx, tx, communes, 3, communeParentLevel, from, to)
	})
	if err != nil {
		return UnitImport{}, fmt.Errorf("import units: %w", err)
	}
	return UnitImport{Tree: tree, Provinces: len(provs), Districts: len(districts), Communes: len(communes)}, nil
}

func upsertUnits(ctx context.Context, tx pgx.Tx, rows []unitRow, level, parentLevel int, from time.Time, to *time.Time) error {
	if len(rows) == 0 {
		return nil
	}
	codes := make([]string, len(rows))
	names := make([]string, len(rows))
	kinds := make([]string, len(rows))
	parents := make([]string, len(rows))
	for i, r := range rows {
		kind, _ := units.SplitUnitName(r.name)
		codes[i], names[i], kinds[i], parents[i] = r.code, r.name, kind, r.parentCode
	}
	const q = `
INSERT INTO admin_units (code, name, kind, level, parent_id, valid_from, valid_to)
SELECT t.code, t.name, t.kind, $5,
       (SELECT p.id FROM admin_units p WHERE p.code = t.parent AND p.level = $6 AND p.valid_from = $7),
       $7, $8
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(code, name, kind, parent)
ON CONFLICT (code, level, valid_from) DO UPDATE
SET name = EXCLUDED.name, kind = EXCLUDED.kind, parent_id = EXCLUDED.parent_id, valid_to = EXCLUDED.valid_to`
	if _, err := tx.Exec(ctx, q, codes, names, kinds, parents, level, parentLevel, from, to); err != nil {
		return fmt.Errorf("upsert level %d units: %w", level, err)
	}
	return nil
}

// CountUnits reports how many units are stored, across all trees.
func (s *Store) CountUnits(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM admin_units`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count units: %w", err)
	}
	return n, nil
}

// activeTree selects the valid_from of the tree in force on $1: the newest
// imported tree that had started by then, or the oldest when $1 precedes
// them all.
const activeTree = `
    SELECT coalesce(
        (SELECT max(valid_from) FROM admin_units WHERE valid_from <= $1),
        (SELECT min(valid_from) FROM admin_units)) AS valid_from`

// UnitIDByCode returns the unit of a level with a GSO code in the tree in
// force on day (activeTree).
func (s *Store) UnitIDByCode(ctx context.Context, code string, level int, day time.Time) (int64, error) {
	const q = `
WITH tree AS (` + activeTree + `)
SELECT u.id FROM admin_units u JOIN tree ON u.valid_from = tree.valid_from
WHERE u.code = $2 AND u.level = $3`
	var id int64
	if err := s.pool.QueryRow(ctx, q, day, code, level).Scan(&id); err != nil {
		return 0, fmt.Errorf("unit %s at level %d: %w", code, level, notFound(err))
	}
	return id, nil
}

// atlasRow is a row of Atlas: a unit and the start of its tree.
type atlasRow struct {
	ID       int64     `db:"id"`
	ParentID *int64    `db:"parent_id"` // a province has none
	Level    int16     `db:"level"`
	Code     string    `db:"code"`
	Name     string    `db:"name"`
	Kind     string    `db:"kind"`
	From     time.Time `db:"valid_from"`
}

func (r atlasRow) unit() units.Unit {
	return units.Unit{ID: r.ID, ParentID: deref(r.ParentID), Level: int(r.Level), Code: r.Code, Name: r.Name, Kind: r.Kind}
}

// Atlas loads every unit tree and the merges linking their communes.
func (s *Store) Atlas(ctx context.Context) (*units.Atlas, error) {
	const q = `SELECT id, parent_id, level, code, name, kind, valid_from FROM admin_units ORDER BY valid_from, id`
	rows, err := s.pool.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("query units: %w", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[atlasRow])
	if err != nil {
		return nil, fmt.Errorf("read units: %w", err)
	}
	byTree := map[time.Time][]units.Unit{}
	var froms []time.Time
	for _, r := range found {
		if _, ok := byTree[r.From]; !ok {
			froms = append(froms, r.From)
		}
		byTree[r.From] = append(byTree[r.From], r.unit())
	}
	trees := make([]units.Tree, 0, len(froms))
	for _, f := range froms {
		trees = append(trees, units.Tree{From: f, Units: units.NewUnitIndex(byTree[f])})
	}
	rows, err = s.pool.Query(ctx, `SELECT unit_id, old_unit_id, full_merge FROM admin_unit_origins`)
	if err != nil {
		return nil, fmt.Errorf("query unit merges: %w", err)
	}
	links, err := pgx.CollectRows(rows, pgx.RowToStructByPos[units.UnitLink])
	if err != nil {
		return nil, fmt.Errorf("read unit merges: %w", err)
	}
	return units.NewAtlas(trees, links), nil
}

// ImportMerges reads the public file of the July 2025 merges (for each new
// commune, the old communes merged into it, wholly or in part) and records
// them between the two imported trees. Links to a commune not imported (a
// province left out) are skipped; importing twice changes nothing. It
// returns the links stored.
func (s *Store) ImportMerges(ctx context.Context, r io.Reader) (int, error) {
	merges, err := unitdata.ReadMerges(r)
	if err != nil {
		return 0, err
	}
	news, olds, full := make([]string, len(merges)), make([]string, len(merges)), make([]bool, len(merges))
	for i, m := range merges {
		news[i], olds[i], full[i] = m.New, m.Old, m.Full
	}
	const q = `
INSERT INTO admin_unit_origins (unit_id, old_unit_id, full_merge)
SELECT n.id, o.id, bool_or(t.whole)
FROM unnest($1::text[], $2::text[], $3::bool[]) AS t(new_code, old_code, whole)
JOIN admin_units n ON n.code = t.new_code AND n.level = 3 AND n.valid_from = $4
JOIN admin_units o ON o.code = t.old_code AND o.level = 3 AND o.valid_from = $5
GROUP BY n.id, o.id
ON CONFLICT (unit_id, old_unit_id) DO UPDATE SET full_merge = EXCLUDED.full_merge`
	tag, err := s.pool.Exec(ctx, q, news, olds, full, treeTwoLevelFrom, treeThreeLevelFrom)
	if err != nil {
		return 0, fmt.Errorf("import merges: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
