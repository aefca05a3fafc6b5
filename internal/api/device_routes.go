package api

// deviceRoutes registers the device operations.
func (a *API) deviceRoutes() {}
