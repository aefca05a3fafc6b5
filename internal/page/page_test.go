package page

import (
	"testing"

	"github.com/fieldhub/fieldhub/internal/fault"
)

func TestCursorRoundTrip(t *testing.T) {
	type key struct {
		At string `json:"a"`
		ID string `json:"i"`
	}
	in := key{"2026-11-23T10:00:00.000000Z", "0193-abc"}
	var out key
	ok, err := Decode(Encode(in), &out)
	if err != nil || !ok || out != in {
		t.Fatalf("round trip = %+v, %v, %v", out, ok, err)
	}
	if ok, err := Decode("", &out); ok || err != nil {
		t.Fatalf("empty cursor = %v, %v", ok, err)
	}
	if _, err := Decode("!!not-base64", &out); !fault.Is(err, fault.Invalid) {
		t.Fatalf("bad cursor err = %v", err)
	}
}

func TestLimit(t *testing.T) {
	for in, want := range map[int]int{-1: DefaultLimit, 0: DefaultLimit, 1: 1, 200: 200, 10000: MaxLimit} {
		if got := Limit(in); got != want {
			t.Errorf("Limit(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestCut(t *testing.T) {
	items := []string{"a", "b", "c"}
	got, next := Cut(items, 3, func(s string) any { return s })
	if len(got) != 3 || next != "" {
		t.Fatalf("last page: %v %q", got, next)
	}
	got, next = Cut(items, 2, func(s string) any { return s })
	var key string
	if _, err := Decode(next, &key); err != nil || len(got) != 2 || key != "b" {
		t.Fatalf("cut page: %v %q (%v)", got, key, err)
	}
}
