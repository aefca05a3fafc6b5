package provider

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/page"
	"github.com/google/uuid"
)

// Recorder records domain events inside a business transaction.
type Recorder interface {
	Record(ctx context.Context, tx *db.Tx, e event.Event) (event.Event, error)
}

// Service reads and changes providers.
type Service struct {
	store  *db.DB
	events Recorder
}

// New returns a provider service.
func New(store *db.DB, events Recorder) *Service { return &Service{store: store, events: events} }

// Create adds a provider. A duplicate code is a conflict.
func (s *Service) Create(ctx context.Context, p Provider, by event.Actor) (Provider, error) {
	p.Code = NormalizeCode(p.Code)
	p.Name = strings.TrimSpace(p.Name)
	p.Active = true
	if p.Contacts == nil {
		p.Contacts = []Contact{}
	}
	if err := p.Validate(); err != nil {
		return Provider{}, err
	}
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		p.ID = uuid.Must(uuid.NewV7()).String()
		p.Version = 1
		p.CreatedAt, p.UpdatedAt = tx.Now, tx.Now
		contacts, settings := string(mustJSON(p.Contacts)), string(mustJSON(p.Settings))
		_, err := tx.ExecContext(ctx, `INSERT INTO providers (id, code, name, contacts, settings, active, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)`, p.ID, p.Code, p.Name, contacts, settings, p.Active, db.T(tx.Now))
		if db.IsUniqueViolation(err) {
			return &fault.Error{Code: fault.Conflict, Message: "a provider with this code exists",
				Fields: []fault.FieldError{{Field: "code", Reason: "is already taken"}}}
		}
		if err != nil {
			return db.Translate(err)
		}
		_, err = s.events.Record(ctx, tx, event.Event{Type: "Provider.Created", SubjectType: "provider", SubjectID: p.ID,
			ProviderID: p.ID, Actor: by, Payload: mustJSON(map[string]string{"code": p.Code, "name": p.Name})})
		return err
	})
	return p, err
}

const columns = `id, code, name, contacts, settings, active, version, created_at, updated_at`

func scan(row interface{ Scan(...any) error }) (Provider, error) {
	var (
		p                  Provider
		contacts, settings []byte
		created, updated   db.Time
	)
	if err := row.Scan(&p.ID, &p.Code, &p.Name, &contacts, &settings, &p.Active, &p.Version, &created, &updated); err != nil {
		return Provider{}, db.Translate(err)
	}
	p.CreatedAt, p.UpdatedAt = created.Time, updated.Time
	if err := json.Unmarshal(contacts, &p.Contacts); err != nil {
		return Provider{}, err
	}
	if err := json.Unmarshal(settings, &p.Settings); err != nil {
		return Provider{}, err
	}
	return p, nil
}

// Get returns the provider with code.
func (s *Service) Get(ctx context.Context, code string) (Provider, error) {
	p, err := scan(s.store.Read.QueryRowContext(ctx, `SELECT `+columns+` FROM providers WHERE code = $1`, NormalizeCode(code)))
	if fault.Is(err, fault.NotFound) {
		return Provider{}, fault.Errorf(fault.NotFound, "no provider %q", NormalizeCode(code))
	}
	return p, err
}

// ByID returns the provider with id.
func (s *Service) ByID(ctx context.Context, id string) (Provider, error) {
	return scan(s.store.Read.QueryRowContext(ctx, `SELECT `+columns+` FROM providers WHERE id = $1`, id))
}

// List returns providers ordered by code, a page at a time.
func (s *Service) List(ctx context.Context, cursor string, limit int) ([]Provider, string, error) {
	var after string
	if _, err := page.Decode(cursor, &after); err != nil {
		return nil, "", err
	}
	limit = page.Limit(limit)
	rows, err := s.store.Read.QueryContext(ctx, `SELECT `+columns+` FROM providers WHERE code > $1 ORDER BY code LIMIT $2`, after, limit+1)
	out, err := db.Collect(rows, err, func(r *sql.Rows) (Provider, error) { return scan(r) })
	if err != nil {
		return nil, "", err
	}
	out, next := page.Cut(out, limit, func(p Provider) any { return p.Code })
	return out, next, nil
}

// Update applies u to the provider with code. When ifVersion is not nil and
// the stored version differs, nothing changes and the error is Stale.
func (s *Service) Update(ctx context.Context, code string, u Update, ifVersion *int64, by event.Actor) (Provider, error) {
	var out Provider
	err := s.store.InTx(ctx, func(tx *db.Tx) error {
		p, err := scan(tx.QueryRowContext(ctx, `SELECT `+columns+` FROM providers WHERE code = $1`, NormalizeCode(code)))
		if fault.Is(err, fault.NotFound) {
			return fault.Errorf(fault.NotFound, "no provider %q", NormalizeCode(code))
		}
		if err != nil {
			return err
		}
		if ifVersion != nil && *ifVersion != p.Version {
			return &fault.Error{Code: fault.Stale, Message: "the provider has changed since you read it",
				Detail: map[string]any{"current_version": p.Version}}
		}
		before := p
		u.Apply(&p)
		if p.Contacts == nil {
			p.Contacts = []Contact{}
		}
		if err := p.Validate(); err != nil {
			return err
		}
		p.Version++
		p.UpdatedAt = tx.Now
		res, err := tx.ExecContext(ctx, `UPDATE providers SET name = $1, contacts = $2, settings = $3, active = $4, version = $5, updated_at = $6
			WHERE id = $7 AND version = $8`, p.Name, string(mustJSON(p.Contacts)), string(mustJSON(p.Settings)), p.Active, p.Version, db.T(tx.Now), p.ID, before.Version)
		if err != nil {
			return db.Translate(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return &fault.Error{Code: fault.Stale, Message: "the provider has changed since you read it"}
		}
		out = p
		_, err = s.events.Record(ctx, tx, event.Event{Type: "Provider.Updated", SubjectType: "provider", SubjectID: p.ID,
			ProviderID: p.ID, Actor: by, Payload: mustJSON(map[string]any{"changed": changed(before, p)})})
		return err
	})
	return out, err
}

func changed(a, b Provider) []string {
	var out []string
	if a.Name != b.Name {
		out = append(out, "name")
	}
	if string(mustJSON(a.Contacts)) != string(mustJSON(b.Contacts)) {
		out = append(out, "contacts")
	}
	if string(mustJSON(a.Settings)) != string(mustJSON(b.Settings)) {
		out = append(out, "settings")
	}
	if a.Active != b.Active {
		out = append(out, "active")
	}
	return out
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
