package bot

import (
	"log/slog"
	"regexp"
)

// longNumber matches what could be a phone number, tax code or citizen ID:
// nine or more digits, possibly with separators.
var longNumber = regexp.MustCompile(`\+?\d(?:[ .\-]?\d){8,}`)

// errAttr logs an error from the Bot API client with long numbers masked.
// The client's errors can quote a response body, and a response echoes the
// message sent, which may show the user their own phone or tax code.
func errAttr(err error) slog.Attr {
	if err == nil {
		return slog.String("err", "")
	}
	return slog.String("err", longNumber.ReplaceAllString(err.Error(), "[number]"))
}
