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

// TestNearest: the people a coordinator may hand a Dallas job to, nearest
// first whatever their own radius or skills; not applicants, the suspended
// or those on hold that day. A short list stops at the nearest ring that
// fills it; a long one reaches out to the widest radius.
func TestNearest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, store *db.DB) {
		f := setup(t, store)
		on := time.Now().Add(72 * time.Hour).UTC()
		names := map[string]string{}
		add := func(name, zip string, active bool) string {
			p := profile(name)
			p.ServiceArea = contractor.Area{HomeZIP: zip, RadiusMiles: 5}
			p.Skills = []string{"ipl"}
			id := f.add(t, p, active).ID
			names[id] = name
			return id
		}
		add("Zed at the site", "75231", true)
		add("Abe at the site", "75231", true)
		add("Fort Worth", "76102", true)
		add("Austin", "78701", true)
		add("Memphis", "38103", true) // about 420 miles
		add("Seattle", "98101", true) // beyond every ring
		add("applicant", "75231", false)
		suspended := add("suspended", "75231", true)
		held := add("on holiday", "75231", true)
		if _, err := f.svc.Suspend(ctx, staff, suspended, "paperwork"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.AddHold(ctx, staff, held, contractor.NewHold{From: on.Add(-time.Hour), To: on.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		site, err := geo.Lookup("75231")
		if err != nil {
			t.Fatal(err)
		}
		nearest := func(n int) []string {
			t.Helper()
			got, err := f.svc.Nearest(ctx, site, on, n)
			if err != nil {
				t.Fatal(err)
			}
			out := make([]string, len(got))
			for i, g := range got {
				out[i] = names[g.Contractor.ID]
				if i > 0 && g.Miles < got[i-1].Miles {
					t.Errorf("not nearest first: %+v", got)
				}
			}
			return out
		}
		if got, want := nearest(2), []string{"Abe at the site", "Zed at the site"}; !slices.Equal(got, want) {
			t.Errorf("two nearest: %v, want %v", got, want)
		}
		// Zed was registered first: a tie at the cut is settled by name.
		if got, want := nearest(1), []string{"Abe at the site"}; !slices.Equal(got, want) {
			t.Errorf("the nearest: %v, want %v", got, want)
		}
		if got, want := nearest(3), []string{"Abe at the site", "Zed at the site", "Fort Worth"}; !slices.Equal(got, want) {
			t.Errorf("three nearest: %v, want %v", got, want)
		}
		if got, want := nearest(10), []string{"Abe at the site", "Zed at the site", "Fort Worth", "Austin", "Memphis"}; !slices.Equal(got, want) {
			t.Errorf("everyone within reach: %v, want %v", got, want)
		}
		if got := nearest(0); len(got) != 0 {
			t.Errorf("none asked for: %v", got)
		}
	})
}
