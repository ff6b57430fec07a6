// Package unitstest loads the administrative-unit lists for tests: those of
// shared/data where a shared/ stands above the working directory (CI has one
// beside its clone), else the copies built into the binary (storage/unitdata),
// so that a fresh clone with no shared/ beside it runs its tests too.
package unitstest

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/storage/unitdata"
)

// findDataDir walks up from the working directory to the first
// shared/data, trying "<dir>/shared/data" and "<dir>/../shared/data" at each
// level: tests run in their package directory, CI runs in a clone with shared/ beside it.
func findDataDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find shared/data: %w", err)
	}
	for {
		for _, c := range []string{filepath.Join(dir, "shared", "data"), filepath.Join(dir, "..", "shared", "data")} {
			if st, err := os.Stat(filepath.Join(c, "vn-units-2025-03.csv")); err == nil && !st.IsDir() {
				return c, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no shared/data with vn-units-2025-03.csv above the working directory: %w", fs.ErrNotExist)
		}
		dir = parent
	}
}

var dataDir = sync.OnceValues(findDataDir)

// DataFile returns the path of one public data file (unitdata.ThreeLevel,
// TwoLevel or Merges): shared/data's when there is one, else the embedded
// copy, written once per content to the temporary directory (by rename, so
// test binaries running at once never read a half-written file).
func DataFile(tb testing.TB, name string) string {
	tb.Helper()
	if dir, err := dataDir(); err == nil {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	f, _ := embeddedFiles.LoadOrStore(name, sync.OnceValues(func() (string, error) { return writeEmbedded(name) }))
	p, err := f.(func() (string, error))()
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

var embeddedFiles sync.Map // file name → func() (string, error)

func writeEmbedded(name string) (string, error) {
	r, err := unitdata.Open(name)
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("read embedded %s: %w", name, err)
	}
	sum := sha256.Sum256(b)
	dir := filepath.Join(os.TempDir(), "ocopbot-unitdata-"+hex.EncodeToString(sum[:8]))
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("write embedded %s: %w", name, err)
	}
	tmp, err := os.CreateTemp(dir, name+".*")
	if err != nil {
		return "", fmt.Errorf("write embedded %s: %w", name, err)
	}
	defer os.Remove(tmp.Name()) // gone after the rename; left by a failure otherwise
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write embedded %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write embedded %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return "", fmt.Errorf("write embedded %s: %w", name, err)
	}
	return p, nil
}

// SharedData reports whether a shared/data stands above the working
// directory (tests that compare the embedded copies with it need one).
func SharedData() bool {
	_, err := dataDir()
	return err == nil
}

// unitFiles caches each file's units: the tests and benchmarks share them
// read-only.
var unitFiles sync.Map // file name → func() ([]units.Unit, error)

// Load reads one of the unit lists into a tree: provinces (level 1),
// districts (level 2, the March 2025 list only) and communes (level 3),
// with IDs assigned in file order and kinds from units.SplitUnitName.
func Load(tb testing.TB, file string) []units.Unit {
	tb.Helper()
	f, _ := unitFiles.LoadOrStore(file, sync.OnceValues(func() ([]units.Unit, error) { return readUnits(tb, file) }))
	list, err := f.(func() ([]units.Unit, error))()
	if err != nil {
		tb.Fatal(err)
	}
	return list
}

