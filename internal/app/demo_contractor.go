package app

import (
	"context"
	"time"

	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/provider"
)

// demoContractorProfile is one demo contractor; account is the demo
// sign-in it is linked to, if any.
type demoContractorProfile struct {
	account string
	profile contractor.Profile
}

func demoContractors(now time.Time) []demoContractorProfile {
	inYear := now.AddDate(1, 0, 0).UTC().Truncate(24 * time.Hour)
	inMonths := now.AddDate(0, 5, 0).UTC().Truncate(24 * time.Hour)
	cert := func(name string, until time.Time) contractor.Certification {
		return contractor.Certification{Name: name, ExpiresOn: &until}
	}
	return []demoContractorProfile{
		{"zane.ortiz@contractor.example", contractor.Profile{Kind: contractor.Person, Name: "Zane Ortiz",
			Email: "zane.ortiz@contractor.example", Phone: "+12145550121", Trades: []string{"field_tech"},
			Skills: []string{"laser", "ipl", "gentlemax"}, Certifications: []contractor.Certification{cert("laser_safety", inYear)},
			ServiceArea: contractor.Area{HomeZIP: "75231", RadiusMiles: 40}, Pools: []string{"acme"}, CapacityPerDay: 3}},
		{"quinn.reeves@contractor.example", contractor.Profile{Kind: contractor.Person, Name: "Quinn Reeves",
			Email: "quinn.reeves@contractor.example", Phone: "+12145550122", Trades: []string{"driver"},
			Skills: []string{"liftgate", "white_glove"}, ServiceArea: contractor.Area{HomeZIP: "75201", RadiusMiles: 60},
			Pools: []string{"acme", "shield"}, CapacityPerDay: 6}},
		{"", contractor.Profile{Kind: contractor.Person, Name: "Maya Chen", Email: "maya.chen@contractor.example",
			Trades: []string{"field_tech", "trainer"}, Skills: []string{"laser", "ipl", "training"},
			Certifications: []contractor.Certification{cert("laser_safety", inMonths)},
			ServiceArea:    contractor.Area{HomeZIP: "75024", RadiusMiles: 35, ExtraZIPs: []string{"75454"}}, Pools: []string{"acme"}, CapacityPerDay: 2}},
		{"", contractor.Profile{Kind: contractor.Firm, Name: "Northstar Electric LLC", Email: "dispatch@northstar-electric.example",
			Trades: []string{"electrician"}, Skills: []string{"220v", "dedicated_circuit"},
			Certifications: []contractor.Certification{cert("tx_master_electrician", inYear)},
			ServiceArea:    contractor.Area{HomeZIP: "76102", RadiusMiles: 50}, CapacityPerDay: 4}},
		{"", contractor.Profile{Kind: contractor.Person, Name: "Luis Ortega", Email: "luis.ortega@contractor.example",
			Trades: []string{"field_tech"}, Skills: []string{"ipl", "tvs"}, ServiceArea: contractor.Area{HomeZIP: "75061", RadiusMiles: 40},
			Pools: []string{"shield"}, CapacityPerDay: 4}},
		{"", contractor.Profile{Kind: contractor.Person, Name: "Dr. Priya Raman", Email: "priya.raman@contractor.example",
			Trades: []string{"medical_director", "trainer"}, Skills: []string{"laser", "aesthetics"},
			Certifications: []contractor.Certification{cert("tx_medical_license", inYear)},
			ServiceArea:    contractor.Area{HomeZIP: "75390", RadiusMiles: 30}, Pools: []string{"acme"}, CapacityPerDay: 2}},
	}
}

// demoContractor adds the contractor part of the demo world: six active
// contractors around Dallas and Fort Worth, two of them linked to the demo
// contractor accounts, one with a vacation booked.
func (a *App) demoContractor(ctx context.Context, _ map[string]provider.Provider) error {
	sys := event.Actor{Kind: event.ActorSystem, Name: "demo"}
	now := a.Store.Now()
	for _, d := range demoContractors(now) {
		c, err := a.Contractors.Create(ctx, sys, d.profile)
		if err != nil {
			return err
		}
		if c, err = a.Contractors.Activate(ctx, sys, c.ID, "demo"); err != nil {
			return err
		}
		if d.account != "" {
			u, err := a.Auth.UserByEmail(ctx, d.account)
			if err != nil {
				return err
			}
			if _, err := a.Auth.LinkSubject(ctx, u.ID, c.ID, demoPrincipal); err != nil {
				return err
			}
		}
		if c.Name == "Luis Ortega" {
			from := now.AddDate(0, 0, 14).UTC().Truncate(24 * time.Hour)
			if _, _, err := a.Contractors.AddHold(ctx, sys, c.ID, contractor.NewHold{From: from, To: from.AddDate(0, 0, 7), Reason: "vacation"}); err != nil {
				return err
			}
		}
	}
	return nil
}
