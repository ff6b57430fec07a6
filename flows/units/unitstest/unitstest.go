// Package unitstest loads the administrative-unit lists of shared/data for
// tests: the lists are read in place, never copied into the repository.
package unitstest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/ocopbot/ocopbot/flows/units"
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

// unitFiles caches each file's units: the tests and benchmarks share them
// read-only.
var unitFiles sync.Map // file name → func() ([]units.Unit, error)

// Load reads one of the unit lists into a tree: provinces (level 1),
// districts (level 2, the March 2025 list only) and communes (level 3),
// with IDs assigned in file order and kinds from units.SplitUnitName.
func Load(tb testing.TB, file string) []units.Unit {
	tb.Helper()
	f, _ := unitFiles.LoadOrStore(file, sync.OnceValues(func() ([]units.Unit, error) { return readUnits(file) }))
	list, err := f.(func() ([]units.Unit, error))()
	if err != nil {
		tb.Fatal(err)
	}
	return list
}

func readUnits(file string) ([]units.Unit, error) {
	dir, err := dataDir()
	if err != nil {
		return nil, err
	}
	fh, err := os.Open(filepath.Join(dir, file))
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
