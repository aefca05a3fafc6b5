package contractor_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/fault"
)

func fields(err error) []string {
	var fe *fault.Error
	if !errors.As(err, &fe) {
		return nil
	}
	var out []string
	for _, f := range fe.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestProfileLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		f := setup(t, store)
		p := profile(" Zane Ortiz ")
		p.Skills = []string{"Laser", "laser", " IPL "}
		p.ServiceArea.ExtraZIPs = []string{"76102-1234"}
		c := f.add(t, p, false)
		if c.Name != "Zane Ortiz" || !slices.Equal(c.Skills, []string{"ipl", "laser"}) || c.Status != contractor.Applicant ||
			!slices.Equal(c.ServiceArea.ExtraZIPs, []string{"76102"}) || c.ServiceArea.Home.Lat == 0 {
			t.Fatalf("created %+v", c)
		}

		t.Run("bad input names each field and changes nothing", func(t *testing.T) {
			bad := profile("")
			bad.Kind, bad.Trades, bad.CapacityPerDay = "robot", []string{"plumber"}, 500
			bad.ServiceArea = contractor.Area{HomeZIP: "99999", RadiusMiles: 0, ExtraZIPs: []string{"123"}}
			bad.Certifications = []contractor.Certification{{Name: ""}}
			_, err := f.svc.Create(ctx, staff, bad)
			want := []string{"capacity_per_day", "certifications[0].name", "kind", "name", "service_area.extra_zips[0]",
				"service_area.home_zip", "service_area.radius_miles", "trades"}
			if got := fields(err); !slices.Equal(got, want) {
				t.Fatalf("fields %v, want %v (%v)", got, want, err)
			}
			if !strings.Contains(err.Error(), `"99999"`) {
				t.Errorf("the unknown ZIP is not named: %v", err)
			}
			zip := "00000"
			_, err = f.svc.Patch(ctx, staff, c.ID, contractor.ProfileEdit{ServiceArea: &contractor.Area{HomeZIP: zip, RadiusMiles: 5}}, nil)
			if !slices.Equal(fields(err), []string{"service_area.home_zip"}) {
				t.Fatalf("patch: %v", err)
			}
			got, _ := f.svc.Get(ctx, c.ID)
			if got.Version != c.Version || got.ServiceArea.HomeZIP != "75231" {
				t.Errorf("a refused patch changed the contractor: %+v", got)
			}
		})

		t.Run("status moves", func(t *testing.T) {
			_, err := f.svc.Suspend(ctx, staff, c.ID, "")
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Code != fault.Conflict || !slices.Equal(fe.Detail["allowed"].([]string), []string{"active"}) {
				t.Fatalf("suspending an applicant: %v", err)
			}
			if err := c.Available(time.Now()); !fault.Is(err, fault.Conflict) {
				t.Errorf("an applicant may take work: %v", err)
			}
			for _, step := range []func() (*contractor.Contractor, error){
				func() (*contractor.Contractor, error) { return f.svc.Activate(ctx, staff, c.ID, "vetted") },
				func() (*contractor.Contractor, error) { return f.svc.Suspend(ctx, staff, c.ID, "insurance lapsed") },
				func() (*contractor.Contractor, error) { return f.svc.Activate(ctx, staff, c.ID, "insurance renewed") },
			} {
				if c, err = step(); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := f.svc.Activate(ctx, staff, c.ID, ""); !fault.Is(err, fault.Conflict) {
				t.Errorf("activating an active contractor: %v", err)
			}
			if err := c.Available(time.Now()); err != nil {
				t.Errorf("an active contractor may not take work: %v", err)
			}
		})

		t.Run("patch with If-Match", func(t *testing.T) {
			old := c.Version - 1
			capacity := 5
			if _, err := f.svc.Patch(ctx, staff, c.ID, contractor.ProfileEdit{CapacityPerDay: &capacity}, &old); !fault.Is(err, fault.Stale) {
				t.Fatalf("stale patch: %v", err)
			}
			extra := []string{"75001", "75002"}
			got, err := f.svc.Patch(ctx, staff, c.ID, contractor.ProfileEdit{CapacityPerDay: &capacity,
				ServiceArea: &contractor.Area{HomeZIP: "75231", RadiusMiles: 25, ExtraZIPs: extra}}, &c.Version)
			if err != nil {
				t.Fatal(err)
			}
			if got.CapacityPerDay != 5 || got.Version != c.Version+1 || !slices.Equal(got.ServiceArea.ExtraZIPs, extra) {
				t.Errorf("patched %+v", got)
			}
			if _, err := f.svc.Patch(ctx, staff, c.ID, contractor.ProfileEdit{}, nil); !fault.Is(err, fault.Invalid) {
				t.Errorf("an empty patch: %v", err)
			}
			c = got
		})

		t.Run("holds", func(t *testing.T) {
			from := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
			to := from.Add(7 * 24 * time.Hour)
			_, _, err := f.svc.AddHold(ctx, staff, c.ID, contractor.NewHold{From: to, To: from})
			if !slices.Equal(fields(err), []string{"to"}) {
				t.Fatalf("backwards hold: %v", err)
			}
			got, h, err := f.svc.AddHold(ctx, staff, c.ID, contractor.NewHold{From: from, To: to, Reason: "vacation"})
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Holds) != 1 || !got.Holds[0].From.Equal(from) {
				t.Fatalf("holds %+v", got.Holds)
			}
			if err := got.Available(from.Add(time.Hour)); !fault.Is(err, fault.Conflict) {
				t.Errorf("on hold but may take work: %v", err)
			}
			if err := got.Available(to); err != nil {
				t.Errorf("the hold ends at to, yet: %v", err)
			}
			evs, _ := f.bus.ForSubject(ctx, store.Read, contractor.SubjectType, c.ID)
			var he contractor.HoldEvent
			if last := evs[len(evs)-1]; last.Type != contractor.EventHoldAdded || json.Unmarshal(last.Payload, &he) != nil ||
				he.ContractorID != c.ID || !he.Hold.From.Equal(from) || !he.Hold.To.Equal(to) || last.Actor != staff {
				t.Errorf("hold event %s %s", last.Type, last.Payload)
			}
			other := f.add(t, profile("Other"), true)
			if _, err := f.svc.RemoveHold(ctx, staff, other.ID, h.ID); !fault.Is(err, fault.NotFound) {
				t.Errorf("removing another contractor's hold: %v", err)
			}
			if got, err = f.svc.RemoveHold(ctx, staff, c.ID, h.ID); err != nil || len(got.Holds) != 0 {
				t.Fatalf("remove: %v %+v", err, got)
			}
			c = got
		})

		want := []string{"Contractor.Created", "Contractor.StatusChanged", "Contractor.StatusChanged", "Contractor.StatusChanged",
			"Contractor.Updated", "Contractor.HoldAdded", "Contractor.HoldRemoved"}
		if got := f.types(t, c.ID); !slices.Equal(got, want) {
			t.Errorf("events %v, want %v", got, want)
		}
	})
}

