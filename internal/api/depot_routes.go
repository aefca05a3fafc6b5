package api

// depotRoutes registers the depot operations.
func (a *API) depotRoutes() {}
