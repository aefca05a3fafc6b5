package contractor

import (
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/geo"
)

// Profile is what staff write about a contractor: everything except status,
// holds and reliability, which change only through their own actions.
type Profile struct {
	Kind           string          `json:"kind" enum:"person,firm"`
	Name           string          `json:"name" maxLength:"200"`
	Email          string          `json:"email,omitempty" maxLength:"254"`
	Phone          string          `json:"phone,omitempty" maxLength:"32" doc:"E.164, e.g. +12145550100"`
	Trades         []string        `json:"trades" minItems:"1" maxItems:"6" doc:"field_tech, driver, trainer, electrician, medical_director, remote_tech"`
	Skills         []string        `json:"skills,omitempty" maxItems:"50"`
	Certifications []Certification `json:"certifications,omitempty" maxItems:"50"`
	ServiceArea    Area            `json:"service_area"`
	Pools          []string        `json:"pools,omitempty" maxItems:"50" doc:"Talent pools"`
	CapacityPerDay int             `json:"capacity_per_day,omitempty" minimum:"0" maximum:"100" doc:"Jobs a day at most; 1 when left out"`
}

// Area is the writable part of a service area.
type Area struct {
	HomeZIP     string   `json:"home_zip" doc:"US ZIP code, 5 digits or ZIP+4"`
	RadiusMiles float64  `json:"radius_miles" minimum:"0" maximum:"500" doc:"How far from the home ZIP the contractor travels"`
	ExtraZIPs   []string `json:"extra_zips,omitempty" maxItems:"50" doc:"ZIPs served beyond the radius"`
}

