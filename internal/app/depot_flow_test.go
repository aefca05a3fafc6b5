package app_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldhub/fieldhub/internal/db/dbtest"
)

// TestDepotTradeInLot follows a trade-in lot of five units through the
// API: the lot is registered, each unit is received on its own ticket (one
// with an incomplete package, which holds the work order until the cap
// arrives), goes through refurb — one failing QA once — and ends available
// for resale, with every step in the device's history in order, with actors.
func TestDepotTradeInLot(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			w := startDepot(t, e, nil)
			woID := w.workOrder(t, "TI-1001", "trade_in")
			lot := serials(5)
			units := make([]map[string]any, len(lot))
			for i, s := range lot {
				units[i] = map[string]any{"serial": s, "model": "GentleMax Pro", "manufacturer": "Candela"}
			}
			want(t, w.admin.do("POST", "/v1/devices/lots", map[string]any{"work_order_id": woID,
				"owner": map[string]any{"kind": "company"}, "devices": units}), 201)

			// UnitReceipt: the first unit came without its cap.
			ids := make([]string, len(lot))
			for i, s := range lot {
				extra := map[string]any{"contents": map[string]any{"expected": []string{"power_cord", "cap"}, "received": []string{"power_cord", "cap"}}}
				if i == 0 {
					extra["contents"] = map[string]any{"expected": []string{"power_cord", "cap"}, "received": []string{"power_cord"}}
				}
				r := w.depot.do("POST", "/v1/depot/receipts", receipt(woID, s, extra))
				want(t, r, 201)
				tk := asTicket(t, r)
				ids[i] = tk.ID
				if !strings.HasPrefix(tk.Number, "DT-") || tk.Stage != "diagnostic" {
					t.Fatalf("ticket: %s", r.body)
				}
			}
			first := w.ticket(t, ids[0])
			if first.Status != "on_hold" || !slices.Equal(first.Missing, []string{"cap"}) {
				t.Fatalf("incomplete package: %+v", first)
			}
			woStatus := func() string { return w.admin.do("GET", "/v1/work-orders/"+woID, nil).json(t)["status"].(string) }
			if s := woStatus(); s != "on_hold" {
				t.Fatalf("work order with an incomplete package is %s", s)
			}
			// Idempotent receipt.
			r := w.depot.do("POST", "/v1/depot/receipts", receipt(woID, strings.ToLower(lot[1]), nil))
			want(t, r, 200)
			if asTicket(t, r).ID != ids[1] {
				t.Fatal("a repeated receipt opened another ticket")
			}
			// No stage work while on hold; the cap arrives and both resume.
			want(t, w.depot.do("POST", "/v1/depot/tickets/"+ids[0]+"/stages/diagnostic/complete", map[string]any{}), 409)
			want(t, w.depot.do("POST", "/v1/depot/tickets/"+ids[0]+"/items-received", map[string]any{"items": []string{"cap"}}), 200)
			if s := woStatus(); s != "received" {
				t.Fatalf("work order after the cap arrived: %s", s)
			}

			w.clock.Advance(time.Hour)
			for i, id := range ids {
				w.complete(t, id, "diagnostic", map[string]any{"notes": "powers on", "photos": []string{"art_diag"},
					"measurements": []map[string]any{{"name": "fluence", "value": 21.5, "unit": "J/cm2"}}})
				w.complete(t, id, "repair", map[string]any{"parts": []map[string]any{{"sku": "HP-TIP-18", "quantity": 1}}})
				if i == 0 {
					tk := w.complete(t, id, "qa", map[string]any{"passed": false, "reason": "fluence out of range"})
					if tk.Stage != "repair" || tk.QAFailures != 1 {
						t.Fatalf("after a failed QA: %+v", tk)
					}
					w.complete(t, id, "repair", map[string]any{"notes": "recalibrated"})
				}
				w.complete(t, id, "qa", map[string]any{"passed": true})
				tk := w.complete(t, id, "pack", map[string]any{})
				if tk.Stage != "ready" || tk.Status != "ready" {
					t.Fatalf("after pack: %+v", tk)
				}
			}
			if s := deviceStatus(t, w.viewer, first.DeviceID); s != "refurb_ready" {
				t.Fatalf("device at ready is %s", s)
			}
			checkBoard(t, w, woID)
			for _, id := range ids {
				want(t, w.depot.do("POST", "/v1/depot/tickets/"+id+"/release-for-resale", map[string]any{"notes": "wiped and graded A"}), 200)
				if s := deviceStatus(t, w.viewer, w.ticket(t, id).DeviceID); s != "available_for_resale" {
					t.Fatalf("released device is %s", s)
				}
			}
			checkHistory(t, w, first.DeviceID)
			tl := timelineTypes(t, w.viewer, woID)
			for typ, n := range map[string]int{"Depot.TicketOpened": 5, "Depot.DiagnosticComplete": 5, "Depot.QAFailed": 1,
				"Depot.QAPassed": 5, "Depot.ReadyToShip": 5, "Depot.ReleasedForResale": 5, "WorkOrder.Held": 1, "WorkOrder.Resumed": 1} {
				if got := count(tl, typ); got != n {
					t.Errorf("timeline has %d %s, want %d", got, typ, n)
				}
			}
		})
	}
}

