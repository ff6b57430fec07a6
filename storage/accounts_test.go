package storage_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/storage"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// A Zalo user gets one chat id, however many first messages race, far
// from any Telegram chat; it maps back to the user.
func TestZaloChatAllocation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	// Two stores, so that neither answers from its cache.
	other, err := storage.Open(ctx, db.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ids := make([]int64, 16)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := db.Store
			if i%2 == 1 {
				s = other
			}
			id, err := s.ZaloChat(ctx, "8213645102938475610")
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] || !storage.IsZaloChat(id) {
			t.Fatalf("chat ids %v: want one id below %d", ids, storage.ZaloChatBase)
		}
	}
	second, err := db.Store.ZaloChat(ctx, "1000000000000000001")
	if err != nil || second == ids[0] || !storage.IsZaloChat(second) {
		t.Fatalf("second user's chat %d (%v)", second, err)
	}
	if u, err := other.ZaloUser(ctx, ids[0]); err != nil || u != "8213645102938475610" {
		t.Fatalf("ZaloUser = %q (%v)", u, err)
	}
	if storage.IsZaloChat(-1001234567890) || storage.IsZaloChat(987654321) {
		t.Fatal("a Telegram chat taken for a Zalo one")
	}
}

// Migration 018 from the schema today's main wrote: every Telegram chat
// gets its account, under the same chat id, so that its producers,
// officials, notifications and conversation — all keyed by that id —
// carry over untouched; a chat that writes later gets one too.
func TestMigrationAccountsFromTodaysSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	pool := db.Store.Pool()
	// Back to version 17: 018 and 019 only add.
	for _, q := range []string{`DROP TABLE accounts`, `DROP SEQUENCE zalo_chat_seq`, `DROP TABLE link_codes`,
		`DELETE FROM schema_migrations WHERE version IN (18, 19)`} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// Rows as today's main writes them: chats, an official, a producer
	// with its registration, a notification queued to the official, a
	// conversation in Redis.
	commune := someCommune(t, db.Store)
	if _, err := pool.Exec(ctx, `INSERT INTO chats (chat_id, user_id, locale) VALUES (42, 42, 'vi'), (77, 77, 'en'), (55, 55, 'vi')`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO officials (user_id, chat_id, unit_id, role) VALUES (55, 55, $1, 'commune')`, commune); err != nil {
		t.Fatal(err)
	}
	sub := ocop.Submission{ActorID: 42,
		Producer: ocop.Producer{OwnerUserID: 42, ChatID: 42, Kind: ocop.KindFarm, Name: "Trang trại A",
			Representative: "B", Phone: "0912345678", TaxCode: "0100109106", UnitID: commune},
		Product: ocop.Product{Name: "Sữa bò", SubgroupCode: "1.1", Description: "Sữa tươi", TargetStars: 3}}
	if _, err := db.Store.SubmitRegistration(ctx, sub); err != nil {
		t.Fatal(err)
	}
	r := storagetest.NewRedis(t, storage.RedisOptions{})
	v, err := r.Save(ctx, storage.Session{ChatID: 77}, []byte(`{"v":2,"f":"reg","s":"name"}`), "en", storage.StreamAck{}, [][]byte{[]byte("entry")})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := pool.Exec(ctx, `INSERT INTO notifications (kind, chat_id, unit_id, payload) VALUES ('renewal_answer', 55, $1, '{}')`, commune); err != nil {
		t.Fatal(err)
	}
	queued := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE chat_id = 55 AND status = 'queued'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	notices := queued()
	if n, err := db.Store.Migrate(ctx); err != nil || n != 2 {
		t.Fatalf("migrate applied %d (%v), want 2", n, err)
	}
	if n := queued(); n != notices {
		t.Fatalf("queued notices after the migration: %d, want %d", n, notices)
	}
	if off, err := db.Store.OfficialByUser(ctx, 55); err != nil || off.UnitID != commune {
		t.Fatalf("official 55 after the migration = %+v (%v)", off, err)
	}
	// Every chat is its own person, and is reached at itself.
	for _, chat := range []int64{42, 55, 77} {
		if p, err := db.Store.Person(ctx, chat); err != nil || p != chat {
			t.Fatalf("person of chat %d = %d (%v)", chat, p, err)
		}
		if r, err := db.Store.Reach(ctx, chat); err != nil || len(r) != 1 || r[0] != chat {
			t.Fatalf("chat %d reached at %v (%v)", chat, r, err)
		}
	}
	accs, err := db.Store.Accounts(ctx, 42)
	if err != nil || len(accs) != 1 || accs[0] != (storage.Account{Channel: storage.ChannelTelegram, ExternalID: "42"}) {
		t.Fatalf("accounts of chat 42 = %+v (%v)", accs, err)
	}
	if accs, _ := db.Store.Accounts(ctx, 77); len(accs) != 1 {
		t.Fatalf("accounts of chat 77 = %+v", accs)
	}
	if p, err := db.Store.ProducerByOwner(ctx, 42); err != nil || p.ChatID != 42 {
		t.Fatalf("producer of chat 42 = %+v (%v)", p, err)
	}
	s, err := r.Load(ctx, 77)
	if err != nil || s.Version != v || string(s.Data) != `{"v":2,"f":"reg","s":"name"}` || s.Locale != "en" || s.Choices != nil {
		t.Fatalf("conversation after migration = %+v (%v)", s, err)
	}
	// A chat that writes after the migration gets its account as it is saved.
	if err := db.Store.SaveChat(ctx, 99, 99, "vi"); err != nil {
		t.Fatal(err)
	}
	if accs, _ := db.Store.Accounts(ctx, 99); len(accs) != 1 || accs[0].Channel != storage.ChannelTelegram {
		t.Fatalf("accounts of a new chat = %+v", accs)
	}
	// A Zalo user's id does not collide with any of them.
	if id, err := db.Store.ZaloChat(ctx, "42"); err != nil || !storage.IsZaloChat(id) {
		t.Fatalf("zalo chat %d (%v)", id, err)
	}
}

// The choices kept with a chat's state: set with a step, kept by a step
// that says nothing of them, removed by one that asks no question, and set
// outside a step by a notification.
func TestSessionChoices(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := storagetest.NewRedis(t, storage.RedisOptions{})
	save := func(s storage.Session, choices []byte) storage.Session {
		t.Helper()
		res := r.SaveMany(ctx, []storage.Write{{Session: s, Data: []byte("{}"), Locale: "vi", Choices: choices}})
		if res[0].Err != nil {
			t.Fatal(res[0].Err)
		}
		s, err := r.Load(ctx, 5)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := save(storage.Session{ChatID: 5}, []byte(`[{"n":1}]`))
	if string(s.Choices) != `[{"n":1}]` {
		t.Fatalf("choices %q", s.Choices)
	}
	if s = save(s, nil); string(s.Choices) != `[{"n":1}]` {
		t.Fatalf("choices after a step that keeps them: %q", s.Choices)
	}
	if s = save(s, []byte{}); s.Choices != nil {
		t.Fatalf("choices after a step that removes them: %q", s.Choices)
	}
	if err := r.SetChoices(ctx, 5, []byte(`[{"n":2}]`)); err != nil {
		t.Fatal(err)
	}
	if s, _ = r.Load(ctx, 5); string(s.Choices) != `[{"n":2}]` || s.Version != 4 {
		t.Fatalf("after SetChoices: %+v", s)
	}
}

// An update keyed by its channel (Zalo: no update_id) is queued once, with
// its kind, and a Telegram update of the same number is not taken for it.
func TestEnqueueKeyedUpdates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := storagetest.NewRedis(t, storage.RedisOptions{})
	if err := r.EnsureGroup(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	chat := storage.ZaloChatBase - 7
	in := storage.Incoming{ChatID: chat, Payload: []byte(`{"event_name":"message.text.received"}`), Key: "u1/m1", Kind: "zalo"}
	for i, want := range []bool{true, false} {
		fresh, err := r.EnqueueUpdates(ctx, []storage.Incoming{in})
		if err != nil || fresh[0] != want {
			t.Fatalf("enqueue #%d: fresh %v (%v), want %v", i, fresh, err, want)
		}
	}
	if fresh, err := r.EnqueueUpdate(ctx, 1, chat, []byte(`{}`)); err != nil || !fresh {
		t.Fatalf("telegram update 1: fresh %v (%v)", fresh, err)
	}
	got, err := r.ReadUpdates(ctx, storage.PartitionOf(chat), "g", "c1", 10, 10*time.Millisecond)
	if err != nil || len(got) != 2 || got[0].Kind != "zalo" || got[0].ChatID != chat || got[1].Kind != "" {
		t.Fatalf("read %+v (%v)", got, err)
	}
}

// Link codes: single-use, void after their time and once a newer one is
// asked for; read however typed; an account is not linked to itself.
func TestLinkCodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	s := db.Store
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	for _, chat := range []int64{10, 11, 12} {
		if err := s.SaveChat(ctx, chat, chat, "vi"); err != nil {
			t.Fatal(err)
		}
	}
	code, err := s.NewLinkCode(ctx, 10, now, now.Add(15*time.Minute))
	if err != nil || len(code) != len("LK-XXXX-XXXX") {
		t.Fatalf("code %q (%v)", code, err)
	}
	letters := ocop.LinkCode(code)
	for typed, want := range map[string]string{strings.ToLower(code): letters, strings.ReplaceAll(code, "-", " "): letters,
		" " + code + " ": letters, code[3:]: "", code + "X": ""} {
		if got := ocop.LinkCode(typed); got != want {
			t.Errorf("LinkCode(%q) = %q, want %q", typed, got, want)
		}
	}
	if _, err := s.Link(ctx, letters, 11, now.Add(16*time.Minute)); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("an expired code links: %v", err)
	}
	if _, err := s.Link(ctx, letters, 10, now); !errors.Is(err, storage.ErrLinkSelf) {
		t.Fatalf("a code typed in its own account: %v", err)
	}
	newer, err := s.NewLinkCode(ctx, 10, now.Add(time.Minute), now.Add(16*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Link(ctx, letters, 11, now.Add(2*time.Minute)); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a code replaced by a newer one links: %v", err)
	}
	if p, err := s.Link(ctx, ocop.LinkCode(newer), 11, now.Add(2*time.Minute)); err != nil || p != 10 {
		t.Fatalf("link = %d (%v)", p, err)
	}
	if _, err := s.Link(ctx, ocop.LinkCode(newer), 12, now.Add(3*time.Minute)); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a used code links again: %v", err)
	}
	if p, _ := s.Person(ctx, 11); p != 10 {
		t.Fatalf("person of the linked chat = %d", p)
	}
	if r, _ := s.Reach(ctx, 10); len(r) != 2 {
		t.Fatalf("person 10 reached at %v", r)
	}
	// A person whose own chat has no account row is still reached there.
	if _, err := db.Store.Pool().Exec(ctx, `DELETE FROM accounts WHERE chat_id = 10`); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Reach(ctx, 10); len(r) != 2 || r[0] != 11 || r[1] != 10 {
		t.Fatalf("person 10 without its own row reached at %v", r)
	}
	if err := s.Unlink(ctx, 11); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Person(ctx, 11); p != 11 {
		t.Fatalf("person of the unlinked chat = %d", p)
	}
}
