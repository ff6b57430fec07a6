package locales

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

func messages(t *testing.T, c *Catalog, lang string) map[string]*i18n.Message {
	t.Helper()
	mf, err := c.Bundle().LoadMessageFileFS(files, lang+".toml")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*i18n.Message{}
	for _, m := range mf.Messages {
		out[m.ID] = m
	}
	return out
}

func load(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSameMessagesInEveryLanguage fails when a language lacks a message the
// other has (go-i18n would silently fall back to Vietnamese).
func TestSameMessagesInEveryLanguage(t *testing.T) {
	t.Parallel()
	c := load(t)
	vi, en := messages(t, c, "vi"), messages(t, c, "en")
	for id := range vi {
		if _, ok := en[id]; !ok {
			t.Errorf("en lacks %s", id)
		}
	}
	for id := range en {
		if _, ok := vi[id]; !ok {
			t.Errorf("vi lacks %s", id)
		}
	}
	for id, m := range vi {
		if m.Description == "" || en[id] != nil && en[id].Description == "" {
			t.Errorf("%s has no description for translators", id)
		}
		// Vietnamese has the CLDR plural forms one and other: a message
		// rendered with a count must define both or rendering fails.
		if (m.One != "") != (en[id] != nil && en[id].One != "") {
			t.Errorf("%s: plural in one language only", id)
		}
		if m.One != "" && m.Other == "" {
			t.Errorf("vi %s: plural without other", id)
		}
	}
}

// templateData holds every key the code passes to a message.
var templateData = map[string]any{
	"Step": "Mã số thuế", "Producer": "HTX Tân Thông", "N": 3, "Total": 14, "Kind": "Hợp tác xã",
	"Parent": "Huyện Củ Chi", "Query": "cu chi", "Count": 2, "Group": "Thực phẩm", "Max": 200,
	"Phone": "0912345678", "Code": "OCOP-26-000001", "Product": "Mật ong", "Stars": 4,
	"Status": "Đã gửi", "Date": "23/11/2026", "Len": 250, "Min": 10, "Role": "huyện", "Unit": "Huyện Củ Chi",
	"Input": "31/02/2025", "Name": "cu chi", "Three": 3, "Four": 1, "Five": 0, "Target": "≥ 3 sản phẩm OCOP",
	"Value": "2", "Gap": "còn thiếu 1 sản phẩm", "Kinds": "Quận, thành phố", "Met": 9, "Units": 17,
	"Names": "Xã An Phú, Xã Trung Lập Hạ", "Communes": 21, "Products": 5, "Link": "https://t.me/ocopbot?start=abc",
	"Previous": 3, "MB": 5, "Score": "72,5", "DecisionNo": "2388/QĐ-UBND", "Minutes": 15, "Accounts": "Zalo, Telegram",
	"End":    "hiệu lực đến hết ngày 27/06/2027",
	"Regime": "148/QĐ-TTg", "By": "cấp tỉnh", "Office": "cấp huyện", "Mine": "3★", "Line": 4, "Error": "thiếu mã hồ sơ",
	"Proposed": 5, "To": "cấp Trung ương", "Proposer": "Thành phố Hồ Chí Minh",
	"New": 12, "Certificates": 10, "Unchanged": 0, "Columns": "Điểm", "Header": "unit_code,…", "Level": 2, "First": 3, "District": "huyện Củ Chi", "Rules": 2, "Replaced": 1, "Reason": "vi phạm an toàn thực phẩm",
	"When": "23/11 10:05", "Who": "HTX Tân Thông", "Attempts": 2, "Applicant": "Hồ sơ OCOP-26-000001: Mật ong — HTX Tân Thông",
	"Last":      "65 điểm, 3 sao, Quyết định số 12/QĐ-UBND ngày 01/03/2023",
	"Submitted": "01/11/2026", "Address": "Xã Củ Chi, Thành phố Hồ Chí Minh", "Old": "Xã Tân Thông Hội", "Now": "Xã Củ Chi", "Answer": "Đăng ký đánh giá lại", "Stage": 30, "Linked": 12, "Unlinked": 55, "Reevaluate": 2, "Upgrade": 1, "Lapse": 1, "Unanswered": 4, "Unreachable": 1,
	"Closest": "Phường Bến Nghé, Phường Bến Thành", "Province": "Thành phố Hồ Chí Minh", "Band": 3, "Rows": 191,
	"Example": "an nhon tay", "Former": "Huyện Củ Chi",
	"ProducersNew": 67, "ProducersUpdated": 0, "Superseded": 2,
	"Version": "2026-12", "Withdrawn": "01/12 09:00", "ChatID": 123456789,
	"Encouraged": 4, "Back": "Quay lại", "List": "1, 2", "Channel": "Zalo", "Account": "mã tài khoản Zalo", "Transfer": "Nơi lưu tin nhắn: …", "URL": "https://ocop.example.vn/files/ab", "Hours": 24, "Words": "«quay lại» để về bước trước · «hủy» để dừng",
	"Field": "Số điện thoại", "Scope": "Anh/Chị xem được tình hình OCOP của Xã An Phú.", "Own": "Xã An Phú",
	"Controller": "Văn phòng Điều phối Chương trình OCOP Thành phố Hồ Chí Minh", "Contact": "028 3829 1234", "Soon": 12, "Days": 30,
}

// TestEveryMessageRenders renders each message in each language, with
// counts 1 and 5 for plurals, and fails on an error or a template key the
// code never passes ("<no value>").
func TestEveryMessageRenders(t *testing.T) {
	t.Parallel()
	c := load(t)
	for _, lang := range Languages {
		loc := i18n.NewLocalizer(c.Bundle(), lang)
		for id, m := range messages(t, c, lang) {
			counts := []any{nil}
			if m.One != "" {
				counts = []any{1, 5}
			}
			for _, n := range counts {
				data := templateData
				if n != nil {
					data = map[string]any{}
					for k, v := range templateData {
						data[k] = v
					}
					data["Count"] = n
				}
				s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: n})
				if err != nil {
					t.Errorf("%s %s (count %v): %v", lang, id, n, err)
					continue
				}
				if strings.Contains(s, "<no value>") || strings.TrimSpace(s) == "" {
					t.Errorf("%s %s renders %q", lang, id, s)
				}
				if len([]rune(s)) > 4096 {
					t.Errorf("%s %s is longer than a Telegram message", lang, id)
				}
			}
		}
	}
}

