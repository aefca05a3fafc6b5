package workmarket

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// ID is a WorkMarket identifier. The API writes ids as JSON strings in
// some responses and as numbers in others; ID accepts both.
type ID string

// UnmarshalJSON accepts a string or a number.
func (id *ID) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*id = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*id = ID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*id = ID(n.String())
	return nil
}

// Assignment is the part of WorkMarket's assignment details fieldhub reads
// (GET /assignments/get).
type Assignment struct {
	ID             ID                 `json:"id"`
	Title          string             `json:"title"`
	Description    string             `json:"description"`
	Instructions   string             `json:"instructions"`
	DesiredSkills  string             `json:"desired_skills"`
	Status         string             `json:"status"`
	WindowStart    int64              `json:"assignment_window_start"`
	WindowEnd      int64              `json:"assignment_window_end"`
	ScheduledTime  int64              `json:"scheduled_time,omitempty"`
	Resolution     string             `json:"resolution,omitempty"`
	LastModifiedOn int64              `json:"last_modified_on"`
	Location       *Location          `json:"location,omitempty"`
	Pricing        Pricing            `json:"pricing"`
	ActiveResource *Resource          `json:"active_resource,omitempty"`
	CustomFields   []CustomFieldGroup `json:"custom_fields"`
	PartsGroup     *PartsGroup        `json:"parts_group,omitempty"`
	CancelReason   string             `json:"cancellation_reason,omitempty"`
	History        []History          `json:"history,omitempty"`
}

// Location is an assignment's address.
type Location struct {
	ID        ID      `json:"id,omitempty"`
	Name      string  `json:"name,omitempty"`
	Address1  string  `json:"address1"`
	Address2  string  `json:"address2,omitempty"`
	City      string  `json:"city"`
	State     string  `json:"state"`
	Zip       string  `json:"zip"`
	Country   string  `json:"country"`
	Latitude  float64 `json:"latitude,omitempty"`
	Longitude float64 `json:"longitude,omitempty"`
}

// Pricing is an assignment's pay terms; prices are decimal strings of
// dollars in the form parameters and numbers in responses.
type Pricing struct {
	Type       string  `json:"type"`
	FlatPrice  float64 `json:"flat_price,omitempty"`
	SpendLimit float64 `json:"spend_limit,omitempty"`
}

// Resource is a WorkMarket worker.
type Resource struct {
	ID              ID           `json:"id"`
	FirstName       string       `json:"first_name"`
	LastName        string       `json:"last_name"`
	CompanyName     string       `json:"company_name,omitempty"`
	Email           string       `json:"email,omitempty"`
	PhoneNumbers    []Phone      `json:"phone_numbers,omitempty"`
	ConfirmedOnsite bool         `json:"confirmed_onsite,omitempty"`
	ConfirmedDate   int64        `json:"confirmed_date,omitempty"`
	CheckInOut      []CheckInOut `json:"check_in_out,omitempty"`
}

// Phone is one of a person's phone numbers.
type Phone struct {
	Phone     string `json:"phone"`
	Extension string `json:"extension,omitempty"`
	Type      string `json:"type,omitempty"`
}

// CheckInOut is one visit: checked in, and checked out once it ends.
type CheckInOut struct {
	ID           ID    `json:"id,omitempty"`
	CheckedInOn  int64 `json:"checked_in_on,omitempty"`
	CheckedOutOn int64 `json:"checked_out_on,omitempty"`
}

// CustomFieldGroup is a group of custom fields on an assignment.
type CustomFieldGroup struct {
	ID     ID            `json:"id"`
	Name   string        `json:"name"`
	Fields []CustomField `json:"fields"`
}

// CustomField is one custom field's value.
type CustomField struct {
	ID       ID     `json:"id"`
	Name     string `json:"name"`
	Value    string `json:"value"`
	Default  string `json:"default,omitempty"`
	Required bool   `json:"required,omitempty"`
}

// PartsGroup is an assignment's parts logistics.
type PartsGroup struct {
	ReturnRequired bool   `json:"return_required"`
	ReturnParts    []Part `json:"return_parts,omitempty"`
	SiteParts      []Part `json:"site_parts,omitempty"`
}

// Part is a shipment of parts to or from the site.
type Part struct {
	Name             string `json:"name,omitempty"`
	TrackingNumber   string `json:"tracking_number,omitempty"`
	ShippingProvider string `json:"shipping_provider,omitempty"`
}

// History is one line of the assignment's history.
type History struct {
	Date int64  `json:"date"`
	Text string `json:"text"`
}

// ListItem is one row of /assignments/list and /assignments/list_updated.
type ListItem struct {
	ID             ID     `json:"id"`
	Title          string `json:"title"`
	Status         string `json:"status"`
	LastModifiedOn int64  `json:"last_modified_on"`
}

// ListPage is the response of the list endpoints (offset paging).
type ListPage struct {
	Count        int        `json:"count"`
	Start        int        `json:"start"`
	Limit        int        `json:"limit"`
	TotalResults int        `json:"totalResults"`
	Data         []ListItem `json:"data"`
}

// CreateResult is the response of /assignments/create.
type CreateResult struct {
	ID                    ID  `json:"id"`
	NumberOfResourcesSent int `json:"number_of_resources_sent"`
}

// field returns the value of the custom field with id, or "".
func (a *Assignment) field(id string) string {
	if id == "" {
		return ""
	}
	for _, g := range a.CustomFields {
		for _, f := range g.Fields {
			if string(f.ID) == id {
				return f.Value
			}
		}
	}
	return ""
}

// money renders cents as WorkMarket's decimal dollars ("123.45").
func money(cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	s := strconv.FormatInt(cents/100, 10) + "." + strconv.FormatInt(100+cents%100, 10)[1:]
	if neg {
		s = "-" + s
	}
	return s
}
