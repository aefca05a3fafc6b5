// Package web serves fieldhub's server-rendered pages: sign-in, the staff
// console (work order triage and lifecycle actions, the job list, adding
// jobs, bid awards and the other job actions, the depot board, depot
// tickets and their stage work, devices and their history) and the API
// reference.
// Pages are templ components; htmx is vendored and embedded, so nothing is
// fetched from the internet.
package web

import (
	"embed"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"
	"github.com/alexedwards/scs/v2"
	"github.com/danielgtaylor/huma/v2"
	"github.com/fieldhub/fieldhub/internal/api"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/depot"
	"github.com/fieldhub/fieldhub/internal/device"
	"github.com/fieldhub/fieldhub/internal/dispatch"
	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/provider"
	"github.com/fieldhub/fieldhub/internal/workorder"
)

//go:embed static
var staticFS embed.FS

// SessionUserKey is the session field holding the signed-in user's id; the
// API reads the same field.
const SessionUserKey = api.SessionUserKey

// Deps are what the pages need.
type Deps struct {
	Auth       *auth.Service
	Providers  *provider.Service
	WorkOrders *workorder.Service
	// Dispatch shows jobs and bids and takes awards; Contractors names
	// who holds or bids on a job; Depot draws the depot board and runs
	// tickets' stage work; Devices shows a device and its history.
	Dispatch    *dispatch.Service
	Contractors *contractor.Service
	Depot       *depot.Service
	Devices     *device.Service
	Sessions    *scs.SessionManager
	OpenAPI     *huma.OpenAPI
	Logger      *slog.Logger
}

// Web is the page handler.
type Web struct {
	Deps
	mux *http.ServeMux
}

// New registers the pages.
func New(d Deps) *Web {
	w := &Web{Deps: d, mux: http.NewServeMux()}
	w.mux.Handle("GET /static/", http.FileServerFS(staticFS))
	w.mux.HandleFunc("GET /login", w.loginForm)
	w.mux.HandleFunc("POST /login", w.login)
	w.mux.HandleFunc("POST /logout", w.logout)
	w.mux.HandleFunc("GET /docs/api", w.apiReference)
	w.mux.HandleFunc("GET /work-orders", w.workOrderList)
	w.mux.HandleFunc("GET /work-orders/{id}", w.workOrderDetail)
	w.mux.HandleFunc("POST /work-orders/{id}/actions/{name}", w.workOrderAction)
	w.mux.HandleFunc("POST /work-orders/{id}/jobs", w.addJob)
	w.mux.HandleFunc("GET /jobs", w.jobList)
	w.mux.HandleFunc("GET /jobs/{id}", w.jobDetail)
	w.mux.HandleFunc("POST /jobs/{id}/award", w.jobAward)
	w.mux.HandleFunc("POST /jobs/{id}/{action}", w.runJobAction)
	w.mux.HandleFunc("GET /depot", w.depotBoard)
	w.mux.HandleFunc("GET /depot/tickets/{id}", w.ticketDetail)
	w.mux.HandleFunc("POST /depot/tickets/{id}/stages/{stage}/complete", w.completeStage)
	w.mux.HandleFunc("POST /depot/tickets/{id}/items-received", w.itemsReceived)
	w.mux.HandleFunc("GET /devices", w.deviceSearch)
	w.mux.HandleFunc("GET /devices/{id}", w.deviceDetail)
	w.mux.HandleFunc("GET /{$}", w.home)
	return w
}

// ServeHTTP implements http.Handler.
func (w *Web) ServeHTTP(rw http.ResponseWriter, r *http.Request) { w.mux.ServeHTTP(rw, r) }

func (w *Web) principal(r *http.Request) *auth.Principal {
	uid := w.Sessions.GetString(r.Context(), SessionUserKey)
	if uid == "" {
		return nil
	}
	p, err := w.Auth.SessionUser(r.Context(), uid)
	if err != nil {
		return nil
	}
	return p
}

// readForm reads a posted form of at most limit bytes; one it cannot read
// (too large, malformed) is a problem to show next to the form.
func readForm(rw http.ResponseWriter, r *http.Request, limit int64) (url.Values, error) {
	r.Body = http.MaxBytesReader(rw, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		return nil, fault.Errorf(fault.Invalid, "the form could not be read")
	}
	return r.PostForm, nil
}

// renderList answers a list page: just its results when htmx asks for them
// (a filter or a page changed), the whole page otherwise — including when
// htmx restores a page from history it no longer holds.
func (w *Web) renderList(rw http.ResponseWriter, r *http.Request, status int, results, page templ.Component) {
	rw.Header().Add("Vary", "HX-Request")
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true" {
		w.render(rw, r, status, results)
		return
	}
	w.render(rw, r, status, page)
}

