package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// crashJobs is how many marketplace jobs are awarded at once when the
// process is killed.
const crashJobs = 20

// TestCrashMidAward kills fieldhub (SIGKILL, no chance to clean up) while
// awards are in flight, restarts it on the same database and checks through
// the API that every award either happened whole or not at all, that every
// answered award survived, and that the jobs left open can still be awarded
// exactly once. On PostgreSQL the binary gets a schema of its own (dbtest's
// isolation, passed as search_path in --database-url), dropped at the end.
func TestCrashMidAward(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			crashMidAward(t, e)
		})
	}
}

func crashMidAward(t *testing.T, e db.Engine) {
	store := storeArgs(t, e)

	// The demo prints its secrets once on stdout. The buffer behind
	// p.stdout is written by exec's copying goroutine, so it is read only
	// after the process has exited: a first run loads the demo and stops.
	p := start(t, append(store, "--demo")...)
	if logs, err := p.stop(t); err != nil {
		t.Fatalf("demo run: %v\n%s", err, logs)
	}
	demo := parseDemo(t, p.stdout.String())

	p = start(t, store...)
	drain(t, p, "before the kill")
	acme := newAPIClient(p.url, demo.acmeKey)
	obs := observer{ops: demo.signIn(t, p.url, "jules.park@fieldhub.example"), admin: demo.signIn(t, p.url, "admin@fieldhub.example"),
		bidders: []*apiClient{demo.signIn(t, p.url, "zane.ortiz@contractor.example"), demo.signIn(t, p.url, "quinn.reeves@contractor.example")}}
	jobs := postJobs(t, acme, obs.ops, obs.bidders)

	answered := awardAndKill(t, p, obs.ops, jobs)
	t.Logf("%s: %d of %d awards answered before the kill", e, len(answered), len(jobs))

	p = start(t, store...)
	drain(t, p, "after the restart")
	for _, c := range append([]*apiClient{obs.ops, obs.admin}, obs.bidders...) {
		c.base = p.url // sessions live in the database and survive the restart
	}
	obs.ops.must(t, "GET", "/readyz", nil, http.StatusOK)

	var open []*crashJob
	audits := obs.awardAudits(t)
	for _, j := range jobs {
		if !obs.check(t, j, audits, answered[j.id]) {
			open = append(open, j)
		}
	}
	t.Logf("%s: %d of %d jobs were awarded at the restart", e, len(jobs)-len(open), len(jobs))

	// The work left open finishes: each job is awarded exactly once, and
	// no job awarded before the kill is awarded again.
	for _, j := range jobs {
		award := func(want int) {
			obs.ops.must(t, "POST", "/v1/jobs/"+j.id+"/award", map[string]string{"bid_id": j.pick}, want)
		}
		if !j.awarded {
			award(http.StatusOK)
		}
		award(http.StatusConflict)
	}
	audits = obs.awardAudits(t)
	for _, j := range open {
		if !obs.check(t, j, audits, true) {
			t.Errorf("job %s is not awarded after its award answered 200", j.id)
		}
	}
	if out, err := p.stop(t); err != nil {
		t.Errorf("stop after the restart: %v\n%s", err, out)
	}
}

// storeArgs are the storage flags for a fresh, empty database on engine e.
func storeArgs(t *testing.T, e db.Engine) []string {
	cfg := dbtest.Config(t, e)
	if cfg.DatabaseURL != "" {
		return []string{"--database-url", cfg.DatabaseURL}
	}
	return []string{"--data-dir", cfg.DataDir}
}

// drain keeps reading p's log lines so that a chatty server never blocks
// on a full pipe, and shows them, labelled with when, if the test fails.
func drain(t *testing.T, p *proc, when string) {
	var (
		mu  sync.Mutex
		out strings.Builder
	)
	go func() {
		for line := range p.logs {
			mu.Lock()
			out.WriteString(line + "\n")
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if t.Failed() {
			mu.Lock()
			defer mu.Unlock()
			t.Logf("server logs %s:\n%s", when, out.String())
		}
	})
}

// demoSecrets are the sign-in details the demo printed.
type demoSecrets struct {
	passwords map[string]string // by e-mail
	acmeKey   string
}

// parseDemo reads the demo's table of accounts ("  E-MAIL  PASSWORD  KIND
// ROLES") and its ACME API key from the first run's output.
func parseDemo(t *testing.T, out string) demoSecrets {
	t.Helper()
	d := demoSecrets{passwords: map[string]string{}}
	for line := range strings.Lines(out) {
		if key, ok := strings.CutPrefix(strings.TrimSpace(line), "API key for provider ACME: "); ok {
			d.acmeKey = key
		}
		if f := strings.Fields(line); len(f) >= 2 && strings.Contains(f[0], "@") {
			d.passwords[f[0]] = f[1]
		}
	}
	if !strings.HasPrefix(d.acmeKey, "fh_") || len(d.passwords) == 0 {
		t.Fatalf("no demo secrets in:\n%s", out)
	}
	return d
}

