package graph

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/graph/graphtest"
)

// newTestAuth returns an Auth against ta with its cache in dir.
func newTestAuth(t *testing.T, ta *testAuthority, dir string, prompt *string) *Auth {
	t.Helper()
	a, err := NewAuth(AuthOptions{
		ClientID:   "11111111-aaaa-bbbb-cccc-000000000001",
		Authority:  ta.Authority(),
		CacheDir:   dir,
		HTTPClient: ta.srv.Client(),
		OpenURL:    browserFor(t, ta.srv.Client()),
		DeviceCodePrompt: func(msg string) {
			if prompt != nil {
				*prompt = msg
			}
		},
	})
	if err != nil {
		t.Fatalf("NewAuth = %v", err)
	}
	return a
}

// browserFor plays the user's browser: it opens the authorize URL and
// submits the page's form (form_post) to MSAL's localhost listener.
func browserFor(t *testing.T, c *http.Client) func(string) error {
	return func(u string) error {
		go func() {
			if err := submitAuthorizePage(c, u); err != nil {
				t.Errorf("browser: %v", err)
			}
		}()
		return nil
	}
}

var formPattern = regexp.MustCompile(`action="([^"]+)"|name="(code|state)" value="([^"]*)"`)

func submitAuthorizePage(c *http.Client, u string) error {
	resp, err := c.Get(u)
	if err != nil {
		return err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s %s", u, resp.Status, page)
	}
	var action string
	form := url.Values{}
	for _, m := range formPattern.FindAllStringSubmatch(string(page), -1) {
		if m[1] != "" {
			action = html.UnescapeString(m[1])
		} else {
			form.Set(m[2], html.UnescapeString(m[3]))
		}
	}
	resp, err = c.PostForm(action, form)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s", action, resp.Status)
	}
	return nil
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestLoginDeviceCode(t *testing.T) {
	keyring.MockInit()
	ta := newTestAuthority(t)
	dir := t.TempDir()
	var prompt string
	a := newTestAuth(t, ta, dir, &prompt)
	if _, ok := a.Account(); ok {
		t.Fatal("Account() reports a user before sign-in")
	}
	acct, err := a.Login(testCtx(t), true)
	if err != nil {
		t.Fatalf("Login(device code) = %v", err)
	}
	if acct.Username != "jane@contoso.example" || acct.Name != "Jane Doe" || acct.TenantID != "contoso-tenant" || acct.ObjectID != ta.user.oid {
		t.Errorf("Login = %+v; want Jane Doe <jane@contoso.example> of contoso-tenant", acct)
	}
	if !strings.Contains(prompt, "ABCD-EFGH") {
		t.Errorf("device code prompt = %q; want the user code", prompt)
	}
	if n := ta.Grants("urn:ietf:params:oauth:grant-type:device_code"); n != 1 {
		t.Errorf("device_code grants = %d; want 1", n)
	}
	tok, err := a.Token(testCtx(t))
	if err != nil || !ta.Valid(tok) {
		t.Fatalf("Token = %q, %v; want a token the authority issued", tok, err)
	}
	// The ID token is what the licence admin API takes: the authority's own.
	idt, err := a.IDToken(testCtx(t))
	var claims struct{ Tid, PreferredUsername string }
	if parts := strings.Split(idt, "."); err == nil && len(parts) == 3 {
		b, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var c map[string]any
		json.Unmarshal(b, &c)
		claims.PreferredUsername, _ = c["preferred_username"].(string)
		claims.Tid, _ = c["tid"].(string)
	}
	if err != nil || claims.PreferredUsername != "jane@contoso.example" || claims.Tid != "contoso-tenant" {
		t.Errorf("IDToken = %q, %v; want the authority's ID token for jane@contoso.example", idt, err)
	}
	if !a.Persistent() {
		t.Error("Persistent() = false with a keyring")
	}
	sealed, err := os.ReadFile(filepath.Join(dir, CacheFileName))
	if err != nil {
		t.Fatalf("token cache file: %v", err)
	}
	if bytes.Contains(sealed, []byte(tok)) || bytes.Contains(sealed, []byte("refresh")) || bytes.Contains(sealed, []byte("jane")) {
		t.Error("token cache file holds plaintext")
	}
	if fi, _ := os.Stat(filepath.Join(dir, CacheFileName)); fi.Mode().Perm() != 0o600 {
		t.Errorf("token cache mode = %v; want 0600", fi.Mode().Perm())
	}
	if key, err := keyring.Get(KeyringService, KeyringUser); err != nil || len(key) > 100 {
		t.Errorf("keyring holds %d bytes, %v; want only the small key", len(key), err)
	}
}

