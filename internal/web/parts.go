package web

import "github.com/a-h/templ"

// recordHeader is the top of a record's page (recordHead).
type recordHeader struct {
	// Back and BackText are the way back, shown above the card.
	Back     templ.SafeURL
	BackText string
	// Title is the record's name, its heading marked with TestID.
	Title, TestID string
	Status        string
	// Aside follows the badge (the work order's SLA mark); nil for none.
	Aside templ.Component
	// Done is what the last action did; Err a refusal to show at the top.
	Done string
	Err  *pageError
}

// inPlace makes a form post through htmx, when it runs, without a reload,
// keeping the address on the page.
var inPlace = templ.Attributes{"hx-boost": "true", "hx-push-url": "false", "hx-disabled-elt": "find button"}

// ifSet is an optional value as say puts it, or "" when it is not set, so
// an optional line of a card (optRow) shows only when there is one.
func ifSet[T any](p *T, say func(T) string) string {
	if p == nil {
		return ""
	}
	return say(*p)
}
