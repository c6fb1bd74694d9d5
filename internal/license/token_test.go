package license_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/license"
	"github.com/securemerge/securemerge/internal/license/licensetest"
)

var (
	devKey   = licensetest.PrivateKey()
	devPub   = devKey.Public().(ed25519.PublicKey)
	issued   = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	proToken = license.Token{Plan: license.Pro, Email: "ada@contoso.com", IssuedAt: issued, Expires: issued.Add(30 * 24 * time.Hour)}
)

func sign(t testing.TB, key ed25519.PrivateKey, tok license.Token) string {
	t.Helper()
	s, err := license.Sign(key, tok)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return s
}

func TestDevelopmentKeyIsLicensetests(t *testing.T) {
	k, err := license.BuiltinKey()
	if err != nil {
		t.Fatalf("BuiltinKey: %v", err)
	}
	if !k.Equal(devPub) {
		t.Errorf("BuiltinKey() = %s; want the public half of licensetest.PrivateKey() %s", license.EncodePublicKey(k), license.EncodePublicKey(devPub))
	}
	if !license.IsDevelopmentBuild() {
		t.Error("IsDevelopmentBuild() = false in a build without -X …PublicKey")
	}
}

func TestBuiltinKeyFromLdflags(t *testing.T) {
	other := licensetest.OtherKey().Public().(ed25519.PublicKey)
	old := license.PublicKey
	t.Cleanup(func() { license.PublicKey = old })

	license.PublicKey = license.EncodePublicKey(other)
	if k, err := license.BuiltinKey(); err != nil || !k.Equal(other) {
		t.Errorf("BuiltinKey() with PublicKey set = %v, %v; want that key", k, err)
	}
	if license.IsDevelopmentBuild() {
		t.Error("IsDevelopmentBuild() = true with a release key")
	}
	license.PublicKey = "not base64!"
	if _, err := license.BuiltinKey(); !errors.Is(err, license.ErrBadKey) {
		t.Errorf("BuiltinKey() with a malformed PublicKey: err = %v; want ErrBadKey", err)
	}
}

func TestParsePublicKeyForms(t *testing.T) {
	raw := []byte(devPub)
	for _, s := range []string{
		base64.StdEncoding.EncodeToString(raw), base64.RawStdEncoding.EncodeToString(raw),
		base64.URLEncoding.EncodeToString(raw), " " + base64.RawURLEncoding.EncodeToString(raw) + "\n",
	} {
		if k, err := license.ParsePublicKey(s); err != nil || !k.Equal(devPub) {
			t.Errorf("ParsePublicKey(%q) = %v, %v", s, k, err)
		}
	}
	for _, s := range []string{"", "abc", base64.StdEncoding.EncodeToString(raw[:31])} {
		if _, err := license.ParsePublicKey(s); !errors.Is(err, license.ErrBadKey) {
			t.Errorf("ParsePublicKey(%q): err = %v; want ErrBadKey", s, err)
		}
	}
}

func TestTokenRoundTrip(t *testing.T) {
	s := sign(t, devKey, proToken)
	got, err := license.ParseToken(s, devPub)
	if err != nil {
		t.Fatalf("ParseToken(Sign(…)): %v", err)
	}
	if got.Plan != license.Pro || got.Email != proToken.Email || !got.IssuedAt.Equal(issued) || !got.Expires.Equal(proToken.Expires) {
		t.Errorf("ParseToken(Sign(%+v)) = %+v", proToken, got)
	}
	payload, _, _ := strings.Cut(s, ".")
	js, _ := base64.RawURLEncoding.DecodeString(payload)
	if want := `{"plan":"pro","email":"ada@contoso.com","iat":1796119200,"exp":1798711200}`; string(js) != want {
		t.Errorf("payload = %s; want %s (the format documented in doc.go)", js, want)
	}
}

