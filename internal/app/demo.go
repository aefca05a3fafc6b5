package app

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/provider"
)

// The demo world: the seeds' companies and people, small enough to read.
var demoProviders = []provider.Provider{
	{Code: "ACME", Name: "Acme Aesthetics (OEM)", Settings: provider.Settings{Timezone: "America/Chicago", SupportEmail: "service@acme.example",
		Contract: provider.Contract{WarrantyMonths: 12, LoanerIncluded: true, SLATier: "priority", NoShowFeeCents: 7500, Currency: "USD"}},
		Contacts: []provider.Contact{{Name: "Dana Reyes", Role: "account manager", Email: "dana.reyes@acme.example", Phone: "+12145550111"}}},
	{Code: "SHIELD", Name: "ShieldCare Extended Warranty", Settings: provider.Settings{Timezone: "America/New_York", SupportEmail: "claims@shieldcare.example",
		Contract: provider.Contract{WarrantyMonths: 36, SLATier: "standard", NoShowFeeCents: 4500, Currency: "USD"}},
		Contacts: []provider.Contact{{Name: "Omar Haddad", Role: "claims", Email: "omar.haddad@shieldcare.example"}}},
	{Code: "SALES", Name: "Our Sales (trade-ins and purchases)", Settings: provider.Settings{Timezone: "America/Chicago",
		Contract: provider.Contract{CustomerPay: true}}},
}

type demoUser struct {
	email, name, kind string
	roles             []auth.Role
}

var demoUsers = []demoUser{
	{"admin@fieldhub.example", "Ada Admin", auth.KindStaff, []auth.Role{auth.RoleAdmin}},
	{"nate.cole@fieldhub.example", "Nate Cole", auth.KindStaff, []auth.Role{auth.RoleCSR}},
	{"jules.park@fieldhub.example", "Jules Park", auth.KindStaff, []auth.Role{auth.RoleOps}},
	{"leo.vargas@fieldhub.example", "Leo Vargas", auth.KindStaff, []auth.Role{auth.RoleDepot}},
	{"iris.nguyen@fieldhub.example", "Iris Nguyen", auth.KindStaff, []auth.Role{auth.RoleFinance}},
	{"viewer@fieldhub.example", "Vic Viewer", auth.KindStaff, []auth.Role{auth.RoleViewer}},
	{"zane.ortiz@contractor.example", "Zane Ortiz", auth.KindContractor, nil},
	{"quinn.reeves@contractor.example", "Quinn Reeves", auth.KindContractor, nil},
}

var demoPrincipal = &auth.Principal{Kind: auth.KindSystem, UserID: "demo", Name: "demo loader"}

// LoadDemo loads the demo world once per installation and prints the
// sign-in details of what it created; a second call says it was loaded.
func (a *App) LoadDemo(ctx context.Context, out io.Writer) error {
	done, err := a.setting(ctx, "demo_loaded")
	if err != nil {
		return err
	}
	if done != "" {
		fmt.Fprintf(out, "Demo data was loaded on %s; its passwords were printed then. Reset one with: fieldhub user passwd --email E\n", done)
		return nil
	}
	sys := event.Actor{Kind: event.ActorSystem, Name: "demo"}
	byCode := map[string]provider.Provider{}
	for _, p := range demoProviders {
		got, err := a.Providers.Get(ctx, p.Code)
		if fault.Is(err, fault.NotFound) {
			got, err = a.Providers.Create(ctx, p, sys)
		}
		if err != nil {
			return err
		}
		byCode[got.Code] = got
	}
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(out, "Demo data loaded. These sign-in details are shown only now:")
	fmt.Fprintln(tw, "  E-MAIL\tPASSWORD\tKIND\tROLES")
	for _, u := range demoUsers {
		pw := auth.GeneratePassword()
		_, err := a.Auth.CreateUser(ctx, auth.NewUser{Kind: u.kind, Email: u.email, Name: u.name, Roles: u.roles, Password: pw}, demoPrincipal)
		if fault.Is(err, fault.Conflict) {
			pw = "(existed already)"
		} else if err != nil {
			return err
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%v\n", u.email, pw, u.kind, u.roles)
	}
	tw.Flush()
	_, key, err := a.Auth.CreateKey(ctx, byCode["ACME"].ID, "demo", demoPrincipal)
	if err != nil {
		return err
	}
	for _, load := range []func(context.Context, map[string]provider.Provider) error{
		a.demoWorkOrders, a.demoContractor, a.demoDevice, a.demoDispatch, a.demoDepot,
	} {
		if err := load(ctx, byCode); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "  API key for provider ACME: %s\n", key)
	_, err = a.Store.Write.ExecContext(ctx, `INSERT INTO instance_settings (key, value) VALUES ('demo_loaded', $1) ON CONFLICT (key) DO NOTHING`,
		a.Store.Now().Format("2006-01-02 15:04 MST"))
	return err
}