// TestCodeUsesOnlyKnownMessages scans the Go sources for message IDs passed
// as literals and checks each exists, so a typo fails here and not in a
// farmer's chat.
func TestCodeUsesOnlyKnownMessages(t *testing.T) {
	t.Parallel()
	c := load(t)
	vi := messages(t, c, "vi")
	re := regexp.MustCompile(`\.(?:T|N)\("([a-z_.]+[a-z_])"`)
	var used []string
	for _, dir := range []string{"../flows", "../bot"} {
		paths, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, p := range paths {
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllStringSubmatch(string(src), -1) {
				used = append(used, m[1])
			}
		}
	}
	if len(used) < 30 {
		t.Fatalf("found only %d message IDs in the sources; is the pattern right?", len(used))
	}
	slices.Sort(used)
	for _, id := range slices.Compact(used) {
		if _, ok := vi[id]; !ok {
			t.Errorf("the code uses message %q, which is not in the catalogue", id)
		}
	}
}

// TestCertificateEndSaidOneWay: every message naming a certificate's end
// takes it worded by cert.end (its last valid day, End), never a date of its
// own after words of the first day it no longer counts or of an end
// "inclusive": a producer and an official reading side by side see one date.
func TestCertificateEndSaidOneWay(t *testing.T) {
	t.Parallel()
	c := load(t)
	other := regexp.MustCompile(`(?i)(hết hiệu lực từ( ngày)?|hiệu lực đến( hết)?( ngày)?|no longer valid (from|since)|up to and including|valid until( the end of)?) \{\{\.(Until|Date)\}\}`)
	for _, lang := range Languages {
		for id, m := range messages(t, c, lang) {
			for _, form := range []string{m.One, m.Other} {
				if w := other.FindString(form); w != "" {
					t.Errorf("%s %s says a certificate's end its own way (%q): use {{.End}}, worded by cert.end", lang, id, w)
				}
			}
		}
	}
}

func TestPrinterFallsBackToVietnamese(t *testing.T) {
	t.Parallel()
	c := load(t)
	if got := c.Printer("fr").Lang; got != "vi" {
		t.Fatalf("printer for fr speaks %q, want vi", got)
	}
	if got := c.Printer("en").T("reg.progress", "N", 1, "Total", 6); got != "Step 1/6" {
		t.Fatalf("en reg.progress = %q", got)
	}
	if got := c.Printer("vi").N("records.header", 1); got != "Anh/Chị có 1 hồ sơ:" {
		t.Fatalf("vi records.header(1) = %q", got)
	}
	if got := c.Printer("vi").T("no.such.message"); got != "[no.such.message]" {
		t.Fatalf("missing message renders %q", got)
	}
}

// TestPlainMessagesKeptPerLanguage: a message without data is rendered once
// per language and then given from memory, each language its own; a
// missing one is not remembered as text.
func TestPlainMessagesKeptPerLanguage(t *testing.T) {
	t.Parallel()
	c := load(t)
	for range 2 {
		if got := c.Printer("vi").T("button.cancel"); got != "❌ Hủy" {
			t.Fatalf("vi button.cancel = %q", got)
		}
		if got := c.Printer("en").T("button.cancel"); got != "❌ Cancel" {
			t.Fatalf("en button.cancel = %q", got)
		}
		if got := c.Printer("vi").T("no.such.message"); got != "[no.such.message]" {
			t.Fatalf("missing message renders %q", got)
		}
	}
}
