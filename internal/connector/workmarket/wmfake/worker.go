package wmfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Resource is a worker who takes assignments.
type Resource struct {
	ID, FirstName, LastName, Email, Phone string
}

// Completion is what a worker submits when the work is done.
type Completion struct {
	Resolution     string
	ResultCode     string
	PartsUsed      string // "SKU:qty[:serial];..."
	ReturnTracking string // put on the parts group's return shipment
	UnitCondition  string
}

// change applies fn to a stored assignment under the lock and returns the
// webhook body for event, sent after the lock is released.
func (s *Server) change(id, event string, fn func(a *assignment) error) error {
	s.mu.Lock()
	a, ok := s.assignments[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("wmfake: no assignment %s", id)
	}
	if err := fn(a); err != nil {
		s.mu.Unlock()
		return err
	}
	a.LastModifiedOn = max(a.LastModifiedOn+1, s.opts.Now().Unix())
	body := a.webhook(event, s.opts.Now())
	target, token := s.opts.WebhookURL, s.opts.WebhookToken
	s.mu.Unlock()
	if target == "" {
		return nil
	}
	return post(target, token, body)
}

// Accept has worker r accept a sent assignment (it becomes active).
func (s *Server) Accept(id string, r Resource) error {
	return s.change(id, "Accepted", func(a *assignment) error {
		if a.Status != "sent" {
			return fmt.Errorf("wmfake: assignment %s is %s, not sent", id, a.Status)
		}
		a.Status, a.Resource = "active", &r
		return nil
	})
}

// Confirm has the assigned worker confirm the appointment at t.
func (s *Server) Confirm(id string, t time.Time) error {
	return s.change(id, "Confirm", func(a *assignment) error {
		if a.Status != "active" {
			return fmt.Errorf("wmfake: assignment %s is %s, not active", id, a.Status)
		}
		a.ConfirmedOn, a.ScheduledTime = s.opts.Now().Unix(), t.Unix()
		return nil
	})
}

// CheckIn has the assigned worker check in at the site.
func (s *Server) CheckIn(id string) error {
	return s.change(id, "Check In", func(a *assignment) error {
		if a.Status != "active" && a.Status != "inprogress" {
			return fmt.Errorf("wmfake: assignment %s is %s, not active", id, a.Status)
		}
		a.Status = "inprogress"
		a.CheckIns = append(a.CheckIns, checkIn{ID: int64(len(a.CheckIns) + 7001), In: s.opts.Now().Unix()})
		return nil
	})
}

// Complete has the worker submit the assignment for approval.
func (s *Server) Complete(id string, c Completion) error {
	return s.change(id, "Completed", func(a *assignment) error {
		if a.Status != "active" && a.Status != "inprogress" {
			return fmt.Errorf("wmfake: assignment %s is %s, not active", id, a.Status)
		}
		now := s.opts.Now().Unix()
		for i := range a.CheckIns {
			if a.CheckIns[i].Out == 0 {
				a.CheckIns[i].Out = now
			}
		}
		a.Status, a.Resolution, a.ReturnTracking = "complete", c.Resolution, c.ReturnTracking
		a.Fields[FieldResultCode] = c.ResultCode
		a.Fields[FieldPartsUsed] = c.PartsUsed
		a.Fields[FieldUnitCondition] = c.UnitCondition
		return nil
	})
}

// Cancel cancels (or voids, if nobody took it) the assignment on
// WorkMarket's side, as the buyer's staff would in its web app.
func (s *Server) Cancel(id, note string) error {
	event := "Cancel"
	s.mu.Lock()
	if a, ok := s.assignments[id]; ok && (a.Status == "draft" || a.Status == "sent") {
		event = "Voided"
	}
	s.mu.Unlock()
	return s.change(id, event, func(a *assignment) error {
		switch a.Status {
		case "draft", "sent":
			a.Status = "void"
		case "active", "inprogress":
			a.Status = "cancelled"
		default:
			return fmt.Errorf("wmfake: assignment %s is %s", id, a.Status)
		}
		a.CancelReason = note
		return nil
	})
}

// SendWebhook posts the callout WorkMarket would send for event on the
// assignment to targetURL, with token in the X-Fieldhub-Webhook-Token
// header ("" sends none).
func (s *Server) SendWebhook(targetURL, token, event, id string) error {
	s.mu.Lock()
	a, ok := s.assignments[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("wmfake: no assignment %s", id)
	}
	body := a.webhook(event, s.opts.Now())
	s.mu.Unlock()
	return post(targetURL, token, body)
}

