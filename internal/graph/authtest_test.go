package graph

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// testAuthority is a local Microsoft identity platform for MSAL: OpenID
// discovery, authorize (browser redirect with code+state), devicecode, and
// the token endpoint for the authorization_code (PKCE checked),
// device_code (one authorization_pending round) and refresh_token grants.
// Its id_tokens are unsigned JWTs: MSAL Go reads the claims without
// verifying the signature (the token comes straight from the authority
// over TLS).
type testAuthority struct {
	srv    *httptest.Server
	tenant string
	user   testUser

	mu       sync.Mutex
	codes    map[string]authCode // authorization code -> request
	devices  map[string]int      // device code -> polls so far
	refresh  map[string]bool     // valid refresh tokens
	access   map[string]bool     // issued access tokens
	grants   map[string]int      // grant_type -> successful grants
	lastAT   string
	scopes   []string // the scope of every successful grant, in order
	failNext string   // "": none; else the OAuth error of the next token request
}

type testUser struct {
	oid, name, username string
}

type authCode struct {
	challenge, redirectURI, scope string
}

func newTestAuthority(t *testing.T) *testAuthority {
	t.Helper()
	a := &testAuthority{
		tenant:  "contoso-tenant",
		user:    testUser{oid: "00000000-0000-0000-0000-0000000000a1", name: "Jane Doe", username: "jane@contoso.example"},
		codes:   map[string]authCode{},
		devices: map[string]int{},
		refresh: map[string]bool{},
		access:  map[string]bool{},
		grants:  map[string]int{},
	}
	mux := http.NewServeMux()
	p := "/" + a.tenant
	mux.HandleFunc("GET "+p+"/v2.0/.well-known/openid-configuration", a.discovery)
	mux.HandleFunc("GET "+p+"/oauth2/v2.0/authorize", a.authorize)
	mux.HandleFunc("POST "+p+"/oauth2/v2.0/devicecode", a.deviceCode)
	mux.HandleFunc("POST "+p+"/oauth2/v2.0/token", a.token)
	a.srv = httptest.NewTLSServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

// Authority is the URL to configure MSAL with.
func (a *testAuthority) Authority() string { return a.srv.URL + "/" + a.tenant }

func (a *testAuthority) discovery(w http.ResponseWriter, r *http.Request) {
	base := a.Authority()
	writeJSON(w, http.StatusOK, map[string]any{
		"authorization_endpoint":        base + "/oauth2/v2.0/authorize",
		"token_endpoint":                base + "/oauth2/v2.0/token",
		"device_authorization_endpoint": base + "/oauth2/v2.0/devicecode",
		"issuer":                        base + "/v2.0",
		"response_types_supported":      []string{"code", "id_token", "code id_token"},
	})
}

func (a *testAuthority) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Hostname() != "localhost" || q.Get("response_type") != "code" ||
		q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" {
		http.Error(w, "invalid authorize request: "+r.URL.RawQuery, http.StatusBadRequest)
		return
	}
	code := randomID("code")
	a.mu.Lock()
	a.codes[code] = authCode{challenge: q.Get("code_challenge"), redirectURI: q.Get("redirect_uri"), scope: q.Get("scope")}
	a.mu.Unlock()
	if q.Get("response_mode") == "form_post" {
		// As Entra ID does: a page whose script posts code and state to the
		// redirect URI (MSAL's localhost listener accepts only this).
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><body onload="document.forms[0].submit()"><form method="POST" action="%s">`+
			`<input type="hidden" name="code" value="%s"/><input type="hidden" name="state" value="%s"/>`+
			`</form></body></html>`, html.EscapeString(redirect.String()), code, html.EscapeString(q.Get("state")))
		return
	}
	back := redirect.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (a *testAuthority) deviceCode(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("client_id") == "" {
		oauthError(w, "invalid_request", "client_id is required")
		return
	}
	dc := randomID("device")
	a.mu.Lock()
	a.devices[dc] = 0
	a.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"user_code":        "ABCD-EFGH",
		"device_code":      dc,
		"verification_uri": "https://microsoft.com/devicelogin",
		"expires_in":       900,
		"interval":         1,
		"message":          "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD-EFGH to authenticate.",
	})
}

func (a *testAuthority) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request", err.Error())
		return
	}
	f := r.PostForm
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failNext != "" {
		code := a.failNext
		a.failNext = ""
		oauthError(w, code, "AADSTS70000: injected failure")
		return
	}
	grant := f.Get("grant_type")
	scope := f.Get("scope")
	switch grant {
	case "authorization_code":
		c, ok := a.codes[f.Get("code")]
		delete(a.codes, f.Get("code"))
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		switch {
		case !ok:
			oauthError(w, "invalid_grant", "AADSTS70008: unknown or used authorization code")
			return
		case base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge:
			oauthError(w, "invalid_grant", "AADSTS501481: the code_verifier does not match the code_challenge")
			return
		case f.Get("redirect_uri") != c.redirectURI:
			oauthError(w, "invalid_grant", "AADSTS50148: redirect_uri mismatch")
			return
		}
	case "urn:ietf:params:oauth:grant-type:device_code", "device_code": // MSAL sends the short form
		polls, ok := a.devices[f.Get("device_code")]
		if !ok {
			oauthError(w, "expired_token", "AADSTS70019: unknown device code")
			return
		}
		a.devices[f.Get("device_code")] = polls + 1
		if polls == 0 {
			oauthError(w, "authorization_pending", "AADSTS70016: the user has not yet signed in")
			return
		}
		delete(a.devices, f.Get("device_code"))
	case "refresh_token":
		rt := f.Get("refresh_token")
		if !a.refresh[rt] {
			oauthError(w, "invalid_grant", "AADSTS700082: the refresh token has expired")
			return
		}
		delete(a.refresh, rt) // rotate, as Entra ID does
	default:
		oauthError(w, "unsupported_grant_type", grant)
		return
	}
	if grant == "device_code" {
		grant = "urn:ietf:params:oauth:grant-type:device_code"
	}
	a.grants[grant]++
	a.scopes = append(a.scopes, scope)
	at, rt := randomID("at"), randomID("rt")
	a.access[at] = true
	a.refresh[rt] = true
	a.lastAT = at
	clientInfo, _ := json.Marshal(map[string]string{"uid": a.user.oid, "utid": a.tenant})
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type":     "Bearer",
		"scope":          scope,
		"expires_in":     3600,
		"ext_expires_in": 3600,
		"access_token":   at,
		"refresh_token":  rt,
		"id_token":       a.idToken(f.Get("client_id")),
		"client_info":    base64.RawURLEncoding.EncodeToString(clientInfo),
	})
}

func (a *testAuthority) idToken(clientID string) string {
	now := time.Now().Unix()
	header, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
	claims, _ := json.Marshal(map[string]any{
		"aud": clientID, "iss": a.Authority() + "/v2.0", "iat": now, "nbf": now, "exp": now + 3600,
		"oid": a.user.oid, "sub": "sub-" + a.user.oid, "tid": a.tenant,
		"preferred_username": a.user.username, "name": a.user.name, "ver": "2.0",
	})
	enc := base64.RawURLEncoding
	return enc.EncodeToString(header) + "." + enc.EncodeToString(claims) + "."
}

// Grants returns how many tokens each grant type issued.
func (a *testAuthority) Grants(grant string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.grants[grant]
}

// Valid reports whether at is an access token this authority issued.
func (a *testAuthority) Valid(at string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.access[at]
}

// FailNext makes the next token request fail with OAuth error code.
func (a *testAuthority) FailNext(code string) {
	a.mu.Lock()
	a.failNext = code
	a.mu.Unlock()
}

// RevokeRefreshTokens makes every refresh token invalid.
func (a *testAuthority) RevokeRefreshTokens() {
	a.mu.Lock()
	clear(a.refresh)
	a.mu.Unlock()
}

func oauthError(w http.ResponseWriter, code, desc string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"error": code, "error_description": desc, "error_codes": []int{70000},
		"timestamp": time.Now().UTC().Format(time.DateTime), "trace_id": randomID("trace"),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func randomID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%s", prefix, strings.ToLower(hex.EncodeToString(b)))
}
