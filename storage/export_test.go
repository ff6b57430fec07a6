package storage

// Read-outs only tests need, kept out of the binary and open to the
// storage_test package.

import (
	"context"
	"fmt"
)

// PendingUpdates counts updates queued or in flight.
func (r *Redis) PendingUpdates(ctx context.Context) (int64, error) {
	n, err := r.rdb.XLen(ctx, r.streamKey()).Result()
	if err != nil {
		return 0, fmt.Errorf("count queued updates: %w", err)
	}
	return n, nil
}
