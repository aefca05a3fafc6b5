package workorder

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/page"
)

// AtRiskWindow is how close to its SLA deadline an open work order counts
// as at risk (overdue ones are at risk too).
const AtRiskWindow = 4 * time.Hour

// Filter narrows a list of work orders for triage. Zero fields do not filter.
type Filter struct {
	ProviderID    string
	ExternalID    string
	Statuses      []Status
	ServiceType   string
	ZIP           string
	State         string
	CreatedFrom   time.Time
	CreatedTo     time.Time
	RequestedFrom time.Time
	RequestedTo   time.Time
	SLAAtRisk     bool
	// Query matches part of the external id (PO), PO, RMA or order number,
	// the customer's name or a device serial, ignoring case.
	Query  string
	Cursor string
	Limit  int
}

func (f Filter) where(c Caller, now time.Time, withStatus bool) db.Where {
	var w db.Where
	if c.ProviderID != "" {
		w.Add("provider_id = ?", c.ProviderID)
	}
	if f.ProviderID != "" {
		w.Add("provider_id = ?", f.ProviderID)
	}
	if f.ExternalID != "" {
		w.Add("external_id = ?", f.ExternalID)
	}
	if withStatus && len(f.Statuses) > 0 {
		args := make([]any, len(f.Statuses))
		for i, s := range f.Statuses {
			args[i] = string(s)
		}
		w.In("status", args...)
	}
	if f.ServiceType != "" {
		w.Add("service_type = ?", f.ServiceType)
	}
	if f.ZIP != "" {
		w.Add("zip LIKE ?", strings.TrimSpace(f.ZIP)+"%")
	}
	if f.State != "" {
		w.Add("state = ?", strings.ToUpper(strings.TrimSpace(f.State)))
	}
	if !f.CreatedFrom.IsZero() {
		w.Add("created_at >= ?", db.T(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		w.Add("created_at < ?", db.T(f.CreatedTo))
	}
	if !f.RequestedFrom.IsZero() {
		w.Add("requested_start >= ?", db.T(f.RequestedFrom))
	}
	if !f.RequestedTo.IsZero() {
		w.Add("requested_start < ?", db.T(f.RequestedTo))
	}
	if f.SLAAtRisk {
		w.Add("status NOT IN ('completed', 'closed', 'cancelled', 'on_hold') AND sla_due_at <= ?", db.T(now.Add(AtRiskWindow)))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := db.Like(q)
		w.Add(`(lower(external_id) LIKE ? ESCAPE '\' OR lower(number) LIKE ? ESCAPE '\' OR lower(po_number) LIKE ? ESCAPE '\'
			OR lower(rma_number) LIKE ? ESCAPE '\' OR lower(customer_name) LIKE ? ESCAPE '\'
			OR id IN (SELECT work_order_id FROM work_order_devices WHERE lower(serial) LIKE ? ESCAPE '\'))`,
			like, like, like, like, like, like)
	}
	return w
}

// List returns work orders matching f that the caller may see, newest
// first, a page at a time.
func (s *Service) List(ctx context.Context, c Caller, f Filter) ([]*WorkOrder, string, error) {
	var after string
	if _, err := page.Decode(f.Cursor, &after); err != nil {
		return nil, "", err
	}
	limit := page.Limit(f.Limit)
	w := f.where(c, s.store.Now(), true)
	if after != "" {
		w.Add("id < ?", after)
	}
	w.Args = append(w.Args, limit+1)
	rows, err := s.store.Read.QueryContext(ctx, `SELECT `+columns+` FROM work_orders`+w.SQL()+
		` ORDER BY id DESC LIMIT $`+strconv.Itoa(len(w.Args)), w.Args...)
	out, err := db.Collect(rows, err, func(r *sql.Rows) (*WorkOrder, error) { return scan(r) })
	if err != nil {
		return nil, "", err
	}
	out, next := page.Cut(out, limit, func(w *WorkOrder) any { return w.ID })
	return out, next, nil
}

// StatusCounts counts the work orders matching f (ignoring its statuses)
// per status, for the triage view's tabs.
func (s *Service) StatusCounts(ctx context.Context, c Caller, f Filter) (map[Status]int, error) {
	w := f.where(c, s.store.Now(), false)
	rows, err := s.store.Read.QueryContext(ctx, `SELECT status, count(*) FROM work_orders`+w.SQL()+` GROUP BY status`, w.Args...)
	if err != nil {
		return nil, db.Translate(err)
	}
	defer rows.Close()
	out := make(map[Status]int, len(AllStatuses))
	for _, st := range AllStatuses {
		out[st] = 0
	}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, db.Translate(err)
		}
		out[Status(st)] = n
	}
	return out, db.Translate(rows.Err())
}
