package workorder

import (
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/fault"
)

// Intake is a new work order as a provider system, the portal, a batch file
// or EDI sends it. The same type serves every channel.
type Intake struct {
	ExternalID      string   `json:"external_id" minLength:"1" maxLength:"100" doc:"Your id for this order (PO, claim or ticket number); sending it again never makes a second work order"`
	ServiceType     string   `json:"service_type" enum:"onsite_repair,depot_repair,depot_repair_loaner,mail_in_rebuild,delivery,install,inspection,trade_in,purchase_fulfilment,training,virtual_assist"`
	Priority        string   `json:"priority,omitempty" enum:"low,normal,high,urgent" doc:"Default normal"`
	PONumber        string   `json:"po_number,omitempty" maxLength:"100"`
	RMANumber       string   `json:"rma_number,omitempty" maxLength:"100"`
	Customer        Customer `json:"customer"`
	Site            Site     `json:"site"`
	Devices         []Device `json:"devices,omitempty" maxItems:"50"`
	Problem         string   `json:"problem,omitempty" maxLength:"4000"`
	ErrorCodes      []string `json:"error_codes,omitempty" maxItems:"50"`
	RequestedWindow *Window  `json:"requested_window,omitempty"`
}

var (
	zipPattern   = regexp.MustCompile(`^\d{5}(-\d{4})?$`)
	phonePattern = regexp.MustCompile(`^\+[1-9]\d{6,14}$`)
	usStates     = strings.Fields(`AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU AS MP`)
)

// Normalize trims and canonicalises the intake in place (upper-case state,
// lower-case e-mail, default priority) so that equal orders compare equal.
func (in *Intake) Normalize() {
	in.ExternalID = strings.TrimSpace(in.ExternalID)
	if in.Priority == "" {
		in.Priority = "normal"
	}
	in.PONumber, in.RMANumber = strings.TrimSpace(in.PONumber), strings.TrimSpace(in.RMANumber)
	in.Customer.normalize()
	in.Site.normalize()
	for i := range in.Devices {
		d := &in.Devices[i]
		d.Model, d.Serial, d.Manufacturer = strings.TrimSpace(d.Model), strings.TrimSpace(d.Serial), strings.TrimSpace(d.Manufacturer)
	}
	in.Problem = strings.TrimSpace(in.Problem)
	for i, c := range in.ErrorCodes {
		in.ErrorCodes[i] = strings.TrimSpace(c)
	}
	if in.RequestedWindow != nil {
		in.RequestedWindow.Start, in.RequestedWindow.End = in.RequestedWindow.Start.UTC(), in.RequestedWindow.End.UTC()
	}
}

func (c *Customer) normalize() {
	c.Name, c.Email, c.Phone = strings.TrimSpace(c.Name), strings.ToLower(strings.TrimSpace(c.Email)), strings.TrimSpace(c.Phone)
	if c.NotifyBy == "" && c.Email != "" {
		c.NotifyBy = "email"
	}
}

func (s *Site) normalize() {
	s.Line1, s.Line2, s.City = strings.TrimSpace(s.Line1), strings.TrimSpace(s.Line2), strings.TrimSpace(s.City)
	s.State, s.ZIP = strings.ToUpper(strings.TrimSpace(s.State)), strings.TrimSpace(s.ZIP)
}

// Validate reports every bad field of a normalised intake.
func (in *Intake) Validate() error {
	var f fault.Fields
	f.Check(in.ExternalID != "" && len(in.ExternalID) <= 100, "external_id", "is required (at most 100 characters)")
	f.Check(slices.Contains(ServiceTypes, in.ServiceType), "service_type", "must be one of "+strings.Join(ServiceTypes, ", "))
	f.Check(slices.Contains(Priorities, in.Priority), "priority", "must be one of "+strings.Join(Priorities, ", "))
	in.Customer.validate(&f, "customer")
	in.Site.validate(&f, "site")
	f.Check(len(in.Devices) <= 50, "devices", "at most 50 devices")
	for i, d := range in.Devices {
		d.validate(&f, "devices["+strconv.Itoa(i)+"]")
	}
	f.Check(len(in.ErrorCodes) <= 50, "error_codes", "at most 50 codes")
	for i, c := range in.ErrorCodes {
		f.Check(c != "" && len(c) <= 50, "error_codes["+strconv.Itoa(i)+"]", "must be 1-50 characters")
	}
	if w := in.RequestedWindow; w != nil {
		validateWindow(&f, "requested_window", *w)
	}
	return f.Err()
}

func (c Customer) validate(f *fault.Fields, at string) {
	f.Check(c.Name != "" && len(c.Name) <= 200, at+".name", "is required (at most 200 characters)")
	if c.Email != "" {
		a, err := mail.ParseAddress(c.Email)
		f.Check(err == nil && a.Address == c.Email, at+".email", "is not an e-mail address")
	}
	if c.Phone != "" {
		f.Check(phonePattern.MatchString(c.Phone), at+".phone", "must be E.164, e.g. +12145550100")
	}
	switch c.NotifyBy {
	case "", "email", "sms", "phone":
	default:
		f.Add(at+".notify_by", "must be email, sms or phone")
	}
	f.Check(c.NotifyBy != "email" || c.Email != "", at+".email", "is required when notify_by is email")
	f.Check(c.NotifyBy != "sms" && c.NotifyBy != "phone" || c.Phone != "", at+".phone", "is required when notify_by is "+c.NotifyBy)
	f.Check(c.Email != "" || c.Phone != "", at, "needs an email or a phone")
}

func (s Site) validate(f *fault.Fields, at string) {
	f.Check(s.Line1 != "" && len(s.Line1) <= 200, at+".line1", "is required")
	f.Check(s.City != "" && len(s.City) <= 100, at+".city", "is required")
	f.Check(slices.Contains(usStates, s.State), at+".state", "must be a two-letter US state code")
	f.Check(zipPattern.MatchString(s.ZIP), at+".zip", "must be a US ZIP code: 5 digits or ZIP+4")
}

func (d Device) validate(f *fault.Fields, at string) {
	f.Check(d.Model != "" || d.Serial != "", at, "needs a model or a serial")
	for _, v := range []struct{ name, value string }{{"purchase_date", d.PurchaseDate}, {"warranty_end", d.WarrantyEnd}} {
		if v.value != "" {
			_, err := time.Parse(time.DateOnly, v.value)
			f.Check(err == nil, at+"."+v.name, "must be a date, YYYY-MM-DD")
		}
	}
}

func validateWindow(f *fault.Fields, at string, w Window) {
	field := func(name string) string {
		if at == "" {
			return name
		}
		return at + "." + name
	}
	f.Check(!w.Start.IsZero(), field("start"), "is required")
	f.Check(!w.End.IsZero(), field("end"), "is required")
	if !w.Start.IsZero() && !w.End.IsZero() {
		f.Check(w.End.After(w.Start), field("end"), "must be after start")
		f.Check(w.End.Sub(w.Start) <= 14*24*time.Hour, field("end"), "must be at most 14 days after start")
	}
}

// differences names the top-level fields in which two normalised intakes
// differ, for the 409 that refuses to overwrite silently.
func differences(a, b map[string]any) []string {
	var out []string
	seen := map[string]bool{}
	for k, va := range a {
		seen[k] = true
		if !equalJSON(va, b[k]) {
			out = append(out, k)
		}
	}
	for k := range b {
		if !seen[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
