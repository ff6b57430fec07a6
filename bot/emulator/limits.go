package emulator

import (
	"time"
)

// admit lets a send through, or refuses it with 429 (under c.mu). A send that comes before the end of a wait a
// 429 told is refused first, as an early send; then a storm's refusals, Set429Fraction's, and Options' limits,
// which alone count as Violations. A send refused by one bucket takes no token from the other. Every 429
// starts a wait for the chat (for every chat, in a storm) that checkEarly enforces.
func (s *Server) admit(c *chat, method int) *apiError {
	now := s.now()
	if aerr := s.checkEarly(c, method, now); aerr != nil {
		return aerr
	}
	if retry, ok := s.storming(now); ok {
		return s.refuse(c, now, retry, true)
	}
	if s.injOn.Load() {
		if retry, hit := s.injectHit(); hit {
			return s.refuse(c, now, retry, false)
		}
	}
	if retry := s.overLimit(c, now); retry > 0 {
		s.violations.Add(1)
		return s.refuse(c, now, retry, false)
	}
	return nil
}

// overLimit takes a token from the chat's bucket and the global one, or returns the retry_after of the bucket
// that has none (under c.mu).
func (s *Server) overLimit(c *chat, now time.Time) (retryAfter int) {
	chatRate, globalRate := s.opts.PerChatRate, s.opts.GlobalRate
	if chatRate <= 0 && globalRate <= 0 {
		return 0
	}
	retry := 0
	if chatRate > 0 {
		c.bucket.Refill(now, chatRate, s.opts.PerChatBurst)
		if c.bucket.Empty() {
			retry = c.bucket.RetryAfter(chatRate)
		}
	}
	if globalRate > 0 {
		s.limitMu.Lock()
		s.global.Refill(now, globalRate, s.opts.GlobalBurst)
		switch {
		case s.global.Empty():
			retry = max(retry, s.global.RetryAfter(globalRate))
		case retry == 0:
			s.global.Take()
		}
		s.limitMu.Unlock()
	}
	if retry == 0 && chatRate > 0 {
		c.bucket.Take()
	}
	return retry
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
