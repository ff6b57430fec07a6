package bot

import (
	"context"
	"io"
	"log/slog"

	"github.com/ocopbot/ocopbot/storage"
)

// FaultOf exposes fault — is a failed step the update's own fault, or an
// outage — to the external tests, which open the real Postgres and Redis
// it pings.
func FaultOf(records Records, state *storage.Redis) func(ctx context.Context, err error) (reason string, counts bool) {
	b := &Bot{records: records, state: state, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return b.fault
}
