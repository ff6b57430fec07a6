package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/ocop"
	unitsx "github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/locales"
	"github.com/ocopbot/ocopbot/storage"
)

// The demo's registry: Ho Chi Minh City's OCOP list as a province office
// keeps it, shaped like the city's in the seeds — 191 products of 67
// producers, 112 at 3★ and 79 at 4★, 43 of the 4★ of 6 producers by
// Quyết định 2388/QĐ-UBND of 28/06/2024, the others by decisions from 2022
// to early 2024, in the communes of the time — so that /status, its chart,
// the renewal reminders and /nhanhoso have a city to show. Its producers
// are invented, each marked "(demo)", and none has linked the bot: they
// wait for /nhanhoso or a claim link, as a real registry's do.

// demoClaimPhone is the phone of the registry's first producer: the number
// the web chat offers when a user shares their phone, so that /nhanhoso
// finds a record at the first try.
const demoClaimPhone = "0912345678"

// demoRegistryShape is what the generated registry holds; the test checks
// the database against it.
var demoRegistryShape = struct{ producers, products, threeStar, fourStar int }{67, 191, 112, 79}

// demoDecisions are the registry's decisions besides 2388/QĐ-UBND, in turn.
var demoDecisions = [][2]string{{"612/QĐ-UBND", "15/03/2022"}, {"3410/QĐ-UBND", "20/09/2022"},
	{"1502/QĐ-UBND", "10/05/2023"}, {"4480/QĐ-UBND", "12/12/2023"}, {"790/QĐ-UBND", "05/03/2024"}}

// demoSpecialty is what a producer makes: the word its name takes, its
// product group (148/QĐ-TTg) and its products, at least eight so that the
// producers of 2388 can have theirs.
type demoSpecialty struct {
	trade    string
	group    string
	products []string
}

// Rural producers make anything; the city's wards mostly process food and
// drink and make crafts.
var demoRural = []demoSpecialty{
	{"Mật ong", "1", []string{"Mật ong hoa cà phê", "Mật ong rừng tràm", "Mật ong hoa nhãn", "Mật ong hoa điều", "Phấn hoa ong",
		"Sữa ong chúa", "Mật ong ngâm chanh", "Mật ong hoa xuyến chi"}},
	{"Rau sạch", "1", []string{"Rau muống sạch", "Cải ngọt hữu cơ", "Dưa lưới", "Rau mầm", "Xà lách thủy canh", "Bí đỏ hồ lô",
		"Dưa leo baby", "Cà chua bi"}},
	{"Cây ăn trái", "1", []string{"Bưởi da xanh", "Chôm chôm", "Măng cụt", "Sầu riêng Ri6", "Mít sấy", "Chuối cau",
		"Xoài cát Hòa Lộc", "Ổi nữ hoàng"}},
	{"Thủy sản", "1", []string{"Khô cá dứa", "Tôm khô", "Mắm tôm chua", "Nước mắm cá cơm", "Cá khô một nắng", "Ba khía muối",
		"Chả cá thu", "Sò điệp sấy"}},
	{"Lúa gạo", "1", []string{"Gạo thơm ST25", "Gạo lứt huyết rồng", "Nếp than", "Bột gạo lứt", "Cốm gạo", "Bún gạo lứt",
		"Bánh đa gạo lứt", "Gạo thơm Lài"}},
	{"Nấm", "1", []string{"Nấm bào ngư xám", "Nấm rơm", "Nấm mèo sấy", "Nấm đông cô", "Chà bông nấm", "Nấm kim châm",
		"Nấm bào ngư sấy giòn", "Nấm hương"}},
	{"Hoa kiểng", "5", []string{"Lan hồ điệp", "Mai vàng", "Cá Koi", "Bonsai mai chiếu thủy", "Cá Betta", "Lan Dendrobium",
		"Sen đá", "Kiểng lá"}},
	{"Du lịch sinh thái", "6", []string{"Du lịch sinh thái miệt vườn", "Trải nghiệm làm bánh tráng", "Tham quan rừng ngập mặn",
		"Điểm du lịch vườn lan", "Homestay nhà vườn", "Tham quan trại nuôi ong", "Du lịch sông nước", "Trải nghiệm đan lục bình"}},
}

