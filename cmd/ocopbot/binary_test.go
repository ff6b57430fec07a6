package main

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/flows"
	"github.com/ocopbot/ocopbot/storage/storagetest"
)

// binaryEnv is the built binary pointed at the emulator, a database of the
// test's own and a Redis database of its own: the binary uses the default
// key prefix, so each caller names a Redis database no other uses.
type binaryEnv struct {
	tb       testing.TB
	bin      string
	emu      *emulator.Server
	dbURL    string
	redisURL string
	rdb      *redis.Client
	apiURL   string
	token    string
	extraEnv []string // more settings for serve
}

func newBinaryEnv(tb testing.TB, redisDB string) *binaryEnv {
	tb.Helper()
	e := &binaryEnv{tb: tb, bin: filepath.Join(tb.TempDir(), "ocopbot"), token: "123456:BINARY-token-for-the-emulator-0",
		redisURL: "redis://127.0.0.1:6379/" + redisDB}
	if out, err := exec.Command("go", "build", "-o", e.bin, ".").CombinedOutput(); err != nil {
		tb.Fatalf("build: %v\n%s", err, out)
	}
	e.dbURL = storagetest.NewDB(tb).URL
	e.emu = emulator.New(emulator.Options{Token: e.token, BotID: 123456, BotUsername: "test_bot"})
	srv := httptest.NewServer(e.emu)
	e.apiURL = srv.URL
	o, _ := redis.ParseURL(e.redisURL)
	e.rdb = redis.NewClient(o)
	clean := func() {
		if keys := scanKeys(e.rdb, "ocop:*"); len(keys) > 0 {
			e.rdb.Del(context.Background(), keys...)
		}
	}
	clean()
	tb.Cleanup(func() {
		clean()
		e.rdb.Close()
		e.emu.Close()
		srv.Close()
	})
	return e
}

// serve starts `ocopbot serve`.
func (e *binaryEnv) serve() *exec.Cmd {
	e.tb.Helper()
	cmd := exec.Command(e.bin, "serve")
	cmd.Env = append(os.Environ(), "TELEGRAM_BOT_TOKEN="+e.token, "TELEGRAM_API_URL="+e.apiURL,
		"DATABASE_URL="+e.dbURL, "REDIS_URL="+e.redisURL, "HTTP_ADDR=127.0.0.1:0", "LOG_FORMAT=text")
	cmd.Env = append(cmd.Env, e.extraEnv...)
	if os.Getenv("SERVE_LOG") != "" { // debugging a test: see what the bot says
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		e.tb.Fatal(err)
	}
	// A test that fails before it stops its process must not leave it
	// running: it would hold partitions of this Redis database in the next
	// run and answer its updates from a database dropped long ago.
	e.tb.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

// agreed records that the users first … first+n-1 agreed to the
// personal-data notice in force, so that their /dangky asks its first
// question at once, as it did before the notice existed.
func agreed(tb testing.TB, dbURL string, first int64, n int) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO consents (user_id, version) SELECT $1 + g, $3 FROM generate_series(0, $2 - 1) g`,
		first, n, flows.ConsentVersion); err != nil {
		tb.Fatal(err)
	}
}