// checkBoard reads the board with all five ready: their door-to-door time
// is the hour the clock moved.
func checkBoard(t *testing.T, w depotWorld, woID string) {
	t.Helper()
	w.clock.Advance(30 * time.Minute)
	r := w.viewer.do("GET", "/v1/depot/board?work_order_id="+woID, nil)
	want(t, r, 200)
	var b struct {
		Total  int `json:"total"`
		Stages []struct {
			Stage   string `json:"stage"`
			Count   int    `json:"count"`
			Tickets []struct {
				AgeInStage int64  `json:"age_in_stage_seconds"`
				DoorToDoor *int64 `json:"door_to_door_seconds"`
			} `json:"tickets"`
		} `json:"stages"`
		DoorToDoor struct {
			Count   int   `json:"count"`
			Average int64 `json:"average_seconds"`
		} `json:"door_to_door"`
	}
	_ = json.Unmarshal(r.body, &b)
	if b.Total != 5 || len(b.Stages) != 5 || b.Stages[4].Stage != "ready" || b.Stages[4].Count != 5 {
		t.Fatalf("board: %s", r.body)
	}
	if tk := b.Stages[4].Tickets[0]; tk.AgeInStage != 1800 || tk.DoorToDoor == nil || *tk.DoorToDoor != 3600 {
		t.Fatalf("board card: %s", r.body)
	}
	if b.DoorToDoor.Count != 5 || b.DoorToDoor.Average != 3600 {
		t.Fatalf("door to door: %s", r.body)
	}
	r = w.viewer.do("GET", "/v1/depot/board?template=rebuild", nil)
	want(t, r, 200)
	if !strings.Contains(string(r.body), `"total":0`) {
		t.Fatalf("template filter: %s", r.body)
	}
}

// checkHistory reads the first unit's history: the lot, the receipt, the
// cap, every stage (the failed QA too) and the release, in order.
func checkHistory(t *testing.T, w depotWorld, deviceID string) {
	t.Helper()
	r := w.viewer.do("GET", "/v1/devices/"+deviceID+"/history", nil)
	want(t, r, 200)
	var page struct {
		Items []struct {
			Type    string `json:"type"`
			Summary string `json:"summary"`
			Actor   struct {
				Name string `json:"name"`
			} `json:"actor"`
			Detail map[string]any `json:"detail"`
		} `json:"items"`
	}
	_ = json.Unmarshal(r.body, &page)
	var got []string
	for _, h := range page.Items {
		if h.Type == "lot.intake" || strings.HasPrefix(h.Type, "depot.") {
			step := h.Type
			if s, ok := h.Detail["stage"].(string); ok {
				step += ":" + s + ":" + h.Detail["outcome"].(string)
			}
			got = append(got, step+" by "+h.Actor.Name)
		}
	}
	wantSteps := []string{"lot.intake by Admin", "depot.received by Dana Depot", "depot.items_received by Dana Depot",
		"depot.stage_completed:diagnostic:completed by Dana Depot", "depot.stage_completed:repair:completed by Dana Depot",
		"depot.stage_completed:qa:failed by Dana Depot", "depot.stage_completed:repair:completed by Dana Depot",
		"depot.stage_completed:qa:passed by Dana Depot", "depot.stage_completed:pack:completed by Dana Depot",
		"depot.released_for_resale by Dana Depot"}
	if !slices.Equal(got, wantSteps) {
		t.Fatalf("history:\n%s\nwant:\n%s\nbody: %s", strings.Join(got, "\n"), strings.Join(wantSteps, "\n"), r.body)
	}
}
