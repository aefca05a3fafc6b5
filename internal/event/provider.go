package event

import (
	"bytes"
	"encoding/json"
)

// privateKeys are the payload keys a provider never reads, at any depth of
// the payload: events embed whole records (a depot ticket, a stage log
// entry), so a key is private wherever it sits. Each is here because the
// provider's own API views leave the same thing out:
//
//   - contractor_id, contractor_ids, bid_id, technician, by, actor: who did
//     or bid for the work (a contractor, a platform's technician, who
//     scanned a serial, the depot technician on a stage log entry).
//     Providers learn that the work was done, not by whom.
//   - notes: the free text of technicians, contractors and depot staff,
//     written for ops.
//   - signature_artifact_id, artifact_id: job files stay with staff and the
//     job's holder (providers have no route to them); a signature is the
//     customer's.
//   - issue_key: the link to an internal issue tracker.
var privateKeys = map[string]bool{
	"contractor_id": true, "contractor_ids": true, "bid_id": true, "technician": true, "by": true, "actor": true,
	"notes":                 true,
	"signature_artifact_id": true, "artifact_id": true,
	"issue_key": true,
}

// ForProvider is e as a provider may see it, on a timeline or in a
// webhook: false for a staff-only event; otherwise the event with
// contractors unnamed and the private payload keys (privateKeys) removed
// wherever they are nested. It is the one provider view of an event, so
// an event type needs no view of its own.
func ForProvider(e Event) (Event, bool) {
	if e.StaffOnly {
		return Event{}, false
	}
	if e.Actor.Kind == ActorContractor {
		e.Actor = Actor{Kind: ActorContractor}
	}
	e.Payload = withoutPrivate(e.Payload)
	return e, true
}

// withoutPrivate drops privateKeys from payload at every depth. A payload
// unchanged keeps its bytes. One that cannot be read becomes {}: a view
// meant to keep things from providers fails closed.
func withoutPrivate(payload json.RawMessage) json.RawMessage {
	d := json.NewDecoder(bytes.NewReader(payload))
	d.UseNumber() // numbers come back out as written
	var v any
	if err := d.Decode(&v); err != nil {
		return json.RawMessage("{}")
	}
	if !strip(v) {
		return payload
	}
	out, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage("{}")
	}
	return out
}

// strip deletes privateKeys from the objects in v, recursively, and
// reports whether it deleted any.
func strip(v any) bool {
	changed := false
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if privateKeys[k] {
				delete(x, k)
				changed = true
				continue
			}
			changed = strip(val) || changed
		}
	case []any:
		for _, val := range x {
			changed = strip(val) || changed
		}
	}
	return changed
}
