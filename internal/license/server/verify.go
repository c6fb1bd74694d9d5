package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Microsoft Entra role template ids (the wids claim) that make an admin.
const (
	RoleGlobalAdministrator = "62e90394-69f5-4237-9190-012177145e10"
	RoleUserAdministrator   = "fe930be7-5e62-47db-91af-98c3a49a38b1"
)

// ErrBadToken wraps every reason an ID token is refused (401).
var ErrBadToken = errors.New("invalid ID token")

// Identity is who a verified ID token speaks for.
type Identity struct {
	Tenant    string // tid
	ID        string // oid: the user's directory object id
	Name      string // name; may be empty
	Email     string // preferred_username (else email), normalized; may be empty
	RoleAdmin bool   // wids holds the Global or User Administrator role
}

// IDVerifier turns the bearer token of an admin request into an Identity,
// or an error wrapping ErrBadToken.
type IDVerifier interface {
	Verify(ctx context.Context, raw string) (Identity, error)
}

// VerifierOptions configure a MicrosoftVerifier. Authority and Audience are
// required.
type VerifierOptions struct {
	Authority string           // e.g. https://login.microsoftonline.com; tokens' iss is {Authority}/{tid}/v2.0
	Audience  string           // the app's client id
	Skew      time.Duration    // clock skew allowed on expiry; 0 means 2 minutes
	Client    *http.Client     // for discovery and JWKS; nil means one with a 10 s timeout
	Now       func() time.Time // nil means time.Now
}

// MicrosoftVerifier verifies Microsoft identity platform v2.0 ID tokens of
// any tenant (a multi-tenant app): the signature against the JWKS of the
// authority's common discovery document (fetched once, cached by go-oidc,
// refetched when a token names an unknown key id), the issuer
// {Authority}/{tid}/v2.0 built from the token's own tid, the audience and
// the expiry (with Skew). It is safe for concurrent use.
type MicrosoftVerifier struct {
	opt VerifierOptions

	mu   sync.Mutex
	keys *oidc.RemoteKeySet // nil until discovery succeeded
}

var _ IDVerifier = (*MicrosoftVerifier)(nil)

// NewMicrosoftVerifier returns a verifier; no request is made until the
// first token.
func NewMicrosoftVerifier(opt VerifierOptions) (*MicrosoftVerifier, error) {
	opt.Authority = strings.TrimRight(opt.Authority, "/")
	if opt.Authority == "" || opt.Audience == "" {
		return nil, errors.New("verifier: authority and audience are required")
	}
	if opt.Skew <= 0 {
		opt.Skew = 2 * time.Minute
	}
	if opt.Client == nil {
		opt.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &MicrosoftVerifier{opt: opt}, nil
}

// keySet discovers the JWKS address once; a failed discovery is retried
// by the next token.
func (v *MicrosoftVerifier) keySet(ctx context.Context) (*oidc.RemoteKeySet, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.keys != nil {
		return v.keys, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.opt.Authority+"/common/v2.0/.well-known/openid-configuration", nil)
	if err != nil {
		return nil, err
	}
	resp, err := v.opt.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("identity discovery: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("identity discovery: HTTP %d", resp.StatusCode)
	}
	var doc struct {
		JWKS string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(&doc); err != nil || doc.JWKS == "" {
		return nil, fmt.Errorf("identity discovery: no jwks_uri")
	}
	v.keys = oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), v.opt.Client), doc.JWKS)
	return v.keys, nil
}

// Verify checks raw and returns its Identity.
func (v *MicrosoftVerifier) Verify(ctx context.Context, raw string) (Identity, error) {
	tid, err := unverifiedTenant(raw)
	if err != nil {
		return Identity{}, err
	}
	keys, err := v.keySet(ctx)
	if err != nil {
		return Identity{}, err // not the token's fault: a 503, not a 401
	}
	ver := oidc.NewVerifier(v.opt.Authority+"/"+tid+"/v2.0", keys, &oidc.Config{
		ClientID:             v.opt.Audience,
		SupportedSigningAlgs: []string{oidc.RS256},
		Now:                  func() time.Time { return v.opt.Now().Add(-v.opt.Skew) },
	})
	tok, err := ver.Verify(oidc.ClientContext(ctx, v.opt.Client), raw)
	if err != nil {
		var exp *oidc.TokenExpiredError
		if errors.As(err, &exp) {
			return Identity{}, fmt.Errorf("%w: expired at %s", ErrBadToken, exp.Expiry.UTC().Format(time.RFC3339))
		}
		if strings.Contains(err.Error(), "fetching keys") {
			return Identity{}, fmt.Errorf("identity keys: %w", err)
		}
		return Identity{}, fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	var c struct {
		TID   string   `json:"tid"`
		OID   string   `json:"oid"`
		Name  string   `json:"name"`
		UPN   string   `json:"preferred_username"`
		Email string   `json:"email"`
		WIDs  []string `json:"wids"`
	}
	if err := tok.Claims(&c); err != nil || c.TID != tid || c.OID == "" {
		return Identity{}, fmt.Errorf("%w: no tid or oid", ErrBadToken)
	}
	id := Identity{Tenant: c.TID, ID: c.OID, Name: c.Name}
	for _, a := range []string{c.UPN, c.Email} {
		if n, err := NormalizeAddress(a); err == nil {
			id.Email = n
			break
		}
	}
	id.RoleAdmin = slices.Contains(c.WIDs, RoleGlobalAdministrator) || slices.Contains(c.WIDs, RoleUserAdministrator)
	return id, nil
}

// unverifiedTenant reads the tid claim before verification, to know which
// issuer the token must come from; the signature and issuer checks that
// follow make a lie here fail.
func unverifiedTenant(raw string) (string, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("%w: not a JWT", ErrBadToken)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("%w: not a JWT", ErrBadToken)
	}
	var c struct {
		TID string `json:"tid"`
	}
	if err := json.Unmarshal(payload, &c); err != nil || checkTenant(c.TID) != nil {
		return "", fmt.Errorf("%w: no valid tid claim", ErrBadToken)
	}
	return c.TID, nil
}
