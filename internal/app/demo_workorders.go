package app

import (
	"context"
	"time"

	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/provider"
	wo "github.com/fieldhub/fieldhub/internal/workorder"
)

// demoWorkOrders puts a few work orders from the seeds' stories into the
// demo world, in different states, so the console has something to show.
func (a *App) demoWorkOrders(ctx context.Context, byCode map[string]provider.Provider) error {
	c := wo.Caller{Actor: event.Actor{Kind: event.ActorSystem, ID: "demo", Name: "demo loader"}}
	day := a.Store.Now().Truncate(24*time.Hour).AddDate(0, 0, 2)
	slot := func(hour int) *wo.Window {
		s := day.Add(time.Duration(hour) * time.Hour)
		return &wo.Window{Start: s, End: s.Add(3 * time.Hour)}
	}
	type demo struct {
		provider string
		in       wo.Intake
		then     func(id string) error
	}
	orders := []demo{
		{"ACME", wo.Intake{ExternalID: "PO-1001", ServiceType: "onsite_repair", Priority: "high",
			Customer: wo.Customer{Name: "Lakeside Clinic", Email: "paige.liu@lakeside.example", Phone: "+12145550100", NotifyBy: "email"},
			Site:     wo.Site{Line1: "5803 E Northwest Hwy", City: "Dallas", State: "TX", ZIP: "75231"},
			Devices:  []wo.Device{{Model: "GentleMax Pro", Serial: "GMP-88123", PurchaseDate: day.AddDate(-1, 3, 0).Format(time.DateOnly)}},
			Problem:  "Device down, error 47", ErrorCodes: []string{"E47"}, RequestedWindow: slot(15)}, nil},
		{"ACME", wo.Intake{ExternalID: "PO-1002", ServiceType: "depot_repair_loaner", Priority: "normal",
			Customer: wo.Customer{Name: "Patel Dermatology", Email: "maya.chen@pateldermatology.example", NotifyBy: "email"},
			Site:     wo.Site{Line1: "3800 Gaston Ave", City: "Dallas", State: "TX", ZIP: "75246"},
			Devices:  []wo.Device{{Model: "PicoWay", Serial: "PW-20417", WarrantyEnd: day.AddDate(1, 0, 0).Format(time.DateOnly)}},
			Problem:  "Frequent failures; needs depot refurb, loaner requested"},
			func(id string) error {
				_, err := a.WorkOrders.ConfirmAppointment(ctx, c, id, *slot(14), "pickup and loaner setup")
				return err
			}},
		{"ACME", wo.Intake{ExternalID: "RMA-7731", ServiceType: "mail_in_rebuild", Priority: "normal", RMANumber: "RMA-7731",
			Customer: wo.Customer{Name: "Sandoval Aesthetics", Email: "arjun.desai@sandoval.example", NotifyBy: "email"},
			Site:     wo.Site{Line1: "1200 Main St", City: "Houston", State: "TX", ZIP: "77002"},
			Devices:  []wo.Device{{Model: "Handpiece 755", Serial: "HP-755-0091"}},
			Problem:  "Handpiece rebuild"},
			func(id string) error {
				_, err := a.WorkOrders.Hold(ctx, c, id, "incomplete_package", "cord and cap missing from the box")
				return err
			}},
		{"SHIELD", wo.Intake{ExternalID: "CLM-55012", ServiceType: "onsite_repair", Priority: "normal",
			Customer: wo.Customer{Name: "Maria Gomez", Phone: "+13055550142", NotifyBy: "sms"},
			Site:     wo.Site{Line1: "845 Brickell Ave", City: "Miami", State: "FL", ZIP: "33131"},
			Devices:  []wo.Device{{Manufacturer: "Vizio", Model: "P65-F1", Serial: "LWZ2PJAR1234", PurchaseDate: day.AddDate(-2, 0, 0).Format(time.DateOnly)}},
			Problem:  "No picture, sound works"},
			func(id string) error {
				if _, err := a.WorkOrders.ConfirmAppointment(ctx, c, id, *slot(13), ""); err != nil {
					return err
				}
				_, err := a.WorkOrders.Complete(ctx, c, id, "fixed_parts_replaced", "replaced T-con board")
				return err
			}},
	}
	for _, o := range orders {
		w, created, err := a.WorkOrders.Create(ctx, c, byCode[o.provider].ID, o.in)
		if err != nil {
			return err
		}
		if created && o.then != nil {
			if err := o.then(w.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
