package app

import (
	"context"
	"fmt"

	"github.com/fieldhub/fieldhub/internal/device"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/provider"
)

// demoDevice adds the device part of the demo world: the Acme lasers at the
// customers of the demo work orders (same serials, so intake links them),
// a handpiece under one of them, and a pool of three loaners in DFW.
func (a *App) demoDevice(ctx context.Context, byCode map[string]provider.Provider) error {
	c := device.Caller{Actor: event.Actor{Kind: event.ActorSystem, ID: "demo", Name: "demo loader"}}
	at := func(name string) device.Owner { return device.Owner{Kind: device.OwnerCustomer, Name: name} }
	lasers := []device.NewDevice{
		{Serial: "GMP-88123", Model: "GentleMax Pro", Manufacturer: "Acme", Owner: at("Lakeside Clinic"), Location: "Dallas, TX",
			Status: device.ActiveAtCustomer, Attributes: map[string]string{"wavelength": "755/1064 nm", "firmware": "4.2.1"}},
		{Serial: "PW-20417", Model: "PicoWay", Manufacturer: "Acme", Owner: at("Patel Dermatology"), Location: "Dallas, TX",
			Status: device.ActiveAtCustomer, Attributes: map[string]string{"wavelength": "532/1064 nm", "firmware": "2.8.0"}},
		{Serial: "HP-755-0091", Model: "Handpiece 755", Manufacturer: "Acme", Owner: at("Sandoval Aesthetics"), Location: "Houston, TX",
			Status: device.ActiveAtCustomer},
	}
	for i := 1; i <= 3; i++ {
		lasers = append(lasers, device.NewDevice{Serial: fmt.Sprintf("LN-DFW-%03d", i), Model: "GentleMax Pro", Manufacturer: "Acme",
			Owner: device.Owner{Kind: device.OwnerCompany}, Location: "Dallas depot", Loaner: true, Region: "DFW",
			Status: device.ReturnedAvailable, Attributes: map[string]string{"firmware": "4.2.1"}})
	}
	var gentleMax string
	for _, n := range lasers {
		d, err := a.demoRegister(ctx, c, n)
		if err != nil {
			return err
		}
		if n.Serial == "GMP-88123" {
			gentleMax = d.ID
		}
	}
	_, err := a.demoRegister(ctx, c, device.NewDevice{Serial: "GMP-HP18-3321", Model: "GentleMax 18 mm handpiece", Manufacturer: "Acme",
		Owner: at("Lakeside Clinic"), Location: "Dallas, TX", ParentID: gentleMax, Status: device.ActiveAtCustomer})
	return err
}

// demoRegister creates a demo device, or finds the one a previous load made.
func (a *App) demoRegister(ctx context.Context, c device.Caller, n device.NewDevice) (*device.Device, error) {
	d, err := a.Devices.Create(ctx, c, n)
	if !fault.Is(err, fault.Conflict) {
		return d, err
	}
	found, _, err := a.Devices.List(ctx, c, device.Filter{Serial: n.Serial, Model: n.Model})
	if err != nil || len(found) == 0 {
		return nil, fmt.Errorf("demo device %s: %w", n.Serial, err)
	}
	return found[0], nil
}
