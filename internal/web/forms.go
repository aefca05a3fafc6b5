package web

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// refusal describes a form the server turned down: why, which form, and
// what was filled in, so the form comes back unfolded as the person left it
// with each reason beside its field. Pages with several forms embed it.
type refusal struct {
	Err    *pageError
	Failed string
	Posted url.Values
}

func (f refusal) open(form string) bool { return f.Failed == form }

// value is what a form's field shows: what was posted when that form was
// refused, otherwise def.
func (f refusal) value(form, field, def string) string {
	if f.Failed == form && f.Posted != nil {
		return f.Posted.Get(field)
	}
	return def
}

// checked is a checkbox's state: as posted when that form was refused,
// otherwise def.
func (f refusal) checked(form, field string, def bool) bool {
	if f.Failed == form && f.Posted != nil {
		return f.Posted.Get(field) != ""
	}
	return def
}

// fieldErr is the reason given for one field of the refused form; a field
// may answer to several names (the form's and the service's).
func (f refusal) fieldErr(form string, fields ...string) string {
	if f.Failed != form {
		return ""
	}
	for _, name := range fields {
		if msg := f.Err.field(name); msg != "" {
			return msg
		}
	}
	return ""
}

// statusesOf reads a list filter's statuses: the parameter repeated, or
// comma-separated as the API takes it, each once in the order given.
func statusesOf(q url.Values) []string {
	var out []string
	for _, s := range q["status"] {
		for part := range strings.SplitSeq(s, ",") {
			if part = strings.TrimSpace(part); part != "" && !slices.Contains(out, part) {
				out = append(out, part)
			}
		}
	}
	return out
}

// listHref is a list page's address for a filter's values, with a cursor
// when given, so paging links always start from the filter itself.
func listHref(path string, v url.Values, cursor string) string {
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// setLimit adds a page size to a filter's values when one was asked for.
func setLimit(v url.Values, limit int) {
	if limit != 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
}
