package flows_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/locales"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

const registryHeader = "Tỉnh/Thành phố,Quận/Huyện,Xã/Phường,Tên chủ thể,Loại hình,Mã số thuế,Người đại diện,Số điện thoại,Tên sản phẩm,Nhóm sản phẩm,Hạng sao,Điểm,Số quyết định,Ngày quyết định,Cấp công nhận\n"

// goodRegistry has a producer with two decisions for one product (the
// newer supersedes), units without accents and by GSO code, a household
// identified by its owner's CCCD, 2019 group names and a firm without a
// tax code.
const goodRegistry = registryHeader +
	"Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã An Phú,HTX Tân Thông,HTX,0301234562,Nguyễn Văn A,0912345678,Mật ong,Thực phẩm,3 sao,,100/QĐ-UBND,15/03/2022,Tỉnh\n" +
	"Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã An Phú,HTX Tân Thông,HTX,0301234562,Nguyễn Văn A,0912345678,Mật ong,Thực phẩm,4★,,2388/QĐ-UBND,28/06/2024,Tỉnh\n" +
	"ho chi minh,cu chi,xa an phu,Hộ kinh doanh Trần Bình,HKD,079090001234,Trần Bình,0987654321,Trà thảo mộc,thảo dược,4,75,2388/QĐ-UBND,28/06/2024,\n" +
	"79,760,26740,Công ty TNHH Sài Gòn Xanh,Công ty TNHH,,,,Túi vải,vải và may mặc,3,,55/QĐ-UBND,10/10/2023,\n"

func registrySetup(t *testing.T) (flows.RegistryImport, *storage.Store, locales.Printer) {
	t.Helper()
	f := newFixture(t)
	now := func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }
	return flows.RegistryImport{Records: f.store, Groups: f.groups, Importer: flows.Importer{Atlas: f.atlas, Now: now}}, f.store, f.text.Printer("vi")
}

func countImported(t *testing.T, store *storage.Store) (producers, products, certs int) {
	t.Helper()
	err := store.Pool().QueryRow(context.Background(), `
SELECT (SELECT count(*) FROM producers), (SELECT count(*) FROM products), (SELECT count(*) FROM certificates)`).
		Scan(&producers, &products, &certs)
	if err != nil {
		t.Fatal(err)
	}
	return
}

