package jirafake

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// condition is one "field = value" clause.
type condition struct{ field, value string }

// conditions are clauses joined by AND.
type conditions []condition

// parseJQL reads the JQL the fake understands: clauses "field = value"
// joined by AND, over project, key, labels, status and issuetype, with
// values bare or in quotes, and an ORDER BY that is ignored.
func parseJQL(jql string) (conditions, error) {
	toks, err := tokens(jql)
	if err != nil {
		return nil, err
	}
	var out conditions
	for i := 0; i < len(toks); {
		if strings.EqualFold(toks[i], "order") {
			break
		}
		if len(toks)-i < 3 {
			return nil, fmt.Errorf("expecting a clause at %q", strings.Join(toks[i:], " "))
		}
		field, op, value := strings.ToLower(toks[i]), toks[i+1], unquote(toks[i+2])
		if op != "=" {
			return nil, fmt.Errorf("the operator %q is not supported", op)
		}
		if !slices.Contains([]string{"project", "key", "labels", "status", "issuetype"}, field) {
			return nil, fmt.Errorf("field '%s' does not exist or you do not have permission to view it", toks[i])
		}
		out = append(out, condition{field, value})
		i += 3
		if i < len(toks) && !strings.EqualFold(toks[i], "order") {
			if !strings.EqualFold(toks[i], "and") {
				return nil, fmt.Errorf("expecting AND but got %q", toks[i])
			}
			i++
			if i == len(toks) {
				return nil, errors.New("expecting a clause after AND")
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("unbounded JQL queries are not allowed here")
	}
	return out, nil
}

// tokens splits JQL into words, "=", and quoted strings (kept with quotes).
func tokens(s string) ([]string, error) {
	var out []string
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '=':
			out = append(out, "=")
			i++
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, errors.New("unterminated string")
			}
			out = append(out, s[i:j+1])
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n=\"'", rune(s[j])) {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out, nil
}

func unquote(t string) string {
	if len(t) >= 2 && (t[0] == '"' || t[0] == '\'') {
		t = t[1 : len(t)-1]
		var b strings.Builder
		for i := 0; i < len(t); i++ {
			if t[i] == '\\' && i+1 < len(t) {
				i++
			}
			b.WriteByte(t[i])
		}
		return b.String()
	}
	return t
}

// match reports whether the issue meets every clause (case-insensitively,
// as JQL compares these fields).
func (cs conditions) match(is *Issue) bool {
	for _, c := range cs {
		ok := false
		switch c.field {
		case "project":
			ok = strings.EqualFold(is.Project, c.value)
		case "key":
			ok = strings.EqualFold(is.Key, c.value)
		case "status":
			ok = strings.EqualFold(is.Status, c.value)
		case "issuetype":
			ok = strings.EqualFold(is.Type, c.value)
		case "labels":
			ok = slices.ContainsFunc(is.Labels, func(l string) bool { return strings.EqualFold(l, c.value) })
		}
		if !ok {
			return false
		}
	}
	return true
}
