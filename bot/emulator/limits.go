package emulator

import (
	"math"
	"time"
)

// bucket is a token bucket: rate tokens a second, up to burst, starting full.
type bucket struct {
	tokens float64
	last   time.Time
	primed bool
}

func (b *bucket) refill(now time.Time, rate float64, burst int) {
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

// retryAfter is how many whole seconds until the bucket holds a token; at least 1, like Telegram's retry_after.
func (b *bucket) retryAfter(rate float64) int {
	return max(1, int(math.Ceil((1-b.tokens)/rate)))
}

// admit lets a send through, or refuses it with 429 (under c.mu). Set429Fraction's refusals come first and take
// no token; a send refused by one bucket takes no token from the other.
func (s *Server) admit(c *chat) *apiError {
	if s.injOn.Load() {
		if retry, hit := s.injectHit(); hit {
			return tooManyRequests(retry)
		}
	}
	chatRate, globalRate := s.opts.PerChatRate, s.opts.GlobalRate
	if chatRate <= 0 && globalRate <= 0 {
		return nil
	}
	now := s.now()
	retry := 0
	if chatRate > 0 {
		c.bucket.refill(now, chatRate, s.opts.PerChatBurst)
		if c.bucket.tokens < 1 {
			retry = c.bucket.retryAfter(chatRate)
		}
	}
	if globalRate > 0 {
		s.limitMu.Lock()
		s.global.refill(now, globalRate, s.opts.GlobalBurst)
		switch {
		case s.global.tokens < 1:
			retry = max(retry, s.global.retryAfter(globalRate))
		case retry == 0:
			s.global.tokens--
		}
		s.limitMu.Unlock()
	}
	if retry > 0 {
		s.violations.Add(1)
		return tooManyRequests(retry)
	}
	if chatRate > 0 {
		c.bucket.tokens--
	}
	return nil
}

// Set429Fraction makes that fraction of sends (sendMessage, sendPhoto, sendDocument and the edits) answer 429
// with parameters.retry_after, deterministically: with f = 0.25, every fourth send. f <= 0 turns it off.
// These refusals are not Violations.
func (s *Server) Set429Fraction(f float64, retryAfter int) {
	s.injMu.Lock()
	defer s.injMu.Unlock()
	s.injFrac, s.injAcc, s.injRetry = min(f, 1), 0, max(retryAfter, 1)
	s.injOn.Store(f > 0)
}

func (s *Server) injectHit() (retryAfter int, hit bool) {
	s.injMu.Lock()
	defer s.injMu.Unlock()
	if s.injFrac <= 0 {
		return 0, false
	}
	s.injAcc += s.injFrac
	if s.injAcc >= 1-1e-9 {
		s.injAcc--
		return s.injRetry, true
	}
	return 0, false
}