func TestReliabilityAndList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		f := setup(t, store)
		zane := f.add(t, profile("Zane"), true)
		quinn := profile("Quinn")
		quinn.Trades, quinn.Skills, quinn.Pools = []string{"driver"}, []string{"liftgate"}, nil
		quinn.ServiceArea = contractor.Area{HomeZIP: "10001", RadiusMiles: 20}
		q := f.add(t, quinn, false)

		yes, no := true, false
		for _, o := range []contractor.Outcome{
			{Kind: "completed", OnTime: &yes, Rating: 5}, {Kind: "completed", OnTime: &no, Rating: 3},
			{Kind: "completed"}, {Kind: "backout"}, {Kind: "no_show"},
		} {
			if err := store.InTx(ctx, func(tx *db.Tx) error { return f.svc.RecordOutcomeTx(ctx, tx, zane.ID, o) }); err != nil {
				t.Fatal(err)
			}
		}
		err := store.InTx(ctx, func(tx *db.Tx) error {
			return f.svc.RecordOutcomeTx(ctx, tx, zane.ID, contractor.Outcome{Kind: "lost", Rating: 9})
		})
		if got := fields(err); !slices.Equal(got, []string{"kind", "rating"}) {
			t.Errorf("bad outcome: %v", err)
		}
		got, _ := f.svc.Get(ctx, zane.ID)
		want := contractor.Reliability{Completed: 3, Backouts: 1, NoShows: 1, OnTimeRate: 0.5, Rating: 4, Ratings: 2}
		if got.Reliability != want {
			t.Errorf("reliability %+v, want %+v", got.Reliability, want)
		}
		if q.Reliability.OnTimeRate != 1 || q.Reliability.Rating != 0 {
			t.Errorf("a new contractor's reliability: %+v", q.Reliability)
		}

		list := func(fl contractor.Filter) []string {
			t.Helper()
			cs, _, err := f.svc.List(ctx, fl)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range cs {
				names = append(names, c.Name)
			}
			return names
		}
		for _, c := range []struct {
			f    contractor.Filter
			want []string
		}{
			{contractor.Filter{}, []string{"Zane", "Quinn"}},
			{contractor.Filter{Status: contractor.Active}, []string{"Zane"}},
			{contractor.Filter{Trade: "driver"}, []string{"Quinn"}},
			{contractor.Filter{Skill: "LASER"}, []string{"Zane"}},
			{contractor.Filter{Pool: "acme"}, []string{"Zane"}},
			{contractor.Filter{NearZIP: "10002", RadiusMiles: 5}, []string{"Quinn"}},
			{contractor.Filter{NearZIP: "76102", RadiusMiles: 20}, nil},
			{contractor.Filter{NearZIP: "76102", RadiusMiles: 40}, []string{"Zane"}},
		} {
			if got := list(c.f); !slices.Equal(got, c.want) {
				t.Errorf("list %+v: %v, want %v", c.f, got, c.want)
			}
		}
		page1, next, err := f.svc.List(ctx, contractor.Filter{Limit: 1})
		if err != nil || len(page1) != 1 || next == "" {
			t.Fatalf("page 1: %v %d %q", err, len(page1), next)
		}
		page2, next2, err := f.svc.List(ctx, contractor.Filter{Limit: 1, Cursor: next})
		if err != nil || len(page2) != 1 || next2 != "" || page2[0].ID == page1[0].ID {
			t.Fatalf("page 2: %v %+v %q", err, page2, next2)
		}
		if _, _, err := f.svc.List(ctx, contractor.Filter{NearZIP: "99999"}); !slices.Equal(fields(err), []string{"near_zip"}) {
			t.Errorf("unknown near_zip: %v", err)
		}
	})
}

// CreateWith's extra work shares the profile's transaction: when it fails,
// no profile and no event are left for a retry to duplicate.
func TestCreateWithRollsBackTogether(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		f := setup(t, store)
		ctx := context.Background()
		boom := errors.New("account refused")
		var id string
		_, err := f.svc.CreateWith(ctx, staff, profile("Rita"), func(tx *db.Tx, c *contractor.Contractor) error {
			id = c.ID
			return boom
		})
		if !errors.Is(err, boom) || id == "" {
			t.Fatalf("CreateWith = %v (id %q)", err, id)
		}
		if _, err := f.svc.Get(ctx, id); !fault.Is(err, fault.NotFound) {
			t.Fatalf("the profile outlived its failed transaction: %v", err)
		}
		if got := f.types(t, id); len(got) != 0 {
			t.Fatalf("events left behind: %v", got)
		}
		c, err := f.svc.CreateWith(ctx, staff, profile("Rita"), func(*db.Tx, *contractor.Contractor) error { return nil })
		if err != nil || c.Name != "Rita" {
			t.Fatalf("CreateWith = %v, %v", c, err)
		}
	})
}
