package contractor_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/queue"
)

var (
	ctx   = context.Background()
	staff = event.Actor{Kind: event.ActorStaff, ID: "u1", Name: "Jules Park"}
)

type fixture struct {
	svc   *contractor.Service
	bus   *event.Bus
	store *db.DB
}

func setup(t *testing.T, store *db.DB) fixture {
	t.Helper()
	q := queue.New(store, queue.Config{})
	bus := event.NewBus(q)
	if err := q.Open(); err != nil {
		t.Fatal(err)
	}
	return fixture{svc: contractor.New(store, bus), bus: bus, store: store}
}

// profile is a Dallas field tech; change what a test needs.
func profile(name string) contractor.Profile {
	far := time.Now().AddDate(2, 0, 0).UTC()
	return contractor.Profile{Kind: contractor.Person, Name: name, Email: "tech@example.com", Trades: []string{"field_tech"},
		Skills: []string{"laser", "ipl"}, Certifications: []contractor.Certification{{Name: "laser_safety", ExpiresOn: &far}},
		ServiceArea: contractor.Area{HomeZIP: "75231", RadiusMiles: 40}, Pools: []string{"acme"}, CapacityPerDay: 3}
}

// add creates a contractor from p and activates it unless active is false.
func (f fixture) add(t *testing.T, p contractor.Profile, active bool) *contractor.Contractor {
	t.Helper()
	c, err := f.svc.Create(ctx, staff, p)
	if err != nil {
		t.Fatal(err)
	}
	if active {
		if c, err = f.svc.Activate(ctx, staff, c.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func (f fixture) types(t *testing.T, id string) []string {
	t.Helper()
	evs, err := f.bus.ForSubject(ctx, f.store.Read, contractor.SubjectType, id)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}
