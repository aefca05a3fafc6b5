package depot

import "github.com/fieldhub/fieldhub/internal/auth"

// Which staff roles may read the depot (tickets, the board, templates) and
// work its tickets (admins pass every check), for the API and the console
// alike. Providers and contractors see no depot.
var (
	ReadRoles = []auth.Role{auth.RoleDepot, auth.RoleOps, auth.RoleCSR, auth.RoleViewer, auth.RoleFinance}
	WorkRoles = []auth.Role{auth.RoleDepot}
)
