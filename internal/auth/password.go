package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/fieldhub/fieldhub/internal/fault"
	"golang.org/x/crypto/argon2"
)

// Password length limits, in characters. The minimum follows NIST SP 800-63B
// for passwords chosen without composition rules; the maximum only stops
// absurd inputs.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// Params are argon2id cost parameters. They are written into every hash, so
// changing them later only affects new hashes; NeedsRehash finds old ones.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// PasswordParams are the parameters New gives each Service: OWASP's first
// argon2id setting (46 MiB, one pass, one lane). Tests in other packages may
// lower them in TestMain, before any Service is built.
var PasswordParams = Params{Memory: 46 * 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// InsecureTestParams make hashing nearly free, for tests only: a hash made
// with them is cracked in no time.
var InsecureTestParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// ErrInvalidHash means a stored hash is not an argon2id string this package
// can read: a corrupt row, or a hash from another scheme.
var ErrInvalidHash = errors.New("auth: not an argon2id hash")

// Limits on parameters read back from a stored hash, so that a corrupt or
// hostile row cannot make one verification eat the machine.
const (
	maxMemory  = 1 << 20 // 1 GiB in KiB
	maxTime    = 16
	maxThreads = 16
	maxKeyLen  = 128
)

var b64 = base64.RawStdEncoding

// HashPassword returns the PHC string for password under p:
// $argon2id$v=19$m=...,t=...,p=...$salt$hash with unpadded base64.
func HashPassword(password string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches encoded, comparing in
// constant time. An unreadable hash is an error, never a match.
func VerifyPassword(password, encoded string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether encoded was made with parameters other than p
// (or cannot be read), so that a successful sign-in can upgrade it.
func NeedsRehash(encoded string, p Params) bool {
	got, _, _, err := decodeHash(encoded)
	return err != nil || got != p
}

func decodeHash(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrInvalidHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: unsupported version %q", ErrInvalidHash, parts[2])
	}
	var threads uint32
	n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads)
	if err != nil || n != 3 || fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, threads) != parts[3] {
		return p, nil, nil, fmt.Errorf("%w: bad parameters %q", ErrInvalidHash, parts[3])
	}
	if p.Memory == 0 || p.Memory > maxMemory || p.Time == 0 || p.Time > maxTime || threads == 0 || threads > maxThreads ||
		p.Memory < 8*threads {
		return p, nil, nil, fmt.Errorf("%w: parameters out of range %q", ErrInvalidHash, parts[3])
	}
	p.Threads = uint8(threads)
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("%w: bad salt", ErrInvalidHash)
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > maxKeyLen {
		return p, nil, nil, fmt.Errorf("%w: bad key", ErrInvalidHash)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// ValidatePassword checks a new password's length. There are no composition
// rules: length is what makes a password hard to guess.
func ValidatePassword(password string) error {
	var f fault.Fields
	checkPassword(&f, password)
	return f.Err()
}

func checkPassword(f *fault.Fields, password string) {
	n := utf8.RuneCountInString(password)
	f.Check(utf8.ValidString(password), "password", "must be valid UTF-8")
	f.Check(n >= MinPasswordLen, "password", fmt.Sprintf("must be at least %d characters", MinPasswordLen))
	f.Check(n <= MaxPasswordLen, "password", fmt.Sprintf("must be at most %d characters", MaxPasswordLen))
}

// passwordAlphabet leaves out look-alikes (0/O, 1/l/I) so that a generated
// password read aloud or off a screen survives.
const passwordAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789-_.!@#%+="

// GeneratePassword returns a random 20-character password (about 120 bits),
// for first sign-ins and resets.
func GeneratePassword() string {
	const n = 20
	out := make([]byte, n)
	// Rejection sampling keeps every character equally likely.
	limit := byte(256 - 256%len(passwordAlphabet))
	var buf [64]byte
	for i := 0; i < n; {
		_, _ = rand.Read(buf[:]) // crypto/rand.Read never fails
		for _, b := range buf {
			if b >= limit {
				continue
			}
			out[i] = passwordAlphabet[int(b)%len(passwordAlphabet)]
			if i++; i == n {
				break
			}
		}
	}
	return string(out)
}