func TestLoginInteractive(t *testing.T) {
	keyring.MockInit()
	ta := newTestAuthority(t)
	a := newTestAuth(t, ta, t.TempDir(), nil)
	acct, err := a.Login(testCtx(t), false)
	if err != nil {
		t.Fatalf("Login(browser) = %v", err)
	}
	if acct.Username != "jane@contoso.example" {
		t.Errorf("Login = %+v; want jane@contoso.example", acct)
	}
	if n := ta.Grants("authorization_code"); n != 1 {
		t.Errorf("authorization_code grants = %d; want 1 (PKCE verified)", n)
	}
	if tok, err := a.Token(testCtx(t)); err != nil || !ta.Valid(tok) {
		t.Errorf("Token = %q, %v; want a valid token", tok, err)
	}
}

func TestTokenPersistsAcrossInstances(t *testing.T) {
	keyring.MockInit()
	ta := newTestAuthority(t)
	dir := t.TempDir()
	a := newTestAuth(t, ta, dir, nil)
	if _, err := a.Login(testCtx(t), true); err != nil {
		t.Fatal(err)
	}
	first, err := a.Token(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	b := newTestAuth(t, ta, dir, nil)
	acct, ok := b.Account()
	if !ok || acct.Username != "jane@contoso.example" {
		t.Fatalf("new Auth Account() = %+v, %v; want jane from the cache", acct, ok)
	}
	tok, err := b.Token(testCtx(t))
	if err != nil || tok != first {
		t.Errorf("new Auth Token = %q, %v; want the cached %q", tok, err, first)
	}
	if n := ta.Grants("refresh_token"); n != 0 {
		t.Errorf("refresh grants = %d; want 0 (served from the cache)", n)
	}
}

func TestRefresh(t *testing.T) {
	keyring.MockInit()
	ta := newTestAuthority(t)
	dir := t.TempDir()
	a := newTestAuth(t, ta, dir, nil)
	if _, err := a.Login(testCtx(t), true); err != nil {
		t.Fatal(err)
	}
	old, _ := a.Token(testCtx(t))
	fresh, err := a.Refresh(testCtx(t))
	if err != nil || fresh == old || !ta.Valid(fresh) {
		t.Fatalf("Refresh = %q, %v; want a new valid token (old %q)", fresh, err, old)
	}
	if n := ta.Grants("refresh_token"); n != 1 {
		t.Errorf("refresh grants = %d; want 1", n)
	}
	if tok, _ := a.Token(testCtx(t)); tok != fresh {
		t.Errorf("Token after Refresh = %q; want %q", tok, fresh)
	}
	// The refreshed token is what a restarted app finds.
	if tok, _ := newTestAuth(t, ta, dir, nil).Token(testCtx(t)); tok != fresh {
		t.Errorf("Token in a new Auth = %q; want the refreshed %q", tok, fresh)
	}

	ta.RevokeRefreshTokens()
	if _, err := a.Refresh(testCtx(t)); !errors.Is(err, ErrNotSignedIn) {
		t.Errorf("Refresh with a revoked refresh token = %v; want ErrNotSignedIn", err)
	}
}

func TestLogout(t *testing.T) {
	keyring.MockInit()
	ta := newTestAuthority(t)
	dir := t.TempDir()
	a := newTestAuth(t, ta, dir, nil)
	if _, err := a.Login(testCtx(t), true); err != nil {
		t.Fatal(err)
	}
	if err := a.Logout(testCtx(t)); err != nil {
		t.Fatalf("Logout = %v", err)
	}
	if _, ok := a.Account(); ok {
		t.Error("Account() after Logout reports a user")
	}
	if _, err := a.Token(testCtx(t)); !errors.Is(err, ErrNotSignedIn) {
		t.Errorf("Token after Logout = %v; want ErrNotSignedIn", err)
	}
	if _, err := os.Stat(filepath.Join(dir, CacheFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cache file after Logout: %v; want it removed", err)
	}
	if _, err := keyring.Get(KeyringService, KeyringUser); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("keyring key after Logout: %v; want it removed", err)
	}
	if _, ok := newTestAuth(t, ta, dir, nil).Account(); ok {
		t.Error("a new Auth after Logout finds an account")
	}
	// Signing in again works and persists again.
	if _, err := a.Login(testCtx(t), true); err != nil {
		t.Fatalf("Login after Logout = %v", err)
	}
	if _, ok := newTestAuth(t, ta, dir, nil).Account(); !ok {
		t.Error("sign-in after Logout was not persisted")
	}
}

func TestTamperedCache(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
	}{
		{"flipped byte", func(t *testing.T, path string) {
			b, _ := os.ReadFile(path)
			b[len(b)-5] ^= 0x40
			os.WriteFile(path, b, 0o600)
		}},
		{"truncated", func(t *testing.T, path string) {
			b, _ := os.ReadFile(path)
			os.WriteFile(path, b[:10], 0o600)
		}},
		{"plaintext json", func(t *testing.T, path string) {
			os.WriteFile(path, []byte(`{"AccessToken":{}}`), 0o600)
		}},
		{"other key", func(t *testing.T, path string) {
			keyring.Set(KeyringService, KeyringUser, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
		}},
		{"bad key", func(t *testing.T, path string) {
			keyring.Set(KeyringService, KeyringUser, "not base64!")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keyring.MockInit()
			ta := newTestAuthority(t)
			dir := t.TempDir()
			if _, err := newTestAuth(t, ta, dir, nil).Login(testCtx(t), true); err != nil {
				t.Fatal(err)
			}
			tt.damage(t, filepath.Join(dir, CacheFileName))
			a := newTestAuth(t, ta, dir, nil)
			if _, ok := a.Account(); ok {
				t.Error("Account() with a damaged cache reports a user")
			}
			if _, err := a.Token(testCtx(t)); !errors.Is(err, ErrNotSignedIn) {
				t.Errorf("Token with a damaged cache = %v; want ErrNotSignedIn", err)
			}
			if _, err := a.Login(testCtx(t), true); err != nil {
				t.Errorf("Login over a damaged cache = %v", err)
			}
			if _, ok := newTestAuth(t, ta, dir, nil).Account(); !ok {
				t.Error("sign-in over a damaged cache was not persisted")
			}
		})
	}
}

func TestNoKeyring(t *testing.T) {
	keyring.MockInitWithError(errors.New("no secret service on the session bus"))
	ta := newTestAuthority(t)
	dir := t.TempDir()
	a := newTestAuth(t, ta, dir, nil)
	if a.Persistent() {
		t.Error("Persistent() = true without a keyring")
	}
	if _, err := a.Login(testCtx(t), true); err != nil {
		t.Fatalf("Login without keyring = %v", err)
	}
	if tok, err := a.Token(testCtx(t)); err != nil || !ta.Valid(tok) {
		t.Errorf("Token without keyring = %q, %v; want a valid token from memory", tok, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("cache dir holds %d files without a keyring; want none", len(entries))
	}
	if _, ok := newTestAuth(t, ta, dir, nil).Account(); ok {
		t.Error("a new Auth finds an account although nothing was persisted")
	}
}

func TestNewAuthOptions(t *testing.T) {
	keyring.MockInit()
	t.Setenv(EnvClientID, "")
	t.Setenv(EnvAuthority, "")
	if _, err := NewAuth(AuthOptions{}); !errors.Is(err, ErrNoClientID) {
		t.Errorf("NewAuth without a client id = %v; want ErrNoClientID", err)
	}
	if _, err := NewAuth(AuthOptions{ClientID: "x", Authority: "http://login.example.com/t"}); err == nil {
		t.Error("NewAuth with an http authority succeeded; want an error")
	}
	// The package reads no environment: cmd passes the variables down.
	t.Setenv(EnvClientID, "from-env")
	if _, err := NewAuth(AuthOptions{}); !errors.Is(err, ErrNoClientID) {
		t.Errorf("NewAuth read %s from the environment (%v); only its caller may", EnvClientID, err)
	}
	a, err := NewAuth(AuthOptions{ClientID: "from-cmd"})
	if err != nil {
		t.Fatalf("NewAuth with a client id = %v", err)
	}
	if a.Persistent() {
		t.Error("Persistent() = true with no CacheDir")
	}
	if _, err := a.Token(context.Background()); !errors.Is(err, ErrNotSignedIn) {
		t.Errorf("Token before sign-in = %v; want ErrNotSignedIn", err)
	}
}

func TestSealOpenCache(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	sealed, err := sealCache(key, []byte(`{"x":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := openCache(key, sealed); err != nil || string(got) != `{"x":1}` {
		t.Errorf("openCache(sealCache(x)) = %q, %v; want x", got, err)
	}
	other := bytes.Repeat([]byte{8}, 32)
	if _, err := openCache(other, sealed); !errors.Is(err, errBadCache) {
		t.Errorf("openCache with another key = %v; want errBadCache", err)
	}
}

func FuzzOpenCache(f *testing.F) {
	key := bytes.Repeat([]byte{7}, 32)
	sealed, _ := sealCache(key, []byte(`{"AccessToken":{}}`))
	f.Add(sealed)
	f.Add([]byte("SMTC1\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		// Only our own sealing can open (GCM authenticates), and the only
		// plaintext we ever sealed with this key is the seed's.
		plain, err := openCache(key, b)
		if err == nil && string(plain) != `{"AccessToken":{}}` {
			t.Fatalf("openCache accepted a forged file: %q", plain)
		}
	})
}

func BenchmarkSealCache(b *testing.B) {
	key := bytes.Repeat([]byte{7}, 32)
	plain := bytes.Repeat([]byte("x"), 16<<10) // a typical MSAL cache
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		if _, err := sealCache(key, plain); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSenderRefreshesAuthOn401 runs the whole chain: an expired token at
// Graph, a silent MSAL refresh against the authority, the same request again.
func TestSenderRefreshesAuthOn401(t *testing.T) {
	keyring.MockInit()
	ta := newTestAuthority(t)
	a := newTestAuth(t, ta, t.TempDir(), nil)
	if _, err := a.Login(testCtx(t), true); err != nil {
		t.Fatal(err)
	}
	srv := newEmulator(t, graphtest.Options{})
	s := NewSender(newTestClient(t, srv.URL, a), SenderOptions{})
	if err := s.Send(testCtx(t), testMessage("k-auth-1", "bob@example.com")); err != nil {
		t.Fatalf("Send = %v", err)
	}
	srv.ExpireTokens() // every token seen so far now gets 401
	if err := s.Send(testCtx(t), testMessage("k-auth-2", "bob@example.com")); err != nil {
		t.Fatalf("Send after the token expired = %v; want success after a silent refresh", err)
	}
	if n := ta.Grants("refresh_token"); n != 1 {
		t.Errorf("refresh grants = %d; want 1", n)
	}
	if d := srv.Delivered(); len(d) != 2 {
		t.Errorf("Delivered() = %d; want 2", len(d))
	}
	ta.RevokeRefreshTokens()
	srv.ExpireTokens()
	err := s.Send(testCtx(t), testMessage("k-auth-3", "bob@example.com"))
	if campaign.KindOf(err) != campaign.KindAuth {
		t.Errorf("Send with a revoked refresh token = %v; want KindAuth", err)
	}
}

func TestConsentAsksForContactsOnlyWhenChosen(t *testing.T) {
	keyring.MockInit()
	ta := newTestAuthority(t)
	a := newTestAuth(t, ta, t.TempDir(), nil)
	if _, err := a.Login(testCtx(t), true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Consent(testCtx(t), true, ContactsScope, SharedContactsScope); err != nil {
		t.Fatalf("Consent: %v", err)
	}
	ta.mu.Lock()
	scopes := slices.Clone(ta.scopes)
	ta.mu.Unlock()
	if len(scopes) != 2 {
		t.Fatalf("grants with scopes %q; want the sign-in and the consent", scopes)
	}
	if strings.Contains(scopes[0], "Contacts") {
		t.Errorf("the first sign-in asked for %q; contacts must wait until chosen", scopes[0])
	}
	for _, want := range []string{"Mail.Send", "Contacts.Read", "Contacts.Read.Shared"} {
		if !slices.Contains(strings.Fields(scopes[1]), want) {
			t.Errorf("the consent asked for %q; want %s among them", scopes[1], want)
		}
	}
	if tok, err := a.Token(testCtx(t)); err != nil || !ta.Valid(tok) {
		t.Errorf("Token after consent = %q, %v", tok, err)
	}
}
