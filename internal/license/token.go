package license

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Plan is what a token grants.
type Plan string

// The plans of DESIGN.md §7.
const (
	Free Plan = "free" // the complete product, with the promotional footer
	Pro  Plan = "pro"  // licensed: no footer
)

// MaxTokenSize bounds a token; longer input is refused before decoding.
const MaxTokenSize = 2048

// Errors of ParseToken and Token.Valid, for callers that branch (all of them
// mean the free plan).
var (
	ErrGarbled      = errors.New("license: token is not well formed")
	ErrForged       = errors.New("license: token signature does not verify")
	ErrExpired      = errors.New("license: token has expired")
	ErrOtherAddress = errors.New("license: token is for another address")
)

// Token is a verified licence token's payload.
type Token struct {
	Plan     Plan
	Email    string
	IssuedAt time.Time // when the server answered the check (Unix seconds)
	Expires  time.Time // when the token stops being honoured (Unix seconds)
}

type payload struct {
	Plan  Plan   `json:"plan"`
	Email string `json:"email"`
	IAT   int64  `json:"iat"`
	EXP   int64  `json:"exp"`
}

var b64 = base64.RawURLEncoding

// Sign encodes t and signs it with key (see the package doc for the
// format). It refuses a token ParseToken would refuse.
func Sign(key ed25519.PrivateKey, t Token) (string, error) {
	if len(key) != ed25519.PrivateKeySize {
		return "", fmt.Errorf("license: sign: private key has %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	p := payload{Plan: t.Plan, Email: t.Email, IAT: t.IssuedAt.Unix(), EXP: t.Expires.Unix()}
	if err := p.check(); err != nil {
		return "", fmt.Errorf("license: sign: %w", err)
	}
	js, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("license: sign: %w", err)
	}
	n := b64.EncodedLen(len(js))
	buf := make([]byte, n, n+1+b64.EncodedLen(ed25519.SignatureSize))
	b64.Encode(buf, js)
	sig := ed25519.Sign(key, buf)
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, sig)
	if len(buf) > MaxTokenSize {
		return "", fmt.Errorf("license: sign: token of %d bytes exceeds %d", len(buf), MaxTokenSize)
	}
	return string(buf), nil
}

// ParseToken checks s's signature with key and decodes its payload. It
// says nothing of expiry or address: see Token.Valid. Errors wrap
// ErrGarbled or ErrForged.
func ParseToken(s string, key ed25519.PublicKey) (Token, error) {
	if len(key) != ed25519.PublicKeySize {
		return Token{}, ErrBadKey
	}
	if len(s) > MaxTokenSize {
		return Token{}, fmt.Errorf("%w: %d bytes exceeds %d", ErrGarbled, len(s), MaxTokenSize)
	}
	enc, sigText, ok := strings.Cut(s, ".")
	if !ok || enc == "" || strings.Contains(sigText, ".") {
		return Token{}, fmt.Errorf("%w: want two dot-separated parts", ErrGarbled)
	}
	sig, err := b64.DecodeString(sigText)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return Token{}, fmt.Errorf("%w: signature is not %d bytes of base64url", ErrGarbled, ed25519.SignatureSize)
	}
	if !ed25519.Verify(key, []byte(enc), sig) {
		return Token{}, ErrForged
	}
	js, err := b64.DecodeString(enc)
	if err != nil {
		return Token{}, fmt.Errorf("%w: payload is not base64url", ErrGarbled)
	}
	var p payload
	dec := json.NewDecoder(bytes.NewReader(js))
	if err := dec.Decode(&p); err != nil {
		return Token{}, fmt.Errorf("%w: payload: %v", ErrGarbled, err)
	}
	if dec.More() {
		return Token{}, fmt.Errorf("%w: payload has data after the object", ErrGarbled)
	}
	if err := p.check(); err != nil {
		return Token{}, fmt.Errorf("%w: %v", ErrGarbled, err)
	}
	return Token{Plan: p.Plan, Email: p.Email, IssuedAt: time.Unix(p.IAT, 0), Expires: time.Unix(p.EXP, 0)}, nil
}

func (p payload) check() error {
	switch {
	case p.Plan != Free && p.Plan != Pro:
		return fmt.Errorf("unknown plan %q", p.Plan)
	case p.Email == "" || len(p.Email) > 320:
		return errors.New("no address")
	case p.IAT <= 0 || p.EXP <= p.IAT || p.EXP > 1<<40:
		return errors.New("issue and expiry times out of order")
	}
	return nil
}

// Valid reports whether t may be honoured for email at time now: ErrExpired
// from its expiry on, ErrOtherAddress when it was issued to another address
// (addresses compare case-insensitively).
func (t Token) Valid(email string, now time.Time) error {
	if !sameAddress(t.Email, email) {
		return ErrOtherAddress
	}
	if !now.Before(t.Expires) {
		return fmt.Errorf("%w on %s", ErrExpired, t.Expires.UTC().Format(time.DateOnly))
	}
	return nil
}

func sameAddress(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}