// ProfileEdit names the fields a PATCH may change; nil means unchanged.
type ProfileEdit struct {
	Kind           *string          `json:"kind,omitempty" enum:"person,firm"`
	Name           *string          `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Email          *string          `json:"email,omitempty" maxLength:"254"`
	Phone          *string          `json:"phone,omitempty" maxLength:"32"`
	Trades         *[]string        `json:"trades,omitempty" maxItems:"6"`
	Skills         *[]string        `json:"skills,omitempty" maxItems:"50"`
	Certifications *[]Certification `json:"certifications,omitempty" maxItems:"50"`
	ServiceArea    *Area            `json:"service_area,omitempty"`
	Pools          *[]string        `json:"pools,omitempty" maxItems:"50"`
	CapacityPerDay *int             `json:"capacity_per_day,omitempty" minimum:"1" maximum:"100"`
}

// apply writes the fields e sets onto p and names them.
func (e ProfileEdit) apply(p *Profile) []string {
	var changed []string
	set := func(ok bool, name string, fn func()) {
		if ok {
			changed = append(changed, name)
			fn()
		}
	}
	set(e.Kind != nil, "kind", func() { p.Kind = *e.Kind })
	set(e.Name != nil, "name", func() { p.Name = *e.Name })
	set(e.Email != nil, "email", func() { p.Email = *e.Email })
	set(e.Phone != nil, "phone", func() { p.Phone = *e.Phone })
	set(e.Trades != nil, "trades", func() { p.Trades = *e.Trades })
	set(e.Skills != nil, "skills", func() { p.Skills = *e.Skills })
	set(e.Certifications != nil, "certifications", func() { p.Certifications = *e.Certifications })
	set(e.ServiceArea != nil, "service_area", func() { p.ServiceArea = *e.ServiceArea })
	set(e.Pools != nil, "pools", func() { p.Pools = *e.Pools })
	set(e.CapacityPerDay != nil, "capacity_per_day", func() { p.CapacityPerDay = *e.CapacityPerDay })
	return changed
}

// profile is the writable part of c.
func (c *Contractor) profile() Profile {
	return Profile{Kind: c.Kind, Name: c.Name, Email: c.Email, Phone: c.Phone, Trades: slices.Clone(c.Trades),
		Skills: slices.Clone(c.Skills), Certifications: slices.Clone(c.Certifications),
		ServiceArea: Area{HomeZIP: c.ServiceArea.HomeZIP, RadiusMiles: c.ServiceArea.RadiusMiles,
			ExtraZIPs: slices.Clone(c.ServiceArea.ExtraZIPs)},
		Pools: slices.Clone(c.Pools), CapacityPerDay: c.CapacityPerDay}
}

// setProfile copies a validated profile onto c, with the home ZIP's centroid.
func (c *Contractor) setProfile(p Profile, home geo.Point) {
	c.Kind, c.Name, c.Email, c.Phone = p.Kind, p.Name, p.Email, p.Phone
	c.Trades, c.Skills, c.Certifications, c.Pools = p.Trades, p.Skills, p.Certifications, p.Pools
	c.ServiceArea = ServiceArea{HomeZIP: p.ServiceArea.HomeZIP, RadiusMiles: p.ServiceArea.RadiusMiles,
		ExtraZIPs: p.ServiceArea.ExtraZIPs, Home: home}
	c.CapacityPerDay = p.CapacityPerDay
}

// Normalize cleans p in place: trimmed text, lower-cased sorted lists,
// 5-digit ZIPs, capacity 1 when left out.
func (p *Profile) Normalize() {
	p.Kind = strings.ToLower(strings.TrimSpace(p.Kind))
	p.Name = strings.TrimSpace(p.Name)
	p.Email = strings.ToLower(strings.TrimSpace(p.Email))
	p.Phone = strings.TrimSpace(p.Phone)
	p.Trades, p.Skills, p.Pools = normalList(p.Trades), normalList(p.Skills), normalList(p.Pools)
	for i := range p.Certifications {
		p.Certifications[i].Name = strings.ToLower(strings.TrimSpace(p.Certifications[i].Name))
		if e := p.Certifications[i].ExpiresOn; e != nil {
			u := e.UTC()
			p.Certifications[i].ExpiresOn = &u
		}
	}
	slices.SortStableFunc(p.Certifications, func(a, b Certification) int { return strings.Compare(a.Name, b.Name) })
	if z, ok := geo.Normalize(p.ServiceArea.HomeZIP); ok {
		p.ServiceArea.HomeZIP = z
	}
	extra := make([]string, 0, len(p.ServiceArea.ExtraZIPs))
	for _, z := range p.ServiceArea.ExtraZIPs {
		if n, ok := geo.Normalize(z); ok {
			z = n
		}
		if !slices.Contains(extra, z) {
			extra = append(extra, z)
		}
	}
	slices.Sort(extra)
	p.ServiceArea.ExtraZIPs = extra
	if p.CapacityPerDay == 0 {
		p.CapacityPerDay = 1
	}
}

// Validate reports every bad field of a normalised profile and returns the
// home ZIP's centroid.
func (p *Profile) Validate() (geo.Point, error) {
	var f fault.Fields
	f.Check(p.Kind == Person || p.Kind == Firm, "kind", "must be person or firm")
	f.Check(p.Name != "" && len(p.Name) <= 200, "name", "is required (at most 200 characters)")
	if p.Email != "" {
		a, err := mail.ParseAddress(p.Email)
		f.Check(err == nil && a.Address == p.Email && len(p.Email) <= 254, "email", "is not an e-mail address")
	}
	f.Check(len(p.Phone) <= 32, "phone", "is at most 32 characters")
	f.Check(len(p.Trades) > 0, "trades", "name at least one trade: "+strings.Join(Trades, ", "))
	for _, t := range p.Trades {
		f.Check(slices.Contains(Trades, t), "trades", fmt.Sprintf("unknown trade %q; must be one of %s", t, strings.Join(Trades, ", ")))
	}
	checkNames(&f, "skills", p.Skills)
	checkNames(&f, "pools", p.Pools)
	f.Check(len(p.Certifications) <= maxListItems, "certifications", fmt.Sprintf("at most %d", maxListItems))
	for i, c := range p.Certifications {
		f.Check(validName(c.Name), fmt.Sprintf("certifications[%d].name", i), "is required (at most 100 characters, no commas)")
	}
	home, err := geo.Lookup(p.ServiceArea.HomeZIP)
	if err != nil {
		f.Add("service_area.home_zip", reason(err))
	}
	r := p.ServiceArea.RadiusMiles
	f.Check(r > 0 && r <= MaxRadiusMiles, "service_area.radius_miles", fmt.Sprintf("must be more than 0 and at most %d", MaxRadiusMiles))
	f.Check(len(p.ServiceArea.ExtraZIPs) <= maxListItems, "service_area.extra_zips", fmt.Sprintf("at most %d", maxListItems))
	for i, z := range p.ServiceArea.ExtraZIPs {
		if _, err := geo.Lookup(z); err != nil {
			f.Add(fmt.Sprintf("service_area.extra_zips[%d]", i), reason(err))
		}
	}
	f.Check(p.CapacityPerDay >= 1 && p.CapacityPerDay <= MaxCapacity, "capacity_per_day", fmt.Sprintf("must be 1 to %d", MaxCapacity))
	return home, f.Err()
}

func checkNames(f *fault.Fields, field string, names []string) {
	f.Check(len(names) <= maxListItems, field, fmt.Sprintf("at most %d", maxListItems))
	for _, n := range names {
		f.Check(validName(n), field, fmt.Sprintf("%q: names are at most 100 characters, without commas", n))
	}
}

// reason is the message of a fault, for a field error.
func reason(err error) string {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe.Message
	}
	return err.Error()
}
