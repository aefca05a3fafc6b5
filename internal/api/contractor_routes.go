package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/contractor"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// Who may do what with contractors: ops manage them (admin passes every
// role check); every staff role that reads work reads them.
var (
	ctRead   = []auth.Role{auth.RoleViewer, auth.RoleCSR, auth.RoleOps}
	ctManage = []auth.Role{auth.RoleOps}
)

type ctOutput struct {
	ETag string `header:"ETag"`
	Body *contractor.Contractor
}

func ctOut(c *contractor.Contractor) *ctOutput { return &ctOutput{ETag: ETag(c.Version), Body: c} }

// ctStaff resolves a staff caller for an operation on a contractor. A
// contractor calling any /v1/contractors/{id} route is told it does not
// exist, even for their own id (they use /v1/contractor/me); on lists they
// are refused.
func (a *API) ctStaff(ctx context.Context, id, action string, roles []auth.Role) (*auth.Principal, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if id != "" && !p.IsStaff() {
		return nil, fault.Errorf(fault.NotFound, "no contractor %q", id)
	}
	return a.staff(ctx, action, roles...)
}

// NewContractor is a profile and, optionally, the contractor's sign-in.
type NewContractor struct {
	contractor.Profile
	Account *struct {
		Email string `json:"email" maxLength:"254" doc:"The contractor signs in with this address"`
	} `json:"account,omitempty" doc:"Create the contractor's own sign-in; its password is in the response once"`
}

// CreatedContractor is a new profile and, when an account was asked for,
// the sign-in details: the only time the password is shown.
type CreatedContractor struct {
	*contractor.Contractor
	Account *ContractorAccount `json:"account,omitempty"`
}

// ContractorAccount is a contractor's new sign-in.
type ContractorAccount struct {
	UserID   string `json:"user_id"`
	Email    string `json:"email"`
	Password string `json:"password" doc:"Shown only in this response; hand it to the contractor now"`
}

type ctCreateOutput struct {
	CacheControl string `header:"Cache-Control"`
	ETag         string `header:"ETag"`
	Body         CreatedContractor
}

type ctListInput struct {
	Status  string  `query:"status" enum:"applicant,active,suspended"`
	Trade   string  `query:"trade" maxLength:"100"`
	Skill   string  `query:"skill" maxLength:"100"`
	Pool    string  `query:"pool" maxLength:"100"`
	NearZIP string  `query:"near_zip" maxLength:"10" doc:"Contractors whose home is within radius miles of this ZIP"`
	Radius  float64 `query:"radius" minimum:"0" maximum:"500" doc:"Miles around near_zip; 50 when left out"`
	Cursor  string  `query:"cursor"`
	Limit   int     `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

type ctHoldInput struct {
	ID   string `path:"id"`
	Body contractor.NewHold
}

type ctHoldOutput struct {
	Body struct {
		Hold       contractor.HoldPeriod  `json:"hold"`
		Contractor *contractor.Contractor `json:"contractor"`
	}
}

func (a *API) contractorRoutes() {
	tags := []string{"Contractors"}
	register(a, huma.Operation{
		OperationID: "create-contractor", Method: http.MethodPost, Path: "/v1/contractors", Tags: tags,
		Summary: "Add a contractor", DefaultStatus: http.StatusCreated,
		Description: "Ops. The contractor starts as an applicant; activate them to let them work. With `account`, their " +
			"sign-in is created too and its password is in this response only.",
	}, func(ctx context.Context, in *struct{ Body NewContractor }) (*ctCreateOutput, error) {
		p, err := a.ctStaff(ctx, "", "create-contractor", ctManage)
		if err != nil {
			return nil, err
		}
		return a.createContractor(ctx, p, in.Body)
	})

	register(a, huma.Operation{
		OperationID: "list-contractors", Method: http.MethodGet, Path: "/v1/contractors", Tags: tags,
		Summary: "Find contractors", Description: "Staff. Oldest first, a page at a time.",
	}, func(ctx context.Context, in *ctListInput) (*listOutput[*contractor.Contractor], error) {
		if _, err := a.ctStaff(ctx, "", "list-contractors", ctRead); err != nil {
			return nil, err
		}
		items, next, err := a.Contractors.List(ctx, contractor.Filter{Status: contractor.Status(in.Status), Trade: in.Trade,
			Skill: in.Skill, Pool: in.Pool, NearZIP: in.NearZIP, RadiusMiles: in.Radius, Cursor: in.Cursor, Limit: in.Limit})
		if err != nil {
			return nil, err
		}
		return list(items, next), nil
	})

	register(a, huma.Operation{
		OperationID: "get-contractor", Method: http.MethodGet, Path: "/v1/contractors/{id}", Tags: tags,
		Summary: "Get a contractor", Description: "Staff. The ETag is the version for If-Match.",
	}, func(ctx context.Context, in *struct {
		ID string `path:"id"`
	}) (*ctOutput, error) {
		if _, err := a.ctStaff(ctx, in.ID, "get-contractor", ctRead); err != nil {
			return nil, err
		}
		c, err := a.Contractors.Get(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return ctOut(c), nil
	})

	register(a, huma.Operation{
		OperationID: "update-contractor", Method: http.MethodPatch, Path: "/v1/contractors/{id}", Tags: tags,
		Summary:     "Change a contractor's profile",
		Description: "Ops. Fields left out stay. Status and holds change through their own operations. Send If-Match.",
	}, func(ctx context.Context, in *struct {
		ID      string `path:"id"`
		IfMatch string `header:"If-Match"`
		Body    contractor.ProfileEdit
	}) (*ctOutput, error) {
		p, err := a.ctStaff(ctx, in.ID, "update-contractor", ctManage)
		if err != nil {
			return nil, err
		}
		c, err := a.Contractors.Patch(ctx, actor(p), in.ID, in.Body, IfMatch(in.IfMatch))
		if err != nil {
			return nil, err
		}
		return ctOut(c), nil
	})

	a.contractorMoves(tags)
	a.contractorHolds(tags)
	a.contractorSelf()
}
