package provider_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/provider"
	"github.com/fieldhub/fieldhub/internal/queue"
)

func newService(t *testing.T, store *db.DB) (*provider.Service, *event.Bus) {
	t.Helper()
	q := queue.New(store, queue.Config{})
	bus := event.NewBus(q)
	if err := q.Open(); err != nil {
		t.Fatal(err)
	}
	return provider.New(store, bus), bus
}

var staff = event.Actor{Kind: event.ActorStaff, ID: "u1", Name: "Ada"}

func TestProviders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		ctx := context.Background()
		svc, bus := newService(t, store)

		t.Run("create normalises, records an event, refuses duplicates", func(t *testing.T) {
			p, err := svc.Create(ctx, provider.Provider{Code: " acme ", Name: " Acme ",
				Contacts: []provider.Contact{{Name: "Dana", Email: "dana@acme.example"}}}, staff)
			if err != nil {
				t.Fatal(err)
			}
			if p.Code != "ACME" || p.Name != "Acme" || p.Version != 1 || !p.Active {
				t.Fatalf("created %+v", p)
			}
			got, err := svc.Get(ctx, "acme")
			if err != nil || got.ID != p.ID || len(got.Contacts) != 1 || got.Contacts[0].Email != "dana@acme.example" {
				t.Fatalf("get = %+v, %v", got, err)
			}
			evs, err := bus.ForSubject(ctx, store.Read, "provider", p.ID)
			if err != nil || len(evs) != 1 || evs[0].Type != "Provider.Created" || evs[0].Actor.ID != "u1" {
				t.Fatalf("events = %+v, %v", evs, err)
			}
			_, err = svc.Create(ctx, provider.Provider{Code: "ACME", Name: "Again"}, staff)
			if !fault.Is(err, fault.Conflict) {
				t.Fatalf("duplicate err = %v", err)
			}
		})

		t.Run("bad input names each field and writes nothing", func(t *testing.T) {
			_, err := svc.Create(ctx, provider.Provider{Code: "a", Name: "",
				Contacts: []provider.Contact{{Name: "", Email: "nope"}}, Settings: provider.Settings{Timezone: "Mars/Base"}}, staff)
			var fe *fault.Error
			if !asFault(err, &fe) || fe.Code != fault.Invalid {
				t.Fatalf("err = %v", err)
			}
			fields := map[string]bool{}
			for _, f := range fe.Fields {
				fields[f.Field] = true
			}
			for _, f := range []string{"code", "name", "contacts[0].name", "contacts[0].email", "settings.timezone"} {
				if !fields[f] {
					t.Errorf("no error for %s in %v", f, fe.Fields)
				}
			}
			if _, err := svc.Get(ctx, "A"); !fault.Is(err, fault.NotFound) {
				t.Fatalf("invalid provider was stored: %v", err)
			}
		})

		t.Run("update with versions", func(t *testing.T) {
			name := "Acme Aesthetics"
			v1 := int64(1)
			p, err := svc.Update(ctx, "ACME", provider.Update{Name: &name}, &v1, staff)
			if err != nil || p.Name != name || p.Version != 2 {
				t.Fatalf("update = %+v, %v", p, err)
			}
			other := "Stale"
			_, err = svc.Update(ctx, "ACME", provider.Update{Name: &other}, &v1, staff)
			if !fault.Is(err, fault.Stale) {
				t.Fatalf("stale update err = %v", err)
			}
			bad := "Mars/Base"
			_, err = svc.Update(ctx, "ACME", provider.Update{Settings: &provider.Settings{Timezone: bad}}, nil, staff)
			if !fault.Is(err, fault.Invalid) {
				t.Fatalf("invalid update err = %v", err)
			}
			got, _ := svc.Get(ctx, "ACME")
			if got.Name != name || got.Version != 2 || got.Settings.Timezone != "" {
				t.Fatalf("a refused update changed the provider: %+v", got)
			}
			if _, err := svc.Update(ctx, "NOPE", provider.Update{Name: &name}, nil, staff); !fault.Is(err, fault.NotFound) {
				t.Fatalf("unknown provider err = %v", err)
			}
		})

		t.Run("list pages in code order", func(t *testing.T) {
			for i := 0; i < 5; i++ {
				if _, err := svc.Create(ctx, provider.Provider{Code: fmt.Sprintf("P%02d", i), Name: "P"}, staff); err != nil {
					t.Fatal(err)
				}
			}
			var codes []string
			cursor := ""
			for pages := 0; ; pages++ {
				list, next, err := svc.List(ctx, cursor, 2)
				if err != nil {
					t.Fatal(err)
				}
				if len(list) > 2 || pages > 5 {
					t.Fatalf("page of %d, %d pages", len(list), pages)
				}
				for _, p := range list {
					codes = append(codes, p.Code)
				}
				if next == "" {
					break
				}
				cursor = next
			}
			want := "[ACME P00 P01 P02 P03 P04]"
			if fmt.Sprint(codes) != want {
				t.Fatalf("codes = %v, want %s", codes, want)
			}
			if _, _, err := svc.List(ctx, "garbage!", 2); !fault.Is(err, fault.Invalid) {
				t.Fatalf("bad cursor err = %v", err)
			}
		})
	})
}

func asFault(err error, target **fault.Error) bool {
	fe, ok := err.(*fault.Error)
	*target = fe
	return ok
}
