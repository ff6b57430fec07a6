package bot

import "testing"

func TestOKAnswer(t *testing.T) {
	for _, c := range []struct {
		raw  string
		id   int
		fast bool
	}{
		{`{"ok":true,"result":{"message_id":4217,"from":{"id":1},"text":"x"}}`, 4217, true},
		{`{"ok":true,"result":true}`, 0, true},
		{`{"ok":true,"result":{"chat":{"id":1},"message_id":5}}`, 0, false}, // another order: the full decoder
		{`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}}`, 0, false},
		{`<html>502 Bad Gateway</html>`, 0, false},
	} {
		id, ok := okAnswer([]byte(c.raw))
		if id != c.id || ok != c.fast {
			t.Errorf("okAnswer(%s) = %d %v, want %d %v", c.raw, id, ok, c.id, c.fast)
		}
	}
}
