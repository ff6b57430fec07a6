package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/ocopbot/ocopbot/storage/unitdata"
)

// UnitLoad says what LoadEmbeddedUnits loaded. A tree already stored is
// left alone and reported as nil.
type UnitLoad struct {
	ThreeLevel *UnitImport // the tree before 1/7/2025
	TwoLevel   *UnitImport // the tree from 1/7/2025
	Merges     int         // merge links stored, when they were loaded
	// MergesLoaded is false when links were already stored.
	MergesLoaded bool
}

// Empty reports whether nothing was loaded.
func (l UnitLoad) Empty() bool { return l.ThreeLevel == nil && l.TwoLevel == nil && !l.MergesLoaded }

// LoadEmbeddedUnits loads the public unit lists carried in the binary
// (storage/unitdata) into whatever is missing: the three-level tree when
// none of it is stored, the two-level tree likewise, then the merges when
// no link is stored. With provinces given (GSO codes), only those provinces
// of each tree are loaded, as demo mode does. It goes through ImportUnits
// and ImportMerges, so a newer file imported later updates the same rows.
//
// It is kept apart from Migrate: test templates migrate and load only the
// three-level tree, and `ocopbot units import FILE` stays the way to update.
func (s *Store) LoadEmbeddedUnits(ctx context.Context, provinces ...string) (UnitLoad, error) {
	var load UnitLoad
	for _, tree := range []struct {
		file string
		from time.Time
		into **UnitImport
	}{
		{unitdata.ThreeLevel, treeThreeLevelFrom, &load.ThreeLevel},
		{unitdata.TwoLevel, treeTwoLevelFrom, &load.TwoLevel},
	} {
		var stored bool
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM admin_units WHERE valid_from = $1)`, tree.from).Scan(&stored); err != nil {
			return load, fmt.Errorf("look up stored units: %w", err)
		}
		if stored {
			continue
		}
		r, err := unitdata.Open(tree.file)
		if err != nil {
			return load, err
		}
		res, err := s.ImportUnits(ctx, r, provinces...)
		if err != nil {
			return load, fmt.Errorf("load embedded %s: %w", tree.file, err)
		}
		*tree.into = &res
	}
	var linked bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM admin_unit_origins)`).Scan(&linked); err != nil {
		return load, fmt.Errorf("look up stored merges: %w", err)
	}
	if linked {
		return load, nil
	}
	r, err := unitdata.Open(unitdata.Merges)
	if err != nil {
		return load, err
	}
	if load.Merges, err = s.ImportMerges(ctx, r); err != nil {
		return load, fmt.Errorf("load embedded %s: %w", unitdata.Merges, err)
	}
	load.MergesLoaded = true
	return load, nil
}
