package main

import (
	"io"
	"log/slog"
)

// redactedKeys are attribute keys whose values must never reach a log. The
// code logs IDs only; this is the safety net behind that rule.
var redactedKeys = map[string]bool{
	"phone": true, "tax_code": true, "citizen_id": true, "text": true, "token": true,
}

func newLogger(w io.Writer, format string) *slog.Logger {
	opts := &slog.HandlerOptions{
		Level: slog.LevelInfo,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if redactedKeys[a.Key] {
				return slog.String(a.Key, "[redacted]")
			}
			return a
		},
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
