package program

import (
	"testing"

	"github.com/tributary-ledger/tributary/errcode"
)

// FuzzCursor checks that any after= value is either a cursor or a coded
// refusal.
func FuzzCursor(f *testing.F) {
	f.Add(EncodeCursor("payee:1", "USD"), 2)
	f.Add("!!", 1)
	f.Add("", 1)
	f.Fuzz(func(t *testing.T, c string, n int) {
		if n < 1 || n > 4 {
			return
		}
		parts, err := DecodeCursor(c, n)
		if err != nil {
			if errcode.Code(err) != ErrQuery.Code() {
				t.Fatalf("DecodeCursor(%q) = %v; want query_invalid", c, err)
			}
			return
		}
		if len(parts) != n {
			t.Fatalf("DecodeCursor(%q, %d) = %d parts", c, n, len(parts))
		}
	})
}
