package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ocopbot/ocopbot/flows/report/reporttest"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestImportCommandsRefuseHostileFiles: every `… import` reads within the
// command line's budget: the zip bomb is refused from its central
// directory by the three of them, the 200,000-row sheet from its declared
// dimension, a file over 64 MB before it is read; nothing is written.
func TestImportCommandsRefuseHostileFiles(t *testing.T) {
	t.Parallel()
	dir, bin := buildInTempDir(t)
	db := storagetest.NewDB(t)
	write := func(name string, w func(io.Writer) error) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, reporttest.Bytes(w), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	bomb := write("bomb.xlsx", func(w io.Writer) error { return reporttest.Bomb(w, 1<<30, 0, 1) })
	big := write("big.xlsx", func(w io.Writer) error {
		return reporttest.Sheet(w, 200_000, true, func(i int) []string { return []string{strconv.Itoa(i)} })
	})
	huge := filepath.Join(dir, "huge.csv")
	if err := os.WriteFile(huge, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 65<<20); err != nil { // sparse: no 65 MB written
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"registry", "import", bomb}, "Tệp quá lớn khi giải nén (nội dung tối đa 160 MB)"},
		{[]string{"results", "import", bomb}, "Tệp quá lớn khi giải nén (nội dung tối đa 160 MB)"},
		{[]string{"quotas", "import", bomb}, "Tệp quá lớn khi giải nén (nội dung tối đa 160 MB)"},
		{[]string{"registry", "import", big}, "Tệp có quá 120000 dòng"},
		{[]string{"registry", "import", huge}, "more than the 64 MB a file may have"},
	} {
		cmd := exec.Command(bin, c.args...)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+db.URL, "LOG_FORMAT=text")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err == nil || !strings.Contains(out.String(), c.want) {
			t.Errorf("%s: %v, want %q:\n%s", strings.Join(c.args[:2], " "), err, c.want, out.String())
		}
	}
	var n int
	if err := db.Store.Pool().QueryRow(t.Context(), `SELECT count(*) FROM producers`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d producers after refused files (%v)", n, err)
	}
}
