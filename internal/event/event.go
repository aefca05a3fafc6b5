// Package event records domain events and delivers them to subscribers.
//
// An event is written in the same transaction as the change it describes,
// together with one queued delivery job per matching subscriber, so a
// rolled-back change leaves neither and a committed one always reaches every
// subscriber. Deliveries run on the job queue: a subscriber that fails is
// retried with backoff and, once out of attempts, becomes a dead letter that
// staff can replay. A delivery may therefore run more than once (a retry
// after a crash, a replay): subscribers must be idempotent, keyed on Event.ID.
package event

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/google/uuid"
)

// Actor kinds: who caused an event.
const (
	ActorStaff      = "staff"
	ActorProvider   = "provider"
	ActorContractor = "contractor"
	ActorCustomer   = "customer"
	ActorSystem     = "system"
)

// MaxPayload bounds an event's payload: events describe a change, they do not
// carry files.
const MaxPayload = 64 << 10

// Actor is who caused an event. Name is kept as it was at the time, so the
// timeline still reads right after a rename.
type Actor struct {
	Kind string
	ID   string
	Name string
}

// System is the actor for changes fieldhub makes on its own (timers, imports).
var System = Actor{Kind: ActorSystem}

func validActorKind(k string) bool {
	switch k {
	case ActorStaff, ActorProvider, ActorContractor, ActorCustomer, ActorSystem:
		return true
	}
	return false
}

// Event is something that happened to a subject, e.g. "WorkOrder.Created"
// for one work order.
type Event struct {
	// Seq orders events in the store; it grows with every recorded event.
	Seq int64
	// ID is the event's uuid (v7 when Record makes it), stable across
	// deliveries: subscribers dedupe on it. A caller may set it to make a
	// repeated Record of the same fact fail with fault.Conflict.
	ID          string
	Type        string
	SubjectType string
	SubjectID   string
	// ProviderID is the provider the subject belongs to, if any, so that
	// webhooks and access checks need not look the subject up.
	ProviderID string
	// WorkOrderID is the work order the subject belongs to, when the subject
	// is a work order or something done for one (a job, a depot ticket), so
	// that the work order's timeline shows it. Record fills it for work
	// order subjects.
	WorkOrderID string
	// StaffOnly keeps the event from providers: it is left off the
	// timelines they read and out of their webhooks. Record sets it for
	// the types named with Bus.StaffOnly.
	StaffOnly bool
	Actor     Actor
	// Payload is a JSON object with the event's details.
	Payload json.RawMessage
	At      time.Time
}

// Validate checks what Record needs, and normalises the payload: empty
// becomes {}, anything else must be a JSON object and is compacted.
func (e *Event) Validate() error {
	var f fault.Fields
	f.Check(e.ID == "" || validUUID(e.ID), "id", "must be a UUID")
	f.Check(validName(e.Type), "type", "is required: a name like WorkOrder.Created, at most 100 characters, no spaces")
	f.Check(validName(e.SubjectType), "subject_type", "is required: a name, at most 100 characters, no spaces")
	f.Check(e.SubjectID != "" && len(e.SubjectID) <= 200, "subject_id", "is required, at most 200 characters")
	f.Check(len(e.ProviderID) <= 200, "provider_id", "is at most 200 characters")
	f.Check(len(e.WorkOrderID) <= 200, "work_order_id", "is at most 200 characters")
	f.Check(validActorKind(e.Actor.Kind), "actor.kind", "must be staff, provider, contractor, customer or system")
	payload, reason := normalPayload(e.Payload)
	if reason != "" {
		f.Add("payload", reason)
	} else {
		e.Payload = payload
	}
	return f.Err()
}

// normalPayload returns p compacted, {} for empty, or why it is refused.
func normalPayload(p json.RawMessage) (json.RawMessage, string) {
	p = bytes.TrimSpace(p)
	switch {
	case len(p) == 0:
		return json.RawMessage("{}"), ""
	case len(p) > MaxPayload:
		return nil, "is larger than 64 KiB"
	case p[0] != '{' || !json.Valid(p) || !utf8.Valid(p):
		return nil, "must be a JSON object"
	case hasNUL(p):
		// PostgreSQL's jsonb refuses NUL; refuse it on both engines alike.
		return nil, "must not contain NUL characters"
	}
	var buf bytes.Buffer
	_ = json.Compact(&buf, p) // cannot fail: p is valid JSON
	return buf.Bytes(), ""
}

// hasNUL reports whether valid JSON text escapes a NUL character (\u0000
// preceded by an odd run of backslashes, so "\\u0000" does not count).
func hasNUL(p []byte) bool {
	for i := 0; ; {
		j := bytes.Index(p[i:], []byte(`u0000`))
		if j < 0 {
			return false
		}
		k := i + j
		n := 0
		for m := k - 1; m >= 0 && p[m] == '\\'; m-- {
			n++
		}
		if n%2 == 1 {
			return true
		}
		i = k + 1
	}
}

func validUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

func validName(s string) bool {
	return s != "" && len(s) <= 100 && !strings.ContainsAny(s, " \t\r\n")
}

// Matches reports whether an event type is selected by a pattern: "*"
// selects everything, "WorkOrder.*" every type under WorkOrder, anything
// else exactly that type. Subscribers and webhook endpoints select alike.
func Matches(pattern, typ string) bool {
	switch {
	case pattern == "*":
		return true
	case strings.HasSuffix(pattern, ".*"):
		return strings.HasPrefix(typ, pattern[:len(pattern)-1])
	default:
		return pattern == typ
	}
}
