package api

import (
	"context"
	"errors"
	"github.com/fieldhub/fieldhub/internal/db"
	"net/http"
	"net/mail"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// createContractor adds the profile and, when asked, the contractor's
// sign-in linked to it. Everything is checked before anything is written,
// so bad input or a taken e-mail changes nothing.
func (a *API) createContractor(ctx context.Context, p *auth.Principal, in NewContractor) (*ctCreateOutput, error) {
	prof := in.Profile
	prof.Normalize()
	var bad fault.Fields
	if _, err := prof.Validate(); err != nil {
		var fe *fault.Error
		if !errors.As(err, &fe) {
			return nil, err
		}
		for _, f := range fe.Fields {
			bad.Add(f.Field, f.Reason)
		}
	}
	var email string
	if in.Account != nil {
		email = auth.NormalizeEmail(in.Account.Email)
		addr, err := mail.ParseAddress(email)
		bad.Check(err == nil && addr.Address == email, "account.email", "is not an e-mail address")
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	if email != "" {
		if _, err := a.Auth.UserByEmail(ctx, email); err == nil {
			return nil, &fault.Error{Code: fault.Conflict, Message: "a user with this e-mail exists",
				Fields: []fault.FieldError{{Field: "account.email", Reason: "is taken"}}}
		} else if !fault.Is(err, fault.NotFound) {
			return nil, err
		}
	}
	if email == "" {
		c, err := a.Contractors.Create(ctx, actor(p), prof)
		if err != nil {
			return nil, err
		}
		return &ctCreateOutput{ETag: ETag(c.Version), Body: CreatedContractor{Contractor: c}}, nil
	}
	// The profile and its sign-in commit together: an account that cannot
	// be made leaves no profile behind for a retry to duplicate.
	pw := auth.GeneratePassword()
	pu, err := a.Auth.PrepareUser(ctx, auth.NewUser{Kind: auth.KindContractor, Email: email, Name: strings.TrimSpace(prof.Name), Password: pw})
	if err != nil {
		return nil, err
	}
	var u auth.User
	c, err := a.Contractors.CreateWith(ctx, actor(p), prof, func(tx *db.Tx, c *contractor.Contractor) error {
		u, err = a.Auth.CreateUserTx(ctx, tx, pu.WithSubject(c.ID), p)
		if fault.Is(err, fault.Conflict) {
			return &fault.Error{Code: fault.Conflict, Message: "a user with this e-mail exists",
				Fields: []fault.FieldError{{Field: "account.email", Reason: "is taken"}}}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ctCreateOutput{ETag: ETag(c.Version), CacheControl: NoStore, Body: CreatedContractor{Contractor: c}}
	out.Body.Account = &ContractorAccount{UserID: u.ID, Email: u.Email, Password: pw}
	return out, nil
}

// contractorMoves registers the status actions.
func (a *API) contractorMoves(tags []string) {
	for _, mv := range []struct {
		id, path, summary, desc string
		fn                      func(context.Context, event.Actor, string, string) (*contractor.Contractor, error)
	}{
		{"activate-contractor", "/v1/contractors/{id}/activate", "Let a contractor work",
			"Ops. From applicant or suspended to active.", a.Contractors.Activate},
		{"suspend-contractor", "/v1/contractors/{id}/suspend", "Suspend a contractor",
			"Ops. From active to suspended: no new offers or bids until activated again.", a.Contractors.Suspend},
	} {
		register(a, huma.Operation{OperationID: mv.id, Method: http.MethodPost, Path: mv.path, Tags: tags,
			Summary: mv.summary, Description: mv.desc + " An illegal move is 409 listing the allowed ones."},
			func(ctx context.Context, in *struct {
				ID   string `path:"id"`
				Body *struct {
					Note string `json:"note,omitempty" maxLength:"500" doc:"Why, for the record"`
				}
			}) (*ctOutput, error) {
				p, err := a.ctStaff(ctx, in.ID, mv.id, ctManage)
				if err != nil {
					return nil, err
				}
				note := ""
				if in.Body != nil {
					note = in.Body.Note
				}
				c, err := mv.fn(ctx, actor(p), in.ID, note)
				if err != nil {
					return nil, err
				}
				return ctOut(c), nil
			})
	}
}

// contractorHolds registers the staff's hold operations.
func (a *API) contractorHolds(tags []string) {
	register(a, huma.Operation{
		OperationID: "add-contractor-hold", Method: http.MethodPost, Path: "/v1/contractors/{id}/holds", Tags: tags,
		Summary: "Put a contractor on hold", DefaultStatus: http.StatusCreated,
		Description: "Ops. No new offers from `from` to `to`; jobs they already have in that span are flagged.",
	}, func(ctx context.Context, in *ctHoldInput) (*ctHoldOutput, error) {
		p, err := a.ctStaff(ctx, in.ID, "add-contractor-hold", ctManage)
		if err != nil {
			return nil, err
		}
		return a.addHold(ctx, p, in.ID, in.Body)
	})

	register(a, huma.Operation{
		OperationID: "remove-contractor-hold", Method: http.MethodDelete, Path: "/v1/contractors/{id}/holds/{hold_id}", Tags: tags,
		Summary: "End a contractor's hold", Description: "Ops.",
	}, func(ctx context.Context, in *struct {
		ID     string `path:"id"`
		HoldID string `path:"hold_id"`
	}) (*ctOutput, error) {
		p, err := a.ctStaff(ctx, in.ID, "remove-contractor-hold", ctManage)
		if err != nil {
			return nil, err
		}
		c, err := a.Contractors.RemoveHold(ctx, actor(p), in.ID, in.HoldID)
		if err != nil {
			return nil, err
		}
		return ctOut(c), nil
	})
}

func (a *API) addHold(ctx context.Context, p *auth.Principal, id string, h contractor.NewHold) (*ctHoldOutput, error) {
	c, hold, err := a.Contractors.AddHold(ctx, actor(p), id, h)
	if err != nil {
		return nil, err
	}
	out := &ctHoldOutput{}
	out.Body.Hold, out.Body.Contractor = hold, c
	return out, nil
}
