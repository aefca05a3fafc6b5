package idempotency

import (
	"strings"
	"testing"
)

func TestCheckKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  string
		ok   bool
	}{
		{"uuid", "0190f5a4-7d3e-7c1a-9b2e-5f1d2c3b4a59", true},
		{"one char", "a", true},
		{"printable punctuation and space", `a b!"#$%&'()*+,-./:;<=>?@[\]^_{|}~` + "`", true},
		{"at the limit", strings.Repeat("k", MaxKeyLen), true},
		{"empty", "", false},
		{"over the limit", strings.Repeat("k", MaxKeyLen+1), false},
		{"tab", "a\tb", false},
		{"newline", "a\nb", false},
		{"NUL", "a\x00b", false},
		{"DEL", "a\x7fb", false},
		{"non-ASCII", "clé", false},
		{"invalid UTF-8", "a\xffb", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reason := checkKey(tc.key)
			if (reason == "") != tc.ok {
				t.Fatalf("checkKey(%q) = %q, want ok=%v", tc.key, reason, tc.ok)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	base := fingerprint("POST", "/a", "", []byte("x"))
	if fingerprint("POST", "/a", "", []byte("x")) != base {
		t.Fatal("fingerprint is not deterministic")
	}
	for name, other := range map[string]string{
		"method": fingerprint("PUT", "/a", "", []byte("x")),
		"path":   fingerprint("POST", "/b", "", []byte("x")),
		"query":  fingerprint("POST", "/a", "q=1", []byte("x")),
		"body":   fingerprint("POST", "/a", "", []byte("y")),
		"shift":  fingerprint("POST", "/a", "x", nil),
	} {
		if other == base {
			t.Errorf("changing the %s leaves the fingerprint unchanged", name)
		}
	}
}
