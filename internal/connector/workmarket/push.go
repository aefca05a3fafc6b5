package workmarket

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// Push looks for an earlier assignment of the same job in pages of
// pageSize list rows, at most maxScan pages.
const (
	pageSize = 100
	maxScan  = 20
)

// Push creates the job's assignment and sends it out. A repeat push of the
// same job (after an error whose outcome was unknown) finds the assignment
// the first one created instead of creating a second.
func (c *Client) Push(ctx context.Context, j dispatch.PlatformJob) (string, error) {
	if err := validJob(j); err != nil {
		return "", err
	}
	if id, err := c.findExisting(ctx, j); err != nil || id != "" {
		return id, err
	}
	var out CreateResult
	if err := c.call(ctx, http.MethodPost, "/assignments/create", c.createForm(j), &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", fault.Errorf(fault.Invalid, "workmarket: create returned no assignment id")
	}
	return string(out.ID), nil
}

func validJob(j dispatch.PlatformJob) error {
	var f fault.Fields
	f.Check(j.JobID != "", "job_id", "is required")
	f.Check(strings.TrimSpace(j.Title) != "", "title", "is required")
	f.Check(!j.Window.Start.IsZero(), "window.start", "is required")
	f.Check(j.Window.End.IsZero() || !j.Window.End.Before(j.Window.Start), "window.end", "is before the start")
	f.Check(j.BudgetCents >= 0, "budget_cents", "is negative")
	f.Check(j.Currency == "" || strings.EqualFold(j.Currency, "USD"), "currency", "WorkMarket pays in USD only")
	return f.Err()
}

// titlePrefix starts every assignment's title, so that Push can find it.
func titlePrefix(j dispatch.PlatformJob) string {
	if j.Number != "" {
		return j.Number + " "
	}
	return j.JobID + " "
}

// findExisting returns the id of a live assignment carrying j's job id
// that was modified within the lookback, or "".
func (c *Client) findExisting(ctx context.Context, j dispatch.PlatformJob) (string, error) {
	since := c.cfg.Now().Add(-c.cfg.Lookback).Unix()
	prefix := titlePrefix(j)
	for page := 0; page < maxScan; page++ {
		q := url.Values{
			"modified_since": {strconv.FormatInt(since, 10)},
			"start":          {strconv.Itoa(page * pageSize)},
			"limit":          {strconv.Itoa(pageSize)},
		}
		var list ListPage
		if err := c.call(ctx, http.MethodGet, "/assignments/list_updated", q, &list); err != nil {
			return "", err
		}
		for _, it := range list.Data {
			if !strings.HasPrefix(it.Title, prefix) || dead(it.Status) {
				continue
			}
			a, err := c.get(ctx, string(it.ID))
			if err != nil {
				return "", err
			}
			if a.field(c.cfg.Fields.JobID) == j.JobID && !dead(a.Status) {
				return string(a.ID), nil
			}
		}
		if len(list.Data) < pageSize || (page+1)*pageSize >= list.TotalResults {
			return "", nil
		}
	}
	return "", nil
}

// dead reports a status from which an assignment can no longer be done.
func dead(status string) bool { return status == "void" || status == "cancelled" }

// createForm is the /assignments/create form for j.
func (c *Client) createForm(j dispatch.PlatformJob) url.Values {
	fl := c.cfg.Fields
	v := url.Values{}
	v.Set("title", prefixTitle(j))
	desc := j.Description
	if desc == "" {
		desc = j.Title
	}
	v.Set("description", desc)
	if j.Instructions != "" {
		v.Set("instructions", j.Instructions)
		v.Set("private_instructions", "1")
	}
	if len(j.Skills) > 0 {
		v.Set("desired_skills", strings.Join(j.Skills, ", "))
	}
	v.Set("industry_id", c.cfg.IndustryID)
	v.Set("scheduled_start", strconv.FormatInt(j.Window.Start.Unix(), 10))
	if !j.Window.End.IsZero() && j.Window.End.After(j.Window.Start) {
		v.Set("scheduled_end", strconv.FormatInt(j.Window.End.Unix(), 10))
	}
	v.Set("pricing_type", "flat")
	v.Set("pricing_mode", "spend")
	v.Set("pricing_flat_price", money(j.BudgetCents))
	v.Set("location_name", j.Number)
	v.Set("location_address1", j.Site.Line1)
	if j.Site.Line2 != "" {
		v.Set("location_address2", j.Site.Line2)
	}
	v.Set("location_city", j.Site.City)
	v.Set("location_state", j.Site.State)
	v.Set("location_zip", j.Site.ZIP)
	v.Set("location_country", "USA")
	v.Set("location_type", "1")
	v.Set("custom_field_groups[0][id]", fl.GroupID)
	v.Set("custom_field_groups[0][fields][0][id]", fl.JobID)
	v.Set("custom_field_groups[0][fields][0][value]", j.JobID)
	if j.Pool != "" {
		v.Set("send_to_groups[0]", j.Pool)
		if j.RadiusMiles > 0 {
			v.Set("send_radius", strconv.Itoa(min(100, int(j.RadiusMiles+0.5))))
		}
	} else {
		v.Set("show_in_work_feed", "1")
	}
	return v
}

func prefixTitle(j dispatch.PlatformJob) string {
	t := titlePrefix(j) + strings.TrimSpace(j.Title)
	if r := []rune(t); len(r) > 255 {
		t = string(r[:255])
	}
	return t
}

// Cancel voids an assignment nobody has taken yet, or cancels one that
// is assigned; one already voided or cancelled is left as it is.
func (c *Client) Cancel(ctx context.Context, externalID, reason string) error {
	a, err := c.get(ctx, externalID)
	if err != nil {
		return err
	}
	if reason == "" {
		reason = "cancelled by the buyer"
	}
	form := url.Values{"id": {externalID}, "note": {reason}}
	switch a.Status {
	case "void", "cancelled":
		return nil
	case "draft", "sent", "declined":
		return c.call(ctx, http.MethodPost, "/assignments/void", form, nil)
	case "active", "inprogress":
		form.Set("reason", "other")
		return c.call(ctx, http.MethodPost, "/assignments/cancel", form, nil)
	default:
		return &fault.Error{Code: fault.Conflict, Message: "workmarket: assignment " + externalID +
			" is " + a.Status + " and can no longer be cancelled"}
	}
}

// get reads one assignment's details.
func (c *Client) get(ctx context.Context, id string) (*Assignment, error) {
	if id == "" {
		return nil, fault.Errorf(fault.Invalid, "workmarket: assignment id is required")
	}
	var a Assignment
	if err := c.call(ctx, http.MethodGet, "/assignments/get", url.Values{"id": {id}}, &a); err != nil {
		return nil, err
	}
	return &a, nil
}
