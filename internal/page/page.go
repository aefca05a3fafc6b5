// Package page implements cursor pagination shared by every list: an opaque
// cursor that encodes the sort key of the last item seen, and a capped page size.
package page

import (
	"encoding/base64"
	"encoding/json"

	"github.com/fieldhub/fieldhub/internal/fault"
)

// Page size limits for every list endpoint.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Limit clamps a requested page size into [1, MaxLimit], using DefaultLimit for 0.
func Limit(n int) int {
	switch {
	case n <= 0:
		return DefaultLimit
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}

// Encode turns a sort key (any JSON-encodable value) into an opaque cursor.
func Encode(key any) string {
	b, err := json.Marshal(key)
	if err != nil {
		panic(err) // keys are plain structs of strings and numbers
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode reads a cursor made by Encode into key. An empty cursor leaves key
// untouched and reports false.
func Decode(cursor string, key any) (bool, error) {
	if cursor == "" {
		return false, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		err = json.Unmarshal(b, key)
	}
	if err != nil {
		return false, &fault.Error{Code: fault.Invalid, Message: "invalid cursor",
			Fields: []fault.FieldError{{Field: "cursor", Reason: "is not a cursor this server issued"}}}
	}
	return true, nil
}

// Cut takes the limit+1 items a page query fetched and returns the page and
// the cursor for the next one ("" on the last page), made from the last
// item's sort key.
func Cut[T any](items []T, limit int, key func(T) any) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, Encode(key(items[limit-1]))
}
