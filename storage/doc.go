// Package storage keeps ocopbot's records in Postgres (pgx v5) and its
// conversation state, update intake and dedupe keys in Redis (go-redis v9).
//
// Postgres holds what must never be lost: units, producers, products,
// registrations and the audit log. Redis holds what is short-lived and hot:
// one hash per chat with the conversation in progress, written only by
// compare-and-set on its version.
package storage
