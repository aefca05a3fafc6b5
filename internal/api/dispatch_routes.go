package api

// dispatchRoutes registers the dispatch operations.
func (a *API) dispatchRoutes() {}
