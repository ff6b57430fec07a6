package flows

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/flows/vntext"
	"github.com/ocopbot/ocopbot/locales"
)

// A province's OCOP registry file (issue 15): one row per recognised
// product's certificate, read and checked here, written by the registry
// import. Nothing here touches the database.

// RegistryColumns are the header of a registry file, in the order export
// and the template write them.
var RegistryColumns = []string{"Tỉnh/Thành phố", "Quận/Huyện", "Xã/Phường", "Tên chủ thể", "Loại hình", "Mã số thuế",
	"Người đại diện", "Số điện thoại", "Tên sản phẩm", "Nhóm sản phẩm", "Hạng sao", "Điểm", "Số quyết định",
	"Ngày quyết định", "Cấp công nhận"}

// registryFields are the fields of RegistryColumns, in the same order,
// each with the folded header words that name it; required ones first
// in registryRequired.
var registryFields = []struct {
	field string
	words []string
}{
	{"province", []string{"tinh thanh pho", "tinh", "thanh pho", "province"}},
	{"district", []string{"quan huyen", "huyen", "quan", "district"}},
	{"commune", []string{"xa phuong", "xa", "phuong", "commune"}},
	{"name", []string{"ten chu the", "chu the", "producer"}},
	{"kind", []string{"loai hinh", "kind"}},
	{"tax", []string{"ma so thue", "mst", "tax code"}},
	{"rep", []string{"nguoi dai dien", "dai dien", "representative"}},
	{"phone", []string{"so dien thoai", "dien thoai", "sdt", "phone"}},
	{"product", []string{"ten san pham", "san pham", "product"}},
	{"group", []string{"nhom san pham", "nhom", "group"}},
	{"stars", []string{"hang sao", "so sao", "sao", "stars"}},
	{"score", []string{"diem", "score"}},
	{"dno", []string{"so quyet dinh", "so qd", "decision no"}},
	{"date", []string{"ngay quyet dinh", "ngay qd", "decision date"}},
	{"level", []string{"cap cong nhan", "cap", "level"}},
}

var registryRequired = map[string]bool{"province": true, "commune": true, "name": true, "kind": true,
	"product": true, "group": true, "stars": true, "dno": true, "date": true}

// registryHeader finds the header row among the first rows and the column
// of each field; missing names the required columns it lacks.
func registryHeader(rows [][]string) (head int, cols map[string]int, missing []string) {
	best := map[string]int{}
	for i := 0; i < len(rows) && i < 10; i++ {
		c := map[string]int{}
		for j, cell := range rows[i] {
			f := vntext.Fold(cell)
		fields:
			for _, fd := range registryFields {
				if _, done := c[fd.field]; done {
					continue
				}
				if slices.ContainsFunc(fd.words, func(w string) bool { return headerWord(f, w) }) {
					c[fd.field] = j
					break fields
				}
			}
		}
		if len(c) > len(best) {
			best, head = c, i
		}
	}
	for k, fd := range registryFields {
		if _, ok := best[fd.field]; !ok && registryRequired[fd.field] {
			missing = append(missing, RegistryColumns[k])
		}
	}
	return head, best, missing
}

// IsRegistryFile reports whether rows start with a registry header: the
// producer, product and stars columns with the rest that a registry needs.
func IsRegistryFile(rows [][]string) bool {
	_, cols, missing := registryHeader(rows)
	return len(missing) == 0 && len(cols) >= len(registryRequired)
}

// RegistryCheck reads registry files: the unit trees, the recognition
// table and the product groups they are checked against.
type RegistryCheck struct {
	Atlas   *units.Atlas
	Auth    ocop.Authorities
	Groups  []ocop.ProductGroup
	Today   time.Time
	InScope func(communeID int64) bool // nil: every unit
}

// unitKey caches unit look-ups: a province file names the same communes
// on thousands of rows.
type unitKey struct {
	tree                        *units.Tree
	province, district, commune string
}

