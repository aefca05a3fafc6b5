package workorder

import (
	"strings"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/provider"
)

func TestDecide(t *testing.T) {
	today := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name     string
		contract provider.Contract
		devices  []Device
		priority string
		coverage string
		loaner   bool
		tier     string
		reason   string
	}{
		{"warranty end in the future", provider.Contract{LoanerIncluded: true}, []Device{{Serial: "A", WarrantyEnd: "2027-01-01"}}, "normal", "covered", true, "standard", "under warranty until 2027-01-01"},
		{"warranty end today still covers", provider.Contract{}, []Device{{Serial: "A", WarrantyEnd: "2026-11-23"}}, "normal", "covered", false, "standard", "under warranty"},
		{"warranty ended", provider.Contract{LoanerIncluded: true}, []Device{{Serial: "A", WarrantyEnd: "2026-11-22"}}, "normal", "not_covered", false, "standard", "warranty ended 2026-11-22"},
		{"purchase date within contract months", provider.Contract{WarrantyMonths: 12, SLATier: "priority"}, []Device{{Serial: "A", PurchaseDate: "2026-01-15"}}, "normal", "covered", false, "priority", "runs to 2027-01-15"},
		{"purchase date past contract months", provider.Contract{WarrantyMonths: 12}, []Device{{Serial: "A", PurchaseDate: "2025-11-22"}}, "normal", "not_covered", false, "standard", "ended 2026-11-22"},
		{"purchase date but no contract months", provider.Contract{}, []Device{{Serial: "A", PurchaseDate: "2026-01-15"}}, "normal", "unknown", false, "standard", "sets no warranty period"},
		{"nothing known", provider.Contract{}, []Device{{Model: "GentleMax Pro"}}, "normal", "unknown", false, "standard", "(GentleMax Pro): no warranty end"},
		{"no devices", provider.Contract{}, nil, "normal", "unknown", false, "standard", "no device given"},
		{"customer pay", provider.Contract{CustomerPay: true, LoanerIncluded: true}, []Device{{WarrantyEnd: "2030-01-01"}}, "normal", "not_covered", false, "standard", "customer-pay"},
		{"one of two out", provider.Contract{}, []Device{{Serial: "A", WarrantyEnd: "2030-01-01"}, {Serial: "B", WarrantyEnd: "2020-01-01"}}, "normal", "not_covered", false, "standard", "device B: warranty ended"},
		{"urgent raises tier", provider.Contract{}, nil, "urgent", "unknown", false, "critical", "raises the SLA tier from standard to critical"},
		{"high raises standard to priority", provider.Contract{}, nil, "high", "unknown", false, "priority", "from standard to priority"},
		{"high keeps critical", provider.Contract{SLATier: "critical"}, nil, "high", "unknown", false, "critical", "within 8 hours"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := Decide(c.contract, c.devices, c.priority, today)
			if e.Coverage != c.coverage || e.Loaner != c.loaner || e.SLATier != c.tier {
				t.Fatalf("got %s loaner=%v %s, want %s loaner=%v %s; reasons %q", e.Coverage, e.Loaner, e.SLATier, c.coverage, c.loaner, c.tier, e.Reasons)
			}
			if !strings.Contains(strings.Join(e.Reasons, "; "), c.reason) {
				t.Fatalf("reasons %q lack %q", e.Reasons, c.reason)
			}
		})
	}
}

func TestTransitions(t *testing.T) {
	for _, c := range []struct {
		from, to Status
		ok       bool
	}{
		{Received, Scheduled, true}, {Received, Completed, false}, {Scheduled, Completed, true},
		{Completed, Closed, true}, {Completed, Cancelled, false}, {Closed, Received, false},
		{Cancelled, Scheduled, false}, {OnHold, Cancelled, true}, {OnHold, OnHold, false},
		{InProgress, Scheduling, true}, {Scheduling, OnHold, true}, {Closed, OnHold, false},
	} {
		if got := c.from.CanMove(c.to); got != c.ok {
			t.Errorf("%s → %s = %v, want %v", c.from, c.to, got, c.ok)
		}
	}
}
