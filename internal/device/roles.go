package device

import "github.com/fieldhub/fieldhub/internal/auth"

// Which staff roles may read and change devices and loaners (admins pass
// every check). Providers and contractors see no devices.
var (
	ReadRoles  = []auth.Role{auth.RoleViewer, auth.RoleCSR, auth.RoleOps, auth.RoleDepot, auth.RoleFinance}
	WriteRoles = []auth.Role{auth.RoleDepot, auth.RoleOps, auth.RoleCSR}
)
