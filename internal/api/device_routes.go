package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/device"
	"github.com/fieldhub/fieldhub/internal/fault"
)

// devAccess resolves the caller for a device or loaner operation. Devices
// are staff-only: providers and contractors are told a device does not
// exist (on routes with an id) or may not list them.
func (a *API) devAccess(ctx context.Context, id, action string, roles []auth.Role) (device.Caller, error) {
	p, err := caller(ctx)
	if err != nil {
		return device.Caller{}, err
	}
	c := device.Caller{Actor: actor(p)}
	switch {
	case p.IsStaff() && p.HasRole(roles...):
		return c, nil
	case !p.IsStaff() && id != "":
		return c, fault.Errorf(fault.NotFound, "no device %q", id)
	}
	return c, a.deny(ctx, p, action)
}

// DeviceRecord is a device as the API shows it; its own name keeps its
// schema apart from the work order's Device.
type DeviceRecord device.Device

// DeviceEdit is the body of a device PATCH; its own name keeps its schema
// apart from the work order's Edit.
type DeviceEdit device.Edit

func devRecord(d *device.Device) *DeviceRecord { return (*DeviceRecord)(d) }

func devList(items []*device.Device, next string) *listOutput[*DeviceRecord] {
	return list(mapList(items, devRecord), next)
}

type devOutput struct {
	Status int    `json:"-"`
	ETag   string `header:"ETag"`
	Body   *DeviceRecord
}

func devOut(d *device.Device) *devOutput {
	return &devOutput{Status: http.StatusOK, ETag: ETag(d.Version), Body: devRecord(d)}
}

type devIDInput struct {
	ID string `path:"id" doc:"Device id"`
}

