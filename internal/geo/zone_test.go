package geo

import (
	"testing"
	"time"
)

func TestZone(t *testing.T) {
	for _, c := range []struct {
		place, zip, state, want string
	}{
		// Plain states.
		{"Dallas", "75231", "TX", "America/Chicago"},
		{"New York", "10001", "NY", "America/New_York"},
		{"Denver", "80202", "CO", "America/Denver"},
		{"Los Angeles", "90012", "CA", "America/Los_Angeles"},
		{"Phoenix", "85001", "AZ", "America/Phoenix"},
		{"Flagstaff", "86001", "AZ", "America/Phoenix"},
		{"Honolulu", "96813", "HI", "Pacific/Honolulu"},
		{"Anchorage", "99501", "AK", "America/Anchorage"},
		{"San Juan", "00901", "PR", "America/Puerto_Rico"},
		{"Charlotte Amalie", "00802", "VI", "America/St_Thomas"},
		{"Hagåtña", "96910", "GU", "Pacific/Guam"},
		{"Saipan", "96950", "MP", "Pacific/Saipan"},
		{"Pago Pago", "96799", "AS", "Pacific/Pago_Pago"},
		{"Detroit", "48226", "MI", "America/Detroit"},
		// Texas: El Paso is Mountain.
		{"El Paso", "79901", "TX", "America/Denver"},
		{"Fabens", "79838", "TX", "America/Denver"},
		{"El Paso PO box", "88510", "TX", "America/Denver"},
		{"Midland", "79701", "TX", "America/Chicago"},
		// Florida: the panhandle west of the Apalachicola is Central.
		{"Pensacola", "32501", "FL", "America/Chicago"},
		{"Panama City", "32401", "FL", "America/Chicago"},
		{"Tallahassee", "32301", "FL", "America/New_York"},
		{"Miami", "33131", "FL", "America/New_York"},
		// Tennessee: the east is Eastern.
		{"Nashville", "37201", "TN", "America/Chicago"},
		{"Memphis", "38103", "TN", "America/Chicago"},
		{"Knoxville", "37902", "TN", "America/New_York"},
		{"Chattanooga", "37402", "TN", "America/New_York"},
		{"Johnson City", "37601", "TN", "America/New_York"},
		// Kentucky: the west is Central.
		{"Louisville", "40202", "KY", "America/Kentucky/Louisville"},
		{"Lexington", "40507", "KY", "America/New_York"},
		{"Paducah", "42001", "KY", "America/Chicago"},
		{"Bowling Green", "42101", "KY", "America/Chicago"},
		// Indiana: the Chicago and Evansville corners are Central.
		{"Indianapolis", "46204", "IN", "America/Indiana/Indianapolis"},
		{"Gary", "46402", "IN", "America/Chicago"},
		{"Hammond", "46320", "IN", "America/Chicago"},
		{"Evansville", "47708", "IN", "America/Chicago"},
		{"Fort Wayne", "46802", "IN", "America/Indiana/Indianapolis"},
		// Michigan: the Central counties share their prefixes (see zone.go).
		{"Marquette", "49855", "MI", "America/Detroit"},
		// North Dakota: the southwest is Mountain.
		{"Bismarck", "58501", "ND", "America/Chicago"},
		{"Dickinson", "58601", "ND", "America/Denver"},
		// South Dakota: West River is Mountain.
		{"Sioux Falls", "57104", "SD", "America/Chicago"},
		{"Pierre", "57501", "SD", "America/Chicago"},
		{"Rapid City", "57701", "SD", "America/Denver"},
		{"Lemmon", "57638", "SD", "America/Denver"},
		// Nebraska: the panhandle is Mountain.
		{"Omaha", "68102", "NE", "America/Chicago"},
		{"North Platte", "69101", "NE", "America/Chicago"},
		{"Scottsbluff", "69361", "NE", "America/Denver"},
		// Kansas: the Mountain counties share their prefixes (see zone.go).
		{"Wichita", "67202", "KS", "America/Chicago"},
		// Idaho: the north is Pacific.
		{"Boise", "83702", "ID", "America/Boise"},
		{"Idaho Falls", "83402", "ID", "America/Boise"},
		{"Coeur d'Alene", "83814", "ID", "America/Los_Angeles"},
		{"Lewiston", "83501", "ID", "America/Los_Angeles"},
		// Oregon: Malheur County is Mountain.
		{"Portland", "97201", "OR", "America/Los_Angeles"},
		{"Ontario", "97914", "OR", "America/Boise"},
		// Arizona: the Navajo Nation keeps daylight saving time.
		{"Window Rock", "86515", "AZ", "America/Denver"},
		// The state as people type it, and ZIP+4.
		{"Dallas, lower case", "75231", " tx ", "America/Chicago"},
		{"El Paso, ZIP+4", "79901-1234", "TX", "America/Denver"},
		// A known state with an unusable ZIP gets the state's zone.
		{"Texas, no ZIP", "", "TX", "America/Chicago"},
		{"Tennessee, bad ZIP", "3720", "TN", "America/Chicago"},
		// The state from the ZIP when it is blank or unknown.
		{"El Paso, no state", "79901", "", "America/Denver"},
		{"Pensacola, no state", "32501", "", "America/Chicago"},
		{"Austin IRS, no state", "73301", "", "America/Chicago"},
		{"Knoxville, unknown state", "37902", "XX", "America/New_York"},
		{"Guam, no state", "96910", "", "Pacific/Guam"},
		// Nothing to go on: UTC.
		{"nothing", "", "", "UTC"},
		{"not a ZIP", "ABCDE", "", "UTC"},
		{"military ZIP", "09001", "", "UTC"},
		{"unassigned prefix", "00100", "XX", "UTC"},
	} {
		t.Run(c.place, func(t *testing.T) {
			if got := Zone(c.zip, c.state); got == nil || got.String() != c.want {
				t.Errorf("Zone(%q, %q) = %v, want %s", c.zip, c.state, got, c.want)
			}
		})
	}
}

// TestZoneDay: the zone gives the site's calendar day — 7 pm in Dallas on
// 3 December is 01:00 UTC on the 4th.
func TestZoneDay(t *testing.T) {
	at := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	if d := at.In(Zone("75231", "TX")).Day(); d != 3 {
		t.Fatalf("7 pm in Dallas is on day %d", d)
	}
}

// TestZoneTables: the prefix table is in order without overlaps, every
// state it names has a zone, and every zone loads.
func TestZoneTables(t *testing.T) {
	for i, p := range prefixStates {
		if p.from > p.to || (i > 0 && p.from <= prefixStates[i-1].to) {
			t.Errorf("prefixes %03d–%03d (%s) out of order", p.from, p.to, p.state)
		}
		if _, ok := stateZones[p.state]; !ok {
			t.Errorf("prefixes %03d–%03d: state %s has no zone", p.from, p.to, p.state)
		}
	}
	for st, sz := range stateZones {
		if loc := locations()[sz.zone]; loc == nil || loc.String() != sz.zone {
			t.Errorf("%s: zone %s loads as %v", st, sz.zone, loc)
		}
		for _, s := range sz.splits {
			if got := stateOfPrefix(s.from); got != st || stateOfPrefix(s.to) != st {
				t.Errorf("%s splits off %03d–%03d, which are %s's", st, s.from, s.to, got)
			}
		}
	}
}
