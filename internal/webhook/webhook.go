// Package webhook delivers domain events to providers' own HTTP endpoints,
// signed the Standard Webhooks way (webhook-id, webhook-timestamp,
// webhook-signature).
//
// It subscribes to every event on the bus. An event that belongs to a
// provider becomes, in one transaction, one delivery row per enabled
// endpoint of that provider whose event types match, and one queued job per
// delivery; the unique (endpoint, event) pair makes a repeated fan-out a
// no-op. The delivery job posts the message and records the attempt; a
// failure is tried again on a schedule spanning about three days (or later,
// when the receiver sends Retry-After), and then the delivery is dead until
// someone replays it. A receiver answering 410 Gone has its endpoint
// disabled. Private, loopback and similar destinations are refused both when
// an endpoint is registered and, after DNS, when the connection is dialled.
package webhook

import (
	"crypto/cipher"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/fieldhub/fieldhub/internal/db"
	"github.com/fieldhub/fieldhub/internal/event"
	"github.com/fieldhub/fieldhub/internal/queue"
)

// Delivery states. Pending deliveries are waiting for their next attempt;
// the others are final until a replay.
const (
	StatePending   = "pending"
	StateSucceeded = "succeeded"
	// StateFailed is a permanent failure: the receiver answered 410 Gone, or
	// the event is no longer stored.
	StateFailed = "failed"
	// StateDead means every scheduled attempt failed; a replay starts over.
	StateDead = "dead"
	// StateSkipped means the endpoint was disabled before the delivery ran.
	StateSkipped = "skipped"
)

// Defaults for Config.
const (
	// DefaultTimeout bounds one POST, connection and TLS handshake included.
	DefaultTimeout = 10 * time.Second
	// DefaultJitter spreads retries by ±20 %, so that a receiver coming back
	// after an outage is not hit by every queued delivery in the same second.
	DefaultJitter = 0.2
	// DefaultMaxRetryAfter caps how long a receiver's Retry-After may push
	// the next attempt out, so a bogus header cannot park a delivery for a
	// year.
	DefaultMaxRetryAfter = time.Hour
	// RotationOverlap is how long the previous secret still signs (beside
	// the new one) after a rotation, so receivers can switch without
	// rejecting messages in between.
	RotationOverlap = 24 * time.Hour
)

// DefaultSchedule is the wait before each retry: ten attempts in all over
// about three days, long enough to ride out a weekend outage of a receiver.
var DefaultSchedule = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour,
	10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 24 * time.Hour,
}

// Config tunes the service. The zero value is what production uses; tests
// shorten the schedule and allow loopback receivers.
type Config struct {
	// AllowPrivate lets endpoints point at private, loopback, link-local and
	// CGNAT addresses and use plain http. Off by default: a provider must not
	// be able to make fieldhub call into the network it runs in.
	AllowPrivate bool
	// Timeout bounds one POST; 0 means DefaultTimeout.
	Timeout time.Duration
	// Schedule is the wait before each retry; its length is the number of
	// retries. nil means DefaultSchedule (tests pass milliseconds).
	Schedule []time.Duration
	// Jitter spreads each wait by ± this fraction; 0 means DefaultJitter,
	// negative means none.
	Jitter float64
	// MaxRetryAfter caps a receiver's Retry-After; 0 means DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
	// Logger receives delivery failures; nil means slog.Default().
	Logger *slog.Logger
}

// Service manages endpoints and delivers events to them.
type Service struct {
	store        *db.DB
	bus          *event.Bus
	q            *queue.Queue
	aead         cipher.AEAD
	cfg          Config
	allowPrivate atomic.Bool
	client       *http.Client
	log          *slog.Logger
}

// New returns the webhook service. secret is the installation secret the
// endpoints' signing secrets are sealed under (the same bytes that key API
// key hashes). New subscribes to the bus and registers the delivery worker,
// so it must be called before q opens.
func New(store *db.DB, bus *event.Bus, q *queue.Queue, secret []byte, cfg Config) *Service {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Schedule == nil {
		cfg.Schedule = DefaultSchedule
	}
	if cfg.Jitter == 0 {
		cfg.Jitter = DefaultJitter
	}
	if cfg.MaxRetryAfter <= 0 {
		cfg.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Service{store: store, bus: bus, q: q, aead: sealer(secret), cfg: cfg, log: cfg.Logger}
	s.allowPrivate.Store(cfg.AllowPrivate)
	s.client = s.newClient()
	bus.Subscribe(FanOutSubscriber, []string{"*"}, s.fanOut, event.When(s.hasEndpoints))
	queue.AddWorker(q, &deliverWorker{s: s})
	return s
}

// AllowPrivate changes Config.AllowPrivate; the server sets it from its
// flag. It takes effect for the next registration and the next dial.
func (s *Service) AllowPrivate(allow bool) { s.allowPrivate.Store(allow) }

// Endpoint is where one provider wants to receive events.
type Endpoint struct {
	ID         string
	ProviderID string
	URL        string
	// EventTypes selects events: an exact type ("WorkOrder.Created"), every
	// type under a prefix ("WorkOrder.*"), or everything ("*").
	EventTypes  []string
	Description string
	Enabled     bool
	// DisabledReason says why fieldhub disabled the endpoint (a 410 from
	// the receiver); empty when enabled or disabled by hand.
	DisabledReason string
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// NewEndpoint is what a caller supplies to register an endpoint.
type NewEndpoint struct {
	ProviderID  string
	URL         string
	EventTypes  []string
	Description string
}

// Update names the fields a PATCH may change; nil means unchanged.
type Update struct {
	URL         *string
	EventTypes  *[]string
	Description *string
	Enabled     *bool
}

// Delivery is one event's message to one endpoint, with its attempts.
type Delivery struct {
	ID         string
	EndpointID string
	EventID    string
	EventType  string
	State      string
	// Series counts manual replays: 1 for the first series of attempts.
	Series int
	// Attempts counts the tries in the current series.
	Attempts      int
	NextAttemptAt time.Time // zero unless pending
	LastStatus    int       // 0 when no HTTP response came back
	LastError     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	FinishedAt    time.Time // zero while pending
	// Log holds every attempt of every series, oldest first.
	Log []Attempt
}

// MessageID is the webhook-id header of the delivery: the same for every
// attempt and replay, so receivers can drop a message they already have.
func (d Delivery) MessageID() string { return "msg_" + d.ID }

// Attempt is one try at a delivery.
type Attempt struct {
	Series  int
	Attempt int
	At      time.Time
	// StatusCode is the receiver's answer; 0 when none came (refused,
	// timed out, connection failed).
	StatusCode int
	Error      string
	Duration   time.Duration
	// NextAttemptAt is when the delivery was scheduled to be tried again
	// after this attempt; zero when it was not.
	NextAttemptAt time.Time
}

// Owner limits a call to the endpoints it may touch. The zero Owner may
// touch nothing, so a forgotten owner fails closed.
type Owner struct {
	providerID string
	any        bool
}

// ProviderOwner limits a call to one provider's endpoints (a provider's API key).
func ProviderOwner(providerID string) Owner { return Owner{providerID: providerID} }

// AnyProvider may touch every provider's endpoints (staff administrators).
var AnyProvider = Owner{any: true}

func (o Owner) owns(providerID string) bool {
	return o.any || (o.providerID != "" && o.providerID == providerID)
}
