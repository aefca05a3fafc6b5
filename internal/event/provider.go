package event

import "encoding/json"

// contractorKeys name who did or bid for the work; providers learn that a
// job was awarded and done, not to whom or on which bid.
var contractorKeys = []string{"contractor_id", "contractor_ids", "bid_id", "technician"}

// ForProvider is e as a provider may see it, on a timeline or in a
// webhook: false for a staff-only event; otherwise the event with
// contractors unnamed (actor and payload keys that identify them removed).
func ForProvider(e Event) (Event, bool) {
	if e.StaffOnly {
		return Event{}, false
	}
	if e.Actor.Kind == ActorContractor {
		e.Actor = Actor{Kind: ActorContractor}
	}
	e.Payload = withoutKeys(e.Payload, contractorKeys)
	return e, true
}

// withoutKeys drops keys from the top level of a JSON object payload.
func withoutKeys(payload []byte, keys []string) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(payload, &m) != nil {
		return payload
	}
	n := len(m)
	for _, k := range keys {
		delete(m, k)
	}
	if len(m) == n {
		return payload
	}
	out, err := json.Marshal(m)
	if err != nil {
		return payload
	}
	return out
}
