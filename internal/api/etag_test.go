package api

import "testing"

func TestIfMatch(t *testing.T) {
	v := func(n int64) *int64 { return &n }
	for _, c := range []struct {
		in   string
		want *int64
	}{
		{"", nil}, {"*", nil}, {`"3"`, v(3)}, {`W/"3"`, v(3)}, {` "12" , "13"`, v(12)},
		{`3`, v(-1)}, {`"abc"`, v(-1)}, {`"`, v(-1)},
	} {
		got := IfMatch(c.in)
		if (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
			t.Errorf("IfMatch(%q) = %v, want %v", c.in, deref(got), deref(c.want))
		}
	}
	if IfMatch(ETag(7)) == nil || *IfMatch(ETag(7)) != 7 {
		t.Fatal("ETag does not round-trip through IfMatch")
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// FuzzIfMatch: no header value panics, and whatever parses is either "any"
// (nil) or a version that only the matching ETag satisfies.
func FuzzIfMatch(f *testing.F) {
	for _, s := range []string{"", "*", `"1"`, `W/"2"`, `"a", "b"`, `""`, "W/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if got := IfMatch(h); got != nil && *got >= 0 {
			if IfMatch(ETag(*got)) == nil || *IfMatch(ETag(*got)) != *got {
				t.Fatalf("version %d from %q does not round-trip", *got, h)
			}
		}
	})
}
