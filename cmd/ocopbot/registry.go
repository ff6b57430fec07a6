package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/report"
	unitsx "github.com/ocopbot/ocopbot/flows/units"
)

// registry imports, exports and templates a province's OCOP registry:
//
//	ocopbot registry import [--province CODE] FILE
//	ocopbot registry export [--province CODE] [--day DD/MM/YYYY] [--out FILE]
//	ocopbot registry template [--out FILE]
func registry(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" && args[0] != "export" && args[0] != "template" {
		return fmt.Errorf("registry: want `registry import|export|template`: %w", errUsage)
	}
	fs := flag.NewFlagSet("registry "+args[0], flag.ContinueOnError)
	province := fs.String("province", "", "GSO code of the province; empty: every province")
	day := fs.String("day", "", "export: only certificates valid on this day, DD/MM/YYYY")
	out := fs.String("out", "", "export, template: the file to write (.xlsx or .csv)")
	lang := fs.String("lang", "vi", "language of the error list: vi or en")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if args[0] == "template" {
		name := *out
		if name == "" {
			name = "ocop-registry-template.xlsx"
		}
		if err := writeRegistryTemplate(name); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "registry: template written to %s\n", name)
		return nil
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	atlas, err := store.Atlas(ctx)
	if err != nil {
		return err
	}
	if args[0] == "export" {
		var on time.Time
		if *day != "" {
			d, ok := dates.Parse(*day)
			if !ok {
				return fmt.Errorf("registry export: --day wants DD/MM/YYYY: %w", errUsage)
			}
			on = d
		}
		entries, err := store.RegistryEntries(ctx, *province, on)
		if err != nil {
			return err
		}
		name := *out
		if name == "" {
			name = "ocop-registry.xlsx"
		}
		// The file has representatives and phones: its export is recorded.
		var unitID int64
		if u, ok := atlas.At(dates.LocalDay(time.Now())).Units.ByCode(*province, 1); ok {
			unitID = u.ID
		}
		if err := store.RecordExport(ctx, ocop.Export{Kind: ocop.ExportRegistry, Operator: operator(), UnitID: unitID, Rows: len(entries)}); err != nil {
			return err
		}
		if err := writeTable(name, "Danh sách OCOP", flows.RegistryTable(atlas, entries)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "registry: %d certificates written to %s\n", len(entries), name)
		return nil
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("registry import: want one FILE (.xlsx or .csv): %w", errUsage)
	}
	path := fs.Arg(0)
	data, err := readImportFile(path)
	if err != nil {
		return fmt.Errorf("registry import: %w", err)
	}
	groups, err := store.ProductGroups(ctx)
	if err != nil {
		return err
	}
	var scope func(int64) bool
	if *province != "" {
		scope = provinceScope(atlas, *province)
	}
	p, err := printer(stderr, *lang)
	if err != nil {
		return err
	}
	rep, err := flows.RegistryImport{Records: store, Groups: groups, Importer: commandImporter(atlas)}.Run(ctx, 0, scope, filepath.Base(path), data, p)
	if err != nil {
		return err
	}
	if err := fileErrors(stderr, "registry import", rep.Errors); err != nil {
		return err
	}
	fmt.Fprintln(stdout, rep.Summary(p))
	return nil
}

// provinceScope admits the communes of the province with GSO code code,
// in whichever tree.
func provinceScope(a *unitsx.Atlas, code string) func(int64) bool {
	return func(id int64) bool {
		for {
			u, ok := a.Unit(id)
			if !ok {
				return false
			}
			if u.Level == 1 {
				return u.Code == code
			}
			id = u.ParentID
		}
	}
}

