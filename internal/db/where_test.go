package db_test

import (
	"slices"
	"testing"

	"github.com/fieldhub/fieldhub/internal/db"
)

func TestWhereNumbersPlaceholdersInOrder(t *testing.T) {
	var w db.Where
	if w.SQL() != "" {
		t.Fatalf("no conditions: %q", w.SQL())
	}
	w.Add("a = ?", 1)
	w.In("b", "x", "y", "z")
	w.Add("c BETWEEN ? AND ?", 2, 3)
	if got, want := w.SQL(), " WHERE a = $1 AND b IN ($2, $3, $4) AND c BETWEEN $5 AND $6"; got != want {
		t.Errorf("SQL = %q, want %q", got, want)
	}
	if want := []any{1, "x", "y", "z", 2, 3}; !slices.Equal(w.Args, want) {
		t.Errorf("Args = %v, want %v", w.Args, want)
	}
}
