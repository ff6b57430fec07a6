package ocop

import (
	"fmt"
	"math"
	"time"
)

// StarsFromScore maps a council's score out of 100 to stars, with the
// half-open bands of Quyết định 148/QĐ-TTg (2023), the same as 1048/QĐ-TTg
// (2019): [90,100] 5★, [70,90) 4★, [50,70) 3★, [30,50) 2★, [0,30) 1★.
func StarsFromScore(score float64) (int, error) {
	switch {
	case math.IsNaN(score) || score < 0 || score > 100:
		return 0, fmt.Errorf("score %v is outside 0–100", score)
	case score >= 90:
		return 5, nil
	case score >= 70:
		return 4, nil
	case score >= 50:
		return 3, nil
	case score >= 30:
		return 2, nil
	}
	return 1, nil
}

// IsOCOP reports whether a rating earns an OCOP certificate: only 3★ and
// above are OCOP products.
func IsOCOP(stars int) bool { return stars >= 3 && stars <= 5 }

// CertificateValidityMonths is how long an OCOP certificate is valid from
// its decision date.
const CertificateValidityMonths = 36

// CertificateExpiry returns the last moment a certificate decided on
// decision is valid: 36 months later. time.AddDate normalises, so a
// decision of 29/2/2024 expires on 1/3/2027.
func CertificateExpiry(decision time.Time) time.Time {
	return decision.AddDate(0, CertificateValidityMonths, 0)
}

// LastValidDay is the last day a certificate counts, given the first day it
// no longer does (valid_until as stored): the one day every text and
// workbook names as a certificate's end ("hiệu lực đến hết ngày …").
func LastValidDay(validUntil time.Time) time.Time { return validUntil.AddDate(0, 0, -1) }