func TestParseTokenRefuses(t *testing.T) {
	good := sign(t, devKey, proToken)
	payload, sig, _ := strings.Cut(good, ".")
	enc := base64.RawURLEncoding.EncodeToString
	signed := func(js string) string {
		p := enc([]byte(js))
		return p + "." + enc(ed25519.Sign(devKey, []byte(p)))
	}
	tests := []struct {
		name, token string
		want        error
	}{
		{"empty", "", license.ErrGarbled},
		{"no dot", payload, license.ErrGarbled},
		{"three parts", good + ".x", license.ErrGarbled},
		{"empty payload", "." + sig, license.ErrGarbled},
		{"signature not base64", payload + ".!!!", license.ErrGarbled},
		{"short signature", payload + "." + sig[:20], license.ErrGarbled},
		{"too long", strings.Repeat("a", license.MaxTokenSize+1), license.ErrGarbled},
		{"other key", sign(t, licensetest.OtherKey(), proToken), license.ErrForged},
		{"payload changed", enc([]byte(`{"plan":"pro","email":"eve@contoso.com","iat":1796119200,"exp":1898711200}`)) + "." + sig, license.ErrForged},
		{"signature of another token", sign(t, devKey, license.Token{Plan: license.Free, Email: "ada@contoso.com", IssuedAt: issued, Expires: issued.Add(time.Hour)})[:len(payload)] + "." + sig, license.ErrForged},
		{"signed garbage", signed("not json"), license.ErrGarbled},
		{"signed array", signed(`["pro"]`), license.ErrGarbled},
		{"unknown plan", signed(`{"plan":"enterprise","email":"a@b.c","iat":1,"exp":2}`), license.ErrGarbled},
		{"no email", signed(`{"plan":"pro","iat":1,"exp":2}`), license.ErrGarbled},
		{"expiry before issue", signed(`{"plan":"pro","email":"a@b.c","iat":5,"exp":2}`), license.ErrGarbled},
		{"two objects", signed(`{"plan":"pro","email":"a@b.c","iat":1,"exp":2}{}`), license.ErrGarbled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := license.ParseToken(tt.token, devPub); !errors.Is(err, tt.want) {
				t.Errorf("ParseToken(%.40q) = %+v, %v; want %v", tt.token, got, err, tt.want)
			}
		})
	}
}

func TestTokenValid(t *testing.T) {
	if err := proToken.Valid("ADA@Contoso.com ", issued.Add(time.Hour)); err != nil {
		t.Errorf("Valid(same address, other case) = %v; want nil", err)
	}
	if err := proToken.Valid("eve@contoso.com", issued); !errors.Is(err, license.ErrOtherAddress) {
		t.Errorf("Valid(other address) = %v; want ErrOtherAddress", err)
	}
	if err := proToken.Valid(proToken.Email, proToken.Expires); !errors.Is(err, license.ErrExpired) {
		t.Errorf("Valid(at expiry) = %v; want ErrExpired", err)
	}
}

func FuzzParseToken(f *testing.F) {
	f.Add(sign(f, devKey, proToken))
	f.Add(sign(f, licensetest.OtherKey(), proToken))
	f.Add(`{"plan":"pro","email":"a@b.c","iat":1,"exp":2}`)
	f.Add("a.b")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := license.ParseToken(s, devPub)
		if err == nil && tok.Plan != license.Free && tok.Plan != license.Pro {
			t.Fatalf("ParseToken(%q) accepted plan %q", s, tok.Plan)
		}
		// The input as a signed payload reaches the JSON checks too.
		p := base64.RawURLEncoding.EncodeToString([]byte(s))
		signed := p + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(devKey, []byte(p)))
		tok, err = license.ParseToken(signed, devPub)
		if err != nil {
			if !errors.Is(err, license.ErrGarbled) {
				t.Fatalf("ParseToken(signed %q): %v; want ErrGarbled", s, err)
			}
			return
		}
		if tok.Email == "" || !tok.IssuedAt.Before(tok.Expires) {
			t.Fatalf("ParseToken(signed %q) accepted %+v", s, tok)
		}
		again, err := license.ParseToken(sign(t, devKey, tok), devPub)
		if err != nil || again != tok {
			t.Fatalf("re-signed %+v parses as %+v, %v", tok, again, err)
		}
	})
}

// BenchmarkParseToken is the full offline verification of a token never
// seen before: base64, Ed25519, JSON.
func BenchmarkParseToken(b *testing.B) {
	s := sign(b, devKey, proToken)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := license.ParseToken(s, devPub); err != nil {
			b.Fatal(err)
		}
	}
}
