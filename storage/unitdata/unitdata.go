// Package unitdata carries Vietnam's public administrative-unit lists in the
// binary, gzip-compressed, so that a clone run anywhere (with no
// ../shared/data beside it) has its units:
//
//   - vn-units-2025-03.csv: the three-level tree before the reform of
//     1 July 2025 (63 provinces, 696 districts, 10,035 communes);
//   - vn-units-2025-07.csv: the two-level tree from 1 July 2025 (34
//     provinces, 3,321 communes);
//   - vn-units-2025-07-merges.json: for each new commune, the old communes
//     merged into it.
//
// Both sources are MIT licensed; their notices sit beside the files and are
// printed by `ocopbot version --licenses` (Licenses).
package unitdata

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

//go:embed *.gz LICENSE-*.txt
var files embed.FS

// The embedded data sets, by their file names (without .gz).
const (
	ThreeLevel = "vn-units-2025-03.csv"         // before 1/7/2025
	TwoLevel   = "vn-units-2025-07.csv"         // from 1/7/2025
	Merges     = "vn-units-2025-07-merges.json" // the July 2025 merges between them
)

// Open returns the uncompressed contents of one embedded data set
// (ThreeLevel, TwoLevel or Merges).
func Open(name string) (io.Reader, error) {
	raw, err := files.ReadFile(name + ".gz")
	if err != nil {
		return nil, fmt.Errorf("embedded unit data %s: %w", name, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("embedded unit data %s: %w", name, err)
	}
	return zr, nil
}

// License is one licence notice and the data it covers.
type License struct {
	Source string // where the data comes from
	Covers string // which embedded files
	Text   string // the notice, as the source ships it
}

// Licenses returns the notices of the embedded data's sources.
func Licenses() []License {
	read := func(name string) string {
		b, err := files.ReadFile(name)
		if err != nil {
			// Embedded at build time: a missing notice is a broken build.
			panic(fmt.Sprintf("unitdata: licence %s not embedded: %v", name, err))
		}
		return string(b)
	}
	return []License{
		{Source: "vietnamese-provinces-database (github.com/ThangLeQuoc/vietnamese-provinces-database, tags v2.4.1 and v3.0.2)",
			Covers: ThreeLevel + ", " + TwoLevel, Text: read("LICENSE-vietnamese-provinces-database.txt")},
		{Source: "dvhcvn 20250701 mapping (github.com/daohoangson/dvhcvn)",
			Covers: Merges, Text: read("LICENSE-dvhcvn-20250701.txt")},
	}
}

// Merge is one link of the merges file: the commune of the three-level tree
// with code Old went, wholly (Full) or in part, into the commune of the
// two-level tree with code New.
type Merge struct {
	New, Old string
	Full     bool
}

// ReadMerges reads the merges file (Merges, or a file of its shape: for
// each new commune, the old communes merged into it). Storage imports it;
// tests build an atlas from it without a database.
func ReadMerges(r io.Reader) ([]Merge, error) {
	var f struct {
		Data []struct {
			Level2s []struct {
				ID     string `json:"level2_id"`
				Merges []struct {
					OldID string `json:"old_id"`
					Type  string `json:"type"`
				} `json:"merges"`
			} `json:"level2s"`
		} `json:"data"`
	}
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return nil, fmt.Errorf("read merges file: %w", err)
	}
	var out []Merge
	for _, p := range f.Data {
		for _, c := range p.Level2s {
			for _, m := range c.Merges {
				out = append(out, Merge{New: c.ID, Old: m.OldID, Full: m.Type == "full"})
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("merges file has no communes: want {\"data\":[{\"level2s\":[{\"level2_id\",\"merges\":[{\"old_id\",\"type\"}]}]}]}")
	}
	return out, nil
}
