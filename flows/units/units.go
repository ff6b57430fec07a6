package units

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ocopbot/ocopbot/flows/vntext"
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

// kindWord is a kind with the folded words that name it.
type kindWord struct {
	kind  string
	words []string
}

// fullKinds are the kinds written out, longest first so "thi xa" wins over
// "xa"; abbreviations follow them in kindWords.
var fullKinds = []string{KindCity, KindTown, KindTownship, KindSpecialZone, KindProvince, KindUrbanDistrict,
	KindRuralDistrict, KindWard, KindCommune}

// kindWords lists each kind with the words people type for it: its own
// words, then the abbreviations ("tp", "q", "x" …).
var kindWords = func() []kindWord {
	var out []kindWord
	for _, k := range fullKinds {
		out = append(out, kindWord{k, strings.Fields(k)})
	}
	for abbr, k := range map[string]string{"tp": KindCity, "tx": KindTown, "tt": KindTownship, "q": KindUrbanDistrict,
		"h": KindRuralDistrict, "p": KindWard, "x": KindCommune} {
		out = append(out, kindWord{k, []string{abbr}})
	}
	return out
}()

// aliases are other names people use for a unit: abbreviations of the two
// largest cities, and Thừa Thiên Huế, the province that became Thành phố
// Huế on 1/1/2025. An alias is searched beside the words typed, never
// instead of them: since 1/7/2025 "Sài Gòn" is also a ward of Ho Chi Minh
// City (Phường Sài Gòn), which replacing the query would make unfindable.
// A key never starts with a kind word: aliases are looked up after the kind
// word is taken off ("tp hcm" → "hcm").
var aliases = map[string]string{
	"hcm": "ho chi minh", "tphcm": "ho chi minh", "sai gon": "ho chi minh",
	"hn":             "ha noi",
	"thua thien hue": "hue",
}

// SplitUnitName splits "Huyện Củ Chi" into its kind ("huyen") and bare name
// ("Củ Chi"). Only the full kind words of official names are recognised.
func SplitUnitName(name string) (kind, bare string) {
	fields := strings.Fields(name)
	// Each kind word must be a whole field of the name: folding "Thị-xã"
	// gives two words from one field, and counting folded words would cut
	// the bare name in the wrong place.
	var folded [2]string
	for i := 0; i < len(folded) && i < len(fields); i++ {
		folded[i] = vntext.Fold(fields[i])
	}
	for _, k := range kindWords[:len(fullKinds)] {
		n := len(k.words)
		if len(fields) > n && slices.Equal(folded[:n], k.words) {
			return k.kind, strings.Join(fields[n:], " ")
		}
	}
	return "", name
}

// query is a parsed search.
type query struct {
	kind  string   // a leading kind word's kind, or ""
	words []string // the words after the kind word
	// With a kind word, every word of the query, the kind word too: "quan"
	// and "tinh" begin names as well ("Huyện Quan Hóa", "Thị xã Tịnh Biên").
	all []string
	// When words are an alias, the words of the name it stands for
	// ("sai gon" → [ho chi minh]), else nil: matched and ranked like words.
	alias []string
}

// parseQuery folds a search and takes a leading kind word off it:
// "huyen cu chi" → ("huyen", [cu chi]); "q1" → ("quan", [1]); "tp hcm" →
// ("thanh pho", [hcm], alias [ho chi minh]).
func parseQuery(s string) query {
	tokens := strings.Fields(vntext.Fold(s))
	kind, words := splitKind(tokens)
	q := query{kind: kind, words: words}
	if kind != "" {
		q.all = tokens
	}
	if a, ok := aliases[strings.Join(words, " ")]; ok {
		q.alias = strings.Fields(a)
	}
	return q
}

