package storage

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// Single-use codes (officials' invitations, producers' claim links): only
// their hash is stored, so a database copy opens nothing.

// newCode is a random code of 24 characters of [A-Za-z0-9_-], what a t.me
// ?start= link carries, and its hash.
func newCode() (string, []byte, error) {
	var raw [18]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", nil, fmt.Errorf("random code: %w", err)
	}
	code := base64.RawURLEncoding.EncodeToString(raw[:])
	return code, codeHash(code), nil
}

// codeHash is what is stored of a code.
func codeHash(code string) []byte {
	h := sha256.Sum256([]byte(code))
	return h[:]
}
