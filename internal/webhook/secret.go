package webhook

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SecretPrefix starts every signing secret, as Standard Webhooks suggests,
// so that a leaked one is recognisable.
const SecretPrefix = "whsec_"

// secretBytes is the signing key's length: 32 random bytes, the size of the
// HMAC-SHA256 output (the spec allows 24 to 64).
const secretBytes = 32

// newSecret returns a fresh signing secret, "whsec_" + base64 of the key.
func newSecret() string {
	var b [secretBytes]byte
	_, _ = rand.Read(b[:]) // never fails: crypto/rand panics instead
	return SecretPrefix + base64.StdEncoding.EncodeToString(b[:])
}

// secretKey returns the HMAC key of a secret: the base64-decoded part.
func secretKey(secret string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
}

// sealer derives the AES-256-GCM key that seals signing secrets at rest from
// the installation secret. A separate derived key (HKDF with its own label)
// keeps the installation secret's other uses independent of this one.
func sealer(installation []byte) cipher.AEAD {
	key, err := hkdf.Key(sha256.New, installation, nil, "fieldhub webhook signing secrets v1", 32)
	if err != nil {
		panic("webhook: derive sealing key: " + err.Error())
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		panic("webhook: " + err.Error())
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic("webhook: " + err.Error())
	}
	return aead
}

// seal encrypts a signing secret for storage. The endpoint id is the
// additional data, so a sealed secret copied onto another row does not open.
func (s *Service) seal(endpointID, secret string) string {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := s.aead.Seal(nonce, nonce, []byte(secret), []byte(endpointID))
	return base64.StdEncoding.EncodeToString(out)
}

// errUnseal means a stored secret does not open: the installation secret
// changed since it was sealed. Rotating the endpoint's secret cures it.
var errUnseal = errors.New("the endpoint's signing secret cannot be decrypted (was the installation secret changed?); rotate the secret")

func (s *Service) unseal(endpointID, sealed string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", errUnseal
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(endpointID))
	if err != nil {
		return "", errUnseal
	}
	return string(plain), nil
}

// sign returns the webhook-signature header value for a message: one
// "v1,<base64 HMAC-SHA256>" per secret, separated by spaces, over
// "<id>.<unix seconds>.<body>".
func sign(secrets []string, msgID string, at time.Time, body []byte) (string, error) {
	prefix := msgID + "." + strconv.FormatInt(at.Unix(), 10) + "."
	sigs := make([]string, 0, len(secrets))
	for _, secret := range secrets {
		key, err := secretKey(secret)
		if err != nil {
			return "", err
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(prefix))
		mac.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}
