package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/ocopbot/ocopbot/flows/ocop"
)

// ErrNotFound is returned when a record asked for does not exist. It is the
// domain's sentinel, so flows can test for it without importing storage.
var ErrNotFound = ocop.ErrNotFound

// ErrConflict is returned when a write would break a uniqueness rule.
var ErrConflict = errors.New("conflict")

// Store is the Postgres side of storage.
type Store struct {
	pool *pgxpool.Pool
	jobs *river.Client[pgx.Tx] // inserts the jobs of notifications (jobs.go)

	accounts accountCache
}

// Open connects to Postgres and checks the connection.
func Open(ctx context.Context, databaseURL string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	// pgxpool's default is max(4, CPUs) connections; registrations that end
	// together queue behind four. Sixteen is cheap for Postgres and keeps
	// them moving; pool_max_conns in the URL still wins.
	if !strings.Contains(databaseURL, "pool_max_conns") {
		cfg.MaxConns = 16
	}
	// pgx caches prepared statements, and after five runs Postgres may
	// plan a cached statement once for any parameters: the count of a
	// province's communes (= ANY($n)) then scans the country (264 ms
	// instead of 22, BenchmarkStatus). Planning each run costs well under
	// a millisecond here.
	if _, ok := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !ok {
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	// JIT compiling pays off for queries of minutes; ours take
	// milliseconds, and a national count paid ~200 ms to compile itself.
	if _, ok := cfg.ConnConfig.RuntimeParams["jit"]; !ok {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping postgres: %w", err)
	}
	jobs, err := newInserter(pool)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{pool: pool, jobs: jobs}, nil
}

// Close releases every connection.
func (s *Store) Close() { s.pool.Close() }

// Ping checks that Postgres answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	return nil
}

// Pool exposes the pool for tools that need raw access (tests, benchmarks).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// WithTx runs fn in one transaction: it commits when fn returns nil and rolls
// back otherwise. The rollback runs without the caller's cancellation so a
// cancelled request still releases its connection cleanly.
func (s *Store) WithTx(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		// The rollback error is not interesting: the cause is fn's error, and a
		// failed rollback only means the connection is gone, which pgx handles.
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// isUniqueViolation reports whether err is Postgres' SQLSTATE 23505.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// notFound turns pgx.ErrNoRows into ErrNotFound, keeping other errors.
func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// EnsureDatabase creates the database databaseURL names when it does not
// exist yet, connecting to the server's maintenance database "postgres", so
// a first `ocopbot migrate` works on a fresh server.
func EnsureDatabase(ctx context.Context, databaseURL string) error {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	name := cfg.Database
	cfg.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect to postgres maintenance database: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil && !isUniqueViolation(err) {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// deref is what p points to, or T's zero value for nil: a NULL column read
// as the zero value ocop's records use for "none".
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// rowTo scans a row with pgx.RowToStructByName into R, then turns it into
// the record T with conv (R's one conversion method, as a method
// expression: rowTo(quotaRow.quota)).
func rowTo[R, T any](conv func(R) T) pgx.RowToFunc[T] {
	return func(row pgx.CollectableRow) (T, error) {
		r, err := pgx.RowToStructByName[R](row)
		if err != nil {
			var zero T
			return zero, err
		}
		return conv(r), nil
	}
}

// querier is what a pool and a transaction share for reading.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// rowQuerier is what a pool and a transaction share for reading a row.
type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// collectRows runs a query and reads every row through the row struct R,
// turned into T by conv (R's conversion method).
func collectRows[R, T any](ctx context.Context, db querier, conv func(R) T, sql string, args ...any) ([]T, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, rowTo(conv))
}

// collectOne is collectRows for the first row; pgx.ErrNoRows when there is
// none.
func collectOne[R, T any](ctx context.Context, db querier, conv func(R) T, sql string, args ...any) (T, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		var zero T
		return zero, err
	}
	return pgx.CollectOneRow(rows, rowTo(conv))
}
