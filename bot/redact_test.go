package bot

import (
	"errors"
	"strings"
	"testing"
)

func TestErrAttrMasksIdentifiers(t *testing.T) {
	t.Parallel()
	err := errors.New(`error decode response body for method sendMessage, {"text":"Điện thoại: 0912345678, MST 0100109106-001, CCCD 079 123 456 789, +84912345678"}`)
	got := errAttr(err).Value.String()
	for _, secret := range []string{"0912345678", "0100109106", "079 123 456 789", "84912345678"} {
		if strings.Contains(got, secret) {
			t.Errorf("logged error still shows %q: %s", secret, got)
		}
	}
	if strings.Contains(got, "Điện thoại") {
		t.Errorf("a quoted response body is logged: %s", got)
	}
	if !strings.Contains(got, "sendMessage") {
		t.Errorf("masking lost the context: %s", got)
	}
}

// A failed file download quotes its URL, which carries the bot's token.
func TestErrAttrMasksToken(t *testing.T) {
	t.Parallel()
	const token = "123456789:AAFakeTokenFakeTokenFakeToken_-12"
	err := errors.New(`download file: Get "https://api.telegram.org/file/bot` + token + `/documents/file_1.csv": context deadline exceeded`)
	got := errAttr(err).Value.String()
	if strings.Contains(got, "AAFakeToken") {
		t.Errorf("logged error shows the token: %s", got)
	}
	if !strings.Contains(got, "/file/bot[token]/documents/file_1.csv") || !strings.Contains(got, "deadline exceeded") {
		t.Errorf("masking lost the context: %s", got)
	}
}