var demoUrban = []demoSpecialty{
	{"Thực phẩm", "1", []string{"Bánh tráng phơi sương", "Bánh phồng sữa", "Nem chua", "Lạp xưởng tươi", "Chà bông heo",
		"Muối ớt tôm", "Mứt gừng", "Bánh tét lá cẩm"}},
	{"Trà và Cà phê", "2", []string{"Trà mãng cầu", "Trà lá sen", "Cà phê rang xay", "Nước ép dứa", "Trà atiso",
		"Rượu nếp than", "Trà hoa cúc", "Nước cốt chanh dây"}},
	{"Dược liệu", "3", []string{"Cao đinh lăng", "Tinh dầu sả chanh", "Trà túi lọc diệp hạ châu", "Nấm linh chi đỏ",
		"Cao atiso", "Tinh dầu tràm", "Trà gừng mật ong", "Viên nghệ mật ong"}},
	{"Thủ công mỹ nghệ", "4", []string{"Giỏ lục bình", "Chiếu cói", "Đèn tre", "Túi xách cói", "Khay mây", "Nón lá",
		"Rổ tre đan", "Lót ly lục bình"}},
}

// The representatives' names: a man's or a woman's middle and given names.
var (
	demoSurnames = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"}
	demoMiddle   = [2][]string{{"Văn", "Minh", "Hữu", "Quốc", "Thanh"}, {"Thị", "Ngọc", "Kim", "Thanh", "Minh"}}
	demoGiven    = [2][]string{{"An", "Bình", "Cường", "Hải", "Khoa", "Long", "Nam", "Phúc", "Quang", "Sơn", "Trung", "Tuấn"},
		{"Dung", "Giang", "Hương", "Lan", "Mai", "Nga", "Tâm", "Thảo", "Trâm", "Vy", "Xuân", "Yến"}}
)

// demoAnchors are the communes of the first producers, all of today's Xã
// Củ Chi, so that Chị Hạnh, its official, has records of her own.
var demoAnchors = []string{"Xã Tân Thông Hội", "Xã Tân Phú Trung", "Xã Phước Vĩnh An"}

// demoRegistry writes the registry as a CSV file in the columns of
// `ocopbot registry template`, from the city's three-level tree in a (the
// tree its decisions were made in). The same units give the same bytes:
// the file's digest says whether a demo database has it already.
func demoRegistry(a *unitsx.Atlas) ([]byte, error) {
	tree := a.At(time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC)).Units
	city, ok := tree.ByCode(hcmc, 1)
	if !ok || !tree.HasDistricts(city.ID) {
		return nil, fmt.Errorf("demo registry: no three-level Ho Chi Minh City")
	}
	type place struct{ district, commune unitsx.Unit }
	var rural, urban []place
	anchors := make([]place, len(demoAnchors))
	for _, d := range tree.Children(city.ID) {
		for _, c := range tree.Children(d.ID) {
			pl := place{d, c}
			if d.Kind == unitsx.KindRuralDistrict {
				rural = append(rural, pl)
			} else {
				urban = append(urban, pl)
			}
			if d.Code == "783" { // Huyện Củ Chi
				for i, name := range demoAnchors {
					if c.Name == name {
						anchors[i] = pl
					}
				}
			}
		}
	}
	anchors = slices.DeleteFunc(anchors, func(pl place) bool { return pl.commune.ID == 0 })
	if len(anchors) != len(demoAnchors) || len(rural) == 0 || len(urban) == 0 {
		return nil, fmt.Errorf("demo registry: the communes of Huyện Củ Chi are not in the city's three-level tree")
	}

	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(flows.RegistryColumns)
	rows, fours := 0, 0
	taken := map[string]bool{}
	for _, d := range demoProducers {
		taken[d.producer.Name] = true
	}
	for p := range demoRegistryShape.producers {
		// Two producers in three are the countryside's, as in the city's
		// list, where the five huyện have most of its products.
		var pl place
		var kind, prefix, id string
		specialties, si := demoRural, 0
		switch {
		case p < len(anchors):
			pl, si = anchors[p], p
		case p%3 == 2:
			pl, specialties, si = urban[(p*37)%len(urban)], demoUrban, p/3
		default:
			pl, si = rural[(p*29)%len(rural)], p*5
		}
		switch {
		case p%3 == 2:
			kind, prefix, id = "Công ty TNHH", "Công ty TNHH", demoTaxCode(p)
		case p%4 == 1:
			kind, prefix, id = "Hộ kinh doanh", "Cơ sở", demoCitizenID(p)
		case p%8 == 4:
			kind, prefix, id = "Tổ hợp tác", "Tổ hợp tác", demoTaxCode(p)
		default:
			kind, prefix, id = "HTX", "HTX", demoTaxCode(p)
		}
		// Named after its place: a numbered ward ("Phường 9") by its
		// district; another specialty where the name is taken (the sample
		// "HTX Mật ong Củ Chi (demo)" is Chị Lan's), so that no two
		// producers share a name.
		_, place := unitsx.SplitUnitName(pl.commune.Name)
		if !demoNamed(place) {
			if _, place = unitsx.SplitUnitName(pl.district.Name); !demoNamed(place) {
				place = pl.district.Name
			}
		}
		sp := specialties[si%len(specialties)]
		name := fmt.Sprintf("%s %s %s (demo)", prefix, sp.trade, place)
		for taken[name] {
			si++
			sp = specialties[si%len(specialties)]
			name = fmt.Sprintf("%s %s %s (demo)", prefix, sp.trade, place)
		}
		taken[name] = true
		sex := (p / 2) % 2
		rep := demoSurnames[p%len(demoSurnames)] + " " + demoMiddle[sex][(p/3)%len(demoMiddle[sex])] + " " +
			demoGiven[sex][(p*7)%len(demoGiven[sex])]
		phone := fmt.Sprintf("0903%06d", 100000+p*1237)
		if p == 0 {
			phone = demoClaimPhone
		}
		row := func(k, stars int, decision [2]string) {
			score := 55 + (rows*7)%14 // 3★: [50, 70)
			if stars == 4 {
				score = 71 + (rows*5)%18 // 4★: [70, 90)
				fours++
			}
			_ = w.Write([]string{city.Name, pl.district.Name, pl.commune.Name, name, kind, id, rep, phone,
				sp.products[k], sp.group, fmt.Sprint(stars), fmt.Sprint(score), decision[0], decision[1], ""})
			rows++
		}
		if p < 6 { // the 43 products of 2388/QĐ-UBND: 8, 7, 7, 7, 7, 7
			n := 7
			if p == 0 {
				n = 8
			}
			for k := range n {
				row(k, 4, [2]string{"2388/QĐ-UBND", "28/06/2024"})
			}
			continue
		}
		// 26 producers with three products, then 35 with two; the first
		// 36 of them 4★, the others 3★. A producer's products were
		// recognised together, in one round: a round's reminders then
		// reach a dozen producers (their officials get a dozen notices),
		// not every producer at once.
		n := 2
		if p < 6+26 {
			n = 3
		}
		decision := demoDecisions[(p-6)%len(demoDecisions)]
		for k := range n {
			stars := 3
			if fours < demoRegistryShape.fourStar {
				stars = 4
			}
			row(k, stars, decision)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, err
	}
	if rows != demoRegistryShape.products || fours != demoRegistryShape.fourStar {
		return nil, fmt.Errorf("demo registry: %d products, %d at 4★; want %d and %d", rows, fours,
			demoRegistryShape.products, demoRegistryShape.fourStar)
	}
	return buf.Bytes(), nil
}