type devListInput struct {
	Serial string   `query:"serial" maxLength:"100" doc:"The lookup by serial (exact, any case)"`
	Model  string   `query:"model" maxLength:"100"`
	Status []string `query:"status" doc:"One or more statuses, comma-separated"`
	Owner  string   `query:"owner" maxLength:"200" doc:"company, or a customer's name"`
	Loaner string   `query:"loaner" enum:"true,false" doc:"Only loaners (true) or only other devices (false)"`
	Region string   `query:"region" maxLength:"20"`
	Cursor string   `query:"cursor"`
	Limit  int      `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

func (in *devListInput) filter() (device.Filter, error) {
	f := device.Filter{Serial: in.Serial, Model: in.Model, Owner: in.Owner, Region: in.Region, Cursor: in.Cursor, Limit: in.Limit}
	statuses, err := statusQuery(in.Status, device.Status.Valid)
	f.Statuses = statuses
	if in.Loaner != "" {
		v := in.Loaner == "true"
		f.Loaner = &v
	}
	return f, err
}

// statusQuery reads a ?status= list, repeated or comma-separated, of the
// statuses valid accepts; any other is a 422 naming it.
func statusQuery[S ~string](in []string, valid func(S) bool) ([]S, error) {
	var (
		out []S
		bad fault.Fields
	)
	for _, s := range in {
		for part := range strings.SplitSeq(s, ",") {
			st := S(strings.TrimSpace(part))
			if !valid(st) {
				bad.Add("query.status", "unknown status "+string(st))
				continue
			}
			out = append(out, st)
		}
	}
	return out, bad.Err()
}

func (a *API) deviceRoutes() {
	tags := []string{"Devices"}
	register(a, huma.Operation{
		OperationID: "create-device", Method: http.MethodPost, Path: "/v1/devices", Tags: tags,
		Summary: "Register a device", Description: "A serial already registered for the same manufacturer and model is 409.",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *struct{ Body device.NewDevice }) (*devOutput, error) {
		c, err := a.devAccess(ctx, "", "create-device", device.WriteRoles)
		if err != nil {
			return nil, err
		}
		d, err := a.Devices.Create(ctx, c, in.Body)
		if err != nil {
			return nil, err
		}
		out := devOut(d)
		out.Status = http.StatusCreated
		return out, nil
	})

	register(a, huma.Operation{
		OperationID: "list-devices", Method: http.MethodGet, Path: "/v1/devices", Tags: tags,
		Summary: "Find devices", Description: "Newest first. `?serial=GMP-88123` is the lookup by serial.",
	}, func(ctx context.Context, in *devListInput) (*listOutput[*DeviceRecord], error) {
		c, err := a.devAccess(ctx, "", "list-devices", device.ReadRoles)
		if err != nil {
			return nil, err
		}
		f, err := in.filter()
		if err != nil {
			return nil, err
		}
		items, next, err := a.Devices.List(ctx, c, f)
		if err != nil {
			return nil, err
		}
		return devList(items, next), nil
	})

	register(a, huma.Operation{
		OperationID: "get-device", Method: http.MethodGet, Path: "/v1/devices/{id}", Tags: tags, Summary: "Get a device",
	}, func(ctx context.Context, in *devIDInput) (*devOutput, error) {
		c, err := a.devAccess(ctx, in.ID, "get-device", device.ReadRoles)
		if err != nil {
			return nil, err
		}
		d, err := a.Devices.Get(ctx, c, in.ID)
		if err != nil {
			return nil, err
		}
		return devOut(d), nil
	})

	register(a, huma.Operation{
		OperationID: "update-device", Method: http.MethodPatch, Path: "/v1/devices/{id}", Tags: tags,
		Summary: "Change a device's details",
		Description: "Owner, location, parent, flags, region and configuration attributes; fields left out stay. " +
			"Configuration and ownership changes go on the history with before and after. Send If-Match with the ETag from a read.",
	}, func(ctx context.Context, in *struct {
		ID      string `path:"id"`
		IfMatch string `header:"If-Match"`
		Body    DeviceEdit
	}) (*devOutput, error) {
		c, err := a.devAccess(ctx, in.ID, "update-device", device.WriteRoles)
		if err != nil {
			return nil, err
		}
		d, err := a.Devices.Patch(ctx, c, in.ID, device.Edit(in.Body), IfMatch(in.IfMatch))
		if err != nil {
			return nil, err
		}
		return devOut(d), nil
	})

	register(a, huma.Operation{
		OperationID: "set-device-status", Method: http.MethodPost, Path: "/v1/devices/{id}/status", Tags: tags,
		Summary:     "Move a device to another status",
		Description: "A validated transition: an illegal one is 409 whose `allowed` lists where the device may go.",
	}, func(ctx context.Context, in *struct {
		ID      string `path:"id"`
		IfMatch string `header:"If-Match"`
		Body    struct {
			To   device.Status `json:"to" enum:"pending_prep,active_at_customer,in_transit_to_depot,in_depot,refurb_ready,available_for_resale,assigned_loaner,returned_available,retired"`
			Note string        `json:"note,omitempty" maxLength:"2000"`
		}
	}) (*devOutput, error) {
		c, err := a.devAccess(ctx, in.ID, "set-device-status", device.WriteRoles)
		if err != nil {
			return nil, err
		}
		d, err := a.Devices.SetStatus(ctx, c, in.ID, in.Body.To, in.Body.Note, IfMatch(in.IfMatch))
		if err != nil {
			return nil, err
		}
		return devOut(d), nil
	})

	register(a, huma.Operation{
		OperationID: "get-device-history", Method: http.MethodGet, Path: "/v1/devices/{id}/history", Tags: tags,
		Summary: "A device's history", Description: "Oldest first: intake, custody scans, depot stages, parts, changes, loans.",
	}, func(ctx context.Context, in *struct {
		ID     string `path:"id"`
		Cursor string `query:"cursor"`
		Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
	}) (*listOutput[device.HistoryEntry], error) {
		c, err := a.devAccess(ctx, in.ID, "get-device-history", device.ReadRoles)
		if err != nil {
			return nil, err
		}
		items, next, err := a.Devices.History(ctx, c, in.ID, device.HistoryFilter{Cursor: in.Cursor, Limit: in.Limit})
		if err != nil {
			return nil, err
		}
		return list(items, next), nil
	})

	register(a, huma.Operation{
		OperationID: "list-device-components", Method: http.MethodGet, Path: "/v1/devices/{id}/components", Tags: tags,
		Summary: "A device's components", Description: "The devices whose parent it is (a laser's handpieces).",
	}, func(ctx context.Context, in *devIDInput) (*listOutput[*DeviceRecord], error) {
		c, err := a.devAccess(ctx, in.ID, "list-device-components", device.ReadRoles)
		if err != nil {
			return nil, err
		}
		items, err := a.Devices.Components(ctx, c, in.ID)
		if err != nil {
			return nil, err
		}
		return devList(items, ""), nil
	})
	a.deviceLotRoutes(tags)
	a.loanerRoutes()
}
