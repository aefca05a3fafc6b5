package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/fieldhub/fieldhub/internal/auth"
	"github.com/fieldhub/fieldhub/internal/depot"
)

// depotRead are the staff who read the depot board, as the API has it:
// the depot's own technicians and the staff who read work orders.
var depotRead = depot.ReadRoles

// boardView is the depot board as the page shows it.
type boardView struct {
	P     *auth.Principal
	B     *depot.Board
	At    string
	Avg   string
	Max   string
	Empty bool
}

func (w *Web) depotBoard(rw http.ResponseWriter, r *http.Request) {
	p := w.staffWith(rw, r, r.URL.RequestURI(), "get-depot-board", depotRead)
	if p == nil {
		return
	}
	b, err := w.Depot.Board(r.Context(), depot.Filter{})
	if err != nil {
		w.renderProblem(rw, r, p, err)
		return
	}
	v := boardView{P: p, B: b, At: fmtTime(b.At, time.UTC), Empty: b.Total == 0}
	if b.DoorToDoor.Count > 0 {
		v.Avg, v.Max = span(b.DoorToDoor.AverageSeconds), span(b.DoorToDoor.MaxSeconds)
	}
	w.render(rw, r, http.StatusOK, depotPage(v))
}

// span is a length of time in the two largest units that matter, e.g.
// "3 d 4 h" or "25 min": enough to see which ticket waits longest.
func span(seconds int64) string {
	d := time.Duration(max(seconds, 0)) * time.Second
	days, hours, mins := int64(d/(24*time.Hour)), int64(d%(24*time.Hour)/time.Hour), int64(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%d d %d h", days, hours)
	case hours > 0:
		return fmt.Sprintf("%d h %d min", hours, mins)
	}
	return fmt.Sprintf("%d min", mins)
}

// doorToDoor is a card's received → ready time, once it is ready.
func doorToDoor(c depot.BoardCard) string {
	if c.DoorToDoorSeconds == nil {
		return ""
	}
	return span(*c.DoorToDoorSeconds)
}
