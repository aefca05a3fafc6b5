package jirafake

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /rest/api/3/issue", s.createIssue)
	s.mux.HandleFunc("GET /rest/api/3/issue/{key}", s.getIssue)
	s.mux.HandleFunc("GET /rest/api/3/issue/{key}/transitions", s.getTransitions)
	s.mux.HandleFunc("POST /rest/api/3/issue/{key}/transitions", s.doTransition)
	s.mux.HandleFunc("POST /rest/api/3/issue/{key}/comment", s.addCommentAPI)
	s.mux.HandleFunc("GET /rest/api/3/search/jql", s.search)
	s.mux.HandleFunc("GET /rest/api/3/search", s.search)
	s.mux.HandleFunc("GET /rest/api/3/myself", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"accountId": s.api.AccountID, "displayName": s.api.DisplayName,
			"emailAddress": s.cfg.Email, "active": true})
	})
}

// ServeHTTP checks basic auth, plays any canned failure, then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	email, token, ok := r.BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(email), []byte(s.cfg.Email)) != 1 ||
		subtle.ConstantTimeCompare([]byte(token), []byte(s.cfg.Token)) != 1 {
		writeErrors(w, http.StatusUnauthorized, nil, "Client must be authenticated to access this resource.")
		return
	}
	_, pattern := s.mux.Handler(r)
	s.mu.Lock()
	if pattern != "" {
		s.calls[pattern]++
	}
	var f *failure
	if len(s.failures) > 0 {
		f = &s.failures[0]
		s.failures = s.failures[1:]
	}
	s.mu.Unlock()
	if f != nil {
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		msg := http.StatusText(f.status)
		if f.status == http.StatusTooManyRequests {
			msg = "Rate limit exceeded."
		}
		writeErrors(w, f.status, nil, msg)
		return
	}
	if pattern == "" {
		writeErrors(w, http.StatusNotFound, nil, "No resource found for "+r.URL.Path)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// createRequest is the body of POST /rest/api/3/issue.
type createRequest struct {
	Fields struct {
		Project struct {
			Key string `json:"key"`
			ID  string `json:"id"`
		} `json:"project"`
		IssueType struct {
			Name string `json:"name"`
			ID   string `json:"id"`
		} `json:"issuetype"`
		Summary     string          `json:"summary"`
		Description json.RawMessage `json:"description"`
		Labels      []string        `json:"labels"`
	} `json:"fields"`
}

func (s *Server) createIssue(w http.ResponseWriter, r *http.Request) {
	var in createRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		writeErrors(w, http.StatusBadRequest, nil, "Invalid request payload. Refer to the REST API documentation and try again.")
		return
	}
	f := in.Fields
	errs := map[string]string{}
	if !slices.Contains(s.cfg.Projects, f.Project.Key) {
		errs["project"] = "Specify a valid project ID or key"
	}
	if !slices.Contains(s.cfg.IssueTypes, f.IssueType.Name) {
		errs["issuetype"] = "Specify an issue type"
	}
	switch {
	case strings.TrimSpace(f.Summary) == "":
		errs["summary"] = "You must specify a summary of the issue."
	case len([]rune(f.Summary)) > 255:
		errs["summary"] = "Summary must be less than 255 characters."
	case strings.ContainsAny(f.Summary, "\r\n"):
		errs["summary"] = "The summary is invalid because it contains newline characters."
	}
	if len(f.Description) > 0 && string(f.Description) != "null" && !isADF(f.Description) {
		errs["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
	}
	for _, l := range f.Labels {
		if l == "" || strings.ContainsAny(l, " \t\n") || len(l) > 255 {
			errs["labels"] = "The label '" + l + "' contains spaces which is invalid."
		}
	}
	if len(errs) > 0 {
		writeErrors(w, http.StatusBadRequest, errs)
		return
	}
	s.mu.Lock()
	s.nextID++
	s.keyNum[f.Project.Key]++
	is := &Issue{ID: strconv.Itoa(s.nextID), Key: fmt.Sprintf("%s-%d", f.Project.Key, s.keyNum[f.Project.Key]),
		Project: f.Project.Key, Type: f.IssueType.Name, Summary: f.Summary, Status: s.cfg.Statuses[0],
		Labels: append([]string(nil), f.Labels...), Description: f.Description}
	s.issues[is.Key] = is
	s.order = append(s.order, is.Key)
	self := s.base + "/rest/api/3/issue/" + is.ID
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]string{"id": is.ID, "key": is.Key, "self": self})
}

// isADF reports whether raw is an ADF document root.
func isADF(raw json.RawMessage) bool {
	var doc struct {
		Type    string            `json:"type"`
		Version int               `json:"version"`
		Content []json.RawMessage `json:"content"`
	}
	return json.Unmarshal(raw, &doc) == nil && doc.Type == "doc" && doc.Version == 1 && doc.Content != nil
}

// lookup returns the issue named by the path, or answers 404 as Jira does.
// The caller holds s.mu.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) *Issue {
	key := r.PathValue("key")
	if is, ok := s.issues[key]; ok {
		return is
	}
	for _, is := range s.issues {
		if is.ID == key {
			return is
		}
	}
	writeErrors(w, http.StatusNotFound, nil, "Issue does not exist or you do not have permission to see it.")
	return nil
}