// demoNamed reports whether a unit's bare name is a name, not a number.
func demoNamed(bare string) bool { return bare != "" && (bare[0] < '0' || bare[0] > '9') }

// demoTaxCode is the n-th valid mã số thuế of the registry: 10 digits
// starting 03 (Ho Chi Minh City's), the check digit the one the product's
// own check accepts.
func demoTaxCode(n int) string {
	for base := 31_200_000 + n*7919; ; base++ {
		for check := range 10 {
			if code, err := ocop.NormalizeTaxCode(fmt.Sprintf("%09d%d", base, check)); err == nil {
				return code
			}
		}
	}
}

// demoCitizenID is the n-th household owner's CCCD: issued in Ho Chi Minh
// City (079), born in the 1960s to 1980s.
func demoCitizenID(n int) string {
	return fmt.Sprintf("079%d%02d%06d", n%2, 60+(n*3)%30, 100000+n*4391)
}

// loadDemoRegistry imports the generated registry once, through the
// import a province office's file goes through (checked row by row, then
// written in one transaction), scoped to the city.
func loadDemoRegistry(ctx context.Context, store *storage.Store, log *slog.Logger) error {
	atlas, err := store.Atlas(ctx)
	if err != nil {
		return err
	}
	data, err := demoRegistry(atlas)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	if done, err := store.RegistryFileImported(ctx, hex.EncodeToString(sum[:])); err != nil || done {
		return err
	}
	groups, err := store.ProductGroups(ctx)
	if err != nil {
		return err
	}
	text, err := locales.Load(log)
	if err != nil {
		return err
	}
	p := text.Printer("vi")
	rep, err := flows.RegistryImport{Records: store, Groups: groups, Importer: commandImporter(atlas)}.
		Run(ctx, 0, provinceScope(atlas, hcmc), "danh-sach-ocop-demo.csv", data, p)
	if err != nil {
		return fmt.Errorf("demo registry: %w", err)
	}
	if len(rep.Errors) > 0 {
		return fmt.Errorf("demo registry refused: %s", strings.Join(rep.Errors, "; "))
	}
	log.Info("demo registry loaded", slog.Int("rows", rep.Rows), slog.Int("producers", rep.Imported.ProducersNew),
		slog.Int("products", rep.Imported.ProductsNew))
	return nil
}
