package ocop

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Unit is an administrative unit: a province (level 1), a district
// (level 2, until 30/6/2025) or a commune (level 3). In the two-level tree
// in force since 1/7/2025 communes hang directly under their province.
type Unit struct {
	ID       int64
	ParentID int64 // 0 for a province
	Level    int
	Code     string
	Name     string // "Huyện Củ Chi"
	Kind     string // folded kind word, one of the Kind… constants
}

// Kinds of administrative unit, as folded words of their names.
const (
	KindProvince      = "tinh"
	KindCity          = "thanh pho" // a centrally-run city, or a city within a province
	KindUrbanDistrict = "quan"
	KindRuralDistrict = "huyen"
	KindTown          = "thi xa"
	KindWard          = "phuong"
	KindCommune       = "xa"
	KindTownship      = "thi tran"
	KindSpecialZone   = "dac khu"
)

// kindWords lists each kind with the words people type for it, longest
// first so "thi xa" wins over "xa".
var kindWords = []struct {
	kind  string
	words []string
}{
	{KindCity, []string{"thanh", "pho"}},
	{KindTown, []string{"thi", "xa"}},
	{KindTownship, []string{"thi", "tran"}},
	{KindSpecialZone, []string{"dac", "khu"}},
	{KindProvince, []string{"tinh"}},
	{KindUrbanDistrict, []string{"quan"}},
	{KindRuralDistrict, []string{"huyen"}},
	{KindWard, []string{"phuong"}},
	{KindCommune, []string{"xa"}},
	{KindCity, []string{"tp"}},
	{KindTown, []string{"tx"}},
	{KindTownship, []string{"tt"}},
	{KindUrbanDistrict, []string{"q"}},
	{KindRuralDistrict, []string{"h"}},
	{KindWard, []string{"p"}},
	{KindCommune, []string{"x"}},
}

// aliases are abbreviations people use for the two largest cities.
var aliases = map[string]string{"hcm": "ho chi minh", "tphcm": "ho chi minh", "hn": "ha noi", "sai gon": "ho chi minh"}

// SplitUnitName splits "Huyện Củ Chi" into its kind ("huyen") and bare name
// ("Củ Chi"). Only the full kind words of official names are recognised.
func SplitUnitName(name string) (kind, bare string) {
	fields := strings.Fields(name)
	folded := strings.Fields(Fold(name))
	for _, k := range kindWords[:9] {
		n := len(k.words)
		if len(fields) > n && len(folded) >= n && slices.Equal(folded[:n], k.words) {
			return k.kind, strings.Join(fields[n:], " ")
		}
	}
	return "", name
}

// parseQuery folds a search and takes a leading kind word off it:
// "huyen cu chi" → ("huyen", [cu chi]); "q1" → ("quan", [1]).
func parseQuery(q string) (kind string, tokens []string) {
	f := Fold(q)
	if a, ok := aliases[f]; ok {
		f = a
	}
	tokens = strings.Fields(f)
	if len(tokens) == 1 {
		// "q1", "p12": an abbreviated kind glued to a number.
		t := tokens[0]
		for i := 1; i < len(t) && i <= 2; i++ {
			if _, err := strconv.Atoi(t[i:]); err == nil {
				for _, k := range kindWords {
					if len(k.words) == 1 && k.words[0] == t[:i] {
						return k.kind, []string{t[i:]}
					}
				}
			}
		}
	}
	for _, k := range kindWords {
		n := len(k.words)
		if len(tokens) >= n && slices.Equal(tokens[:n], k.words) {
			if len(tokens) == n && n == 1 && len(k.words[0]) <= 2 {
				break // a lone "h" or "p" is a name's beginning, not a kind
			}
			return k.kind, tokens[n:]
		}
	}
	return "", tokens
}

type entry struct {
	Unit
	tokens []string // folded words of the bare name
	bare   string   // folded bare name
	num    int      // the bare name as a number ("Quận 10"), or -1
}

// UnitIndex searches administrative units by name, accent-insensitively.
// It is built once from the unit tree and is safe for concurrent reads.
type UnitIndex struct {
	entries  []entry
	byID     map[int64]int
	children map[int64][]int // by parent ID (0: provinces), sorted by name
	all      []int           // every unit, sorted by level then name
}