func (s *Server) getIssue(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.lookup(w, r)
	if is == nil {
		return
	}
	out := s.issueJSON(is)
	if slices.Contains(strings.Split(r.URL.Query().Get("expand"), ","), "transitions") {
		out["transitions"] = s.transitions(is)
	}
	writeJSON(w, http.StatusOK, out)
}

// issueJSON is an issue as the REST API shows it. The caller holds s.mu.
func (s *Server) issueJSON(is *Issue) map[string]any {
	return map[string]any{
		"id": is.ID, "key": is.Key, "self": s.base + "/rest/api/3/issue/" + is.ID,
		"fields": map[string]any{
			"summary":     is.Summary,
			"status":      s.statusJSON(is.Status),
			"labels":      is.Labels,
			"issuetype":   map[string]any{"name": is.Type},
			"project":     map[string]any{"key": is.Project},
			"description": is.Description,
		},
	}
}

func (s *Server) statusJSON(name string) map[string]any {
	return map[string]any{"self": s.base + "/rest/api/3/status/" + s.statusID(name), "id": s.statusID(name), "name": name}
}

// transitions lists the workflow's moves out of the issue's status: every
// other status, through a transition named differently from its target.
func (s *Server) transitions(is *Issue) []map[string]any {
	var out []map[string]any
	for i, st := range s.cfg.Statuses {
		if st == is.Status {
			continue
		}
		out = append(out, map[string]any{"id": strconv.Itoa(11 + i*10), "name": "Move to " + st,
			"to": s.statusJSON(st), "hasScreen": false, "isGlobal": true, "isInitial": false,
			"isAvailable": true, "isConditional": false, "isLooped": false})
	}
	return out
}

func (s *Server) getTransitions(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.lookup(w, r); is != nil {
		writeJSON(w, http.StatusOK, map[string]any{"expand": "transitions", "transitions": s.transitions(is)})
	}
}

func (s *Server) doTransition(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Transition struct {
			ID string `json:"id"`
		} `json:"transition"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		writeErrors(w, http.StatusBadRequest, nil, "Invalid request payload. Refer to the REST API documentation and try again.")
		return
	}
	s.mu.Lock()
	is := s.lookup(w, r)
	if is == nil {
		s.mu.Unlock()
		return
	}
	to := ""
	for _, t := range s.transitions(is) {
		if t["id"] == in.Transition.ID {
			to = t["to"].(map[string]any)["name"].(string)
		}
	}
	if to == "" {
		s.mu.Unlock()
		writeErrors(w, http.StatusBadRequest, nil, "Transition id '"+in.Transition.ID+"' is not valid for this issue.")
		return
	}
	from := is.Status
	is.Status = to
	body := s.issueUpdated(is, from, s.api)
	s.deliverAsync(body)
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) addCommentAPI(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Body json.RawMessage `json:"body"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		writeErrors(w, http.StatusBadRequest, nil, "Invalid request payload. Refer to the REST API documentation and try again.")
		return
	}
	if !isADF(in.Body) {
		writeErrors(w, http.StatusBadRequest, map[string]string{"comment": "Comment body can not be empty!"})
		return
	}
	s.mu.Lock()
	is := s.lookup(w, r)
	if is == nil {
		s.mu.Unlock()
		return
	}
	c := s.addComment(is, s.api, in.Body, adfText(in.Body))
	body := s.commentCreated(is, c)
	out := map[string]any{"id": c.ID, "self": s.base + "/rest/api/3/issue/" + is.ID + "/comment/" + c.ID,
		"author": c.Author, "updateAuthor": c.Author, "body": c.Body, "created": jiraTime(time.Now()),
		"updated": jiraTime(time.Now()), "jsdPublic": true}
	s.deliverAsync(body)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

// addComment records a comment. The caller holds s.mu.
func (s *Server) addComment(is *Issue, by User, body json.RawMessage, text string) Comment {
	s.nextID++
	c := Comment{ID: strconv.Itoa(s.nextID), Author: by, Body: body, Text: text}
	is.Comments = append(is.Comments, c)
	return c
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	conds, err := parseJQL(q.Get("jql"))
	if err != nil {
		writeErrors(w, http.StatusBadRequest, nil, "Error in the JQL Query: "+err.Error())
		return
	}
	limit, _ := strconv.Atoi(q.Get("maxResults"))
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	s.mu.Lock()
	issues := []map[string]any{}
	total := 0
	for _, k := range s.order {
		if is := s.issues[k]; conds.match(is) {
			total++
			if len(issues) < limit {
				issues = append(issues, s.issueJSON(is))
			}
		}
	}
	s.mu.Unlock()
	if r.URL.Path == "/rest/api/3/search" {
		writeJSON(w, http.StatusOK, map[string]any{"startAt": 0, "maxResults": limit, "total": total, "issues": issues})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"issues": issues, "isLast": total <= limit})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeErrors answers in Jira's error shape.
func writeErrors(w http.ResponseWriter, status int, fields map[string]string, messages ...string) {
	if fields == nil {
		fields = map[string]string{}
	}
	if messages == nil {
		messages = []string{}
	}
	writeJSON(w, status, map[string]any{"errorMessages": messages, "errors": fields})
}

// jiraTime formats t the way Jira's JSON does.
func jiraTime(t time.Time) string { return t.Format("2006-01-02T15:04:05.000-0700") }
