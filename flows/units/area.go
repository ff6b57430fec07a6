package units

import "slices"

// Area returns the communes of tree t that absorbed, wholly or in part, a
// commune of unit old (of an older tree): since 1/7/2025, the area of a
// former district. The result is in t's order (by name within province).
func (a *Atlas) Area(t *Tree, old int64) []Unit {
	i, ok := a.treeOf[old]
	if !ok {
		return nil
	}
	var ids []int64
	for _, c := range Communes(a.trees[i].Units, old) {
		for _, n := range a.absorbed[c.ID] {
			if a.Holds(t, n) && !slices.Contains(ids, n) {
				ids = append(ids, n)
			}
		}
	}
	var out []Unit
	for _, id := range ids {
		if u, ok := t.Units.Get(id); ok {
			out = append(out, u)
		}
	}
	slices.SortStableFunc(out, func(x, y Unit) int {
		if x.Name < y.Name {
			return -1
		}
		if x.Name > y.Name {
			return 1
		}
		return 0
	})
	return out
}
