package wmfake

import (
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// assignment is one stored assignment, in the shape /assignments/get
// returns (plus the custom field values by id).
type assignment struct {
	ID             string
	Title          string
	Description    string
	Instructions   string
	DesiredSkills  string
	IndustryID     string
	Status         string
	WindowStart    int64
	WindowEnd      int64
	ScheduledTime  int64
	Resolution     string
	LastModifiedOn int64
	Location       map[string]string
	FlatPrice      float64
	Fields         map[string]string // custom field id -> value
	Groups         []string          // send_to_groups
	SendRadius     int
	WorkFeed       bool
	Resource       *Resource
	ConfirmedOn    int64
	CheckIns       []checkIn
	ReturnTracking string
	CancelReason   string
	Notes          []string
}

type checkIn struct{ ID, In, Out int64 }

// Assignment is a test's view of a stored assignment.
type Assignment struct {
	ID, Title, Description, Instructions, DesiredSkills, IndustryID, Status string
	WindowStart, WindowEnd                                                  int64
	FlatPrice                                                               float64
	Location                                                                map[string]string
	Fields                                                                  map[string]string
	Groups                                                                  []string
	SendRadius                                                              int
	WorkFeed                                                                bool
}

// Assignments lists every stored assignment, oldest first.
func (s *Server) Assignments() []Assignment {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Assignment, 0, len(s.order))
	for _, id := range s.order {
		a := s.assignments[id]
		out = append(out, Assignment{
			ID: a.ID, Title: a.Title, Description: a.Description, Instructions: a.Instructions,
			DesiredSkills: a.DesiredSkills, IndustryID: a.IndustryID, Status: a.Status,
			WindowStart: a.WindowStart, WindowEnd: a.WindowEnd, FlatPrice: a.FlatPrice,
			Location: clone(a.Location), Fields: clone(a.Fields), Groups: append([]string(nil), a.Groups...),
			SendRadius: a.SendRadius, WorkFeed: a.WorkFeed,
		})
	}
	return out
}

