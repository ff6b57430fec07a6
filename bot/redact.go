package bot

import (
	"log/slog"
	"regexp"
	"strings"
)

// longNumber matches what could be a phone number, tax code or citizen ID:
// nine or more digits, possibly with separators.
var longNumber = regexp.MustCompile(`\+?\d(?:[ .\-]?\d){8,}`)

// botToken matches a bot token: a file download's URL carries it, and a
// failed download's error quotes the URL.
var botToken = regexp.MustCompile(`\d{3,}:[A-Za-z0-9_-]{20,}`)

// errAttr logs an error from the Bot API client with long numbers and the
// bot's token masked. The client's errors can quote a response body, and a
// response echoes the message sent, which may show the user their own
// phone, tax code, name or address: a quoted body is cut off altogether.
func errAttr(err error) slog.Attr {
	if err == nil {
		return slog.String("err", "")
	}
	msg := err.Error()
	if i := strings.IndexAny(msg, "{["); i >= 0 {
		msg = msg[:i] + "(body not logged)"
	}
	msg = botToken.ReplaceAllString(msg, "[token]")
	return slog.String("err", longNumber.ReplaceAllString(msg, "[number]"))
}

// ErrAttr is errAttr for the binary's own logs of transport errors.
func ErrAttr(err error) slog.Attr { return errAttr(err) }
