package event_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/fieldhub/fieldhub/internal/event"
)

// TestForProviderPrivateKeys: the provider view drops who did the work,
// their notes, signatures and tracker links wherever a payload nests them,
// and keeps everything else as it was.
func TestForProviderPrivateKeys(t *testing.T) {
	for _, tc := range []struct {
		name, payload, want string
	}{
		{"serial scan names who scanned", `{"scan_id":"s-1","serial":"GMP-1","scan_kind":"install","by":"Bob","signature_artifact_id":"art-sig"}`,
			`{"scan_id":"s-1","serial":"GMP-1","scan_kind":"install"}`},
		{"completion keeps the result, not the notes or the signature",
			`{"result_code":"fixed","notes":"replaced the panel","signature_artifact_id":"art-sig","parts_used":[{"sku":"PNL-1","quantity":1}]}`,
			`{"result_code":"fixed","parts_used":[{"sku":"PNL-1","quantity":1}]}`},
		{"incomplete keeps the reason code", `{"reason":"access_denied","next_step":"revisit","notes":"gate locked"}`,
			`{"reason":"access_denied","next_step":"revisit"}`},
		{"a platform's award names no technician", `{"platform":"workmarket","technician":"Dana Ortiz"}`, `{"platform":"workmarket"}`},
		{"an artifact's id stays with staff", `{"artifact_id":"art-1","artifact_kind":"signature"}`, `{"artifact_kind":"signature"}`},
		{"a depot ticket nests its issue key", `{"ticket":{"number":"DT-1","issue_key":"DEPOT-7","stage":"repair"},"missing":[]}`,
			`{"ticket":{"number":"DT-1","stage":"repair"},"missing":[]}`},
		{"a stage log entry nests who and their notes",
			`{"stage":"diagnostic","entry":{"stage":"diagnostic","actor":{"kind":"staff","name":"Dana Depot"},"notes":"module fault","parts":[{"sku":"M-1","quantity":2}]}}`,
			`{"stage":"diagnostic","entry":{"stage":"diagnostic","parts":[{"sku":"M-1","quantity":2}]}}`},
		{"objects inside lists", `{"entries":[{"by":"Bob","n":1},{"notes":"x","n":2}]}`, `{"entries":[{"n":1},{"n":2}]}`},
		{"a work order's completion notes", `{"result_code":"fixed","work_order":{"id":"wo-1","completion":{"result_code":"fixed","notes":"tech's words"}}}`,
			`{"result_code":"fixed","work_order":{"id":"wo-1","completion":{"result_code":"fixed"}}}`},
		{"unreadable fails closed", `{"notes":`, `{}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := event.ForProvider(event.Event{Type: "Job.Completed", Actor: event.System, Payload: json.RawMessage(tc.payload)})
			if !ok {
				t.Fatal("a provider event was dropped")
			}
			if !sameJSON(t, got.Payload, tc.want) {
				t.Fatalf("payload %s, want %s", got.Payload, tc.want)
			}
		})
	}
}

// TestForProviderNumbers: numbers leave the view as they were written, not
// through float64.
func TestForProviderNumbers(t *testing.T) {
	got, _ := event.ForProvider(event.Event{Type: "Job.Completed", Actor: event.System,
		Payload: json.RawMessage(`{"by":"x","cents":9007199254740993,"ratio":0.1000}`)})
	if string(got.Payload) != `{"cents":9007199254740993,"ratio":0.1000}` {
		t.Fatalf("payload %s", got.Payload)
	}
}

// TestForProviderKeepsClean: a payload with nothing private keeps its
// bytes, key order and all; actors other than contractors keep their names.
func TestForProviderKeepsClean(t *testing.T) {
	raw := `{"status":"completed","at":"2026-12-01T15:00:00Z","note":"provider's own hold note","items":[{"id":"a"}]}`
	staff := event.Actor{Kind: event.ActorStaff, ID: "u-1", Name: "Olivia Ops"}
	got, ok := event.ForProvider(event.Event{Type: "WorkOrder.Held", Actor: staff, Payload: json.RawMessage(raw)})
	if !ok || string(got.Payload) != raw || got.Actor != staff {
		t.Fatalf("ForProvider = %s %+v %v", got.Payload, got.Actor, ok)
	}
	sys := event.Actor{Kind: event.ActorSystem, ID: "workmarket"}
	if got, _ := event.ForProvider(event.Event{Type: "Job.OnSite", Actor: sys, Payload: json.RawMessage(`{}`)}); got.Actor != sys {
		t.Fatalf("system actor = %+v", got.Actor)
	}
}

// TestForProviderDoesNotAlias: the view is a copy; the staff view of the
// same event still has everything.
func TestForProviderDoesNotAlias(t *testing.T) {
	raw := `{"ticket":{"issue_key":"DEPOT-7"},"notes":"x"}`
	e := event.Event{Type: "Depot.TicketOpened", Actor: event.System, Payload: json.RawMessage(raw)}
	if _, ok := event.ForProvider(e); !ok {
		t.Fatal("dropped")
	}
	if string(e.Payload) != raw {
		t.Fatalf("the original changed: %s", e.Payload)
	}
}

func sameJSON(t *testing.T, got json.RawMessage, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("not JSON: %s (%v)", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(g, w)
}
