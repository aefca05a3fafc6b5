package contractor_test

import (
	"slices"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/geo"
)

// TestEligible runs each rule on its own against one world of contractors
// around Dallas.
func TestEligible(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		f := setup(t, store)
		on := time.Now().Add(72 * time.Hour).UTC()
		ids := map[string]string{}
		add := func(name string, active bool, edit func(p *contractor.Profile)) {
			p := profile(name)
			if edit != nil {
				edit(&p)
			}
			ids[f.add(t, p, active).ID] = name
		}
		add("near", true, nil) // 75231 itself
		add("applicant", false, nil)
		add("suspended", true, nil)
		add("no-skill", true, func(p *contractor.Profile) { p.Skills = []string{"ipl"} })
		add("expired", true, func(p *contractor.Profile) {
			past := on.Add(-time.Hour)
			p.Certifications = []contractor.Certification{{Name: "laser_safety", ExpiresOn: &past}}
		})
		add("fort-worth-short", true, func(p *contractor.Profile) { p.ServiceArea = contractor.Area{HomeZIP: "76102", RadiusMiles: 10} })
		add("fort-worth", true, func(p *contractor.Profile) { p.ServiceArea = contractor.Area{HomeZIP: "76102", RadiusMiles: 50} })
		add("austin-wide", true, func(p *contractor.Profile) { p.ServiceArea = contractor.Area{HomeZIP: "78701", RadiusMiles: 300} })
		add("houston-extra", true, func(p *contractor.Profile) {
			p.ServiceArea = contractor.Area{HomeZIP: "77002", RadiusMiles: 10, ExtraZIPs: []string{"75231-0001"}}
		})
		add("other-pool", true, func(p *contractor.Profile) { p.Pools = []string{"shield"} })
		add("driver", true, func(p *contractor.Profile) { p.Trades = []string{"driver"} })
		add("on-hold", true, nil)
		for id, name := range ids {
			switch name {
			case "suspended":
				if _, err := f.svc.Suspend(ctx, staff, id, "paperwork"); err != nil {
					t.Fatal(err)
				}
			case "on-hold":
				if _, _, err := f.svc.AddHold(ctx, staff, id, contractor.NewHold{From: on.Add(-24 * time.Hour), To: on.Add(24 * time.Hour), Reason: "vacation"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		job := contractor.Criteria{SiteZIP: "75231", RadiusMiles: 50, Trade: "field_tech", Skills: []string{"Laser"},
			Certifications: []string{"laser_safety"}, Pool: "acme", On: on}
		names := func(c contractor.Criteria) []string {
			t.Helper()
			ms, err := f.svc.Eligible(ctx, store.Read, c)
			if err != nil {
				t.Fatal(err)
			}
			out := make([]string, len(ms))
			for i, m := range ms {
				out[i] = ids[m.ContractorID]
				if i > 0 && m.DistanceMiles < ms[i-1].DistanceMiles {
					t.Errorf("not nearest first: %v", ms)
				}
			}
			return out
		}
		check := func(what string, c contractor.Criteria, want ...string) {
			t.Helper()
			if got := names(c); !slices.Equal(got, want) {
				t.Errorf("%s: eligible %v, want %v", what, got, want)
			}
		}
		// Nearest first; the others each fail one rule: status, skill,
		// expired certification, their own radius, the job's radius,
		// pool, trade, hold.
		check("the job", job, "near", "fort-worth", "houston-extra")

		later := job
		later.On = on.Add(48 * time.Hour)
		check("after the hold", later, "near", "on-hold", "fort-worth", "houston-extra")

		wide := job
		wide.RadiusMiles = 250
		check("a wider job radius reaches Austin", wide, "near", "fort-worth", "austin-wide", "houston-extra")

		own := job
		own.RadiusMiles = 0
		check("no job radius: each contractor's own", own, "near", "fort-worth", "austin-wide", "houston-extra")

		excl := job
		for id, name := range ids {
			if name == "near" {
				excl.Exclude = []string{id}
			}
		}
		check("exclude", excl, "fort-worth", "houston-extra")

		anyPool := job
		anyPool.Pool = ""
		check("any pool", anyPool, "near", "other-pool", "fort-worth", "houston-extra")

		noCert := job
		noCert.Certifications = nil
		check("no certification asked", noCert, "near", "expired", "fort-worth", "houston-extra")

		drivers := contractor.Criteria{SiteZIP: "75231", RadiusMiles: 50, Trade: "driver", On: on}
		check("trade", drivers, "driver")

		limited := job
		limited.Limit = 1
		check("limit", limited, "near")

		dallas, _ := geo.Lookup("75231")
		byPoint := job
		byPoint.SiteZIP, byPoint.Site = "", dallas
		check("a site by point alone finds no extra-ZIP matches", byPoint, "near", "fort-worth")

		if _, err := f.svc.Eligible(ctx, store.Read, contractor.Criteria{SiteZIP: "99999"}); err == nil {
			t.Error("an unknown site ZIP was accepted")
		}
	})
}