// signIn is a new client signed in through /login as the demo account email.
func (d demoSecrets) signIn(t *testing.T, base, email string) *apiClient {
	t.Helper()
	c := newAPIClient(base, "")
	form := url.Values{"email": {email}, "password": {d.passwords[email]}, "next": {"/"}}
	res, err := c.http.PostForm(base+"/login", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in as %s: %d", email, res.StatusCode)
	}
	return c
}

// apiClient talks JSON to the server with a provider key or, through its
// cookie jar, a session.
type apiClient struct {
	base string
	key  string
	http *http.Client
}

func newAPIClient(base, key string) *apiClient {
	jar, _ := cookiejar.New(nil)
	return &apiClient{base: base, key: key, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// call sends body (nil or anything JSON) and returns the status and body;
// err is a transport failure (the server died), never an HTTP status.
func (c *apiClient) call(method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// must sends a request that has to answer want, and returns the body.
func (c *apiClient) must(t *testing.T, method, path string, body any, want int) []byte {
	t.Helper()
	status, b, err := c.call(method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if status != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, status, want, b)
	}
	return b
}

// get reads path (which must answer 200) into a T.
func get[T any](t *testing.T, c *apiClient, path string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(c.must(t, "GET", path, nil, http.StatusOK), &v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return v
}

// page is a list response.
type page[T any] struct {
	Items []T `json:"items"`
}

// crashJob is one posted job of the test, its bids and the bid to award.
type crashJob struct {
	id, workOrderID string
	bids            map[string]int64 // price by bid id
	pick            string
	awarded         bool // found awarded after the restart
}

// postJobs creates the work orders with the provider key, posts a
// marketplace job on each and has every bidder bid. The two demo
// contractors with sign-ins share no skill or trade, so the jobs ask only
// for the "acme" pool, which both are in; each job is on its own day, so
// no award runs into a contractor's capacity a day.
func postJobs(t *testing.T, acme, ops *apiClient, bidders []*apiClient) []*crashJob {
	t.Helper()
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 3)
	jobs := make([]*crashJob, crashJobs)
	for i := range jobs {
		start := day.AddDate(0, 0, i).Add(15 * time.Hour)
		var created struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(acme.must(t, "POST", "/v1/work-orders", intake(i, start), http.StatusCreated), &created); err != nil {
			t.Fatal(err)
		}
		var job struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		}
		if err := json.Unmarshal(ops.must(t, "POST", "/v1/work-orders/"+created.ID+"/jobs", map[string]any{
			"kind": "repair", "window": map[string]time.Time{"start": start, "end": start.Add(3 * time.Hour)}, "pool": "acme",
			"instructions": "Bring the E47 kit", "budget_cents": 50000, "post": true}, http.StatusCreated), &job); err != nil {
			t.Fatal(err)
		}
		if job.Status != "posted" {
			t.Fatalf("job %s is %s, want posted", job.ID, job.Status)
		}
		j := &crashJob{id: job.ID, workOrderID: created.ID, bids: map[string]int64{}}
		for k, c := range bidders {
			price := int64(40000 + 100*i + 1000*k)
			var bid struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(c.must(t, "POST", "/v1/jobs/"+job.ID+"/bids", map[string]any{"price_cents": price, "eta": start},
				http.StatusCreated), &bid); err != nil {
				t.Fatal(err)
			}
			j.bids[bid.ID] = price
			if k == i%len(bidders) {
				j.pick = bid.ID
			}
		}
		jobs[i] = j
	}
	return jobs
}

// intake is the i'th work order: a repair at a Dallas clinic.
func intake(i int, start time.Time) map[string]any {
	return map[string]any{"external_id": fmt.Sprintf("PO-CRASH-%02d", i), "service_type": "onsite_repair", "priority": "normal",
		"customer": map[string]string{"name": "Lakeside Clinic", "email": "frontdesk@lakeside.example", "phone": "+12145550100",
			"notify_by": "email"},
		"site":    map[string]string{"line1": "5803 E Northwest Hwy", "city": "Dallas", "state": "TX", "zip": "75231"},
		"devices": []map[string]string{{"model": "GentleMax Pro", "serial": fmt.Sprintf("GMP-CRASH-%02d", i)}},
		"problem": "Device down", "error_codes": []string{"E47"},
		"requested_window": map[string]time.Time{"start": start, "end": start.Add(3 * time.Hour)}}
}

// awardAndKill fires every job's award at once and kills the process a
// random few milliseconds after the first answer arrives, while the others
// are in flight: queued, mid-transaction, or committed but not answered.
// It returns the jobs whose award answered 200 before the kill; any other
// answer fails the test.
func awardAndKill(t *testing.T, p *proc, ops *apiClient, jobs []*crashJob) map[string]bool {
	t.Helper()
	type result struct {
		status int
		body   []byte
		err    error
	}
	results := make([]result, len(jobs))
	// The process dies as soon as the k-th award is answered, k drawn
	// from the first half: the others are then still in flight, some
	// committed and unanswered, some not yet begun. (Waiting a while after
	// the first answer instead lets SQLite, with its one writer, finish all
	// twenty before the kill.)
	k := 1 + rand.N(len(jobs)/2)
	var (
		wg      sync.WaitGroup
		fire    = make(chan struct{})
		answers = make(chan struct{}, len(jobs))
		enough  = make(chan struct{})
	)
	for i, j := range jobs {
		wg.Go(func() {
			<-fire
			status, body, err := ops.call("POST", "/v1/jobs/"+j.id+"/award", map[string]string{"bid_id": j.pick})
			results[i] = result{status, body, err}
			if err == nil {
				answers <- struct{}{}
			}
		})
	}
	go func() {
		for range k {
			<-answers // closed after the kill: then it stops waiting
		}
		close(enough)
	}()
	close(fire)
	select {
	case <-enough:
	case <-time.After(30 * time.Second): // too few answer: kill it all the same
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(answers)
	_ = p.cmd.Wait() // "signal: killed"
	ok := map[string]bool{}
	for i, r := range results {
		switch {
		case r.err != nil: // cut off by the kill
		case r.status == http.StatusOK:
			ok[jobs[i].id] = true
		default:
			t.Errorf("award of job %s answered %d before the kill: %s", jobs[i].id, r.status, r.body)
		}
	}
	return ok
}

// observer reads the state of the jobs through the API: staff see jobs,
// work orders and timelines, the admin the audit log, each bidder their
// own bids.
type observer struct {
	ops, admin *apiClient
	bidders    []*apiClient
}

// awardAudits counts the audit log's job.awarded entries by subject.
func (o observer) awardAudits(t *testing.T) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, a := range get[page[struct {
		Subject string `json:"subject"`
	}]](t, o.admin, "/v1/admin/audit-log?action=job.awarded&limit=200").Items {
		n[a.Subject]++
	}
	return n
}

// check checks one job after the restart: either awarded whole (the
// picked bid won, the others declined, the payout its price, one
// Job.Awarded, one Bid.Declined per loser and one audit entry, the work
// order assigned) or not at all (posted, every bid active, none of those
// traces, the work order not assigned). mustBeAwarded is set when the
// award was answered 200. It reports whether the job is awarded.
func (o observer) check(t *testing.T, j *crashJob, audits map[string]int, mustBeAwarded bool) bool {
	t.Helper()
	job := get[struct {
		Status       string `json:"status"`
		ContractorID string `json:"contractor_id"`
		AwardedBidID string `json:"awarded_bid_id"`
		PayoutCents  int64  `json:"payout_cents"`
	}](t, o.ops, "/v1/jobs/"+j.id)
	bids := map[string]string{} // status by bid id
	owner := map[string]string{}
	for _, c := range o.bidders {
		for _, b := range get[page[struct {
			ID           string `json:"id"`
			Status       string `json:"status"`
			ContractorID string `json:"contractor_id"`
		}]](t, c, "/v1/jobs/"+j.id+"/bids").Items {
			bids[b.ID], owner[b.ID] = b.Status, b.ContractorID
		}
	}
	wo := get[struct {
		Status string `json:"status"`
	}](t, o.ops, "/v1/work-orders/"+j.workOrderID)
	var awards, declines int
	for _, e := range get[page[struct {
		Type   string         `json:"type"`
		Detail map[string]any `json:"detail"`
	}]](t, o.ops, "/v1/work-orders/"+j.workOrderID+"/timeline").Items {
		switch e.Type {
		case "Job.Awarded":
			awards++
			if e.Detail["bid_id"] != j.pick {
				t.Errorf("job %s: Job.Awarded names bid %v, want %s", j.id, e.Detail["bid_id"], j.pick)
			}
		case "Bid.Declined":
			declines++
		}
	}
	audited := audits["job:"+j.id]
	state := fmt.Sprintf("job %s: status %s, contractor %q, awarded bid %q (picked %s), payout %d, bids %v, work order %s, "+
		"Job.Awarded %d, Bid.Declined %d, audit entries %d",
		j.id, job.Status, job.ContractorID, job.AwardedBidID, j.pick, job.PayoutCents, bids, wo.Status, awards, declines, audited)
	if len(bids) != len(j.bids) {
		t.Errorf("%s: want %d bids", state, len(j.bids))
	}
	switch job.Status {
	case "awarded":
		j.awarded = true
		ok := job.AwardedBidID == j.pick && job.ContractorID == owner[j.pick] && job.ContractorID != "" &&
			job.PayoutCents == j.bids[j.pick] && wo.Status == "assigned" && awards == 1 && declines == len(j.bids)-1 && audited == 1
		for id, s := range bids {
			ok = ok && (s == "won") == (id == j.pick) && (s == "declined") == (id != j.pick)
		}
		if !ok {
			t.Errorf("half an award: %s", state)
		}
	case "posted":
		ok := !mustBeAwarded && job.AwardedBidID == "" && job.ContractorID == "" && job.PayoutCents == 0 &&
			wo.Status != "assigned" && awards == 0 && declines == 0 && audited == 0
		for _, s := range bids {
			ok = ok && s == "active"
		}
		if !ok {
			t.Errorf("lost or half an award (answered 200 before the kill: %v): %s", mustBeAwarded, state)
		}
	default:
		t.Errorf("neither awarded nor posted: %s", state)
	}
	return j.awarded
}
