// Package storagetest gives each test its own Postgres database and Redis
// key prefix on the real servers of this machine (DESIGN.md: no mocks of
// our own storage).
//
// Databases are cloned from a template that is migrated, and loaded with
// the pre-reform unit list, once per schema: CREATE DATABASE … TEMPLATE
// copies it in a fraction of the time migrating and importing would take.
package storagetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/units/unitstest"
	"github.com/ocopbot/ocopbot/storage"
)

// AdminURL is the maintenance database tests create their databases from.
func AdminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// RedisURL is the Redis tests use, each under its own prefix.
func RedisURL() string {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// DataFile returns the path of a public data file: shared/data's where
// there is one above the working directory, else the copy built into the
// binary (unitstest.DataFile).
func DataFile(t testing.TB, name string) string {
	t.Helper()
	return unitstest.DataFile(t, name)
}

// DB is a test's own database.
type DB struct {
	Store *storage.Store
	URL   string
	Name  string
}

// NewDB creates a database for the test from the template and drops it at
// the end of the test.
func NewDB(t testing.TB) *DB {
	t.Helper()
	return CloneDB(t, ensureTemplate(t))
}

// CloneDB creates a database for the test as a copy of the database tmpl,
// which must have no connections open, and drops it at the end of the test.
func CloneDB(t testing.TB, tmpl string) *DB {
	t.Helper()
	ctx := context.Background()
	name := "t_" + randomHex(8)
	admin := connect(t, AdminURL())
	defer admin.Close(ctx)
	// Cloning needs the template idle; retry briefly if another test is
	// cloning it at this instant.
	var err error
	for i := 0; i < 50; i++ {
		_, err = admin.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, tmpl))
		if err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	url := withDatabase(t, AdminURL(), name)
	store, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() {
		store.Close()
		c := connect(t, AdminURL())
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return &DB{Store: store, URL: url, Name: name}
}

// AbsentDB returns the URL of a database that does not exist yet, for a
// command that creates it (`ocopbot migrate`, demo mode) to start from
// nothing: no schema, no units. It is dropped at the end of the test.
func AbsentDB(t testing.TB) string {
	t.Helper()
	name := "t_" + randomHex(8)
	t.Cleanup(func() {
		ctx := context.Background()
		c := connect(t, AdminURL())
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return withDatabase(t, AdminURL(), name)
}

// NewRedis returns a Redis store under a prefix of the test's own, whose
// keys are deleted at the end of the test.
func NewRedis(t testing.TB, opts storage.RedisOptions) *storage.Redis {
	t.Helper()
	o, err := redis.ParseURL(RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	o.PoolSize = storage.PoolSize()
	rdb := redis.NewClient(o)
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis at %s: %v (run `make services`)", RedisURL(), err)
	}
	opts.Prefix = "test:" + randomHex(6) + ":"
	r := storage.NewRedis(rdb, opts)
	t.Cleanup(func() {
		if err := r.DeleteAll(context.Background()); err != nil {
			t.Logf("clean redis prefix: %v", err)
		}
		_ = rdb.Close()
	})
	return r
}

// ensureTemplate builds the template database for the current migrations
// once; concurrent test binaries serialise on an advisory lock.
func ensureTemplate(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	sum := sha256.New()
	fmt.Fprint(sum, storage.MigrationsDigest())
	unitsFile := DataFile(t, "vn-units-2025-03.csv")
	units, err := os.ReadFile(unitsFile)
	if err != nil {
		t.Fatal(err)
	}
	sum.Write(units) // a changed unit list rebuilds the template too
	name := "tmpl_" + hex.EncodeToString(sum.Sum(nil))[:16]

	admin := connect(t, AdminURL())
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock(7253110002)`); err != nil {
		t.Fatalf("lock template: %v", err)
	}
	defer admin.Exec(ctx, `SELECT pg_advisory_unlock(7253110002)`)
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)`, name).Scan(&exists); err != nil {
		t.Fatalf("look up template: %v", err)
	}
	if exists {
		return name
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
		t.Fatalf("drop half-built template: %v", err)
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s`, name)); err != nil {
		t.Fatalf("create template: %v", err)
	}
	store, err := storage.Open(ctx, withDatabase(t, AdminURL(), name))
	if err != nil {
		t.Fatalf("open template: %v", err)
	}
	if _, err := store.Migrate(ctx); err != nil {
		store.Close()
		t.Fatalf("migrate template: %v", err)
	}
	_, err = store.ImportUnits(ctx, bytes.NewReader(units))
	store.Close()
	if err != nil {
		t.Fatalf("import units into template: %v", err)
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %s WITH IS_TEMPLATE true`, name)); err != nil {
		t.Fatalf("mark template: %v", err)
	}
	return name
}

func connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("postgres at %s: %v (run `make services`)", url, err)
	}
	return c
}