func readUnits(tb testing.TB, file string) ([]units.Unit, error) {
	fh, err := os.Open(DataFile(tb, file))
	if err != nil {
		return nil, fmt.Errorf("read units: %w", err)
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("read units %s: %w", file, err)
	}
	threeLevels := slices.Equal(header, []string{"province_code", "province", "district_code", "district", "ward_code", "ward"})
	if !threeLevels && !slices.Equal(header, []string{"province_code", "province", "ward_code", "ward"}) {
		return nil, fmt.Errorf("read units %s: unknown header %q", file, header)
	}
	var list []units.Unit
	ids := map[[2]string]int64{} // (level, code) → ID
	add := func(level int, code, name string, parent int64) int64 {
		key := [2]string{fmt.Sprint(level), code}
		if id, ok := ids[key]; ok {
			return id
		}
		id := int64(len(list) + 1)
		kind, _ := units.SplitUnitName(name)
		list = append(list, units.Unit{ID: id, ParentID: parent, Level: level, Code: code, Name: name, Kind: kind})
		ids[key] = id
		return id
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read units %s: %w", file, err)
		}
		parent := add(1, rec[0], rec[1], 0)
		if threeLevels {
			parent = add(2, rec[2], rec[3], parent)
			rec = rec[2:]
		}
		if rec[2] != "" { // island districts have no commune
			add(3, rec[2], rec[3], parent)
		}
	}
	return list, nil
}

// indexes caches one index per file.
var indexes sync.Map // file name → func() *units.UnitIndex

func Index(tb testing.TB, file string) *units.UnitIndex {
	tb.Helper()
	list := Load(tb, file)
	f, _ := indexes.LoadOrStore(file, sync.OnceValue(func() *units.UnitIndex { return units.NewUnitIndex(list) }))
	return f.(func() *units.UnitIndex)()
}

// ByCode finds a unit of a level by its GSO code.
func ByCode(tb testing.TB, list []units.Unit, level int, code string) units.Unit {
	tb.Helper()
	for _, u := range list {
		if u.Level == level && u.Code == code {
			return u
		}
	}
	tb.Fatalf("no level %d unit with code %s", level, code)
	return units.Unit{}
}

// TwoLevelOffset is added to the IDs of the two-level tree's units in
// Atlas, so that they differ from the three-level tree's (Load numbers
// each file's units from 1, and an atlas tells trees apart by ID).
const TwoLevelOffset = 1_000_000

// atlas is built once: the tests and benchmarks share it read-only.
var atlas struct {
	once sync.Once
	a    *units.Atlas
	err  error
}

// Atlas returns both unit trees, the three-level one from 1/1/2025 (its
// IDs as Load gives them) and the two-level one from 1/7/2025 (IDs plus
// TwoLevelOffset), linked by the July 2025 merges: what the bot loads.
func Atlas(tb testing.TB) *units.Atlas {
	tb.Helper()
	old, now := Load(tb, unitdata.ThreeLevel), Load(tb, unitdata.TwoLevel)
	merges := DataFile(tb, unitdata.Merges)
	atlas.once.Do(func() { atlas.a, atlas.err = readAtlas(old, now, merges) })
	if atlas.err != nil {
		tb.Fatal(atlas.err)
	}
	return atlas.a
}

func readAtlas(old, now []units.Unit, mergesPath string) (*units.Atlas, error) {
	shifted := make([]units.Unit, len(now))
	for i, u := range now {
		u.ID += TwoLevelOffset
		if u.ParentID != 0 {
			u.ParentID += TwoLevelOffset
		}
		shifted[i] = u
	}
	communes := func(list []units.Unit) map[string]int64 {
		m := map[string]int64{}
		for _, u := range list {
			if u.Level == 3 {
				m[u.Code] = u.ID
			}
		}
		return m
	}
	oldIDs, newIDs := communes(old), communes(shifted)
	f, err := os.Open(mergesPath)
	if err != nil {
		return nil, fmt.Errorf("read merges: %w", err)
	}
	defer f.Close()
	merges, err := unitdata.ReadMerges(f)
	if err != nil {
		return nil, err
	}
	var links []units.UnitLink
	for _, m := range merges {
		n, ok1 := newIDs[m.New]
		o, ok2 := oldIDs[m.Old]
		if ok1 && ok2 {
			links = append(links, units.UnitLink{New: n, Old: o, Full: m.Full})
		}
	}
	return units.NewAtlas([]units.Tree{
		{From: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Units: units.NewUnitIndex(old)},
		{From: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), Units: units.NewUnitIndex(shifted)},
	}, links), nil
}
