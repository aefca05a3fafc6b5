package app_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/app"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/queue"
	"github.com/riverqueue/river/rivertype"
)

// quickRetry keeps backoff (each wait longer than the last) but in
// milliseconds, so a subscriber runs out of attempts within the test.
type quickRetry struct{}

func (quickRetry) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(time.Duration(5*job.Attempt*job.Attempt) * time.Millisecond)
}

// deadJob is a dead letter as GET /v1/admin/dead-jobs lists it.
type deadJob struct {
	ID        int64  `json:"id"`
	Kind      string `json:"kind"`
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error"`
}

// deadJobs lists the dead letters through the API, as an admin.
func deadJobs(t *testing.T, admin *client) []deadJob {
	t.Helper()
	r := admin.do("GET", "/v1/admin/dead-jobs", nil)
	want(t, r, 200)
	return decode[struct {
		Items []deadJob `json:"items"`
	}](t, r).Items
}

// TestDeadLetterReplay follows a subscriber whose receiver is down: the
// event's job is retried, lands among the dead letters an admin lists
// through the API, and once the receiver is back the admin replays it and
// it is delivered exactly once.
func TestDeadLetterReplay(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			cfg := testConfig(t, e)
			var down atomic.Bool
			var attempts, delivered atomic.Int32
			down.Store(true)
			a, err := app.Build(ctx, cfg, cfg.Logger(), queue.Config{RetryPolicy: quickRetry{}, FetchPollInterval: 20 * time.Millisecond},
				func(a *app.App) {
					a.Events.Subscribe("test.receiver", []string{"Provider.Created"}, func(ctx context.Context, ev event.Event) error {
						attempts.Add(1)
						if down.Load() {
							return errors.New("receiver down")
						}
						delivered.Add(1)
						return nil
					}, event.MaxAttempts(3))
				})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if _, err := a.Auth.CreateUser(ctx, auth.NewUser{Kind: auth.KindStaff, Email: "admin@test.example", Name: "Admin",
				Roles: []auth.Role{auth.RoleAdmin}, Password: testPassword}, auth.System); err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(a.Handler(app.ServeConfig{}))
			defer srv.Close()
			if err := a.Queue.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer a.Queue.Stop(ctx)

			admin := newClient(t, srv.URL, "")
			want(t, admin.signIn("admin@test.example", testPassword), 303)
			want(t, admin.do("POST", "/v1/providers", map[string]any{"code": "ACME", "name": "Acme"}), 201)

			var dead []deadJob
			dbtest.Eventually(t, "the failing delivery to be dead-lettered", func() bool {
				dead = deadJobs(t, admin)
				return len(dead) == 1
			})
			job := dead[0]
			if job.Kind != "event.deliver" || job.Attempts != 3 || !strings.Contains(job.LastError, "receiver down") {
				t.Fatalf("dead job = %+v", job)
			}
			if n := attempts.Load(); n != 3 {
				t.Fatalf("subscriber ran %d times before giving up, want 3", n)
			}

			down.Store(false)
			want(t, admin.do("POST", fmt.Sprintf("/v1/admin/dead-jobs/%d/retry", job.ID), nil), 202)
			dbtest.Eventually(t, "the replayed delivery", func() bool { return delivered.Load() == 1 })
			dbtest.Eventually(t, "the dead-letter list to empty", func() bool { return len(deadJobs(t, admin)) == 0 })
			// A completed job cannot be replayed again.
			want(t, admin.do("POST", fmt.Sprintf("/v1/admin/dead-jobs/%d/retry", job.ID), nil), 409)
			time.Sleep(100 * time.Millisecond)
			if n := delivered.Load(); n != 1 {
				t.Fatalf("delivered %d times, want exactly once", n)
			}
		})
	}
}
