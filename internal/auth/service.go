package auth

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// MinSecretLen is the shortest API-key secret New accepts.
const MinSecretLen = 16

// Throttle limits failed sign-ins within a sliding window, per account and
// per network address. The per-address limit is higher because offices share
// an address.
type Throttle struct {
	Window     time.Duration
	PerAccount int
	PerAddress int
}

// DefaultThrottle allows 5 failures per account and 20 per address in 15 minutes.
var DefaultThrottle = Throttle{Window: 15 * time.Minute, PerAccount: 5, PerAddress: 20}

// Service manages users, API keys, sign-in, sessions and the audit log.
type Service struct {
	store    *db.DB
	secret   []byte
	params   Params
	throttle Throttle
	log      *slog.Logger
	sessions *SessionStore

	// hashing bounds concurrent argon2 work: each hash holds Params.Memory,
	// so a burst of sign-ins must queue rather than exhaust memory.
	hashing chan struct{}

	dummyOnce sync.Once
	dummy     string
}

// Option changes a Service built by New.
type Option func(*Service)

// WithPasswordParams sets the argon2id parameters for new hashes.
func WithPasswordParams(p Params) Option { return func(s *Service) { s.params = p } }

// WithThrottle sets the sign-in throttle.
func WithThrottle(t Throttle) Option { return func(s *Service) { s.throttle = t } }

// WithLogger sets where the service reports problems it does not return
// (a failed last-used update, say).
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// New returns a Service. secret keys the API-key hash, so that someone who
// reads the database alone cannot use the keys in it; it must be at least
// MinSecretLen bytes and stay the same across restarts (changing it voids
// every key). A short secret is a configuration bug and panics.
func New(store *db.DB, secret []byte, opts ...Option) *Service {
	if len(secret) < MinSecretLen {
		panic(fmt.Sprintf("auth: API key secret must be at least %d bytes", MinSecretLen))
	}
	s := &Service{
		store:    store,
		secret:   append([]byte(nil), secret...),
		params:   PasswordParams,
		throttle: DefaultThrottle,
		log:      slog.Default(),
		sessions: NewSessionStore(store),
		hashing:  make(chan struct{}, max(2, runtime.GOMAXPROCS(0))),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Sessions returns the session store over the same database.
func (s *Service) Sessions() *SessionStore { return s.sessions }

// Cleanup deletes expired sessions and sign-in failures older than the
// throttle window. Call it periodically; nothing depends on it running often.
func (s *Service) Cleanup(ctx context.Context) error {
	if _, err := s.sessions.Cleanup(ctx); err != nil {
		return err
	}
	_, err := s.store.Write.ExecContext(ctx, `DELETE FROM login_failures WHERE at <= $1`,
		db.T(s.store.Now().Add(-s.throttle.Window)))
	return db.Translate(err)
}

// acquire waits for a hashing slot.
func (s *Service) acquire(ctx context.Context) (release func(), err error) {
	select {
	case s.hashing <- struct{}{}:
		return func() { <-s.hashing }, nil
	case <-ctx.Done():
		return nil, &fault.Error{Code: fault.Unavailable, Message: "the server is busy; try again"}
	}
}

func (s *Service) hash(ctx context.Context, password string) (string, error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return HashPassword(password, s.params)
}

func (s *Service) verify(ctx context.Context, password, encoded string) (bool, error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return VerifyPassword(password, encoded)
}

// dummyHash is verified against when there is no real hash to check (unknown
// e-mail), so that the answer takes as long as for a real account.
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() {
		h, err := HashPassword(GeneratePassword(), s.params)
		if err != nil {
			panic(err) // only a failing random source makes this fail
		}
		s.dummy = h
	})
	return s.dummy
}
