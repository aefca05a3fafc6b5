package depot

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/page"
)

// Get returns a ticket with its stage log.
func (s *Service) Get(ctx context.Context, id string) (*Ticket, error) {
	t, err := load(ctx, s.store.Read, id, "")
	if err != nil {
		return nil, err
	}
	t.Log, err = readLog(ctx, s.store.Read, id)
	return t, err
}

// Filter selects tickets; zero fields select everything.
type Filter struct {
	Statuses    []Status
	Stage       string
	Template    string
	ServiceType string
	WorkOrderID string
	Serial      string
	Cursor      string
	Limit       int
}

func (f Filter) where() *db.Where {
	var w db.Where
	if len(f.Statuses) > 0 {
		args := make([]any, len(f.Statuses))
		for i, st := range f.Statuses {
			args[i] = string(st)
		}
		w.In("status", args...)
	}
	for _, c := range []struct{ col, v string }{{"stage", f.Stage}, {"template", f.Template}, {"service_type", f.ServiceType},
		{"work_order_id", f.WorkOrderID}, {"serial", f.Serial}} {
		if c.v != "" {
			w.Add(c.col+" = ?", c.v)
		}
	}
	return &w
}

// List returns tickets newest first, a page at a time.
func (s *Service) List(ctx context.Context, f Filter) ([]*Ticket, string, error) {
	limit := page.Limit(f.Limit)
	var after struct {
		ID string `json:"id"`
	}
	ok, err := page.Decode(f.Cursor, &after)
	if err != nil {
		return nil, "", err
	}
	w := f.where()
	if ok {
		w.Add("id < ?", after.ID)
	}
	w.Args = append(w.Args, limit+1)
	rows, err := s.store.Read.QueryContext(ctx, `SELECT `+columns+` FROM depot_tickets`+w.SQL()+` ORDER BY id DESC LIMIT $`+strconv.Itoa(len(w.Args)), w.Args...)
	list, err := db.Collect(rows, err, func(r *sql.Rows) (*Ticket, error) { return scan(r) })
	if err != nil {
		return nil, "", err
	}
	items, next := page.Cut(list, limit, func(t *Ticket) any {
		return struct {
			ID string `json:"id"`
		}{t.ID}
	})
	return items, next, nil
}

// BoardLimit caps the tickets a board shows: the board is for the work in
// the depot now, not an archive.
const BoardLimit = 2000

// Board is the depot's work by stage.
type Board struct {
	Stages    []BoardColumn `json:"stages" doc:"Tickets by stage, in template order"`
	Total     int           `json:"total"`
	Truncated bool          `json:"truncated,omitempty" doc:"More tickets matched than the board shows"`
	// DoorToDoor sums received → ready over the ready tickets shown.
	DoorToDoor DoorToDoor `json:"door_to_door"`
	At         time.Time  `json:"at" doc:"When the ages were measured"`
}

// BoardColumn is one stage's tickets, oldest in stage first.
type BoardColumn struct {
	Stage   string      `json:"stage"`
	Count   int         `json:"count"`
	Tickets []BoardCard `json:"tickets"`
}

// BoardCard is one ticket on the board.
type BoardCard struct {
	ID                string `json:"id"`
	Number            string `json:"number"`
	WorkOrderID       string `json:"work_order_id"`
	Serial            string `json:"serial"`
	Model             string `json:"model"`
	Template          string `json:"template"`
	ServiceType       string `json:"service_type"`
	Status            Status `json:"status"`
	AgeInStageSeconds int64  `json:"age_in_stage_seconds"`
	DoorToDoorSeconds *int64 `json:"door_to_door_seconds,omitempty" doc:"Received → ready, once ready"`
	QAFailures        int    `json:"qa_failures"`
}

// DoorToDoor summarises received → ready times.
type DoorToDoor struct {
	Count          int   `json:"count"`
	AverageSeconds int64 `json:"average_seconds"`
	MaxSeconds     int64 `json:"max_seconds"`
}

// Board returns the tickets in the depot (open, on hold or ready; not those
// released) by stage, with their age in stage and door-to-door times. The
// filter's template, service type and work order apply.
func (s *Service) Board(ctx context.Context, f Filter) (*Board, error) {
	f.Statuses, f.Stage, f.Serial = []Status{Open, OnHold, Ready}, "", ""
	w := f.where()
	w.Args = append(w.Args, BoardLimit+1)
	rows, err := s.store.Read.QueryContext(ctx, `SELECT `+columns+` FROM depot_tickets`+w.SQL()+
		` ORDER BY stage_since, id LIMIT $`+strconv.Itoa(len(w.Args)), w.Args...)
	list, err := db.Collect(rows, err, func(r *sql.Rows) (*Ticket, error) { return scan(r) })
	if err != nil {
		return nil, err
	}
	now := s.store.Now()
	b := &Board{Stages: []BoardColumn{}, At: now}
	if len(list) > BoardLimit {
		list, b.Truncated = list[:BoardLimit], true
	}
	col := map[string]int{}
	var total int64
	for _, t := range list {
		// Columns follow the first template that names a stage.
		for _, st := range t.Stages {
			if _, ok := col[st]; !ok {
				col[st] = len(b.Stages)
				b.Stages = append(b.Stages, BoardColumn{Stage: st, Tickets: []BoardCard{}})
			}
		}
		card := BoardCard{ID: t.ID, Number: t.Number, WorkOrderID: t.WorkOrderID, Serial: t.Serial, Model: t.Model, Template: t.Template,
			ServiceType: t.ServiceType, Status: t.Status, AgeInStageSeconds: int64(now.Sub(t.StageSince).Seconds()), QAFailures: t.QAFailures}
		if t.ReadyAt != nil {
			d := int64(t.ReadyAt.Sub(t.ReceivedAt).Seconds())
			card.DoorToDoorSeconds = &d
			b.DoorToDoor.Count++
			total += d
			b.DoorToDoor.MaxSeconds = max(b.DoorToDoor.MaxSeconds, d)
		}
		c := &b.Stages[col[t.Stage]]
		c.Tickets = append(c.Tickets, card)
		c.Count++
		b.Total++
	}
	if b.DoorToDoor.Count > 0 {
		b.DoorToDoor.AverageSeconds = total / int64(b.DoorToDoor.Count)
	}
	return b, nil
}
