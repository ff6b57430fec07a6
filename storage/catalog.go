package storage

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// productGroupRow is a row of ProductGroups: a sub-group and its group.
type productGroupRow struct {
	GroupCode   string `db:"group_code"`
	GroupNameVI string `db:"group_name_vi"`
	GroupNameEN string `db:"group_name_en"`
	Code        string `db:"code"`
	NameVI      string `db:"name_vi"`
	NameEN      string `db:"name_en"`
}

func (r productGroupRow) subgroup() ocop.ProductSubgroup {
	return ocop.ProductSubgroup{Code: r.Code, GroupCode: r.GroupCode, NameVI: r.NameVI, NameEN: r.NameEN}
}

// ProductGroups returns the product taxonomy, groups and sub-groups in order.
func (s *Store) ProductGroups(ctx context.Context) ([]ocop.ProductGroup, error) {
	const q = `
SELECT g.code AS group_code, g.name_vi AS group_name_vi, g.name_en AS group_name_en, s.code, s.name_vi, s.name_en
FROM product_groups g JOIN product_subgroups s ON s.group_code = g.code
ORDER BY g.sort, s.sort`
	rows, err := s.pool.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("query product groups: %w", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[productGroupRow])
	if err != nil {
		return nil, fmt.Errorf("read product groups: %w", err)
	}
	var groups []ocop.ProductGroup
	for _, r := range found {
		if n := len(groups); n == 0 || groups[n-1].Code != r.GroupCode {
			groups = append(groups, ocop.ProductGroup{Code: r.GroupCode, NameVI: r.GroupNameVI, NameEN: r.GroupNameEN})
		}
		last := &groups[len(groups)-1]
		last.Subgroups = append(last.Subgroups, r.subgroup())
	}
	return groups, nil
}
