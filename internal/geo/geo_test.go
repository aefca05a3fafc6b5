package geo_test

import (
	"math"
	"strings"
	"testing"

	"github.com/fieldhub/fieldhub/internal/fault"
	"github.com/fieldhub/fieldhub/internal/geo"
)

func TestLookupKnownZIPs(t *testing.T) {
	for _, c := range []struct {
		zip      string
		lat, lon float64
	}{
		{"75231", 32.88, -96.75}, // Dallas
		{"10001", 40.75, -74.00}, // Manhattan
		{"90210", 34.10, -118.41},
		{"00601", 18.18, -66.75},  // Adjuntas, Puerto Rico: the lowest ZIP
		{"99929", 56.22, -131.92}, // Wrangell, Alaska: near the highest
	} {
		p, err := geo.Lookup(c.zip)
		if err != nil {
			t.Fatalf("%s: %v", c.zip, err)
		}
		if math.Abs(p.Lat-c.lat) > 0.1 || math.Abs(p.Lon-c.lon) > 0.1 {
			t.Errorf("%s at %+v, want near %.2f,%.2f", c.zip, p, c.lat, c.lon)
		}
	}
}

func TestMilesDallasToNewYork(t *testing.T) {
	dallas, _ := geo.Lookup("75231")
	nyc, _ := geo.Lookup("10001")
	if d := geo.Miles(dallas, nyc); math.Abs(d-1370) > 15 {
		t.Errorf("Dallas to New York is %.0f miles, want about 1370", d)
	}
	if d := geo.Miles(dallas, dallas); d != 0 {
		t.Errorf("a point is %.3f miles from itself", d)
	}
}

func TestZIPPlusFour(t *testing.T) {
	want, _ := geo.Lookup("75231")
	for _, z := range []string{"75231-1234", "752311234", " 75231 "} {
		got, err := geo.Lookup(z)
		if err != nil || got != want {
			t.Errorf("Lookup(%q) = %+v, %v; want %+v", z, got, err, want)
		}
	}
}

func TestUnknownZIP(t *testing.T) {
	for _, z := range []string{"00000", "99999", "7523", "75231-12", "abcde", "", "75231-abcd"} {
		_, err := geo.Lookup(z)
		if !fault.Is(err, fault.Invalid) {
			t.Errorf("Lookup(%q) = %v, want invalid", z, err)
		}
		if geo.Known(z) {
			t.Errorf("Known(%q) is true", z)
		}
	}
	_, err := geo.Lookup("99999")
	if err == nil || !strings.Contains(err.Error(), "99999") {
		t.Errorf("the error does not name the ZIP: %v", err)
	}
}

func TestEveryZIPDecodes(t *testing.T) {
	zips := geo.ZIPs()
	if len(zips) != 33791 {
		t.Fatalf("%d ZIPs embedded, want the gazetteer's 33791", len(zips))
	}
	for i, z := range zips {
		if i > 0 && zips[i-1] >= z {
			t.Fatalf("ZIPs out of order at %d: %s then %s", i, zips[i-1], z)
		}
		p, err := geo.Lookup(z)
		if err != nil {
			t.Fatal(err)
		}
		if p.Lat < -15 || p.Lat > 72 || p.Lon < -180 || p.Lon > 180 {
			t.Fatalf("%s at %+v is not in the US", z, p)
		}
	}
}

// Every point within the radius lies in the box Around returns.
func TestAroundHoldsTheCircle(t *testing.T) {
	var all []geo.Point
	for _, z := range geo.ZIPs() {
		p, _ := geo.Lookup(z)
		all = append(all, p)
	}
	for _, z := range []string{"75231", "99929", "00601", "96799"} {
		c, err := geo.Lookup(z)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []float64{1, 40, 250} {
			box := geo.Around(c, r)
			for _, p := range all {
				if geo.Miles(c, p) <= r && !box.Contains(p) {
					t.Fatalf("%+v is %.1f miles from %s but outside the %v-mile box %+v", p, geo.Miles(c, p), z, r, box)
				}
			}
		}
	}
}

// A site whose ZIP has no area of its own (75242, a downtown Dallas
// building's ZIP) is placed at the nearest ZIP of its sectional centre; a
// prefix with no ZIP at all is still refused.
func TestLocateFallsBackWithinThePrefix(t *testing.T) {
	exact, used, err := geo.Locate("75231")
	if want, _ := geo.Lookup("75231"); err != nil || used != "75231" || exact != want {
		t.Fatalf("Locate(75231) = %v, %q, %v", exact, used, err)
	}
	if geo.Known("75242") {
		t.Fatal("75242 has a centroid now; pick another ZIP without one for this test")
	}
	p, used, err := geo.Locate("75242-0001")
	if err != nil || used[:3] != "752" || used == "75242" || !geo.Known(used) {
		t.Fatalf("Locate(75242) = %v, %q, %v", p, used, err)
	}
	dallas, _ := geo.Lookup("75201")
	if d := geo.Miles(p, dallas); d > 30 {
		t.Fatalf("75242 placed %.0f miles from downtown Dallas (at %s)", d, used)
	}
	for _, z := range []string{"00000", "abcde"} {
		if _, _, err := geo.Locate(z); !fault.Is(err, fault.Invalid) {
			t.Errorf("Locate(%q) = %v, want invalid", z, err)
		}
	}
}
