package depot

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/workorder"
)

// The stages every template knows by name: QA is where a unit passes or
// goes back to rework, and ready is the end of every template.
const (
	StageDiagnostic = "diagnostic"
	StageQA         = "qa"
	StageReady      = "ready"
)

// StageTemplate is a named list of stages a ticket walks, ending in ready.
type StageTemplate struct {
	Name   string   `json:"name" doc:"e.g. refurb, rebuild"`
	Stages []string `json:"stages" doc:"In order; the last must be ready"`
	// Rework is where a QA failure sends the ticket: by default the stage
	// before qa (repair, rebuild).
	Rework string `json:"rework,omitempty" doc:"The stage a QA failure returns to; default the stage before qa"`
	// ServiceType is set when the template was chosen for a service type.
	ServiceType string `json:"service_type,omitempty"`
}

// The built-in templates.
var (
	Refurb  = StageTemplate{Name: "refurb", Stages: []string{"diagnostic", "repair", "qa", "pack", "ready"}, Rework: "repair"}
	Rebuild = StageTemplate{Name: "rebuild", Stages: []string{"diagnostic", "rebuild", "qa", "ready"}, Rework: "rebuild"}
)

// builtin is the template a service type uses until an admin sets one.
func builtin(serviceType string) StageTemplate {
	if serviceType == "mail_in_rebuild" {
		return Rebuild
	}
	return Refurb
}

var stageName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,29}$`)

// Normalize fills the default rework stage.
func (t *StageTemplate) Normalize() {
	t.Name = strings.TrimSpace(strings.ToLower(t.Name))
	for i, s := range t.Stages {
		t.Stages[i] = strings.TrimSpace(strings.ToLower(s))
	}
	if t.Rework == "" {
		if i := slices.Index(t.Stages, StageQA); i > 0 {
			t.Rework = t.Stages[i-1]
		}
	}
}

// Validate checks a template: named stages, none twice, ready last, and a
// rework stage before qa when there is a qa.
func (t StageTemplate) Validate() error {
	var f fault.Fields
	f.Check(stageName.MatchString(t.Name), "name", "is required: lowercase letters, digits and _, at most 30")
	f.Check(len(t.Stages) >= 2 && len(t.Stages) <= 20, "stages", "must list 2 to 20 stages")
	seen := map[string]bool{}
	for i, s := range t.Stages {
		field := "stages[" + strconv.Itoa(i) + "]"
		f.Check(stageName.MatchString(s), field, "must be lowercase letters, digits and _, at most 30")
		f.Check(!seen[s], field, "appears twice")
		seen[s] = true
	}
	if n := len(t.Stages); n > 0 && t.Stages[n-1] != StageReady {
		f.Add("stages", "must end with ready")
	}
	if qa := slices.Index(t.Stages, StageQA); qa >= 0 {
		r := slices.Index(t.Stages, t.Rework)
		f.Check(r >= 0 && r < qa, "rework", "must be a stage before qa")
	} else if t.Rework != "" {
		f.Add("rework", "is only for templates with a qa stage")
	}
	return f.Err()
}

// SetTemplate sets the template tickets of a service type get from now on;
// tickets already open keep theirs.
func (s *Service) SetTemplate(ctx context.Context, by event.Actor, serviceType string, t StageTemplate) (StageTemplate, error) {
	t.Normalize()
	var f fault.Fields
	f.Check(slices.Contains(workorder.ServiceTypes, serviceType), "path.service_type", "must be one of "+strings.Join(workorder.ServiceTypes, ", "))
	if err := f.Err(); err != nil {
		return t, err
	}
	if err := t.Validate(); err != nil {
		return t, err
	}
	t.ServiceType = serviceType
	stages, _ := json.Marshal(t.Stages)
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO depot_templates (service_type, name, stages, rework, updated_at, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (service_type) DO UPDATE
			SET name = excluded.name, stages = excluded.stages, rework = excluded.rework,
				updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			serviceType, t.Name, string(stages), t.Rework, db.T(tx.Now), by.Name); err != nil {
			return db.Translate(err)
		}
		raw, _ := json.Marshal(map[string]any{"template": t})
		_, err := s.events.Record(ctx, tx, event.Event{Type: EventTemplateSet, SubjectType: "depot_template",
			SubjectID: serviceType, Actor: by, Payload: raw})
		return err
	})
	return t, err
}

// Templates lists the template of every service type: set ones and the
// built-in defaults.
func (s *Service) Templates(ctx context.Context) ([]StageTemplate, error) {
	out := make([]StageTemplate, 0, len(workorder.ServiceTypes))
	for _, st := range workorder.ServiceTypes {
		t, err := s.templateFor(ctx, s.store.Read, st)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// templateFor returns the template for a service type.
func (s *Service) templateFor(ctx context.Context, q db.Querier, serviceType string) (StageTemplate, error) {
	var (
		t      = StageTemplate{ServiceType: serviceType}
		stages []byte
	)
	err := q.QueryRowContext(ctx, `SELECT name, stages, rework FROM depot_templates WHERE service_type = $1`, serviceType).
		Scan(&t.Name, &stages, &t.Rework)
	if fault.Is(db.Translate(err), fault.NotFound) {
		b := builtin(serviceType)
		b.ServiceType = serviceType
		b.Stages = slices.Clone(b.Stages)
		return b, nil
	}
	if err != nil {
		return t, db.Translate(err)
	}
	return t, json.Unmarshal(stages, &t.Stages)
}

// templateNamed finds a template by name among the built-ins and those set
// for service types; false when there is none.
func (s *Service) templateNamed(ctx context.Context, q db.Querier, name string) (StageTemplate, bool, error) {
	for _, b := range []StageTemplate{Refurb, Rebuild} {
		if b.Name == name {
			b.Stages = slices.Clone(b.Stages)
			return b, true, nil
		}
	}
	var st string
	err := q.QueryRowContext(ctx, `SELECT service_type FROM depot_templates WHERE name = $1 ORDER BY service_type LIMIT 1`, name).Scan(&st)
	if fault.Is(db.Translate(err), fault.NotFound) {
		return StageTemplate{}, false, nil
	}
	if err != nil {
		return StageTemplate{}, false, db.Translate(err)
	}
	t, err := s.templateFor(ctx, q, st)
	return t, err == nil, err
}