// splitKind takes a leading kind word off folded tokens.
func splitKind(tokens []string) (kind string, rest []string) {
	if len(tokens) == 1 {
		// "q1", "p12", "quan10": a kind word glued to a number.
		t := tokens[0]
		if i := strings.IndexAny(t, "0123456789"); i > 0 && strings.Trim(t[i:], "0123456789") == "" {
			for _, k := range kindWords {
				if len(k.words) == 1 && k.words[0] == t[:i] {
					return k.kind, []string{t[i:]}
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
	key  string // " " + the folded bare name: w begins one of its words when key holds " "+w
	num  int    // the bare name as a number ("Quận 10"), or -1
	mask uint64 // the first characters of the bare name's words, as wordBit bits
}

// bare is the folded bare name.
func (e *entry) bare() string { return e.key[1:] }

// wordBit maps the first byte of a folded word to a bit: a query word can
// only begin a name's word that starts with the same byte, so one AND turns
// most units away before any string is compared.
func wordBit(b byte) uint64 {
	switch {
	case b >= 'a' && b <= 'z':
		return 1 << (b - 'a')
	case b >= '0' && b <= '9':
		return 1 << (26 + b - '0')
	}
	return 1 << (36 + b%28) // the lead byte of a rune vntext.Fold left alone
}

// wordMask is the wordBit of every word of folded words.
func wordMask(words []string) uint64 {
	var m uint64
	for _, w := range words {
		m |= wordBit(w[0])
	}
	return m
}

// UnitIndex searches administrative units by name, accent-insensitively.
// It is built once from the unit tree and is safe for concurrent reads.
type UnitIndex struct {
	entries  []entry         // sorted by level then name, so SearchAll reads them in order
	byID     map[int64]int   // index in entries
	children map[int64][]int // by parent ID (0: provinces), sorted by name
	all      []int           // 0, 1, … len(entries)−1
	// The entries' levels and masks again, side by side: a search over the
	// whole country reads these 130 kB, not the entries' megabyte.
	levels []int32
	masks  []uint64
}

// NewUnitIndex folds every name once and sorts each parent's children.
func NewUnitIndex(units []Unit) *UnitIndex {
	entries := make([]entry, len(units))
	for i, u := range units {
		_, bare := SplitUnitName(u.Name)
		fb := vntext.Fold(bare)
		num, err := strconv.Atoi(fb)
		if err != nil {
			num = -1
		}
		entries[i] = entry{Unit: u, key: " " + fb, num: num, mask: wordMask(strings.Fields(fb))}
	}
	// Entries go in level then name order; at[i] is where units[i] went.
	order := make([]int, len(units))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(entries[a].Level, entries[b].Level), byName(&entries[a], &entries[b]))
	})
	at := make([]int, len(units))
	ix := &UnitIndex{
		entries:  make([]entry, len(units)),
		byID:     make(map[int64]int, len(units)),
		children: map[int64][]int{},
		all:      make([]int, len(units)),
	}
	ix.levels, ix.masks = make([]int32, len(units)), make([]uint64, len(units))
	for j, i := range order {
		ix.entries[j] = entries[i]
		ix.all[j] = j
		ix.levels[j] = int32(entries[i].Level)
		ix.masks[j] = entries[i].mask
		at[i] = j
	}
	for i, u := range units { // in the given order: of two units with one ID, the last wins
		ix.byID[u.ID] = at[i]
		ix.children[u.ParentID] = append(ix.children[u.ParentID], at[i])
	}
	for _, list := range ix.children {
		slices.SortStableFunc(list, func(a, b int) int { return byName(&ix.entries[a], &ix.entries[b]) })
	}
	return ix
}

// byName orders bare names alphabetically, numbers first and numerically
// ("Quận 2" before "Quận 10").
func byName(ea, eb *entry) int {
	switch {
	case ea.num >= 0 && eb.num >= 0:
		return cmp.Or(cmp.Compare(ea.num, eb.num), cmp.Compare(ea.ID, eb.ID))
	case ea.num >= 0:
		return -1
	case eb.num >= 0:
		return 1
	}
	return cmp.Or(strings.Compare(ea.key, eb.key), cmp.Compare(ea.Kind, eb.Kind), cmp.Compare(ea.ID, eb.ID))
}

// ids returns the ID of every unit.
func (ix *UnitIndex) ids() []int64 {
	out := make([]int64, len(ix.entries))
	for i := range ix.entries {
		out[i] = ix.entries[i].ID
	}
	return out
}

// Len is the number of units.
func (ix *UnitIndex) Len() int { return len(ix.entries) }

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

// Within reports whether unit target is unit own or lies below it.
func (ix *UnitIndex) Within(own, target int64) bool {
	for id, n := target, 0; id != 0 && n < 8; n++ {
		if id == own {
			return true
		}
		u, ok := ix.Get(id)
		if !ok {
			return false
		}
		id = u.ParentID
	}
	return false
}

// Search finds the units under parentID (0: provinces) of the given level
// (0: any) whose name matches query, best first, and returns one page of
// them with the number of matches. Every word of the query must begin a
// word of the unit's name, without regard to accents or case; a leading
// kind word ("huyen", "q", "tp") is not matched against the name but ranks
// units of that kind first, unless the whole query, kind word included,
// matches a name better ("quan hoa" finds Huyện Quan Hóa before Huyện
// Hoằng Hóa). A lone kind word lists the units of that kind, and any whose
// name has a word it begins; an empty query lists every unit, by name. A
// few other names ("hcm", "Sài Gòn", "Thừa Thiên Huế") also find the unit
// they stand for, beside any unit they name. A negative offset counts as 0.
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
	i    int32 // index in entries
	rank int32 // 0 … maxRank
}