// writeTable writes rows as CSV (for Excel: report.WriteCSV) or as an XLSX
// sheet of text cells, by name's extension.
func writeTable(name, sheet string, rows [][]string) error {
	if filepath.Ext(name) == ".csv" {
		f, err := os.Create(name)
		if err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		if err := report.WriteCSV(f, rows); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", name, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		return nil
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("name sheet: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, c := range r {
			cells[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, cells); err != nil {
			return fmt.Errorf("write %s row %d: %w", name, i+1, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.SaveAs(name); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// registryExamples are the template's example rows, on its instructions
// sheet so that the data sheet starts empty.
var registryExamples = [][]string{
	{"Thành phố Hồ Chí Minh", "Huyện Củ Chi", "Xã Tân Thông Hội", "HTX Nông nghiệp Tân Thông", "HTX", "0301234562",
		"Nguyễn Văn An", "0912345678", "Mật ong hoa cà phê", "Thực phẩm", "4 sao", "72,5", "2388/QĐ-UBND", "28/06/2024", "Tỉnh"},
	{"ho chi minh", "cu chi", "phu my hung", "Hộ kinh doanh Trần Thị Bình", "HKD", "",
		"Trần Thị Bình", "0987654321", "Trà thảo mộc", "thảo dược", "3", "", "1520/QĐ-UBND", "15/09/2023", ""},
}

// writeRegistryTemplate writes the header on the first sheet, and the
// instructions with examples on a second.
func writeRegistryTemplate(name string) error {
	help := [][]string{{"Cột", "Cách ghi"},
		{"Tỉnh/Thành phố", "Tên (có hoặc không dấu) hoặc mã đơn vị, theo danh mục có hiệu lực vào ngày quyết định."},
		{"Quận/Huyện", "Chỉ ghi cho quyết định trước 01/07/2025 (thời có cấp huyện)."},
		{"Xã/Phường", "Tên hoặc mã đơn vị cấp xã vào ngày quyết định: xã, phường, đặc khu (trước 01/07/2025: xã, phường, thị trấn)."},
		{"Tên chủ thể", "Tên doanh nghiệp, HTX, tổ hợp tác, trang trại hoặc hộ."},
		{"Loại hình", "DN, Công ty TNHH/CP, Doanh nghiệp tư nhân; HTX; THT; Trang trại; Hộ kinh doanh (HKD)."},
		{"Mã số thuế", "MST 10 hoặc 13 chữ số; với hộ kinh doanh có thể ghi số CCCD của chủ hộ (12 chữ số). Có thể để trống."},
		{"Người đại diện", "Có thể để trống."},
		{"Số điện thoại", "Số của chủ thể, ví dụ 0912345678: chủ thể dùng số này để liên kết tài khoản Telegram."},
		{"Tên sản phẩm", "Tên sản phẩm được công nhận."},
		{"Nhóm sản phẩm", "Mã 1–6 hoặc tên nhóm (Thực phẩm, Đồ uống, Dược liệu…, Hàng thủ công mỹ nghệ, Sinh vật cảnh, Dịch vụ du lịch…); tên nhóm năm 2019 cũng được."},
		{"Hạng sao", "3, 4 hoặc 5 (ví dụ 4, 4 sao, 4★)."},
		{"Điểm", "Không bắt buộc; nếu ghi, phải khớp hạng sao."},
		{"Số quyết định", "Ví dụ 2388/QĐ-UBND."},
		{"Ngày quyết định", "dd/mm/yyyy, không sau hôm nay."},
		{"Cấp công nhận", "Không bắt buộc: Trung ương, Tỉnh hoặc Huyện; hạng sao phải đúng thẩm quyền của cấp đó vào ngày quyết định."},
		{"", "Mỗi dòng là một giấy chứng nhận. Có dòng lỗi thì không ghi dòng nào; nhập lại cùng tệp không thay đổi gì."},
		{},
		{"Ví dụ (chép sang trang «Danh sách OCOP», dưới dòng tiêu đề):"},
		flows.RegistryColumns,
	}
	help = append(help, registryExamples...)
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Danh sách OCOP"); err != nil {
		return fmt.Errorf("template: %w", err)
	}
	if _, err := f.NewSheet("Hướng dẫn"); err != nil {
		return fmt.Errorf("template: %w", err)
	}
	for _, s := range []struct {
		name string
		rows [][]string
	}{{"Danh sách OCOP", [][]string{flows.RegistryColumns}}, {"Hướng dẫn", help}} {
		for i, r := range s.rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(s.name, cell, &r); err != nil {
				return fmt.Errorf("template: %w", err)
			}
		}
	}
	if err := f.SaveAs(name); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
