package flows

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/locales"
)

// RegistryRecords write a province's registry.
type RegistryRecords interface {
	Authorities(ctx context.Context) (ocop.Authorities, error)
	ImportRegistry(ctx context.Context, rows []ocop.RegistryRow, sha string, actor int64) (ocop.RegistryImported, error)
}

// RegistryImport imports registry files: sent in the chat by a province
// official, or given to `ocopbot registry import`.
type RegistryImport struct {
	Records RegistryRecords
	Groups  []ocop.ProductGroup
	Importer
}

// RegistryReport says what a registry file did: Errors (one per bad row)
// when nothing was written, else the counts.
type RegistryReport struct {
	Errors   []string
	Imported ocop.RegistryImported
	Rows     int
}

// Run checks every row of a registry file and writes them all in one
// transaction, or none when any is wrong. inScope (nil: every unit) says
// which communes the importer may write; actor is its chat user (0:
// the command line).
func (ri RegistryImport) Run(ctx context.Context, actor int64, inScope func(int64) bool, name string, data []byte, p locales.Printer) (RegistryReport, error) {
	rows, refusal, err := ri.readTable(ctx, name, data, p, "registry.error.type")
	if refusal != "" || err != nil {
		return RegistryReport{Errors: errorList(refusal)}, err
	}
	return ri.run(ctx, actor, inScope, rows, data, p)
}

// run checks and writes the rows of a registry file (data: the file, whose
// digest the import records). Its rows are as many as the reader's budget
// allowed: a province's in the chat, the country's on the command line.
func (ri RegistryImport) run(ctx context.Context, actor int64, inScope func(int64) bool, rows [][]string, data []byte, p locales.Printer) (RegistryReport, error) {
	auth, err := ri.Records.Authorities(ctx)
	if err != nil {
		return RegistryReport{}, err
	}
	check := RegistryCheck{Atlas: ri.Atlas, Auth: auth, Groups: ri.Groups, Today: ri.today(), InScope: inScope}
	good, errs := check.Rows(rows, p)
	if len(errs) > 0 {
		return RegistryReport{Errors: errs}, nil
	}
	sum := sha256.Sum256(data)
	done, err := ri.Records.ImportRegistry(ctx, good, hex.EncodeToString(sum[:]), actor)
	if err != nil {
		return RegistryReport{}, err
	}
	return RegistryReport{Imported: done, Rows: len(good)}, nil
}

// Summary is the answer to a good file.
func (r RegistryReport) Summary(p locales.Printer) string {
	d := r.Imported
	return p.T("registry.done", "Rows", r.Rows, "ProducersNew", d.ProducersNew, "ProducersUpdated", d.ProducersUpdated,
		"Products", d.ProductsNew, "Certificates", d.CertificatesNew, "Unchanged", d.Unchanged, "Superseded", d.Superseded)
}

// RegistryTable writes certificates as rows of a registry file, header
// first: each unit named in the tree in force on its decision date, so
// that importing the table gives back the same records.
func RegistryTable(a *units.Atlas, entries []ocop.RegistryEntry) [][]string {
	out := [][]string{RegistryColumns}
	kinds := map[ocop.ProducerKind]string{ocop.KindEnterprise: "Doanh nghiệp", ocop.KindCooperative: "Hợp tác xã",
		ocop.KindCoopGroup: "Tổ hợp tác", ocop.KindFarm: "Trang trại", ocop.KindHousehold: "Hộ kinh doanh"}
	for _, e := range entries {
		t := a.At(e.DecisionDate)
		var province, district, commune string
		if id, ok := a.CommuneIn(t, e.CommuneID); ok {
			c, _ := t.Units.Get(id)
			commune = c.Name
			for up, ok := t.Units.Get(c.ParentID); ok; up, ok = t.Units.Get(up.ParentID) {
				if up.Level == 2 {
					district = up.Name
				} else if up.Level == 1 {
					province = up.Name
				}
			}
		}
		id := e.TaxCode
		if id == "" {
			id = e.CitizenID
		}
		score := ""
		if e.Score > 0 {
			score = strings.Replace(strconv.FormatFloat(e.Score, 'f', -1, 64), ".", ",", 1)
		}
		out = append(out, []string{province, district, commune, e.Name, kinds[e.Kind], id, e.Representative, e.Phone,
			e.Product, e.GroupCode, strconv.Itoa(e.Stars), score, e.DecisionNo, dates.Format(e.DecisionDate), ""})
	}
	return out
}

// importRegistry answers a registry file sent in the chat: only a province
// official (for the units of the province) or the administrator imports.
func (e *Engine) importRegistry(t *turn, off ocop.Official, rows [][]string, data []byte) error {
	if off.Role != ocop.RoleProvince && off.Role != ocop.RoleAdmin {
		t.say(Reply{Text: t.p.T("registry.province_only")})
		return nil
	}
	inScope := func(id int64) bool { return ocop.InScope(e.atlas, off, id) }
	rep, err := RegistryImport{Records: e.records, Groups: e.groups, Importer: e.importer()}.run(t.ctx, off.UserID, inScope, rows, data, t.p)
	return answerImport(t, rep.Errors, err, func() string { return rep.Summary(t.p) })
}