// maxRank is the worst rank of a match: see pattern.match and search.
const maxRank = 5

// hitPool keeps the buffers of matches between searches: an empty query
// over the whole country matches ten thousand units.
var hitPool = sync.Pool{New: func() any { return new([]hit) }}

func (ix *UnitIndex) search(query string, cands []int, level, limit, offset int) ([]Unit, int) {
	q := parseQuery(query)
	byKind, asName, alias := q.patterns()
	buf := hitPool.Get().(*[]hit)
	defer hitPool.Put(buf)
	hits := (*buf)[:0]
	var counts [maxRank + 1]int
	for _, i := range cands {
		if level != 0 && int(ix.levels[i]) != level {
			continue
		}
		if m := ix.masks[i]; m&byKind.mask != byKind.mask && (q.all == nil || m&asName.mask != asName.mask) &&
			(q.alias == nil || m&alias.mask != alias.mask) {
			continue // the common case: no word of the name starts like a word of the query
		}
		e := &ix.entries[i]
		rank, ok := byKind.match(e)
		if q.alias != nil {
			if r, found := alias.match(e); found && (!ok || r < rank) {
				rank, ok = r, true
			}
		}
		if ok && q.kind != "" && e.Kind != q.kind {
			// A lone kind word lists units of that kind; otherwise units of
			// another kind rank after those of the kind asked for.
			ok = len(q.words) > 0
			rank += 3
		}
		if q.all != nil {
			// The kind word read as the beginning of a name, ranked just
			// after the same match read as a kind.
			if r, found := asName.match(e); found && (!ok || r+1 < rank) {
				rank, ok = r+1, true
			}
		}
		if !ok {
			continue
		}
		hits = append(hits, hit{int32(i), int32(rank)})
		counts[rank]++
	}
	*buf = hits
	total := len(hits)
	offset = max(offset, 0)
	if offset >= total || limit <= 0 {
		return nil, total
	}
	// The candidates are in name order already: taking the hits rank by
	// rank keeps it, and needs no sort.
	out := make([]Unit, 0, min(total-offset, limit)) // offset+limit may overflow
	skip := offset
	for r, n := range counts {
		if n <= skip {
			skip -= n
			continue
		}
		for _, h := range hits {
			if int(h.rank) != r {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			out = append(out, ix.entries[h.i].Unit)
			if len(out) == cap(out) {
				return out, total
			}
		}
	}
	return out, total
}

// pattern is a query's words made ready to match.
type pattern struct {
	words []string // each word with a space before it
	key   string   // a space and the words joined
	mask  uint64
}

func newPattern(words []string) pattern {
	p := pattern{words: make([]string, len(words)), key: " " + strings.Join(words, " "), mask: wordMask(words)}
	for i, w := range words {
		p.words[i] = " " + w
	}
	return p
}

// patterns makes the query's words, all its words when it opens with a
// kind word, and its alias's words, ready to match.
func (q *query) patterns() (byKind, asName, alias pattern) {
	byKind = newPattern(q.words)
	if q.all != nil {
		asName = newPattern(q.all)
	}
	if q.alias != nil {
		alias = newPattern(q.alias)
	}
	return byKind, asName, alias
}

// match reports whether every word of the pattern begins a word of the
// name, and how well: 0 the name is the query, 1 the name starts with it,
// 2 otherwise. No words match every name with rank 2.
func (p *pattern) match(e *entry) (int, bool) {
	if len(p.words) == 0 {
		return 2, true
	}
	if e.mask&p.mask != p.mask {
		return 0, false
	}
	for _, w := range p.words {
		if !strings.Contains(e.key, w) {
			return 0, false
		}
	}
	switch {
	case e.key == p.key:
		return 0, true
	case strings.HasPrefix(e.key, p.key):
		return 1, true
	}
	return 2, true
}
