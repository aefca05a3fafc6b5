package workmarket

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// Poll reads the assignment and maps it onto a dispatch update. Its
// EventID changes only when the assignment's status, worker or
// modification time does, so repeated polls of an unchanged assignment
// deduplicate.
func (c *Client) Poll(ctx context.Context, externalID string) (dispatch.PlatformUpdate, error) {
	a, err := c.get(ctx, externalID)
	if err != nil {
		return dispatch.PlatformUpdate{}, err
	}
	return c.update(a)
}

// update maps an assignment's details onto a PlatformUpdate.
func (c *Client) update(a *Assignment) (dispatch.PlatformUpdate, error) {
	state, ok := c.state(a)
	if !ok {
		return dispatch.PlatformUpdate{}, fault.Errorf(fault.Invalid, "workmarket: assignment %s has unknown status %q", a.ID, a.Status)
	}
	u := dispatch.PlatformUpdate{
		ExternalID: string(a.ID),
		State:      state,
		At:         unix(a.LastModifiedOn),
	}
	if u.At.IsZero() {
		u.At = c.cfg.Now().UTC()
	}
	if r := a.ActiveResource; r != nil {
		u.Technician = technician(r)
	}
	if a.ScheduledTime > 0 {
		t := unix(a.ScheduledTime)
		u.Appointment = &dispatch.TimeWindow{Start: t, End: t}
	} else if state == dispatch.PlatformScheduled && a.WindowStart > 0 {
		u.Appointment = &dispatch.TimeWindow{Start: unix(a.WindowStart), End: unix(a.WindowEnd)}
	}
	switch state {
	case dispatch.PlatformCompleted, dispatch.PlatformIncomplete:
		c.completion(&u, a.Resolution, a.field)
		if a.PartsGroup != nil {
			for _, p := range a.PartsGroup.ReturnParts {
				if p.TrackingNumber != "" {
					u.ReturnTracking = p.TrackingNumber
					break
				}
			}
		}
	case dispatch.PlatformCancelled:
		u.Reason = a.CancelReason
	}
	u.EventID = digest("poll", string(a.ID), a.Status, state, string(u.Technician.ExternalID),
		strconv.FormatInt(a.LastModifiedOn, 10))
	return u, nil
}

// state maps WorkMarket's status (and, while assigned, the worker's
// confirmation and check-in) onto a canonical state.
func (c *Client) state(a *Assignment) (string, bool) {
	switch a.Status {
	case "draft", "sent":
		return dispatch.PlatformSent, true
	case "declined":
		return dispatch.PlatformDeclined, true
	case "active":
		r := a.ActiveResource
		switch {
		case r != nil && checkedIn(r):
			return dispatch.PlatformOnSite, true
		case r != nil && (r.ConfirmedOnsite || r.ConfirmedDate > 0):
			return dispatch.PlatformScheduled, true
		default:
			return dispatch.PlatformAccepted, true
		}
	case "inprogress":
		return dispatch.PlatformOnSite, true
	case "complete", "paymentPending", "paid":
		if incomplete(a.field(c.cfg.Fields.ResultCode)) {
			return dispatch.PlatformIncomplete, true
		}
		return dispatch.PlatformCompleted, true
	case "cancelled", "void":
		return dispatch.PlatformCancelled, true
	}
	return "", false
}

func checkedIn(r *Resource) bool {
	n := len(r.CheckInOut)
	return n > 0 && r.CheckInOut[n-1].CheckedInOn > 0 && r.CheckInOut[n-1].CheckedOutOn == 0
}

func incomplete(code string) bool {
	return strings.HasPrefix(strings.ToUpper(strings.TrimSpace(code)), "INCOMPLETE")
}

// completion fills the completion details from the resolution and the
// custom fields, read through value (by field id).
func (c *Client) completion(u *dispatch.PlatformUpdate, resolution string, value func(string) string) {
	fl := c.cfg.Fields
	u.Notes = resolution
	u.ResultCode = strings.TrimSpace(value(fl.ResultCode))
	u.PartsUsed = parseParts(value(fl.PartsUsed))
	u.ReturnTracking = strings.TrimSpace(value(fl.ReturnTracking))
	u.UnitCondition = strings.TrimSpace(value(fl.UnitCondition))
	if u.State == dispatch.PlatformIncomplete {
		u.Reason = resolution
	}
}

// parseParts reads "SKU:qty[:serial]" entries separated by ";" or ",".
// An entry without a quantity counts one; unreadable quantities count one.
func parseParts(s string) []dispatch.PartUse {
	var parts []dispatch.PartUse
	for _, entry := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == '\n' }) {
		f := strings.Split(strings.TrimSpace(entry), ":")
		sku := strings.TrimSpace(f[0])
		if sku == "" {
			continue
		}
		p := dispatch.PartUse{SKU: sku, Quantity: 1}
		if len(f) > 1 {
			if n, err := strconv.Atoi(strings.TrimSpace(f[1])); err == nil && n >= 0 {
				p.Quantity = n
			}
		}
		if len(f) > 2 {
			p.Serial = strings.TrimSpace(strings.Join(f[2:], ":"))
		}
		parts = append(parts, p)
	}
	return parts
}

func technician(r *Resource) dispatch.PlatformTechnician {
	t := dispatch.PlatformTechnician{
		ExternalID: string(r.ID),
		Name:       strings.TrimSpace(r.FirstName + " " + r.LastName),
		Email:      r.Email,
	}
	if len(r.PhoneNumbers) > 0 {
		t.Phone = r.PhoneNumbers[0].Phone
	}
	return t
}

// unix turns Unix seconds into a UTC time; zero stays the zero time.
func unix(s int64) time.Time {
	if s <= 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

// digest is a stable event id over parts.
func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return "wm_" + hex.EncodeToString(h.Sum(nil))[:32]
}