// NewUnitIndex folds every name once and sorts each parent's children.
func NewUnitIndex(units []Unit) *UnitIndex {
	ix := &UnitIndex{entries: make([]entry, len(units)), byID: make(map[int64]int, len(units)), children: map[int64][]int{}}
	for i, u := range units {
		_, bare := SplitUnitName(u.Name)
		fb := Fold(bare)
		num, err := strconv.Atoi(fb)
		if err != nil {
			num = -1
		}
		ix.entries[i] = entry{Unit: u, tokens: strings.Fields(fb), bare: fb, num: num}
		ix.byID[u.ID] = i
		ix.children[u.ParentID] = append(ix.children[u.ParentID], i)
		ix.all = append(ix.all, i)
	}
	for _, list := range ix.children {
		slices.SortFunc(list, ix.byName)
	}
	slices.SortFunc(ix.all, func(a, b int) int {
		return cmp.Or(cmp.Compare(ix.entries[a].Level, ix.entries[b].Level), ix.byName(a, b))
	})
	return ix
}

// byName orders bare names alphabetically, numbers first and numerically
// ("Quận 2" before "Quận 10").
func (ix *UnitIndex) byName(a, b int) int {
	ea, eb := &ix.entries[a], &ix.entries[b]
	switch {
	case ea.num >= 0 && eb.num >= 0:
		return cmp.Or(cmp.Compare(ea.num, eb.num), cmp.Compare(ea.ID, eb.ID))
	case ea.num >= 0:
		return -1
	case eb.num >= 0:
		return 1
	}
	return cmp.Or(strings.Compare(ea.bare, eb.bare), cmp.Compare(ea.Kind, eb.Kind), cmp.Compare(ea.ID, eb.ID))
}

// Get returns the unit with id.
func (ix *UnitIndex) Get(id int64) (Unit, bool) {
	i, ok := ix.byID[id]
	if !ok {
		return Unit{}, false
	}
	return ix.entries[i].Unit, true
}

// Children returns the units directly under parentID (0: the provinces),
// sorted by name.
func (ix *UnitIndex) Children(parentID int64) []Unit {
	list := ix.children[parentID]
	out := make([]Unit, len(list))
	for i, j := range list {
		out[i] = ix.entries[j].Unit
	}
	return out
}

// Search finds the units under parentID (0: provinces) of the given level
// (0: any) whose name matches query, best first, and returns one page of
// them with the number of matches. Every word of the query must begin a
// word of the unit's name, without regard to accents or case; a leading
// kind word ("huyen", "q", "tp") is not matched against the name but ranks
// units of that kind first. An empty query lists every unit by name.
func (ix *UnitIndex) Search(query string, parentID int64, level, limit, offset int) ([]Unit, int) {
	return ix.search(query, ix.children[parentID], level, limit, offset)
}

// SearchAll searches every unit, whatever its parent; provinces rank before
// districts before communes when they match equally.
func (ix *UnitIndex) SearchAll(query string, limit int) []Unit {
	out, _ := ix.search(query, ix.all, 0, limit, 0)
	return out
}

type hit struct {
	i    int
	rank int
}

func (ix *UnitIndex) search(query string, cands []int, level, limit, offset int) ([]Unit, int) {
	kind, q := parseQuery(query)
	joined := strings.Join(q, " ")
	var hits []hit
	for _, i := range cands {
		e := &ix.entries[i]
		if level != 0 && e.Level != level {
			continue
		}
		rank, ok := match(e, q, joined)
		if !ok || (len(q) == 0 && kind != "" && e.Kind != kind) {
			continue
		}
		if kind != "" && e.Kind != kind {
			rank += 3
		}
		hits = append(hits, hit{i, rank})
	}
	// The candidates are in name order already: a stable sort on rank keeps it.
	slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Compare(a.rank, b.rank) })
	total := len(hits)
	if offset >= total || limit <= 0 {
		return nil, total
	}
	hits = hits[offset:min(total, offset+limit)]
	out := make([]Unit, len(hits))
	for k, h := range hits {
		out[k] = ix.entries[h.i].Unit
	}
	return out, total
}

// match reports whether every query word begins a word of the name, and how
// well: 0 the name is the query, 1 the name starts with it, 2 otherwise.
func match(e *entry, q []string, joined string) (int, bool) {
	if len(q) == 0 {
		return 2, true
	}
	for _, w := range q {
		found := false
		for _, t := range e.tokens {
			if strings.HasPrefix(t, w) {
				found = true
				break
			}
		}
		if !found {
			return 0, false
		}
	}
	switch {
	case e.bare == joined:
		return 0, true
	case strings.HasPrefix(e.bare, joined):
		return 1, true
	}
	return 2, true
}
