// Package ocop holds the OCOP programme's domain rules and record types:
// star bands and certificate validity, who recognises which stars
// (authority.go), results, notices, renewals, quotas and status, officials
// and what they may see, and the identifiers a registration collects
// (phone, tax code, citizen ID). It depends only on the standard library
// and the small flows packages units, vntext and dates, so storage may
// import it.
package ocop
