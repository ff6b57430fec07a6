package flows_test

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// TestCertificateEndSaidAlike: one certificate, decided on 28/06/2024 (so
// stored as no longer valid from 28/06/2027), as its producer and an
// official read it on every surface — the result notice, /hoso, a
// reminder and the confirmation of its answer, /giahan, /status's expiring
// line, the /status workbook's cell and the weekly digest — in both
// languages. Each names the certificate's end as the same day, its last
// valid day 27/06/2027, worded alike, and none shows the first day it no
// longer counts.
func TestCertificateEndSaidAlike(t *testing.T) {
	t.Parallel()
	e, store, _ := setup(t)
	ctx := context.Background()
	const last, first = "27/06/2027", "28/06/2027"
	said := map[string]string{"vi": "hiệu lực đến hết ngày " + last, "en": "valid until the end of " + last}
	cell := map[string]string{"vi": "Hiệu lực đến hết ngày", "en": "Valid until the end of"}

	var commune int64
	if err := store.Pool().QueryRow(ctx, `SELECT id FROM admin_units WHERE level = 3 ORDER BY id LIMIT 1`).Scan(&commune); err != nil {
		t.Fatal(err)
	}
	producer := int64(4801)
	product := storagetest.AddProduct(t, store, producer, commune, "Mật ong")
	var reg int64
	var code string
	if err := store.Pool().QueryRow(ctx, `SELECT id, code FROM registrations WHERE product_id = $1`, product).Scan(&reg, &code); err != nil {
		t.Fatal(err)
	}
	decided := time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC)
	if _, err := store.RecordResults(ctx, []ocop.Result{{RegistrationID: reg, ProductID: product, Code: code, Score: 75, Stars: 4,
		DecisionNo: "2388/QĐ-UBND", DecisionDate: decided}}); err != nil {
		t.Fatal(err)
	}
	var cert int64
	if err := store.Pool().QueryRow(ctx, `SELECT id FROM certificates WHERE product_id = $1`, product).Scan(&cert); err != nil {
		t.Fatal(err)
	}
	invite, err := store.CreateInvite(ctx, 0, ocop.RoleAdmin, 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	official := int64(4802)
	if _, err := store.RedeemInvite(ctx, invite, official, official); err != nil {
		t.Fatal(err)
	}
	// Thirty days before the end: the reminder is due and the certificate
	// is among those ending within 90 days.
	day := time.Date(2027, 5, 29, 0, 0, 0, 0, time.UTC)
	if _, err := store.SweepReminders(ctx, day, ocop.DefaultReminderStages, 100); err != nil {
		t.Fatal(err)
	}

	say := func(user int64, lang string, in flows.Input) []flows.Reply {
		t.Helper()
		_, res, err := e.Handle(ctx, &flows.Chat{ID: user, UserID: user, Locale: lang}, nil, in)
		if err != nil {
			t.Fatal(err)
		}
		return res.Replies
	}
	texts := func(replies []flows.Reply) string {
		var b strings.Builder
		for _, r := range replies {
			b.WriteString(r.Text + "\n")
		}
		return b.String()
	}
	command := func(user int64, name, text string) func(lang string) string {
		return func(lang string) string {
			return texts(say(user, lang, flows.Input{Kind: flows.InputCommand, Command: name, Text: text}))
		}
	}
	// notice renders the producer's latest notification of kind, as the
	// sender does.
	notice := func(kind string) func(lang string) string {
		return func(lang string) string {
			t.Helper()
			var payload string
			if err := store.Pool().QueryRow(ctx, `SELECT payload::text FROM notifications WHERE kind = $1 AND chat_id = $2 ORDER BY id DESC LIMIT 1`,
				kind, producer).Scan(&payload); err != nil {
				t.Fatalf("the producer's %s notice: %v", kind, err)
			}
			r, err := e.Notice(ocop.Notification{ID: 1, Kind: kind, Locale: lang, Payload: json.RawMessage(payload)})
			if err != nil {
				t.Fatal(err)
			}
			return r.Text
		}
	}
	// The weekly digest of that week, as the digest job builds it.
	digest := func(lang string) string {
		t.Helper()
		d := ocop.DigestNotice{Unit: "Huyện Củ Chi", From: day.AddDate(0, 0, -7), Until: day.AddDate(0, 0, 90)}
		var err error
		if d.Expiring, d.Soonest, err = e.DigestExpiring(ctx, ocop.Official{Role: ocop.RoleAdmin}, day, 10); err != nil {
			t.Fatal(err)
		}
		payload, _ := json.Marshal(d)
		r, err := e.Notice(ocop.Notification{ID: 1, Kind: ocop.NoticeDigest, Locale: lang, Payload: payload})
		if err != nil {
			t.Fatal(err)
		}
		return r.Text
	}
	// The /status workbook's column of the certificate's end.
	workbook := func(lang string) string {
		t.Helper()
		replies := say(official, lang, flows.Input{Kind: flows.InputButton, Data: "x|xl|0|" + day.Format("20060102")})
		if len(replies) == 0 || replies[len(replies)-1].Document == nil {
			t.Fatalf("no workbook: %+v", replies)
		}
		f, err := excelize.OpenReader(bytes.NewReader(replies[len(replies)-1].Document.Data))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows(f.GetSheetList()[1])
		if err != nil || len(rows) < 2 {
			t.Fatalf("products sheet: %v %v", rows, err)
		}
		col := slices.Index(rows[0], cell[lang])
		if col < 0 || col >= len(rows[1]) {
			t.Fatalf("no column %q in %v", cell[lang], rows[0])
		}
		return rows[0][col] + " " + rows[1][col]
	}
	surfaces := []struct {
		name string
		text func(lang string) string
	}{
		{"result notice", notice(ocop.NoticeResult)},
		{"/hoso", command(producer, "hoso", "")},
		{"reminder", notice(ocop.NoticeReminder)},
		{"answer", func(lang string) string {
			answer := map[string]string{"vi": "r", "en": "u"}[lang] // a second answer, not the same one twice
			return texts(say(producer, lang, flows.Input{Kind: flows.InputButton, Data: "x|rn|" + strconv.FormatInt(cert, 10) + "|" + answer}))
		}},
		{"/giahan", command(official, "giahan", "")},
		{"/status", command(official, "status", day.Format("02/01/2006"))},
		{"workbook", workbook},
		{"digest", digest},
	}
	dated := regexp.MustCompile(`\d{2}/\d{2}/\d{4}`)
	for _, s := range surfaces {
		for _, lang := range []string{"vi", "en"} {
			t.Run(s.name+"/"+lang, func(t *testing.T) {
				text := s.text(lang)
				want := said[lang]
				if s.name == "workbook" {
					want = cell[lang] + " " + last
				}
				if !strings.Contains(text, want) {
					t.Errorf("lacks %q:\n%s", want, text)
				}
				if strings.Contains(text, first) {
					t.Errorf("names %s, the first day the certificate no longer counts:\n%s", first, text)
				}
				// Any other day shown is the submission's, the decision's, the
				// day asked or of the digest's week and window, never another
				// end.
				for _, d := range dated.FindAllString(text, -1) {
					if !slices.Contains([]string{last, "21/08/2019", "28/06/2024", "29/05/2027", "22/05/2027", "26/08/2027"}, d) {
						t.Errorf("names %s:\n%s", d, text)
					}
				}
			})
		}
	}
}
