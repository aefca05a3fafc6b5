package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/fieldhub/fieldhub/internal/device"
)

type lotOutput struct {
	Status int `json:"-"`
	Body   struct {
		Items   []*DeviceRecord `json:"items"`
		Created int             `json:"created" doc:"How many devices the lot added"`
	}
}

func (a *API) deviceLotRoutes(tags []string) {
	register(a, huma.Operation{
		OperationID: "register-device-lot", Method: http.MethodPost, Path: "/v1/devices/lots", Tags: tags,
		Summary: "Register a trade-in lot",
		Description: "Creates or updates every device of the lot at once, idempotently: the same lot again changes nothing and " +
			"answers the same devices (200; 201 when any device is new). One bad row is 422 naming it " +
			"(`body.devices[3].serial`) and nothing is written.",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *struct{ Body device.Lot }) (*lotOutput, error) {
		c, err := a.devAccess(ctx, "", "register-device-lot", device.WriteRoles)
		if err != nil {
			return nil, err
		}
		items, created, err := a.Devices.RegisterLot(ctx, c, in.Body)
		if err != nil {
			return nil, err
		}
		out := &lotOutput{Status: http.StatusOK}
		if created > 0 {
			out.Status = http.StatusCreated
		}
		out.Body.Items, out.Body.Created = mapList(items, devRecord), created
		return out, nil
	})
}
