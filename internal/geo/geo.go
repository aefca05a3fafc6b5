// Package geo knows where US ZIP codes are (Census ZCTA centroids embedded
// in the binary) and how far apart two points are.
package geo

import (
	"math"

	"github.com/fieldhub/fieldhub/internal/fault"
)

// Point is a latitude and longitude in degrees.
type Point struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Lookup returns the centroid of a 5-digit ZIP code (ZIP+4 is read by its
// first five digits). An unknown ZIP is fault.Invalid.
func Lookup(zip string) (Point, error) {
	return Point{}, fault.Errorf(fault.Internal, "not built yet")
}

const earthRadiusMiles = 3958.7613

// Miles is the great-circle distance between a and b in statute miles.
func Miles(a, b Point) float64 {
	rad := math.Pi / 180
	dLat := (b.Lat - a.Lat) * rad
	dLon := (b.Lon - a.Lon) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusMiles * math.Asin(math.Min(1, math.Sqrt(h)))
}
