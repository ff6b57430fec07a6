package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/report"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestRegistryCommands runs `ocopbot registry template`, `import` and
// `export` as a user would: the template's header; an XLSX imported, then
// refused for another province; export → import changes nothing, and the
// export imported into an empty database exports the same file.
func TestRegistryCommands(t *testing.T) {
	t.Parallel()
	dir, bin := buildInTempDir(t)
	first, second := storagetest.NewDB(t).URL, storagetest.NewDB(t).URL
	run := func(db string, args ...string) (string, error) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"registry"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "DATABASE_URL="+db, "LOG_FORMAT=text")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		return out.String() + errOut.String(), err
	}
	must := func(db string, args ...string) string {
		t.Helper()
		out, err := run(db, args...)
		if err != nil {
			t.Fatalf("registry %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	read := func(name string) [][]string {
		t.Helper()
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := report.ReadTable(context.Background(), name, data, report.CommandBudget)
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}

	tmpl := filepath.Join(dir, "mau.xlsx")
	must(first, "template", "--out", tmpl)
	if rows := read(tmpl); len(rows) != 1 || !slices.Equal(rows[0], flows.RegistryColumns) || !flows.IsRegistryFile(rows) {
		t.Errorf("template's first sheet: %q, want the header alone", rows)
	}
	f, err := excelize.OpenFile(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	if sheets := f.GetSheetList(); !slices.Equal(sheets, []string{"Danh sách OCOP", "Hướng dẫn"}) {
		t.Errorf("template sheets %q", sheets)
	}
	f.Close()

	file := filepath.Join(dir, "danh-sach.xlsx")
	if err := writeTable(file, "Danh sách OCOP", append([][]string{flows.RegistryColumns}, registryExamples...)); err != nil {
		t.Fatal(err)
	}
	if out, err := run(first, "import", "--province", "01", file); err == nil || !strings.Contains(out, "Dòng 2: đơn vị thuộc Thành phố Hồ Chí Minh, ngoài phạm vi") {
		t.Errorf("import for Hà Nội of an HCMC file: %v\n%s", err, out)
	}
	if out := must(first, "import", "--province", "79", file); !strings.Contains(out, "Đã nhập 2 dòng: chủ thể mới 2, cập nhật 0; sản phẩm mới 2; giấy chứng nhận mới 2") {
		t.Errorf("import said %s", out)
	}
	export := filepath.Join(dir, "xuat.xlsx")
	must(first, "export", "--province", "79", "--out", export)
	if out := must(first, "import", export); !strings.Contains(out, "chủ thể mới 0, cập nhật 0; sản phẩm mới 0; giấy chứng nhận mới 0, đã có 2, thay thế 0") {
		t.Errorf("the export imported back said %s", out)
	}
	must(second, "import", export)
	again := filepath.Join(dir, "xuat-lai.xlsx")
	must(second, "export", "--out", again)
	if a, b := read(export), read(again); !slices.EqualFunc(a, b, slices.Equal) || len(a) != 3 {
		t.Errorf("round trip:\n%q\nthen\n%q", a, b)
	}
	if out := must(first, "export", "--province", "79", "--day", "30/09/2023", "--out", filepath.Join(dir, "ngay.csv")); !strings.Contains(out, "1 certificates") {
		t.Errorf("export on 30/09/2023: %s", out)
	}
}