func TestRegistryImportListsEveryBadRowAndWritesNothing(t *testing.T) {
	t.Parallel()
	ri, store, p := registrySetup(t)
	good := "Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã An Phú,HTX Tân Thông,HTX,0301234562,,0912345678,Mật ong,1,4,,2388/QĐ-UBND,28/06/2024,Tỉnh\n"
	file := registryHeader + good + // line 2
		"Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã An Phúú,HTX B,HTX,,,,Gạo,1,3,,1/QĐ-UBND,01/02/2023,\n" + // 3: commune
		"Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã An Phú,HTX C,HTX,0301234563,,,Gạo,1,3,,1/QĐ-UBND,01/02/2023,\n" + // 4: MST
		"Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã An Phú,HTX D,HTX,,,12345,Gạo,1,3,,1/QĐ-UBND,01/02/2023,\n" + // 5: phone
		"Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã An Phú,HTX E,HTX,,,,Gạo,Nhóm lạ,3,,1/QĐ-UBND,01/02/2023,\n" + // 6: group
		"Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã An Phú,HTX F,HTX,,,,Gạo,1,5,,1/QĐ-UBND,01/02/2023,Tỉnh\n" + // 7: authority
		"Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã An Phú,HTX G,HTX,,,,Gạo,1,3,,1/QĐ-UBND,01/02/2027,\n" + // 8: future
		good + // 9: duplicate of 2
		"Thành phố Hồ Chí Minh,,Xã An Phú,HTX H,HTX,,,,Gạo,1,3,,1/QĐ-UBND,01/02/2023,\n" + // 10: no district
		"Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã An Phú,HTX I,Công xưởng,,,,Gạo,1,3,,1/QĐ-UBND,01/02/2023,\n" + // 11: kind
		"Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã An Phú,HTX K,HTX,,,,Gạo,1,4,60,1/QĐ-UBND,01/02/2023,\n" + // 12: score band
		// A household's CCCD: born in 2027, the 22nd century, a province code of none.
		"Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã An Phú,Hộ kinh doanh L,HKD,079 227 001 234,,,Gạo,1,3,,1/QĐ-UBND,01/02/2023,\n" +
		"Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã An Phú,Hộ kinh doanh M,HKD,079490001234,,,Gạo,1,3,,1/QĐ-UBND,01/02/2023,\n" +
		"Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã An Phú,Hộ kinh doanh N,HKD,999090001234,,,Gạo,1,3,,1/QĐ-UBND,01/02/2023,\n" +
		"Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã An Phú,Hộ kinh doanh O,HKD,07909000123,,,Gạo,1,3,,1/QĐ-UBND,01/02/2023,\n" // 16: 11 digits
	rep, err := ri.Run(context.Background(), 0, nil, "registry.csv", []byte(file), p)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Dòng 3: không tìm thấy đơn vị cấp xã «Xã An Phúú»",
		// Tax codes and CCCDs are refused in the chat's words (one
		// function says both).
		"Dòng 4: " + p.T("error.tax_checksum"),
		"Dòng 5: số điện thoại sai",
		"Dòng 6: nhóm sản phẩm «Nhóm lạ» không rõ",
		"Dòng 7: theo Quyết định số 1048/QĐ-TTg, sản phẩm 5 sao do cấp trung ương (Bộ Nông nghiệp và Phát triển nông thôn) công nhận; cấp tỉnh công nhận: 3★–4★",
		"Dòng 8: Ngày quyết định không được sau hôm nay",
		"Dòng 9: trùng với dòng 2",
		"Dòng 10: quyết định ngày 01/02/2023 thuộc thời có cấp huyện",
		"Dòng 11: loại hình «Công xưởng» không rõ",
		"Dòng 12: điểm 60 ứng với 3 sao, không phải 4 sao",
		"Dòng 13: " + p.T("error.citizen_id_birth_year"),
		"Dòng 14: " + p.T("error.citizen_id_century"),
		"Dòng 15: " + p.T("error.citizen_id_province"),
		"Dòng 16: " + p.T("error.tax_format_household"),
	}
	if len(rep.Errors) != len(want) {
		t.Fatalf("errors:\n%s\nwant %d", strings.Join(rep.Errors, "\n"), len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(rep.Errors[i], w) {
			t.Errorf("error %d = %q, want it to start %q", i, rep.Errors[i], w)
		}
	}
	if !strings.Contains(rep.Errors[0], "Xã An Phú") {
		t.Errorf("unknown commune names no close name: %q", rep.Errors[0])
	}
	if pr, prod, c := countImported(t, store); pr+prod+c != 0 {
		t.Errorf("after a bad file: %d producers, %d products, %d certificates; want none", pr, prod, c)
	}
}

func TestRegistryImportTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	ri, store, p := registrySetup(t)
	ctx := context.Background()
	rep, err := ri.Run(ctx, 0, nil, "registry.csv", []byte(goodRegistry), p)
	if err != nil || len(rep.Errors) > 0 {
		t.Fatalf("import: %v %v", err, rep.Errors)
	}
	d := rep.Imported
	if d.ProducersNew != 3 || d.ProductsNew != 3 || d.CertificatesNew != 4 || d.Superseded != 1 || d.Unchanged != 0 {
		t.Errorf("first import: %+v; want 3 producers, 3 products, 4 certificates, 1 superseded", d)
	}
	var revoked time.Time
	if err := store.Pool().QueryRow(ctx, `SELECT revoked_on FROM certificates WHERE decision_no = '100/QĐ-UBND'`).Scan(&revoked); err != nil {
		t.Fatal(err)
	}
	if got := revoked.Format("02/01/2006"); got != "28/06/2024" {
		t.Errorf("3★ of 2022 ends on %s, want 28/06/2024 (the newer decision)", got)
	}
	var household, citizen string
	if err := store.Pool().QueryRow(ctx, `SELECT kind, citizen_id FROM producers WHERE name = 'Hộ kinh doanh Trần Bình'`).Scan(&household, &citizen); err != nil {
		t.Fatal(err)
	}
	if household != "household" || citizen != "079090001234" {
		t.Errorf("household row: kind %q, CCCD %q", household, citizen)
	}
	again, err := ri.Run(ctx, 0, nil, "registry.csv", []byte(goodRegistry), p)
	if err != nil || len(again.Errors) > 0 {
		t.Fatalf("second import: %v %v", err, again.Errors)
	}
	if a := again.Imported; a.ProducersNew+a.ProducersUpdated+a.ProductsNew+a.CertificatesNew+a.Superseded != 0 || a.Unchanged != 4 {
		t.Errorf("second import: %+v; want nothing changed, 4 unchanged", a)
	}
	var audits int
	if err := store.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'registry.imported' AND length(details->>'sha256') = 64`).Scan(&audits); err != nil {
		t.Fatal(err)
	}
	if audits != 2 {
		t.Errorf("%d audit rows with the file's SHA-256, want 2", audits)
	}
}

func TestRegistryExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ri, store, p := registrySetup(t)
	if rep, err := ri.Run(ctx, 0, nil, "registry.csv", []byte(goodRegistry), p); err != nil || len(rep.Errors) > 0 {
		t.Fatalf("import: %v %v", err, rep.Errors)
	}
	export := func(ri flows.RegistryImport, store *storage.Store) []byte {
		entries, err := store.RegistryEntries(ctx, "79", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.WriteAll(flows.RegistryTable(ri.Atlas, entries)); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	first := export(ri, store)
	if n := bytes.Count(first, []byte("\n")); n != 5 {
		t.Fatalf("export has %d lines, want header and 4 certificates:\n%s", n, first)
	}
	// The export imported into an empty database exports the same, and
	// imported where it came from changes nothing.
	ri2, store2, _ := registrySetup(t)
	if rep, err := ri2.Run(ctx, 0, nil, "export.csv", first, p); err != nil || len(rep.Errors) > 0 {
		t.Fatalf("import export: %v %v", err, rep.Errors)
	}
	second := export(ri2, store2)
	if !bytes.Equal(first, second) {
		t.Errorf("round trip differs:\n%s\nthen\n%s", first, second)
	}
	rep, err := ri.Run(ctx, 0, nil, "export.csv", first, p)
	if err != nil || len(rep.Errors) > 0 {
		t.Fatalf("re-import: %v %v", err, rep.Errors)
	}
	if a := rep.Imported; a.ProducersNew+a.ProducersUpdated+a.ProductsNew+a.CertificatesNew+a.Superseded != 0 {
		t.Errorf("export re-imported changed %+v", a)
	}
	lines := strings.Split(strings.TrimSpace(string(first)), "\n")
	if !slices.ContainsFunc(lines, func(l string) bool {
		return strings.HasPrefix(l, "Thành phố Hồ Chí Minh,Quận 1,Phường Bến Nghé,")
	}) {
		t.Errorf("export names units as the tree of the decision did:\n%s", first)
	}
}

// A producer is its tax code within its province as it is today: a file
// spanning the reform names one producer under Tỉnh Bình Dương (a decision
// of 2024, three-level tree) and under Thành phố Hồ Chí Minh (a decision of
// 2025, two-level tree), and the import makes one producer of it.
func TestRegistryProducerAcrossTheReform(t *testing.T) {
	t.Parallel()
	ri, store, p := registrySetup(t)
	ctx := context.Background()
	withTodaysTree(t, &ri, store)
	file := registryHeader +
		"Tỉnh Bình Dương,Thành phố Thủ Dầu Một,Phường Phú Cường,HTX Bánh bèo Phú Cường,HTX,0301234562,Lê Văn B,0912345671,Bánh bèo,Thực phẩm,4,,10/QĐ-UBND,15/03/2024,Tỉnh\n" +
		"Thành phố Hồ Chí Minh,,Phường Thủ Dầu Một,HTX Bánh bèo Phú Cường,HTX,0301234562,Lê Văn B,0912345671,Nước mắm,Thực phẩm,4,,20/QĐ-UBND,15/08/2025,Tỉnh\n"
	rep, err := ri.Run(ctx, 0, nil, "registry.csv", []byte(file), p)
	if err != nil || len(rep.Errors) > 0 {
		t.Fatalf("import: %v %v", err, rep.Errors)
	}
	var producers int
	var province string
	if err := store.Pool().QueryRow(ctx, `SELECT count(*), min(province_code) FROM producers WHERE tax_code = '0301234562'`).
		Scan(&producers, &province); err != nil {
		t.Fatal(err)
	}
	if producers != 1 || province != "79" {
		t.Fatalf("%d producers with the tax code, province %s; want one, of today's Ho Chi Minh City (79)", producers, province)
	}
}

// withTodaysTree loads today's tree of Ho Chi Minh City and the merges
// into store, and gives ri the atlas with them.
func withTodaysTree(t *testing.T, ri *flows.RegistryImport, store *storage.Store) {
	t.Helper()
	ctx := context.Background()
	if _, err := store.LoadEmbeddedUnits(ctx, "79"); err != nil {
		t.Fatal(err)
	}
	atlas, err := store.Atlas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ri.Atlas = atlas
}

// TestOlderCertificateKeepsTheProducersUnit: producers of today's Xã Củ
// Chi (decisions of 2025 in the two-level tree, one registered in the
// bot) stay there when a file brings an older certificate of theirs, of
// 2024, in Xã Tân Thông Hội of the three-level tree: the certificate is
// added, the producer does not move, nor is a producer without a tax code
// made twice; a newer decision elsewhere still moves a producer, in the
// chat's import as on the command line (the same RegistryImport).
func TestOlderCertificateKeepsTheProducersUnit(t *testing.T) {
	t.Parallel()
	ri, store, p := registrySetup(t)
	ctx := context.Background()
	withTodaysTree(t, &ri, store)
	tanThongHoi, err := store.UnitIDByCode(ctx, "27556", 3, time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	cuChi, ok := ri.Atlas.CommuneIn(ri.Atlas.At(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), tanThongHoi)
	if !ok {
		t.Fatal("Xã Tân Thông Hội has no commune today")
	}
	storagetest.AddProduct(t, store, 8901, cuChi, "Rau thủy canh")
	importFile := func(rows string) flows.RegistryReport {
		t.Helper()
		rep, err := ri.Run(ctx, 0, nil, "registry.csv", []byte(registryHeader+rows), p)
		if err != nil || len(rep.Errors) > 0 {
			t.Fatalf("import: %v %v", err, rep.Errors)
		}
		return rep
	}
	units := func() map[string]string {
		t.Helper()
		rows, err := store.Pool().Query(ctx, `SELECT p.name, u.name FROM producers p JOIN admin_units u ON u.id = p.unit_id`)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		var producer, unit string
		for rows.Next() {
			if err := rows.Scan(&producer, &unit); err != nil {
				t.Fatal(err)
			}
			out[producer] += unit
		}
		return out
	}
	importFile(
		"Thành phố Hồ Chí Minh,,Xã Củ Chi,HTX Tân Thông,HTX,0301234562,Nguyễn Văn A,0912345678,Mật ong,Thực phẩm,4,,20/QĐ-UBND,15/08/2025,Tỉnh\n" +
			"Thành phố Hồ Chí Minh,,Xã Củ Chi,Tổ hợp tác Đan lát,THT,,,,Giỏ lục bình,4,3,,21/QĐ-UBND,15/08/2025,Tỉnh\n")
	older := importFile(
		"Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã Tân Thông Hội,HTX Tân Thông,HTX,0301234562,Nguyễn Văn A,0912345678,Mật ong rừng,Thực phẩm,4,,2388/QĐ-UBND,28/06/2024,Tỉnh\n" +
			"Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã Tân Thông Hội,Tổ hợp tác Đan lát,THT,,,,Giỏ tre,4,3,,2389/QĐ-UBND,28/06/2024,Huyện\n" +
			"Thành phố Hồ Chí Minh,Huyện Củ Chi,Xã Tân Thông Hội,HTX Rau thủy canh,HTX,0100109106,Nguyễn Văn A,0912345678,Rau mầm,Thực phẩm,3,,2390/QĐ-UBND,28/06/2024,Huyện\n")
	want := map[string]string{"HTX Tân Thông": "Xã Củ Chi", "Tổ hợp tác Đan lát": "Xã Củ Chi", "HTX Rau thủy canh": "Xã Củ Chi"}
	if got := units(); !maps.Equal(got, want) {
		t.Errorf("after an older certificate: %v, want %v", got, want)
	}
	// The producer registered in the bot is updated once: its folded name,
	// which the registry identifies producers by, is stored.
	if a := older.Imported; a.ProducersNew != 0 || a.ProducersUpdated != 1 || a.CertificatesNew != 3 {
		t.Errorf("older certificates imported as %+v, want 3 certificates, no producer new, one updated", a)
	}

	// A newer decision in another commune moves the producer there.
	importFile("Thành phố Hồ Chí Minh,,Xã An Nhơn Tây,HTX Tân Thông,HTX,0301234562,Nguyễn Văn A,0912345678,Mật ong,Thực phẩm,4,,30/QĐ-UBND,01/02/2026,Tỉnh\n")
	want["HTX Tân Thông"] = "Xã An Nhơn Tây"
	if got := units(); !maps.Equal(got, want) {
		t.Errorf("after a newer decision: %v, want %v", got, want)
	}
}
