package workorder

import (
	"fmt"
	"time"

	"github.com/fieldhub/fieldhub/internal/provider"
)

// Entitlement is what the work order is covered for, decided at intake from
// the provider's contract and the devices, with the reasons in words.
type Entitlement struct {
	Coverage string   `json:"coverage" enum:"covered,not_covered,unknown"`
	Loaner   bool     `json:"loaner" doc:"A loaner is included"`
	SLATier  string   `json:"sla_tier" enum:"standard,priority,critical"`
	Reasons  []string `json:"reasons" doc:"How the decision was reached"`
}

// SLA tiers and how long each allows from intake to completion.
var slaHours = map[string]int{"standard": 72, "priority": 24, "critical": 8}

// SLADuration is the time a tier allows.
func SLADuration(tier string) time.Duration { return time.Duration(slaHours[tier]) * time.Hour }

// Decide works out coverage, loaner and SLA tier. A device is covered while
// its warranty end has not passed; without one, while its purchase date plus
// the contract's warranty months has not passed; without either, coverage is
// unknown. A customer-pay contract covers nothing. Several devices are
// covered only when all are; unknown when any is unknown and none is out.
func Decide(c provider.Contract, devices []Device, priority string, today time.Time) Entitlement {
	e := Entitlement{Coverage: "unknown", SLATier: c.SLATier}
	if e.SLATier == "" {
		e.SLATier = "standard"
	}
	day := today.UTC().Format(time.DateOnly)
	switch {
	case c.CustomerPay:
		e.Coverage = "not_covered"
		e.Reasons = append(e.Reasons, "customer-pay contract: the customer pays for the work")
	case len(devices) == 0:
		e.Reasons = append(e.Reasons, "no device given: coverage unknown")
	default:
		covered, out := 0, 0
		for i, d := range devices {
			name := deviceName(i, d)
			switch {
			case d.WarrantyEnd != "":
				if d.WarrantyEnd >= day {
					covered++
					e.Reasons = append(e.Reasons, fmt.Sprintf("%s: under warranty until %s", name, d.WarrantyEnd))
				} else {
					out++
					e.Reasons = append(e.Reasons, fmt.Sprintf("%s: warranty ended %s", name, d.WarrantyEnd))
				}
			case d.PurchaseDate != "" && c.WarrantyMonths > 0:
				bought, _ := time.Parse(time.DateOnly, d.PurchaseDate)
				end := bought.AddDate(0, c.WarrantyMonths, 0).Format(time.DateOnly)
				if end >= day {
					covered++
					e.Reasons = append(e.Reasons, fmt.Sprintf("%s: bought %s, %d-month contract warranty runs to %s", name, d.PurchaseDate, c.WarrantyMonths, end))
				} else {
					out++
					e.Reasons = append(e.Reasons, fmt.Sprintf("%s: bought %s, %d-month contract warranty ended %s", name, d.PurchaseDate, c.WarrantyMonths, end))
				}
			case d.PurchaseDate != "":
				e.Reasons = append(e.Reasons, fmt.Sprintf("%s: bought %s but the contract sets no warranty period: unknown", name, d.PurchaseDate))
			default:
				e.Reasons = append(e.Reasons, fmt.Sprintf("%s: no warranty end or purchase date: unknown", name))
			}
		}
		switch {
		case out > 0:
			e.Coverage = "not_covered"
		case covered == len(devices):
			e.Coverage = "covered"
		}
	}
	if c.LoanerIncluded && e.Coverage == "covered" {
		e.Loaner = true
		e.Reasons = append(e.Reasons, "contract includes a loaner for covered work")
	} else if c.LoanerIncluded {
		e.Reasons = append(e.Reasons, "contract loaner applies only to covered work")
	}
	tier := e.SLATier
	switch {
	case priority == "urgent" && slaHours[tier] > slaHours["critical"]:
		tier = "critical"
	case priority == "high" && slaHours[tier] > slaHours["priority"]:
		tier = "priority"
	}
	if tier != e.SLATier {
		e.Reasons = append(e.Reasons, fmt.Sprintf("%s priority raises the SLA tier from %s to %s", priority, e.SLATier, tier))
		e.SLATier = tier
	}
	e.Reasons = append(e.Reasons, fmt.Sprintf("SLA tier %s: complete within %d hours", e.SLATier, slaHours[e.SLATier]))
	return e
}

func deviceName(i int, d Device) string {
	switch {
	case d.Serial != "":
		return "device " + d.Serial
	case d.Model != "":
		return fmt.Sprintf("device %d (%s)", i+1, d.Model)
	}
	return fmt.Sprintf("device %d", i+1)
}
