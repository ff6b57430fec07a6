package flows

import (
	"math"
	"testing"
)

// TestFormerArgFits: a former unit's button fits Choice.ID's 52 bytes
// with the largest IDs and prompt number, and reads back.
func TestFormerArgFits(t *testing.T) {
	for _, ids := range [][2]int64{{1, 2}, {27556, 1027553}, {math.MaxInt64, math.MaxInt64}} {
		arg := formerArg(ids[0], ids[1])
		if data := stepData(&State{Seq: math.MaxInt64}, "was", arg); len(data) > 52 {
			t.Errorf("formerArg(%d, %d) makes %d bytes of data: %q", ids[0], ids[1], len(data), data)
		}
		if old, now, ok := parseFormerArg(arg); !ok || old != ids[0] || now != ids[1] {
			t.Errorf("parseFormerArg(%q) = %d, %d, %v; want %d, %d", arg, old, now, ok, ids[0], ids[1])
		}
	}
	for _, bad := range []string{"", ".", "1", "1.", ".1", "1.2.3", "zzzzzzzzzzzzzzzz.1", "1:2", "-.1"} {
		if old, now, ok := parseFormerArg(bad); ok {
			t.Errorf("parseFormerArg(%q) = %d, %d, true; want false", bad, old, now)
		}
	}
}
