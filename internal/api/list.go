package api

// Page is one page of a list: the items and, when more follow, the cursor
// to ask for the next page with.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
}

type listOutput[T any] struct{ Body Page[T] }

// list wraps items as a response, never as a JSON null.
func list[T any](items []T, next string) *listOutput[T] {
	if items == nil {
		items = []T{}
	}
	return &listOutput[T]{Body: Page[T]{Items: items, NextCursor: next}}
}

// mapList converts business values into their API view.
func mapList[S, T any](in []S, fn func(S) T) []T {
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = fn(v)
	}
	return out
}
