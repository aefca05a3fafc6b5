// Package fault is fieldhub's one error type. Every layer returns *Error for
// conditions a caller can act on; anything else is an internal error that is
// logged and shown to clients only as "internal error".
package fault

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Code classifies an error; the API maps each code to one HTTP status.
type Code string

// The codes. Keep the set small: a new code is a new contract with clients.
const (
	Invalid      Code = "invalid"      // the request is malformed or breaks a rule
	NotFound     Code = "not_found"    // no such thing, or not the caller's to see
	Conflict     Code = "conflict"     // the thing's current state forbids the change
	Forbidden    Code = "forbidden"    // the caller is known but may not do this
	Unauthorized Code = "unauthorized" // the caller is not known
	Unavailable  Code = "unavailable"  // a dependency (database, outside system) is away
	Stale        Code = "stale"        // a precondition (If-Match) no longer holds
	RateLimited  Code = "rate_limited" // too many attempts; try again later
	Internal     Code = "internal"     // a bug or an unexpected failure
)

// FieldError names one bad field and why it is bad.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is an error with a code, a message safe to show to the caller, and
// optionally the fields at fault and extra detail for the client.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	// Detail carries machine-readable extras (e.g. allowed transitions).
	Detail map[string]any
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + " " + f.Reason
	}
	return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, strings.Join(parts, "; "))
}

// Errorf builds an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of err, or Internal when err is not an *Error.
func CodeOf(err error) Code {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Code
	}
	if err == nil {
		return ""
	}
	return Internal
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// Fields collects field errors while validating; Err returns nil when none
// were added, so a Validate method reads top to bottom.
type Fields struct{ list []FieldError }

// Add records a bad field.
func (f *Fields) Add(field, reason string) { f.list = append(f.list, FieldError{field, reason}) }

// Check records a bad field when ok is false.
func (f *Fields) Check(ok bool, field, reason string) {
	if !ok {
		f.Add(field, reason)
	}
}

// Err returns an Invalid error listing every field added, sorted by field, or nil.
func (f *Fields) Err() error {
	if len(f.list) == 0 {
		return nil
	}
	list := append([]FieldError(nil), f.list...)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Field < list[j].Field })
	return &Error{Code: Invalid, Message: "validation failed", Fields: list}
}