// webhook renders the body template fieldhub documents, filled the way
// WorkMarket fills its variables (all values as strings).
func (a *assignment) webhook(event string, now time.Time) []byte {
	v := map[string]string{
		"event": event, "assignment_id": a.ID, "status": a.Status, "now": now.UTC().Format(time.RFC3339),
		"resolution": a.Resolution, "start_date_time": strconv.FormatInt(a.WindowStart, 10),
		"pricing_type": "flat", "pricing_flat_price": strconv.FormatFloat(a.FlatPrice, 'f', 2, 64),
	}
	if r := a.Resource; r != nil {
		v["resource_id"], v["resource_first_name"], v["resource_last_name"] = r.ID, r.FirstName, r.LastName
		v["resource_email"], v["resource_phone"] = r.Email, r.Phone
	}
	if n := len(a.CheckIns); n > 0 && event == "Check In" {
		v["check_in_out_id"] = strconv.FormatInt(a.CheckIns[n-1].ID, 10)
	}
	if strings.HasPrefix(event, "Cancel") || event == "Voided" {
		v["note"] = a.CancelReason
	}
	for id, val := range a.Fields {
		v["custom_field_"+id] = val
	}
	if a.ReturnTracking != "" {
		v["custom_field_"+FieldReturnTracking] = a.ReturnTracking
	}
	b, _ := json.Marshal(v)
	return b
}

func post(target, token string, body []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "WorkMarket-Webhooks")
	if token != "" {
		req.Header.Set("X-Fieldhub-Webhook-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("wmfake: webhook: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("wmfake: webhook answered %d: %s", resp.StatusCode, msg)
	}
	return nil
}

// details is the /assignments/get response.
func (a *assignment) details() map[string]any {
	fields := []map[string]any{}
	for _, id := range []string{FieldJobID, FieldResultCode, FieldPartsUsed, FieldReturnTracking, FieldUnitCondition} {
		fields = append(fields, map[string]any{"id": id, "name": fieldNames[id], "value": a.Fields[id], "default": "", "required": false})
	}
	d := map[string]any{
		"id": a.ID, "title": a.Title, "description": a.Description, "instructions": a.Instructions,
		"desired_skills": a.DesiredSkills, "industry": map[string]any{"id": a.IndustryID}, "status": a.Status,
		"assignment_window_start": a.WindowStart, "assignment_window_end": a.WindowEnd,
		"resolution": a.Resolution, "last_modified_on": a.LastModifiedOn,
		"location":      a.Location,
		"pricing":       map[string]any{"type": "flat", "flat_price": a.FlatPrice, "spend_limit": a.FlatPrice},
		"custom_fields": []map[string]any{{"id": GroupID, "name": "fieldhub", "fields": fields}},
		"history":       []map[string]any{{"date": a.LastModifiedOn, "text": "status " + a.Status}},
	}
	if a.ScheduledTime > 0 {
		d["scheduled_time"] = a.ScheduledTime
	}
	if a.CancelReason != "" {
		d["cancellation_reason"] = a.CancelReason
	}
	if r := a.Resource; r != nil {
		cio := []map[string]any{}
		for _, c := range a.CheckIns {
			cio = append(cio, map[string]any{"id": c.ID, "checked_in_on": c.In, "checked_out_on": c.Out})
		}
		d["active_resource"] = map[string]any{
			"id": r.ID, "first_name": r.FirstName, "last_name": r.LastName, "email": r.Email,
			"phone_numbers":    []map[string]any{{"phone": r.Phone, "type": "mobile"}},
			"confirmed_onsite": a.ConfirmedOn > 0, "confirmed_date": a.ConfirmedOn, "check_in_out": cio,
		}
	}
	if a.ReturnTracking != "" {
		d["parts_group"] = map[string]any{
			"return_required": true,
			"return_parts":    []map[string]any{{"tracking_number": a.ReturnTracking, "shipping_provider": "ups"}},
		}
	}
	return d
}

// listItem is a row of /assignments/list_updated.
func (a *assignment) listItem() map[string]any {
	it := map[string]any{
		"id": a.ID, "title": a.Title, "status": a.Status, "scheduled_start": a.WindowStart,
		"scheduled_end": a.WindowEnd, "address_line1": a.Location["address1"], "city": a.Location["city"],
		"state": a.Location["state"], "postal_code": a.Location["zip"], "country": a.Location["country"],
		"spend_limit": strconv.FormatFloat(a.FlatPrice, 'f', 2, 64), "last_modified_on": a.LastModifiedOn,
	}
	if r := a.Resource; r != nil {
		it["resource_user_number"], it["resource_full_name"] = r.ID, r.FirstName+" "+r.LastName
	}
	return it
}
