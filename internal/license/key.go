package license

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// PublicKey is the base64 Ed25519 public key licence tokens are verified
// with, set at build time:
//
//	-ldflags "-X github.com/securemerge/securemerge/internal/license.PublicKey=<base64>"
//
// Empty means the development key (see the package doc): never ship that.
var PublicKey string

// developmentKey is the public half of the development key pair. Its
// private half is derived from a fixed seed in licensetest and in this
// package's tests only.
const developmentKey = "3KC+Q07zNg3LHGzNRGRl/uQWOXFiZa1TTx6uC9G6SJQ="

// ErrBadKey: a public key that is not 32 bytes of base64.
var ErrBadKey = errors.New("license: not a base64 Ed25519 public key")

// BuiltinKey returns the key this build verifies tokens with: PublicKey, or
// the development key when PublicKey is empty. A malformed PublicKey is an
// error (and every token then means the free plan).
func BuiltinKey() (ed25519.PublicKey, error) {
	if PublicKey == "" {
		return ParsePublicKey(developmentKey)
	}
	return ParsePublicKey(PublicKey)
}

// IsDevelopmentBuild reports whether this build verifies with the
// development key, which anyone can sign with.
func IsDevelopmentBuild() bool { return PublicKey == "" || PublicKey == developmentKey }

// ParsePublicKey decodes a base64 (standard or URL alphabet, padded or not)
// Ed25519 public key, as `licensed keygen` prints it.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != ed25519.PublicKeySize {
				return nil, fmt.Errorf("%w: %d bytes, want %d", ErrBadKey, len(b), ed25519.PublicKeySize)
			}
			return ed25519.PublicKey(b), nil
		}
	}
	return nil, ErrBadKey
}

// EncodePublicKey is the form PublicKey and ParsePublicKey use: standard
// base64 with padding.
func EncodePublicKey(k ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(k) }
