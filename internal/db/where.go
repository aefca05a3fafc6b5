package db

import (
	"strconv"
	"strings"
)

// Where builds a WHERE clause with $N placeholders from conditions written
// with ? marks, so filters can be added in any order and still number
// their arguments right on both engines.
type Where struct {
	clauses []string
	// Args are the arguments in placeholder order; append to it for
	// placeholders written after the clause (LIMIT $N).
	Args []any
}

// Add appends a condition whose ? marks take the next $N placeholders.
func (w *Where) Add(clause string, args ...any) {
	for _, a := range args {
		w.Args = append(w.Args, a)
		clause = strings.Replace(clause, "?", "$"+strconv.Itoa(len(w.Args)), 1)
	}
	w.clauses = append(w.clauses, clause)
}

// SQL is " WHERE a AND b", or "" with no conditions.
func (w *Where) SQL() string {
	if len(w.clauses) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.clauses, " AND ")
}

// In appends "col IN (?, ?, ...)" over values. Callers pass at least one
// value: an empty IN list is not SQL.
func (w *Where) In(col string, values ...any) {
	w.Add(col+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(values)), ", ")+")", values...)
}