func clone(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

var fieldKey = regexp.MustCompile(`^custom_field_groups\[(\d+)\]\[fields\]\[(\d+)\]\[(id|value)\]$`)

func (s *Server) create(r *http.Request) (int, any, string) {
	f := r.Form
	var missing []string
	for _, k := range []string{"title", "description", "industry_id", "pricing_type"} {
		if strings.TrimSpace(f.Get(k)) == "" {
			missing = append(missing, k)
		}
	}
	if f.Get("scheduled_start") == "" && f.Get("scheduled_start_date") == "" {
		missing = append(missing, "scheduled_start")
	}
	if f.Get("location_offsite") != "1" && f.Get("location_id") == "" {
		if c := f.Get("location_country"); c != "USA" && c != "CAN" {
			missing = append(missing, "location_country")
		}
		if f.Get("location_type") == "" {
			missing = append(missing, "location_type")
		}
	}
	if len(missing) > 0 {
		return http.StatusBadRequest, nil, "missing or invalid: " + strings.Join(missing, ", ")
	}
	start, err1 := strconv.ParseInt(f.Get("scheduled_start"), 10, 64)
	end, err2 := optInt(f.Get("scheduled_end"))
	price, err3 := strconv.ParseFloat(f.Get("pricing_flat_price"), 64)
	if err1 != nil || err2 != nil || (f.Get("pricing_type") == "flat" && err3 != nil) {
		return http.StatusBadRequest, nil, "scheduled_start, scheduled_end and pricing_flat_price must be numbers"
	}
	s.nextID++
	now := s.opts.Now().Unix()
	a := &assignment{
		ID: strconv.FormatInt(s.nextID, 10), Title: f.Get("title"), Description: f.Get("description"),
		Instructions: f.Get("instructions"), DesiredSkills: f.Get("desired_skills"), IndustryID: f.Get("industry_id"),
		Status: "draft", WindowStart: start, WindowEnd: end, FlatPrice: price, LastModifiedOn: now,
		Location: map[string]string{}, Fields: customFields(f), WorkFeed: f.Get("show_in_work_feed") == "1",
	}
	for _, k := range []string{"name", "address1", "address2", "city", "state", "zip", "country"} {
		a.Location[k] = f.Get("location_" + k)
	}
	for i := 0; f.Has("send_to_groups[" + strconv.Itoa(i) + "]"); i++ {
		a.Groups = append(a.Groups, f.Get("send_to_groups["+strconv.Itoa(i)+"]"))
	}
	a.SendRadius, _ = strconv.Atoi(f.Get("send_radius"))
	sent := 0
	if len(a.Groups) > 0 || a.WorkFeed || f.Get("auto_invite") == "1" || len(f["resource_id"]) > 0 {
		a.Status, sent = "sent", 3*len(a.Groups)+len(f["resource_id"])
	}
	s.assignments[a.ID] = a
	s.order = append(s.order, a.ID)
	return http.StatusOK, map[string]any{"id": a.ID, "number_of_resources_sent": sent, "invalid_groups": []string{}}, ""
}

func optInt(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	return strconv.ParseInt(s, 10, 64)
}

// customFields reads custom_field_groups[N][fields][M][id|value].
func customFields(f url.Values) map[string]string {
	ids, vals := map[string]string{}, map[string]string{}
	for k, v := range f {
		m := fieldKey.FindStringSubmatch(k)
		if m == nil || len(v) == 0 {
			continue
		}
		key := m[1] + "/" + m[2]
		if m[3] == "id" {
			ids[key] = v[0]
		} else {
			vals[key] = v[0]
		}
	}
	out := map[string]string{}
	for key, id := range ids {
		if _, known := fieldNames[id]; known {
			out[id] = vals[key]
		}
	}
	return out
}

func (s *Server) find(r *http.Request) (*assignment, int, string) {
	id := r.Form.Get("id")
	if id == "" {
		return nil, http.StatusBadRequest, "id is required"
	}
	a, ok := s.assignments[id]
	if !ok {
		return nil, http.StatusForbidden, "assignment " + id + " is not visible to this user"
	}
	return a, 0, ""
}

func (s *Server) get(r *http.Request) (int, any, string) {
	a, status, msg := s.find(r)
	if a == nil {
		return status, nil, msg
	}
	return http.StatusOK, a.details(), ""
}

func (s *Server) listUpdated(r *http.Request) (int, any, string) {
	since, err := optInt(r.Form.Get("modified_since"))
	start, err2 := optInt(r.Form.Get("start"))
	limit, err3 := optInt(r.Form.Get("limit"))
	if err != nil || err2 != nil || err3 != nil || start < 0 || limit < 0 {
		return http.StatusBadRequest, nil, "modified_since, start and limit must be numbers"
	}
	if limit == 0 || limit > 250 {
		limit = 25
	}
	var rows []map[string]any
	ids := append([]string(nil), s.order...)
	sort.SliceStable(ids, func(i, j int) bool {
		return s.assignments[ids[i]].LastModifiedOn > s.assignments[ids[j]].LastModifiedOn
	})
	for _, id := range ids {
		a := s.assignments[id]
		if a.LastModifiedOn >= since && (r.Form.Get("status") == "" || r.Form.Get("status") == a.Status) {
			rows = append(rows, a.listItem())
		}
	}
	total := len(rows)
	lo, hi := min(int(start), total), min(int(start+limit), total)
	page := rows[lo:hi]
	if page == nil {
		page = []map[string]any{}
	}
	return http.StatusOK, map[string]any{
		"count": len(page), "start": start, "limit": limit, "totalResults": total, "data": page,
	}, ""
}

func (s *Server) void(r *http.Request) (int, any, string) {
	a, status, msg := s.find(r)
	if a == nil {
		return status, nil, msg
	}
	if a.Status != "draft" && a.Status != "sent" && a.Status != "declined" {
		return http.StatusBadRequest, nil, "only draft or sent assignments can be voided; use cancel"
	}
	a.Status, a.CancelReason = "void", r.Form.Get("note")
	a.LastModifiedOn = s.opts.Now().Unix()
	return http.StatusOK, map[string]bool{"successful": true}, ""
}

func (s *Server) cancel(r *http.Request) (int, any, string) {
	a, status, msg := s.find(r)
	if a == nil {
		return status, nil, msg
	}
	if a.Status != "active" && a.Status != "inprogress" {
		return http.StatusBadRequest, nil, "only assigned or in-progress assignments can be cancelled; use void"
	}
	a.Status, a.CancelReason = "cancelled", r.Form.Get("note")
	a.LastModifiedOn = s.opts.Now().Unix()
	return http.StatusOK, map[string]bool{"successful": true}, ""
}
