// Package ocop holds the OCOP programme's domain rules and record types:
// star bands and certificate validity, the identifiers a registration
// collects (phone, tax code, citizen ID), Vietnamese text folding and the
// accent-insensitive search over administrative units. It depends only on
// the standard library and golang.org/x/text, so storage may import it.
package ocop
