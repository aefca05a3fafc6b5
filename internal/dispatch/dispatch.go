// Package dispatch gets jobs done by someone outside: jobs under work
// orders, the marketplace where contractors bid and staff award, field
// platforms, direct assignment, and execution through completion.
package dispatch

import (
	"context"
	"sync"

	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/queue"
	"github.com/fieldhub/fieldhub/internal/workorder"
)

// SubjectType names jobs on events.
const SubjectType = "job"

// Contractors is what dispatch needs of contractor profiles: who may see a
// job, and keeping their reliability current as jobs end.
type Contractors interface {
	Eligible(ctx context.Context, q db.Querier, c contractor.Criteria) ([]contractor.Match, error)
	RecordOutcomeTx(ctx context.Context, tx *db.Tx, id string, o contractor.Outcome) error
	GetTx(ctx context.Context, tx *db.Tx, id string) (*contractor.Contractor, error)
	LockTx(ctx context.Context, tx *db.Tx, id string) (*contractor.Contractor, error)
}

// Service runs jobs.
type Service struct {
	store       *db.DB
	events      *event.Bus
	workOrders  *workorder.Service
	contractors Contractors
	queue       *queue.Queue

	mu        sync.RWMutex
	platforms map[string]Platform
}

// Option gives the service one of the areas it works with.
type Option func(*Service)

// WithWorkOrders lets jobs move their work order (assigned on award, in
// progress on site, completed with the last job).
func WithWorkOrders(w *workorder.Service) Option { return func(s *Service) { s.workOrders = w } }

// WithContractors lets jobs find eligible contractors and record outcomes.
func WithContractors(c Contractors) Option { return func(s *Service) { s.contractors = c } }

// WithQueue lets the service queue platform pushes in the business transaction.
func WithQueue(q *queue.Queue) Option { return func(s *Service) { s.queue = q } }

// New returns a dispatch service.
func New(store *db.DB, events *event.Bus, opts ...Option) *Service {
	s := &Service{store: store, events: events, platforms: map[string]Platform{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// AddPlatform makes a field platform available to routing rules by its
// name. Call it before the queue opens.
func (s *Service) AddPlatform(p Platform) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.platforms[p.Name()] = p
}

// Platform returns the field platform named n, or nil when this
// installation has none by that name.
func (s *Service) Platform(n string) Platform {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.platforms[n]
}
