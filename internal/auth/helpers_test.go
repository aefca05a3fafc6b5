package auth

import (
	"context"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/google/uuid"
)

// recommendedParams keeps the production parameters for benchmarks, before
// TestMain makes hashing cheap for tests.
var recommendedParams = PasswordParams

func TestMain(m *testing.M) {
	PasswordParams = InsecureTestParams
	os.Exit(m.Run())
}

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is one engine's fresh database, a service over it, and its clock.
type env struct {
	store *db.DB
	svc   *Service
	clock *fakeClock
}

// each runs fn once per engine with a fresh store on a fake clock.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	t.Parallel() // every run has a database of its own
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			clock := newClock()
			store := dbtest.Open(t, engine, clock.Now)
			fn(t, &env{store: store, svc: New(store, testSecret), clock: clock})
		})
	}
}

var ctx = context.Background()

var admin = &Principal{Kind: KindStaff, UserID: "admin-1", Roles: []Role{RoleAdmin}}

// addProvider inserts a provider row directly; the provider package owns
// providers, these tests only need one to hang keys on.
func (e *env) addProvider(t *testing.T, code string, active bool) string {
	t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	_, err := e.store.Write.ExecContext(ctx, `INSERT INTO providers (id, code, name, active, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5)`, id, code, code+" Inc", active, db.T(e.clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (e *env) addUser(t *testing.T, n NewUser) User {
	t.Helper()
	u, err := e.svc.CreateUser(ctx, n, admin)
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", n.Email, err)
	}
	return u
}

func staff(email string, roles ...Role) NewUser {
	return NewUser{Kind: KindStaff, Email: email, Name: "Staff " + email, Roles: roles, Password: "correct horse battery"}
}

// auditActions lists the actions recorded about subject, oldest first.
func (e *env) auditActions(t *testing.T, subject string) []string {
	t.Helper()
	recs, err := e.svc.AuditLog(ctx, AuditFilter{Subject: subject, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range slices.Backward(recs) {
		out = append(out, r.Action)
	}
	return out
}

// wantCode fails unless err carries code.
func wantCode(t *testing.T, err error, code fault.Code) {
	t.Helper()
	if !fault.Is(err, code) {
		t.Fatalf("err = %v, want %s", err, code)
	}
}

// wantField fails unless err is Invalid and names field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	wantCode(t, err, fault.Invalid)
	for _, f := range err.(*fault.Error).Fields {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("err = %v, want a problem with field %q", err, field)
}
