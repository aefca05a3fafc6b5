package dispatch

import "time"

// Checklist is what the contractor ticks off on a job, from a template.
type Checklist struct {
	Template         string          `json:"template"`
	RequireSignature bool            `json:"require_signature" doc:"Completion needs a customer signature artifact"`
	Items            []ChecklistItem `json:"items"`
}

// ChecklistItem is one thing to do, with who ticked it and when.
type ChecklistItem struct {
	ID     string     `json:"id"`
	Text   string     `json:"text"`
	Done   bool       `json:"done"`
	DoneAt *time.Time `json:"done_at,omitempty"`
	DoneBy string     `json:"done_by,omitempty"`
}

type template struct {
	signature bool
	items     [][2]string
}

// templates are the built-in checklists; their item ids are stable.
var templates = map[string]template{
	"none": {},
	"repair": {true, [][2]string{{"inspect", "Inspect the unit and note its condition"}, {"diagnose", "Run diagnostics and record error codes"},
		{"repair", "Repair or replace parts"}, {"test", "Test the unit after repair"}, {"signoff", "Customer sign-off"}}},
	"delivery": {true, [][2]string{{"verify_serial", "Scan the unit's serial"}, {"place", "Place the unit where the customer asks"},
		{"photo", "Photograph the unit in place"}, {"signoff", "Customer signature"}}},
	"pickup": {true, [][2]string{{"verify_serial", "Scan the unit's serial"}, {"pack", "Pack the unit for transport"},
		{"photo", "Photograph the unit's condition"}, {"signoff", "Customer signature"}}},
	"install": {true, [][2]string{{"site_check", "Check power and space"}, {"install", "Install the unit"},
		{"test", "Power on and test"}, {"signoff", "Customer sign-off"}}},
	"training":   {false, [][2]string{{"attendees", "Record who attended"}, {"topics", "Cover every topic"}}},
	"inspection": {false, [][2]string{{"inspect", "Inspect the unit"}, {"report", "Record findings"}}},
}

func defaultTemplate(kind string) string {
	switch kind {
	case "repair", "electrical_prep":
		return "repair"
	case "delivery", "loaner_delivery":
		return "delivery"
	case "pickup", "loaner_pickup":
		return "pickup"
	case "install":
		return "install"
	case "training":
		return "training"
	case "inspection":
		return "inspection"
	}
	return "none"
}

// newChecklist builds a job's checklist from a template name.
func newChecklist(name string) Checklist {
	t := templates[name]
	c := Checklist{Template: name, RequireSignature: t.signature, Items: []ChecklistItem{}}
	for _, it := range t.items {
		c.Items = append(c.Items, ChecklistItem{ID: it[0], Text: it[1]})
	}
	return c
}
