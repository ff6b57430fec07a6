package bot_test

import (
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/report/reporttest"
)

// hostileFiles are the attacker's two files: an XLSX whose sheet inflates
// to 1 GiB from about 2.6 MB, and a sheet of 200,000 rows (1.5 MB).
func hostileFiles() (bomb, big []byte) {
	bomb = reporttest.Bytes(func(w io.Writer) error { return reporttest.Bomb(w, 1<<30, 0, 1) })
	big = reporttest.Bytes(func(w io.Writer) error {
		return reporttest.Sheet(w, 200_000, true, func(i int) []string { return []string{"Sản phẩm " + strconv.Itoa(i)} })
	})
	return bomb, big
}

// TestHostileFilesInChat: a province official sends the zip bomb and the
// 200,000-row sheet while another user chats. The official is told what is
// wrong with each; the other user's answers keep coming (their latency is
// logged: the bounds asserted are only the harness's 20 s); the official's
// chat then imports the city's registry as usual.
func TestHostileFilesInChat(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	h := newHarness(t, harnessOptions{twoLevel: true, merges: true, now: now})
	city := bind(t, h, 9701, unitOn(t, h, "79", 1, now), ocop.RoleProvince)
	other := h.user(9702)
	other.say("/trogiup")
	other.expectSome("/dangky")
	bomb, big := hostileFiles()

	start := time.Now()
	sent := []int64{h.emu.SendDocument(city.chatID(), city.u, "danh-sach.xlsx", bomb),
		h.emu.SendDocument(city.chatID(), city.u, "danh-sach-200000.xlsx", big)}
	for i := range 6 {
		asked := time.Now()
		other.say("/trogiup")
		other.expectSome("/dangky")
		t.Logf("other user's reply %d: %v", i+1, time.Since(asked))
	}
	for _, id := range sent {
		h.waitDone(id)
	}
	t.Logf("both files answered in %v", time.Since(start))
	var told []string
	for _, m := range city.replies() {
		told = append(told, m.Text)
	}
	for _, want := range []string{"Tệp quá lớn khi giải nén (nội dung tối đa 32 MB)", "Tệp có quá 20000 dòng"} {
		if !slices.ContainsFunc(told, func(s string) bool { return strings.Contains(s, want) }) {
			t.Errorf("the official was not told %q; told:\n%s", want, strings.Join(told, "\n---\n"))
		}
	}

	city.say("/trogiup")
	city.expectSome("/ketqua")
	h.waitDone(h.emu.SendDocument(city.chatID(), city.u, "danh-sach.csv", hcmcRegistry(t, h)))
	city.expect("Đã nhập 191 dòng: chủ thể mới 67")
}
