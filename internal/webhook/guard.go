package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// MaxURL bounds an endpoint's URL.
const MaxURL = 2000

// ErrPrivateDestination is the dial error for an address fieldhub refuses to
// call: the name resolved to a private, loopback or otherwise internal
// address. It is checked after DNS, on the address actually dialled, so a
// name that resolves differently later (DNS rebinding) cannot slip through.
var ErrPrivateDestination = errors.New("refused: the destination is a private, loopback or otherwise internal address")

// blockedPrefixes are the ranges net/netip has no predicate for.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT, often internal
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and the broadcast address
	netip.MustParsePrefix("100::/64"),       // discard-only
	netip.MustParsePrefix("fec0::/10"),      // deprecated site-local
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("2001:10::/28"),   // ORCHID
	netip.MustParsePrefix("2001:20::/28"),   // ORCHIDv2
	netip.MustParsePrefix("2002::/16"),      // 6to4: embeds any IPv4 address
	netip.MustParsePrefix("2001::/32"),      // Teredo: embeds any IPv4 address
}

// nat64 is the well-known NAT64 prefix: its addresses reach the IPv4
// address in their last 32 bits, which is what must be judged.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// Blocked reports whether ip is an address webhooks must not reach unless
// private destinations are allowed: loopback, private (RFC 1918, ULA),
// link-local, unspecified, multicast, carrier-grade NAT and other special
// ranges, including IPv4 addresses wrapped in IPv6.
func Blocked(ip netip.Addr) bool {
	if !ip.IsValid() {
		return true
	}
	ip = ip.Unmap()
	if nat64.Contains(ip) {
		b := ip.As16()
		return Blocked(netip.AddrFrom4([4]byte(b[12:16])))
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsMulticast() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() {
		return true
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// internalName reports whether a host name is one that, by convention, only
// resolves inside a network: localhost and the local-only domains.
func internalName(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" {
		return true
	}
	for _, suffix := range []string{".localhost", ".local", ".internal", ".home.arpa"} {
		if strings.HasSuffix(host, suffix) {
			return true
		}
	}
	return false
}

// checkURL validates an endpoint URL and returns it normalised, or the
// reason it is refused. It does not resolve the host (the dial check does
// that, each time): it refuses what is internal on its face.
func checkURL(raw string, allowPrivate bool) (string, string) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", "is required"
	}
	if len(raw) > MaxURL {
		return "", fmt.Sprintf("is longer than %d characters", MaxURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", "is not a URL"
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowPrivate:
	case u.Scheme == "http":
		return "", "must use https"
	default:
		return "", "must be an https URL"
	}
	host := u.Hostname()
	switch {
	case u.Opaque != "" || host == "":
		return "", "must name a host"
	case u.User != nil:
		return "", "must not contain credentials; authenticate the message by its signature"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "", "must not contain a fragment"
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
			return "", "has an invalid port"
		}
	}
	if !allowPrivate {
		if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
			if Blocked(ip) {
				return "", "points to a private, loopback or otherwise internal address"
			}
		} else if internalName(host) {
			return "", "names a local host; private destinations are not allowed"
		}
	}
	return u.String(), ""
}

// newClient builds the HTTP client deliveries use: no proxy from the
// environment (a proxy would hide the destination from the dial check), no
// redirects (a receiver must answer at the registered URL, and a redirect
// could point anywhere), and every dialled address checked.
func (s *Service) newClient() *http.Client {
	dialer := &net.Dialer{
		Timeout:   s.cfg.Timeout,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			if s.allowPrivate.Load() {
				return nil
			}
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return ErrPrivateDestination
			}
			ip, err := netip.ParseAddr(host)
			if err != nil || Blocked(ip) {
				return ErrPrivateDestination
			}
			return nil
		},
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   s.cfg.Timeout,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
