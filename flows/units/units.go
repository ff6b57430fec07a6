package units

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

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
	// withDistricts holds the provinces that have districts (level-2
	// children): every registration step asks, so it is known up front.
	withDistricts map[int64]bool
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
	ix.withDistricts = map[int64]bool{}
	for _, p := range ix.children[0] {
		for _, c := range ix.children[ix.entries[p].ID] {
			if ix.entries[c].Level == 2 {
				ix.withDistricts[ix.entries[p].ID] = true
				break
			}
		}
	}
	return ix
}

// HasDistricts reports whether a province has districts under it; with
// province 0, whether any province has.
func (ix *UnitIndex) HasDistricts(province int64) bool {
	if province == 0 {
		return len(ix.withDistricts) > 0
	}
	return ix.withDistricts[province]
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

// ByCode returns the unit with a GSO code at level. It reads every unit:
// for imports, not for each update.
func (ix *UnitIndex) ByCode(code string, level int) (Unit, bool) {
	for i := range ix.entries {
		if u := ix.entries[i].Unit; u.Code == code && u.Level == level {
			return u, true
		}
	}
	return Unit{}, false
}
