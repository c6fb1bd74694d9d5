package idtest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Microsoft Entra role template ids carried in the wids claim.
const (
	GlobalAdministrator = "62e90394-69f5-4237-9190-012177145e10"
	UserAdministrator   = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	// HelpdeskAdministrator is a role that grants nothing here.
	HelpdeskAdministrator = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
)

// Claims of one ID token. The zero value of a field means a sensible
// default, given per field.
type Claims struct {
	Tenant   string    // tid; "" means Issuer.Tenant
	OID      string    // the user's object id; "" means one derived from Email
	Name     string    // display name; "" means none
	Email    string    // preferred_username and email; required
	Roles    []string  // wids; nil means no directory role
	Audience string    // aud; "" means Issuer.Audience
	IssuedBy string    // the tenant named in iss; "" means Tenant (another is a token lying about its tid)
	Issued   time.Time // iat and nbf; zero means now
	Expires  time.Time // exp; zero means an hour after Issued
}

// Issuer is a running identity issuer. Its methods are safe for concurrent
// use.
type Issuer struct {
	URL      string // the authority, e.g. http://127.0.0.1:41234
	Tenant   string // the default tenant id
	Audience string // the default audience (the app's client id)

	hs      *httptest.Server
	fetches atomic.Int64

	mu      sync.Mutex
	current *key
	gen     int
}

type key struct {
	id   string
	priv *rsa.PrivateKey
}

// New starts an issuer on 127.0.0.1 for tenant and audience; t.Cleanup(iss.Close) it.
func New(tenant, audience string) *Issuer {
	iss := &Issuer{Tenant: tenant, Audience: audience}
	iss.current = iss.newKey()
	iss.hs = httptest.NewServer(http.HandlerFunc(iss.serve))
	iss.URL = iss.hs.URL
	return iss
}

// Close stops the server.
func (iss *Issuer) Close() { iss.hs.Close() }

func (iss *Issuer) newKey() *key {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err) // the system's randomness failed
	}
	iss.gen++
	return &key{id: fmt.Sprintf("idtest-key-%d", iss.gen), priv: priv}
}

// Rotate replaces the signing key: tokens are signed, and the JWKS
// publishes, only the new one.
func (iss *Issuer) Rotate() {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.current = iss.newKey()
}

// KeyFetches is how many times the JWKS was served.
func (iss *Issuer) KeyFetches() int { return int(iss.fetches.Load()) }

// Token signs c with the current key.
func (iss *Issuer) Token(c Claims) string {
	iss.mu.Lock()
	k := iss.current
	iss.mu.Unlock()
	return iss.sign(k.priv, k.id, c)
}

// Forge signs c with a fresh key under the current key's id: what someone
// without the issuer's key can make.
func (iss *Issuer) Forge(c Claims) string {
	iss.mu.Lock()
	id := iss.current.id
	iss.mu.Unlock()
	priv, _ := rsa.GenerateKey(rand.Reader, 2048)
	return iss.sign(priv, id, c)
}

// UnknownKey signs c with a key whose id the JWKS never lists.
func (iss *Issuer) UnknownKey(c Claims) string {
	priv, _ := rsa.GenerateKey(rand.Reader, 2048)
	return iss.sign(priv, "never-published", c)
}

// IssuerFor is the iss claim of tenant's tokens.
func (iss *Issuer) IssuerFor(tenant string) string { return iss.URL + "/" + tenant + "/v2.0" }

func (iss *Issuer) sign(priv *rsa.PrivateKey, kid string, c Claims) string {
	if c.Tenant == "" {
		c.Tenant = iss.Tenant
	}
	if c.Audience == "" {
		c.Audience = iss.Audience
	}
	if c.IssuedBy == "" {
		c.IssuedBy = c.Tenant
	}
	if c.Issued.IsZero() {
		c.Issued = time.Now()
	}
	if c.Expires.IsZero() {
		c.Expires = c.Issued.Add(time.Hour)
	}
	if c.OID == "" {
		c.OID = fmt.Sprintf("00000000-0000-4000-8000-%012x", hash(c.Email))
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: priv},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		panic(err)
	}
	claims := map[string]any{
		"iss": iss.IssuerFor(c.IssuedBy), "sub": "sub-" + c.OID, "aud": c.Audience,
		"exp": c.Expires.Unix(), "iat": c.Issued.Unix(), "nbf": c.Issued.Unix(),
		"tid": c.Tenant, "oid": c.OID, "preferred_username": c.Email, "email": c.Email, "ver": "2.0",
	}
	if c.Name != "" {
		claims["name"] = c.Name
	}
	if c.Roles != nil {
		claims["wids"] = c.Roles
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		panic(err)
	}
	return tok
}

func hash(s string) uint64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h & 0xffffffffffff
}

func (iss *Issuer) serve(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/common/discovery/v2.0/keys":
		iss.fetches.Add(1)
		iss.mu.Lock()
		k := iss.current
		iss.mu.Unlock()
		set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.priv.PublicKey, KeyID: k.id, Algorithm: "RS256", Use: "sig"}}}
		writeJSON(w, set)
	case len(parts) == 4 && parts[1] == "v2.0" && parts[2] == ".well-known" && parts[3] == "openid-configuration":
		tenant := parts[0]
		issuer := iss.IssuerFor(tenant)
		if tenant == "common" || tenant == "organizations" {
			issuer = iss.URL + "/{tenantid}/v2.0"
		}
		writeJSON(w, map[string]any{
			"issuer":                                issuer,
			"jwks_uri":                              iss.URL + "/common/discovery/v2.0/keys",
			"authorization_endpoint":                iss.URL + "/" + tenant + "/oauth2/v2.0/authorize",
			"token_endpoint":                        iss.URL + "/" + tenant + "/oauth2/v2.0/token",
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported":              []string{"code", "id_token", "code id_token"},
			"subject_types_supported":               []string{"pairwise"},
		})
	default:
		http.Error(w, `{"error":"not_found"}`, http.StatusNotFound)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
