package artifact

import (
	"bytes"
	"encoding/binary"
	"mime"
	"net/http"
	"strings"
)

// SniffLen is how much of the content Sniff looks at.
const SniffLen = 512

// Sniff names the type of content from its first bytes (at most SniffLen
// are considered). It knows the ISO base media formats (MP4, QuickTime,
// HEIC/HEIF), PDF and TIFF itself and asks http.DetectContentType for the
// rest, which never says anything is an image or video it is not. The
// result has no parameters, e.g. "text/html" rather than
// "text/html; charset=utf-8".
func Sniff(head []byte) string {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	if t := sniffBox(head); t != "" {
		return t
	}
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return "image/tiff"
	}
	t, _, _ := strings.Cut(http.DetectContentType(head), ";")
	return strings.TrimSpace(t)
}

// heicBrands are the ISO BMFF brands of HEVC-coded HEIF images (what phones
// write as .heic).
var heicBrands = map[string]bool{
	"heic": true, "heix": true, "heim": true, "heis": true,
	"hevc": true, "hevx": true, "hevm": true, "hevs": true,
}

// sniffBox reads an ISO base media file's leading box: "ftyp" with its
// major and compatible brands, or the bare atoms that old QuickTime files
// start with. It returns "" when the content is not such a file.
func sniffBox(head []byte) string {
	if len(head) < 12 {
		return ""
	}
	size := binary.BigEndian.Uint32(head[:4])
	switch string(head[4:8]) {
	case "moov", "mdat", "wide":
		if size >= 8 {
			return "video/quicktime"
		}
		return ""
	case "ftyp":
	default:
		return ""
	}
	if size < 16 || size%4 != 0 {
		return ""
	}
	major := string(head[8:12])
	var compatible []string
	for i := 16; i+4 <= int(size) && i+4 <= len(head); i += 4 {
		compatible = append(compatible, string(head[i:i+4]))
	}
	return brandType(major, compatible)
}

// brandType maps an ftyp box's brands to a content type.
func brandType(major string, compatible []string) string {
	switch {
	case major == "qt  ":
		return "video/quicktime"
	case heicBrands[major]:
		return "image/heic"
	case major == "avif" || major == "avis":
		return "image/avif"
	case major == "mif1" || major == "msf1":
		for _, b := range compatible {
			if heicBrands[b] {
				return "image/heic"
			}
			if b == "avif" || b == "avis" {
				return "image/avif"
			}
		}
		return "image/heif"
	case major == "M4A " || major == "M4B ":
		return "audio/mp4"
	case strings.HasPrefix(major, "3gp"), strings.HasPrefix(major, "3g2"):
		return "video/3gpp"
	case strings.HasPrefix(major, "iso"), strings.HasPrefix(major, "mp4"), major == "avc1",
		major == "M4V ", major == "M4VP", major == "dash", major == "MSNV", major == "f4v ", major == "mp71":
		return "video/mp4"
	}
	return "application/octet-stream"
}

// aliases are names clients use for types we know by another name.
var aliases = map[string]string{
	"image/jpg":   "image/jpeg",
	"image/pjpeg": "image/jpeg",
	"image/x-png": "image/png",
	"video/mov":   "video/quicktime",
}

// normalize reads a Content-Type value: lower case, no parameters, aliases
// resolved. ok is false when it is not a media type at all.
func normalize(contentType string) (string, bool) {
	t, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", false
	}
	if a, ok := aliases[t]; ok {
		t = a
	}
	return t, true
}

// same reports whether a declared type and a sniffed one agree. HEIF files
// from phones are labelled heic and heif interchangeably.
func same(declared, sniffed string) bool {
	if declared == sniffed {
		return true
	}
	heif := func(t string) bool { return t == "image/heic" || t == "image/heif" }
	return heif(declared) && heif(sniffed)
}