// DatabaseURL is the URL of database name on the test server.
func DatabaseURL(name string) (string, error) {
	u, err := url.Parse(AdminURL())
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// withDatabase returns url naming another database, keeping its user,
// password and parameters.
func withDatabase(t testing.TB, raw, name string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Cert is a certificate for AddProduct: stars, decision date and, when
// revoked, the day it stopped counting (dates as YYYY-MM-DD).
type Cert struct {
	Stars   int
	Decided string
	Revoked string
}

// AddProduct registers a product of a new producer (owner, in commune) the
// way the registration flow does, and records its certificates. It returns
// the product's ID.
func AddProduct(t testing.TB, store *storage.Store, owner, commune int64, name string, certs ...Cert) int64 {
	t.Helper()
	ctx := context.Background()
	reg, err := store.SubmitRegistration(ctx, ocop.Submission{
		Producer: ocop.Producer{OwnerUserID: owner, ChatID: owner, Kind: ocop.KindCooperative, Name: "HTX " + name,
			Representative: "Nguyễn Văn A", Phone: "0912345678", TaxCode: "0100109106", UnitID: commune},
		Product: ocop.Product{Name: name, SubgroupCode: "1.1", Description: "Sản phẩm thử", TargetStars: 3},
		ActorID: owner,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Seeded dossiers date from the programme's start, so that results of
	// any day the tests record do not predate them.
	if _, err := store.Pool().Exec(ctx, `UPDATE registrations SET submitted_at = '2019-08-21 08:00+07' WHERE id = $1`, reg.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range certs {
		cert := ocop.Certificate{ProductID: reg.ProductID, Stars: c.Stars, DecisionNo: "1/QĐ-UBND", DecisionDate: day(t, c.Decided)}
		if c.Revoked != "" {
			cert.RevokedOn = day(t, c.Revoked)
		}
		if _, err := store.AddCertificate(ctx, cert, 0); err != nil {
			t.Fatal(err)
		}
	}
	return reg.ProductID
}

func day(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// SeedResults registers n products of n producers (chats from firstChat)
// and records a 3★ result for each in one batch, as an import does.
func SeedResults(tb testing.TB, store *storage.Store, n int, firstChat int64) {
	tb.Helper()
	ctx := context.Background()
	commune, err := store.UnitIDByCode(ctx, "27502", 3, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		tb.Fatal(err)
	}
	_, err = store.Pool().Exec(ctx, `
WITH p AS (
    INSERT INTO producers (owner_user_id, chat_id, kind, name, representative, phone, tax_code, unit_id)
    SELECT $1 + i, $1 + i, 'cooperative', 'HTX số ' || i, 'Nguyễn Văn A', '0912345678', '0100109106', $2 FROM generate_series(0, $3 - 1) i
    RETURNING id, owner_user_id),
pr AS (
    INSERT INTO products (producer_id, name, subgroup_code, group_code, description, target_stars)
    SELECT id, 'Sản phẩm ' || (owner_user_id - $1), '1.1', '1', 'Sản phẩm thử', 3 FROM p
    RETURNING id, producer_id)
INSERT INTO registrations (code, producer_id, product_id, unit_id)
SELECT 'OCOP-26-' || lpad((9000000 + pr.id)::text, 7, '0'), pr.producer_id, pr.id, $2 FROM pr`, firstChat, commune, n)
	if err != nil {
		tb.Fatal(err)
	}
	rows, err := store.Pool().Query(ctx, `SELECT id, code, product_id FROM registrations ORDER BY id`)
	if err != nil {
		tb.Fatal(err)
	}
	var results []ocop.Result
	for rows.Next() {
		var r ocop.Result
		if err := rows.Scan(&r.RegistrationID, &r.Code, &r.ProductID); err != nil {
			tb.Fatal(err)
		}
		r.Score, r.Stars, r.DecisionNo, r.DecisionDate = 60, 3, "100/QĐ-UBND", time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
		results = append(results, r)
	}
	rows.Close()
	for len(results) > 0 {
		batch := results[:min(1000, len(results))]
		results = results[len(batch):]
		if _, err := store.RecordResults(ctx, batch); err != nil {
			tb.Fatal(err)
		}
	}
}

// AddRegistryProducer adds a producer as a province's registry import
// leaves it — no Telegram user until it claims its record — in commune,
// with one product and its certificates. It returns the producer's ID.
// Tests of claims and held notifications use it; the import itself is
// tested through its files.
func AddRegistryProducer(t testing.TB, store *storage.Store, commune int64, name, phone string, certs ...Cert) int64 {
	t.Helper()
	ctx := context.Background()
	var producer, product int64
	err := store.Pool().QueryRow(ctx, `
WITH p AS (
    INSERT INTO producers (kind, name, representative, phone, tax_code, unit_id, name_key, imported_at)
    VALUES ('cooperative', $1, 'Nguyễn Văn A', $2, '', $3, lower($1), now()) RETURNING id)
INSERT INTO products (producer_id, name, group_code, target_stars, name_key, imported_at)
SELECT id, 'Sản phẩm của ' || $1, '1', 3, lower('Sản phẩm của ' || $1), now() FROM p RETURNING producer_id, id`,
		name, phone, commune).Scan(&producer, &product)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range certs {
		cert := ocop.Certificate{ProductID: product, Stars: c.Stars, DecisionNo: "1/QĐ-UBND", DecisionDate: day(t, c.Decided)}
		if c.Revoked != "" {
			cert.RevokedOn = day(t, c.Revoked)
		}
		if _, err := store.AddCertificate(ctx, cert, 0); err != nil {
			t.Fatal(err)
		}
	}
	return producer
}
