// Package bucket is the token bucket both Bot API emulators (Telegram's and
// Zalo's) answer 429 with: rate tokens a second up to a burst, full at first,
// and the whole seconds until a token, as a retry_after says them.
package bucket

import (
	"math"
	"time"
)

// Bucket holds tokens; the zero value is full at its first Refill. Not safe
// for concurrent use: callers hold their own lock.
type Bucket struct {
	tokens float64
	last   time.Time
	primed bool
}

// Refill adds the tokens earned since the last Refill, up to burst (at
// least 1).
func (b *Bucket) Refill(now time.Time, rate float64, burst int) {
	capacity := float64(max(burst, 1))
	if !b.primed {
		b.tokens, b.last, b.primed = capacity, now, true
		return
	}
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens = min(capacity, b.tokens+dt*rate)
	}
	b.last = now
}

// Empty reports whether the bucket holds less than a token.
func (b *Bucket) Empty() bool { return b.tokens < 1 }

// Take spends a token.
func (b *Bucket) Take() { b.tokens-- }

// RetryAfter is how many whole seconds until the bucket holds a token; at
// least 1, like Telegram's retry_after.
func (b *Bucket) RetryAfter(rate float64) int {
	return max(1, int(math.Ceil((1-b.tokens)/rate)))
}
