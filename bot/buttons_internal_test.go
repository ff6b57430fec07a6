package bot

import (
	"strings"
	"testing"
)

// A button's data is accepted only as signed, unchanged, for the chat it
// was sent to; and stays within Telegram's 64 bytes for the longest data
// the flows make (flows.Button: 52).
func TestButtonSignature(t *testing.T) {
	s := signer{key: []byte("0123456789abcdef0123456789abcdef")}
	data := "x|cs|2026-12|c" + strings.Repeat("A", 24) + strings.Repeat("x", 52-39)
	signed := s.sign(8101, data)
	if len(signed) > 64 {
		t.Fatalf("signed data has %d bytes, over Telegram's 64", len(signed))
	}
	if got, ok := s.verify(8101, signed); !ok || got != data {
		t.Fatalf("verify(own chat) = %q, %v", got, ok)
	}
	other := signer{key: []byte("another key, another deployment!")}
	for name, tc := range map[string]struct {
		s      signer
		chat   int64
		signed string
	}{
		"another chat":  {s, 8102, signed},
		"another key":   {other, 8101, signed},
		"unsigned":      {s, 8101, data},
		"data changed":  {s, 8101, "x|cs|2026-12|cB" + signed[15:]},
		"mac truncated": {s, 8101, signed[:len(signed)-1]},
		"empty":         {s, 8101, ""},
	} {
		if got, ok := tc.s.verify(tc.chat, tc.signed); ok {
			t.Errorf("%s: accepted as %q", name, got)
		}
	}
}
