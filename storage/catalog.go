package storage

import (
	"context"
	"fmt"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// ProductGroups returns the product taxonomy, groups and sub-groups in order.
func (s *Store) ProductGroups(ctx context.Context) ([]ocop.ProductGroup, error) {
	const q = `
SELECT g.code, g.name_vi, g.name_en, s.code, s.name_vi, s.name_en
FROM product_groups g JOIN product_subgroups s ON s.group_code = g.code
ORDER BY g.sort, s.sort`
	rows, err := s.pool.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("query product groups: %w", err)
	}
	defer rows.Close()
	var groups []ocop.ProductGroup
	for rows.Next() {
		var g ocop.ProductGroup
		var sg ocop.ProductSubgroup
		if err := rows.Scan(&g.Code, &g.NameVI, &g.NameEN, &sg.Code, &sg.NameVI, &sg.NameEN); err != nil {
			return nil, fmt.Errorf("scan product group: %w", err)
		}
		sg.GroupCode = g.Code
		if n := len(groups); n == 0 || groups[n-1].Code != g.Code {
			groups = append(groups, g)
		}
		last := &groups[len(groups)-1]
		last.Subgroups = append(last.Subgroups, sg)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read product groups: %w", err)
	}
	return groups, nil
}
