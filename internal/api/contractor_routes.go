package api

// contractorRoutes registers the contractor operations.
func (a *API) contractorRoutes() {}
