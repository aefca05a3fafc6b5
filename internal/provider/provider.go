// Package provider owns the organisations that submit work and are billed or
// claimed against: OEMs, extended-warranty companies, customer-pay channels,
// the company's own Sales. A provider's API keys live in package auth.
package provider

import (
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/fault"
)

// Provider is one client organisation.
type Provider struct {
	ID        string    `json:"id"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Contacts  []Contact `json:"contacts"`
	Settings  Settings  `json:"settings"`
	Active    bool      `json:"active"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Contact is a person at the provider whom staff may reach.
type Contact struct {
	Name  string `json:"name"`
	Role  string `json:"role,omitempty" doc:"e.g. account manager, claims, escalation"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Settings are the provider's contract and integration settings.
type Settings struct {
	Timezone     string   `json:"timezone,omitempty" doc:"IANA time zone used for the provider's reports and business days"`
	SupportEmail string   `json:"support_email,omitempty"`
	SupportPhone string   `json:"support_phone,omitempty"`
	Contract     Contract `json:"contract,omitempty" doc:"What the provider's contract covers; drives entitlement, SLA tier and fees at intake"`
}

// Contract is what a provider pays for: coverage, loaners, the SLA tier,
// fees, and the reason codes its staff and systems may use.
type Contract struct {
	WarrantyMonths int         `json:"warranty_months,omitempty" minimum:"0" maximum:"240" doc:"Coverage from a device's purchase date when it has no warranty end"`
	LoanerIncluded bool        `json:"loaner_included,omitempty" doc:"Covered work orders include a loaner"`
	SLATier        string      `json:"sla_tier,omitempty" enum:"standard,priority,critical" doc:"Default SLA tier (standard 72 h, priority 24 h, critical 8 h)"`
	CustomerPay    bool        `json:"customer_pay,omitempty" doc:"A customer-pay channel: nothing is covered"`
	NoShowFeeCents int64       `json:"no_show_fee_cents,omitempty" minimum:"0" doc:"Fee recorded when the customer is not there, in minor units"`
	Currency       string      `json:"currency,omitempty" doc:"ISO 4217 code for fees; default USD"`
	ReasonCodes    ReasonCodes `json:"reason_codes,omitempty" doc:"Reason codes this provider uses; empty lists fall back to fieldhub's defaults"`
}

// ReasonCodes are the allowed reason codes per action.
type ReasonCodes struct {
	Cancel []string `json:"cancel,omitempty"`
	NoShow []string `json:"no_show,omitempty"`
	Hold   []string `json:"hold,omitempty"`
}

var (
	codePattern     = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]{1,31}$`)
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
	reasonPattern   = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)
)

// NormalizeCode upper-cases and trims a provider code.
func NormalizeCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// Validate checks every field and reports each bad one.
func (p *Provider) Validate() error {
	var f fault.Fields
	f.Check(codePattern.MatchString(p.Code), "code", "must be 2-32 characters: letters, digits, '-' or '_', starting with a letter or digit")
	name := strings.TrimSpace(p.Name)
	f.Check(name != "" && len(name) <= 200, "name", "is required (at most 200 characters)")
	f.Check(len(p.Contacts) <= 50, "contacts", "at most 50 contacts")
	for i, c := range p.Contacts {
		field := "contacts[" + itoa(i) + "]"
		f.Check(strings.TrimSpace(c.Name) != "", field+".name", "is required")
		if c.Email != "" {
			_, err := mail.ParseAddress(c.Email)
			f.Check(err == nil, field+".email", "is not an e-mail address")
		}
		f.Check(c.Email != "" || c.Phone != "", field, "needs an email or a phone")
	}
	if tz := p.Settings.Timezone; tz != "" {
		_, err := time.LoadLocation(tz)
		f.Check(err == nil && tz != "Local", "settings.timezone", "is not an IANA time zone")
	}
	c := p.Settings.Contract
	f.Check(c.WarrantyMonths >= 0 && c.WarrantyMonths <= 240, "settings.contract.warranty_months", "must be between 0 and 240")
	f.Check(c.NoShowFeeCents >= 0, "settings.contract.no_show_fee_cents", "must not be negative")
	f.Check(c.Currency == "" || currencyPattern.MatchString(c.Currency), "settings.contract.currency", "must be a three-letter ISO 4217 code")
	switch c.SLATier {
	case "", "standard", "priority", "critical":
	default:
		f.Add("settings.contract.sla_tier", "must be standard, priority or critical")
	}
	for name, codes := range map[string][]string{"cancel": c.ReasonCodes.Cancel, "no_show": c.ReasonCodes.NoShow, "hold": c.ReasonCodes.Hold} {
		for i, code := range codes {
			f.Check(reasonPattern.MatchString(code), "settings.contract.reason_codes."+name+"["+itoa(i)+"]", "must be lower_snake_case, 2-40 characters")
		}
	}
	if e := p.Settings.SupportEmail; e != "" {
		_, err := mail.ParseAddress(e)
		f.Check(err == nil, "settings.support_email", "is not an e-mail address")
	}
	return f.Err()
}

// Update names the fields a PATCH may change; nil means unchanged.
type Update struct {
	Name     *string    `json:"name,omitempty"`
	Contacts *[]Contact `json:"contacts,omitempty"`
	Settings *Settings  `json:"settings,omitempty"`
	Active   *bool      `json:"active,omitempty"`
}

// Apply changes p in place.
func (u Update) Apply(p *Provider) {
	if u.Name != nil {
		p.Name = strings.TrimSpace(*u.Name)
	}
	if u.Contacts != nil {
		p.Contacts = *u.Contacts
	}
	if u.Settings != nil {
		p.Settings = *u.Settings
	}
	if u.Active != nil {
		p.Active = *u.Active
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