func (w *Web) render(rw http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	rw.WriteHeader(status)
	if err := c.Render(r.Context(), rw); err != nil {
		w.Logger.ErrorContext(r.Context(), "render page", "err", err)
	}
}

// renderProblem answers a request that failed before there was a page to
// show (the record not found, say) with the error page, under the status
// the failure calls for.
func (w *Web) renderProblem(rw http.ResponseWriter, r *http.Request, p *auth.Principal, err error) {
	status, pe := w.problem(r.Context(), err)
	w.render(rw, r, status, errorPage(p, status, pe))
}

// refuse answers a refused form of a record's page with the page again,
// the record as it now stands: page reloads it and shows the refusal (the
// reason, and that form as it was filled in), which is answered under the
// refusal's status. When the record itself is the trouble (not found,
// say), that is what is shown.
func (w *Web) refuse(rw http.ResponseWriter, r *http.Request, p *auth.Principal, form string, err error,
	page func(f refusal, status int) (templ.Component, error)) {
	status, pe := w.problem(r.Context(), err)
	c, lerr := page(refusal{Err: pe, Failed: form, Posted: r.PostForm}, status)
	if lerr != nil {
		w.renderProblem(rw, r, p, lerr)
		return
	}
	w.render(rw, r, status, c)
}

func (w *Web) loginForm(rw http.ResponseWriter, r *http.Request) {
	if w.principal(r) != nil {
		http.Redirect(rw, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	w.render(rw, r, http.StatusOK, loginPage("", safeNext(r.URL.Query().Get("next")), ""))
}

func (w *Web) login(rw http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(rw, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		w.render(rw, r, http.StatusBadRequest, loginPage("", "/", "The form could not be read."))
		return
	}
	email, next := strings.TrimSpace(r.PostForm.Get("email")), safeNext(r.PostForm.Get("next"))
	p, err := w.Auth.Authenticate(r.Context(), email, r.PostForm.Get("password"), api.RemoteAddr(r))
	if err != nil {
		status, msg := http.StatusUnauthorized, "Wrong e-mail or password."
		switch fault.CodeOf(err) {
		case fault.RateLimited:
			status, msg = http.StatusTooManyRequests, "Too many failed attempts. Wait a few minutes and try again."
		case fault.Unauthorized:
		default:
			w.Logger.ErrorContext(r.Context(), "sign-in", "err", err)
			status, msg = http.StatusInternalServerError, "Sign-in is not working right now. Try again shortly."
		}
		w.render(rw, r, status, loginPage(email, next, msg))
		return
	}
	// A new token on sign-in prevents session fixation.
	if err := w.Sessions.RenewToken(r.Context()); err != nil {
		http.Error(rw, "internal error", http.StatusInternalServerError)
		return
	}
	w.Sessions.Put(r.Context(), SessionUserKey, p.UserID)
	http.Redirect(rw, r, next, http.StatusSeeOther)
}

func (w *Web) logout(rw http.ResponseWriter, r *http.Request) {
	_ = w.Sessions.Destroy(r.Context())
	http.Redirect(rw, r, "/login", http.StatusSeeOther)
}

func (w *Web) home(rw http.ResponseWriter, r *http.Request) {
	p := w.principal(r)
	if p == nil {
		http.Redirect(rw, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	var rows []providerRow
	if p.IsStaff() {
		list, _, err := w.Providers.List(r.Context(), "", 200)
		if err != nil {
			w.Logger.ErrorContext(r.Context(), "list providers", "err", err)
		}
		for _, pr := range list {
			status := "active"
			if !pr.Active {
				status = "inactive"
			}
			rows = append(rows, providerRow{Code: pr.Code, Name: pr.Name, Status: status})
		}
	}
	w.render(rw, r, http.StatusOK, homePage(p, rows))
}

func (w *Web) apiReference(rw http.ResponseWriter, r *http.Request) {
	w.render(rw, r, http.StatusOK, apiRefPage(w.principal(r), buildAPIRef(w.OpenAPI)))
}

type providerRow struct{ Code, Name, Status string }

func displayName(p *auth.Principal) string {
	if p.Name != "" {
		return p.Name
	}
	return p.Email
}

func rolesText(p *auth.Principal) string {
	s := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// safeNext keeps redirects on this site: only absolute paths, never
// "//host" or a scheme, so the login form cannot be used as an open redirect.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) {
		return "/"
	}
	return next
}
