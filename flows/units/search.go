package units

import (
	"slices"
	"strings"
	"sync"

	"github.com/ocopbot/ocopbot/flows/vntext"
)

// Search by name: a query folded and split into words, matched against
// the index, ranked.

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
// they stand for, beside any unit they name. When no name has words the
// query's words begin, the query is read without its spaces ("cuchi",
// "tpthuduc"): see collect. A negative offset counts as 0.
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
	buf := hitPool.Get().(*[]hit)
	defer hitPool.Put(buf)
	hits, counts := ix.collect(query, cands, level, (*buf)[:0])
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

// collect appends to hits the candidates of level (0: any) that query
// matches, in candidate order, and counts them by rank. When no name has
// words the query's words begin, the query is tried without its spaces
// against the names without theirs: people type "cuchi" or "thudaumot".
func (ix *UnitIndex) collect(query string, cands []int, level int, hits []hit) ([]hit, [maxRank + 1]int) {
	q := parseQuery(query)
	hits, counts := ix.collectWords(q, cands, level, hits)
	if len(hits) > 0 {
		return hits, counts
	}
	for _, fq := range flatQueries(q) {
		if hits, counts = ix.collectFlat(fq, cands, level, hits); len(hits) > 0 {
			break
		}
	}
	return hits, counts
}

// collectWords is collect's first reading of a query: every word of it
// begins a word of the name, ranked as Search says.
func (ix *UnitIndex) collectWords(q query, cands []int, level int, hits []hit) ([]hit, [maxRank + 1]int) {
	byKind, asName, alias := q.patterns()
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
	return hits, counts
}

// flatQuery is a query without spaces: its words joined, and the kind word
// taken off it, if any.
type flatQuery struct {
	kind, flat string
	alias      []string // the words of the name an alias written without spaces stands for ("saigon")
}

// glueableKinds are the kind words looked for at the start of a query
// typed as one word ("xacuchi", "tpthuduc"): the full ones and the
// two-letter abbreviations. A lone letter ("h", "p", "x") is left alone:
// it begins too many names ("phuoc…" is not "p" and "huoc…").
var glueableKinds = func() []kindWord {
	var out []kindWord
	for _, k := range kindWords {
		if w := strings.Join(k.words, ""); len(w) >= 2 {
			out = append(out, kindWord{k.kind, []string{w}})
		}
	}
	return out
}()

// flatQueries are the spaceless forms of q to try, in order: its words
// joined (kind word as parsed), then, for a query of one word, that word
// with a kind word glued to its front taken off. None for a query with no
// words.
func flatQueries(q query) []flatQuery {
	flat := strings.Join(q.words, "")
	if flat == "" {
		return nil
	}
	out := []flatQuery{{kind: q.kind, flat: flat, alias: flatAlias(flat)}}
	if q.kind != "" || len(q.words) != 1 {
		return out
	}
	for _, k := range glueableKinds {
		if rest, ok := strings.CutPrefix(flat, k.words[0]); ok && rest != "" {
			out = append(out, flatQuery{kind: k.kind, flat: rest, alias: flatAlias(rest)})
		}
	}
	return out
}

// flatAlias is the alias whose key, without spaces, is flat: "saigon".
func flatAlias(flat string) []string {
	for k, v := range aliases {
		if strings.ReplaceAll(k, " ", "") == flat {
			return strings.Fields(v)
		}
	}
	return nil
}

// collectFlat is collectWords for a spaceless query: the query must begin
// at the start of a word of the name and run on through the name's
// letters, spaces skipped ("nhontay" matches "an nhon tay"); ranked as
// collectWords ranks.
func (ix *UnitIndex) collectFlat(fq flatQuery, cands []int, level int, hits []hit) ([]hit, [maxRank + 1]int) {
	var counts [maxRank + 1]int
	bit := wordBit(fq.flat[0])
	alias := newPattern(fq.alias)
	for _, i := range cands {
		if level != 0 && int(ix.levels[i]) != level {
			continue
		}
		m := ix.masks[i]
		if m&bit == 0 && (fq.alias == nil || m&alias.mask != alias.mask) {
			continue
		}
		e := &ix.entries[i]
		rank, ok := flatMatch(e.key, fq.flat)
		if fq.alias != nil {
			if r, found := alias.match(e); found && (!ok || r < rank) {
				rank, ok = r, true
			}
		}
		if !ok {
			continue
		}
		if fq.kind != "" && e.Kind != fq.kind {
			rank += 3
		}
		hits = append(hits, hit{int32(i), int32(rank)})
		counts[rank]++
	}
	return hits, counts
}

// flatMatch reports whether flat, read without spaces, begins at a word of
// key (" " + folded words) and how well: 0 it is the whole name, 1 the
// name starts with it, 2 it starts at a later word.
func flatMatch(key, flat string) (int, bool) {
	for start := 0; start < len(key); start++ {
		if key[start] != ' ' {
			continue
		}
		j, k := start+1, 0
		for k < len(flat) && j < len(key) {
			if key[j] == ' ' {
				j++
				continue
			}
			if key[j] != flat[k] {
				break
			}
			j, k = j+1, k+1
		}
		if k < len(flat) {
			continue
		}
		switch {
		case start > 0:
			return 2, true
		case j == len(key):
			return 0, true
		}
		return 1, true
	}
	return 0, false
}

// ranked returns the units among cands (indexes in entries, in name order)
// of level that query matches, best first, with their ranks.
func (ix *UnitIndex) ranked(query string, cands []int, level int) []rankedUnit {
	hits, _ := ix.collect(query, cands, level, nil)
	slices.SortStableFunc(hits, func(a, b hit) int { return int(a.rank - b.rank) })
	out := make([]rankedUnit, len(hits))
	for i, h := range hits {
		out[i] = rankedUnit{ix.entries[h.i].Unit, int(h.rank)}
	}
	return out
}

// rankedUnit is a unit a query matched, with how well (0 best … maxRank).
type rankedUnit struct {
	Unit
	rank int
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
