package workorder

import "github.com/fieldhub/fieldhub/internal/auth"

// Which staff roles may read, change and close work orders (admins pass
// every check). The API and the console both use these, so a page never
// offers what the API would refuse.
var (
	ReadRoles  = []auth.Role{auth.RoleViewer, auth.RoleCSR, auth.RoleOps, auth.RoleDepot, auth.RoleFinance}
	WriteRoles = []auth.Role{auth.RoleCSR, auth.RoleOps}
	CloseRoles = []auth.Role{auth.RoleCSR, auth.RoleOps, auth.RoleFinance}
)
