package webhook

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestBlocked(t *testing.T) {
	blocked := []string{
		"127.0.0.1", "127.5.6.7", "::1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
		"169.254.169.254", "fe80::1", "0.0.0.0", "::", "224.0.0.1", "ff02::1", "100.64.0.1",
		"100.127.255.254", "fd00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::7f00:1",
		"255.255.255.255", "198.18.0.1", "2002:7f00:1::",
	}
	for _, s := range blocked {
		if !Blocked(netip.MustParseAddr(s)) {
			t.Errorf("%s is not blocked", s)
		}
	}
	allowed := []string{"93.184.215.14", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "64:ff9b::808:808"}
	for _, s := range allowed {
		if Blocked(netip.MustParseAddr(s)) {
			t.Errorf("%s is blocked", s)
		}
	}
	if !Blocked(netip.Addr{}) {
		t.Error("the zero address is not blocked")
	}
}

func TestCheckURL(t *testing.T) {
	for _, c := range []struct {
		url          string
		allowPrivate bool
		reason       string // substring of the refusal; "" means accepted
	}{
		{"https://hooks.example.com/fieldhub", false, ""},
		{"https://hooks.example.com:8443/x?a=1", false, ""},
		{"http://hooks.example.com/x", false, "https"},
		{"http://127.0.0.1:9000/x", true, ""},
		{"http://localhost:9000/x", true, ""},
		{"https://127.0.0.1/x", false, "internal address"},
		{"https://[::1]/x", false, "internal address"},
		{"https://[::ffff:10.0.0.1]/x", false, "internal address"},
		{"https://169.254.169.254/latest/meta-data", false, "internal address"},
		{"https://100.64.0.7/x", false, "internal address"},
		{"https://localhost/x", false, "local host"},
		{"https://LOCALHOST./x", false, "local host"},
		{"https://api.localhost/x", false, "local host"},
		{"https://printer.local/x", false, "local host"},
		{"https://user:pw@hooks.example.com/x", false, "credentials"},
		{"https://hooks.example.com/x#frag", false, "fragment"},
		{"ftp://hooks.example.com/x", false, "https"},
		{"https:///x", false, "host"},
		{"", false, "required"},
		{"https://hooks.example.com/" + strings.Repeat("a", MaxURL), false, "longer"},
		{"https://hooks.example.com:0/x", false, "port"},
	} {
		_, reason := checkURL(c.url, c.allowPrivate)
		if c.reason == "" && reason != "" || c.reason != "" && !strings.Contains(reason, c.reason) {
			t.Errorf("checkURL(%q, %v) = %q, want %q", c.url, c.allowPrivate, reason, c.reason)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"":      0,
		"1":     time.Second,
		" 120 ": 2 * time.Minute,
		"-5":    0,
		"soon":  0,
		now.Add(90 * time.Second).Format(http.TimeFormat):  90 * time.Second,
		now.Add(-90 * time.Second).Format(http.TimeFormat): 0,
	} {
		if got := parseRetryAfter(h, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", h, got, want)
		}
	}
}

func TestWaitHonoursScheduleRetryAfterAndCap(t *testing.T) {
	s := &Service{cfg: Config{Schedule: []time.Duration{time.Second, time.Minute}, Jitter: -1, MaxRetryAfter: time.Hour}}
	for _, c := range []struct {
		attempt    int
		retryAfter time.Duration
		want       time.Duration
		ok         bool
	}{
		{1, 0, time.Second, true},
		{2, 0, time.Minute, true},
		{1, 30 * time.Second, 30 * time.Second, true}, // no sooner than the receiver asked
		{2, 10 * time.Second, time.Minute, true},      // nor sooner than the schedule
		{1, 48 * time.Hour, time.Hour, true},          // but a bogus header is capped
		{3, 0, 0, false},                              // schedule spent: dead
	} {
		got, ok := s.wait(c.attempt, c.retryAfter)
		if got != c.want || ok != c.ok {
			t.Errorf("wait(%d, %s) = %s, %v; want %s, %v", c.attempt, c.retryAfter, got, ok, c.want, c.ok)
		}
	}
	s.cfg.Jitter = 0.2
	for range 100 {
		got, _ := s.wait(2, 0)
		if got < 48*time.Second || got > 72*time.Second {
			t.Fatalf("jittered wait %s outside ±20%% of a minute", got)
		}
	}
}

// TestSignKnownVector checks the signature against the example published
// with the Standard Webhooks specification.
func TestSignKnownVector(t *testing.T) {
	got, err := sign([]string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
}

func TestSealRoundTripBindsEndpoint(t *testing.T) {
	s := &Service{aead: sealer([]byte("an installation secret, long enough"))}
	secret := newSecret()
	if !strings.HasPrefix(secret, SecretPrefix) {
		t.Fatalf("secret %q lacks the prefix", secret)
	}
	if key, err := secretKey(secret); err != nil || len(key) != secretBytes {
		t.Fatalf("key of %q: %d bytes, %v", secret, len(key), err)
	}
	sealed := s.seal("ep-1", secret)
	if strings.Contains(sealed, strings.TrimPrefix(secret, SecretPrefix)) {
		t.Fatal("sealed secret contains the secret")
	}
	if got, err := s.unseal("ep-1", sealed); err != nil || got != secret {
		t.Fatalf("unseal = %q, %v", got, err)
	}
	if _, err := s.unseal("ep-2", sealed); err == nil {
		t.Fatal("a sealed secret opened under another endpoint's id")
	}
	other := &Service{aead: sealer([]byte("another installation secret entirely"))}
	if _, err := other.unseal("ep-1", sealed); err == nil {
		t.Fatal("a sealed secret opened under another installation secret")
	}
}
