package storage

// Read-outs only tests need, kept out of the binary and open to the
// storage_test package.

import (
	"context"
)

// PendingUpdates counts updates queued or in flight.
func (r *Redis) PendingUpdates(ctx context.Context) (int64, error) { return r.Queued(ctx) }