type unitHit struct {
	province units.Unit
	commune  int64
	msg      string // why the unit is not found
}

// provinceToday is the GSO code of the province the row's commune belongs
// to today: a producer is its tax code within its province, and a file
// spanning 1/7/2025 names the same producer under the province of each
// decision's date (Bình Dương, then Ho Chi Minh City). The commune's own
// province when the merges do not place it.
func (c RegistryCheck) provinceToday(hit unitHit) string {
	now := c.Atlas.At(c.Today)
	id, ok := c.Atlas.CommuneIn(now, hit.commune)
	for ok {
		u, found := now.Units.Get(id)
		if !found {
			break
		}
		if u.Level == 1 {
			return u.Code
		}
		id = u.ParentID
	}
	return hit.province.Code
}

// Rows checks every data row; errs lists the bad ones by line (nothing is
// to be written when there is any).
func (c RegistryCheck) Rows(rows [][]string, p locales.Printer) (out []ocop.RegistryRow, errs []string) {
	head, cols, missing := registryHeader(rows)
	if len(missing) > 0 {
		return nil, []string{p.T("registry.error.header", "Columns", strings.Join(missing, ", "))}
	}
	groups := groupNames(c.Groups)
	cache := map[unitKey]unitHit{}
	seen := map[string]int{}
	var bad []lineError
	for i, rec := range rows[head+1:] {
		line := head + 2 + i
		cell := func(f string) string {
			if j, ok := cols[f]; ok && j < len(rec) {
				return strings.TrimSpace(rec[j])
			}
			return ""
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		r, msg := c.row(cell, groups, cache, p)
		if msg != "" {
			bad = append(bad, lineError{line, msg})
			continue
		}
		r.Line = line
		key := r.ProducerKey() + "\x00" + r.ProductKey + "\x00" + r.DecisionNo + "\x00" + dates.Format(r.DecisionDate)
		if first, dup := seen[key]; dup {
			bad = append(bad, lineError{line, p.T("registry.error.duplicate", "Line", first)})
			continue
		}
		seen[key] = line
		out = append(out, r)
	}
	if len(bad) > 0 {
		return nil, listErrors(p, bad)
	}
	if len(out) == 0 {
		return nil, []string{p.T("registry.error.empty")}
	}
	return out, nil
}

// row checks one row; msg says what is wrong ("" when nothing is).
func (c RegistryCheck) row(cell func(string) string, groups map[string]string, cache map[unitKey]unitHit, p locales.Printer) (r ocop.RegistryRow, msg string) {
	day, ok := dates.Parse(cell("date"))
	switch {
	case !ok:
		return r, p.T("results.error.date")
	case day.After(c.Today):
		return r, p.T("results.error.date_future")
	case c.Auth.Regime(day) == "":
		return r, p.T("results.error.date_regime")
	}
	r.DecisionDate = day
	if r.DecisionNo, ok = ocop.CleanDecisionNo(cell("dno")); !ok {
		return r, p.T("results.error.decision_no")
	}
	tree := c.Atlas.At(day)
	key := unitKey{tree, vntext.Fold(cell("province")), vntext.Fold(cell("district")), vntext.Fold(cell("commune"))}
	hit, ok := cache[key]
	if !ok {
		hit = findCommune(tree.Units, cell("province"), cell("district"), cell("commune"), day, p)
		cache[key] = hit
	}
	if hit.msg != "" {
		return r, hit.msg
	}
	if c.InScope != nil && !c.InScope(hit.commune) {
		return r, p.T("registry.error.scope", "Province", hit.province.Name)
	}
	r.ProvinceCode, r.CommuneID = c.provinceToday(hit), hit.commune
	if r.Name = strings.Join(strings.Fields(cell("name")), " "); r.Name == "" || len([]rune(r.Name)) > 200 {
		return r, p.T("registry.error.name")
	}
	r.NameKey = vntext.Fold(r.Name)
	if r.Kind, ok = producerKind(cell("kind")); !ok {
		return r, p.T("registry.error.kind", "Kind", short(cell("kind"), 40))
	}
	if id := cell("tax"); id != "" {
		household := r.Kind == ocop.KindHousehold
		var err error
		if r.TaxCode, r.CitizenID, err = ocop.NormalizeTaxID(id, household, c.Today); err != nil {
			return r, taxIDRefusal(p, err, household)
		}
	}
	r.Representative = strings.Join(strings.Fields(cell("rep")), " ")
	if ph := cell("phone"); ph != "" {
		n, err := ocop.NormalizePhone(ph)
		if err != nil {
			return r, p.T("registry.error.phone")
		}
		r.Phone = n
	}
	if r.Product = strings.Join(strings.Fields(cell("product")), " "); r.Product == "" || len([]rune(r.Product)) > 200 {
		return r, p.T("registry.error.product")
	}
	r.ProductKey = vntext.Fold(r.Product)
	if r.GroupCode, ok = groups[vntext.Fold(cell("group"))]; !ok {
		return r, p.T("registry.error.group", "Group", short(cell("group"), 40))
	}
	if r.Stars, ok = parseStars(cell("stars")); !ok {
		return r, p.T("registry.error.stars")
	}
	if s := cell("score"); s != "" {
		score, ok := ocop.ParseScore(s)
		if !ok {
			return r, p.T("results.error.score")
		}
		if band, _ := ocop.StarsFromScore(score); band != r.Stars {
			return r, p.T("registry.error.score_stars", "Score", s, "Band", band, "Stars", r.Stars)
		}
		r.Score = score
	}
	office := ocop.OfficeProvince
	if lv := cell("level"); lv != "" {
		if r.Office, ok = officeWord(lv); !ok {
			return r, p.T("registry.error.level")
		}
		office = r.Office
	} else if _, by := c.Auth.Decide(day, office, r.Stars); by != "" {
		office = by
	}
	res := ocop.Result{Stars: r.Stars, DecisionDate: day}
	if msg := authorityRule(p, c.Auth, office, res, "registry.error.authority"); msg != "" {
		return r, msg
	}
	return r, ""
}

// findCommune finds a row's commune in tree: units by GSO code or by name,
// accents optional; the district only where the tree has districts.
func findCommune(ix *units.UnitIndex, province, district, commune string, day time.Time, p locales.Printer) unitHit {
	prov, msg := findUnit(ix, 0, 1, province, "registry.error.province", p)
	if msg != "" {
		return unitHit{msg: msg}
	}
	parent := prov.ID
	if _, n := ix.Search("", prov.ID, 2, 1, 0); n > 0 {
		if district == "" {
			return unitHit{msg: p.T("registry.error.district_missing", "Date", dates.Format(day))}
		}
		d, msg := findUnit(ix, prov.ID, 2, district, "registry.error.district", p)
		if msg != "" {
			return unitHit{msg: msg}
		}
		parent = d.ID
	}
	if commune == "" {
		return unitHit{msg: p.T("registry.error.commune", "Name", "", "Closest", "—")}
	}
	u, msg := findUnit(ix, parent, 3, commune, "registry.error.commune", p)
	if msg != "" {
		return unitHit{msg: msg}
	}
	return unitHit{province: prov, commune: u.ID}
}

// findUnit finds the unit named or coded s under parent; msgID explains
// a miss, with the closest names.
func findUnit(ix *units.UnitIndex, parent int64, level int, s, msgID string, p locales.Printer) (units.Unit, string) {
	if s != "" && digits(s) == s {
		if u, ok := ix.ByCode(s, level); ok && (parent == 0 || u.ParentID == parent) {
			return u, ""
		}
	}
	f := vntext.Fold(s)
	hits, _ := ix.Search(s, parent, level, 5, 0)
	for _, u := range hits {
		_, bare := units.SplitUnitName(u.Name)
		if fb := vntext.Fold(bare); f == vntext.Fold(u.Name) || f == fb || strings.HasSuffix(f, " "+fb) && len(hits) == 1 {
			return u, ""
		}
	}
	// A misspelt name: the closest are those matching its first words.
	for words := strings.Fields(f); len(hits) == 0 && len(words) > 1; {
		words = words[:len(words)-1]
		hits, _ = ix.Search(strings.Join(words, " "), parent, level, 3, 0)
	}
	var names []string
	for i, u := range hits {
		if i == 3 {
			break
		}
		names = append(names, u.Name)
	}
	closest := strings.Join(names, ", ")
	if closest == "" {
		closest = "—"
	}
	return units.Unit{}, p.T(msgID, "Name", short(s, 60), "Closest", closest)
}

// producerKind reads the usual ways of writing a legal form.
func producerKind(s string) (ocop.ProducerKind, bool) {
	f := vntext.Fold(s)
	for _, k := range []struct {
		kind  ocop.ProducerKind
		words []string
	}{
		{ocop.KindCoopGroup, []string{"tht", "to hop tac", "coop group", "coop_group"}},
		{ocop.KindCooperative, []string{"htx", "hop tac xa", "lien hiep htx", "cooperative"}},
		{ocop.KindFarm, []string{"trang trai", "farm"}},
		{ocop.KindHousehold, []string{"hkd", "ho kinh doanh", "ho san xuat", "ho gia dinh", "co so", "ho", "household"}},
		{ocop.KindEnterprise, []string{"dn", "dntn", "doanh nghiep", "cong ty", "cty", "ct", "enterprise"}},
	} {
		for _, w := range k.words {
			if f == w || strings.HasPrefix(f, w+" ") {
				return k.kind, true
			}
		}
	}
	return "", false
}

// groupNames maps folded group codes and names, with the names of the 2019
// programme (1048/QĐ-TTg), to today's group codes (148/QĐ-TTg).
func groupNames(groups []ocop.ProductGroup) map[string]string {
	m := map[string]string{
		"thuc pham": "1", "do uong": "2", "thao duoc": "3", "duoc lieu": "3", "vai va may mac": "4",
		"luu niem noi that trang tri": "4", "thu cong my nghe": "4", "sinh vat canh": "5",
		"dich vu du lich nong thon": "6", "dich vu du lich": "6", "du lich": "6",
	}
	for _, g := range groups {
		m[g.Code] = g.Code
		m[vntext.Fold(g.NameVI)] = g.Code
		m[vntext.Fold(g.NameEN)] = g.Code
		m[vntext.Fold("nhóm "+g.Code)] = g.Code
		for _, s := range g.Subgroups {
			m[s.Code] = g.Code
		}
	}
	return m
}

// parseStars reads "4", "4 sao", "4★", "4*".
func parseStars(s string) (int, bool) {
	f := strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(vntext.Fold(s), "sao"), "*"))
	n, err := strconv.Atoi(f)
	return n, err == nil && ocop.IsOCOP(n)
}

// officeWord reads Cấp công nhận: Trung ương, Tỉnh, Huyện.
func officeWord(s string) (ocop.Office, bool) {
	switch f := strings.TrimPrefix(vntext.Fold(s), "cap "); f {
	case "trung uong", "tw", "central", "bo", "quoc gia":
		return ocop.OfficeCentral, true
	case "tinh", "thanh pho", "tp", "province", "ubnd tinh":
		return ocop.OfficeProvince, true
	case "huyen", "quan", "thi xa", "district", "ubnd huyen":
		return ocop.OfficeDistrict, true
	}
	return "", false
}

// officeWords writes an office as the file does.
var officeWords = map[ocop.Office]string{ocop.OfficeCentral: "Trung ương", ocop.OfficeProvince: "Tỉnh", ocop.OfficeDistrict: "Huyện"}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
