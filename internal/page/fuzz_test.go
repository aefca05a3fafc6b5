package page

import (
	"testing"

	"github.com/fieldhub/fieldhub/internal/fault"
)

// FuzzDecode: any string a client sends as a cursor either decodes or is an
// Invalid error naming the cursor; it never panics.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{"", Encode("ACME"), Encode(map[string]any{"a": 1}), "!!", "e30", "bnVsbA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		var key struct {
			A string `json:"a"`
			I int64  `json:"i"`
		}
		ok, err := Decode(cursor, &key)
		if err != nil && !fault.Is(err, fault.Invalid) {
			t.Fatalf("Decode(%q) error %v is not invalid", cursor, err)
		}
		if cursor == "" && (ok || err != nil) {
			t.Fatalf("empty cursor: %v %v", ok, err)
		}
	})
}
