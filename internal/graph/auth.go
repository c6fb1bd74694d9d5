package graph

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

// DefaultClientID is the Azure app registration SecureMerge signs in with
// when neither AuthOptions.ClientID nor SECUREMERGE_CLIENT_ID is set. It is
// set at build time:
//
//	go build -ldflags "-X github.com/securemerge/securemerge/internal/graph.DefaultClientID=…"
var DefaultClientID = ""

// Sign-in configuration from the environment.
const (
	EnvClientID  = "SECUREMERGE_CLIENT_ID"
	EnvAuthority = "SECUREMERGE_AUTHORITY"
)

// DefaultAuthority accepts work and school accounts of any tenant.
const DefaultAuthority = "https://login.microsoftonline.com/organizations"

// DefaultScopes are the delegated permissions a sender needs: who am I,
// send, and drafts plus reconciliation (reading Sent Items).
var DefaultScopes = []string{"User.Read", "Mail.Send", "Mail.ReadWrite"}

// AdminScope lets a tenant admin search the directory; only LoginAdmin asks
// for it.
const AdminScope = "User.ReadBasic.All"

// ContactsScope reads the signed-in user's contacts and SharedContactsScope
// the contacts other mailboxes share with them. They are asked for only
// when the person chooses Outlook contacts as recipients (Consent), never
// at the first sign-in.
const (
	ContactsScope       = "Contacts.Read"
	SharedContactsScope = "Contacts.Read.Shared"
)

// Sign-in errors.
var (
	ErrNotSignedIn = errors.New("graph: not signed in")
	ErrNoClientID  = errors.New("graph: no Azure app client id: set " + EnvClientID)
)

// AuthOptions configures NewAuth. Zero values are safe.
type AuthOptions struct {
	ClientID  string   // "" means $SECUREMERGE_CLIENT_ID, then DefaultClientID
	Authority string   // "" means $SECUREMERGE_AUTHORITY, then DefaultAuthority
	Scopes    []string // nil means DefaultScopes
	// CacheDir holds the encrypted token cache (tokens.enc); "" keeps the
	// tokens in memory only.
	CacheDir   string
	HTTPClient *http.Client // nil means MSAL's default client
	// OpenURL opens the sign-in page; nil means the system browser.
	OpenURL func(url string) error
	// DeviceCodePrompt shows the device-code instructions ("To sign in, use
	// a web browser to open the page … and enter the code …"); nil means
	// standard error.
	DeviceCodePrompt func(msg string)
}

// Account is the signed-in user.
type Account struct {
	Username      string // preferred_username, usually the mail address
	Name          string // display name, when known
	TenantID      string
	ObjectID      string
	HomeAccountID string
}

// Auth signs the user in with MSAL (public client) and gives silent access
// tokens for Graph. It implements TokenSource and is safe for concurrent use.
type Auth struct {
	client  public.Client
	cache   *tokenCache
	openURL func(string) error
	prompt  func(string)

	refreshMu sync.Mutex // one forced refresh at a time: each redeems the refresh token

	mu      sync.Mutex
	scopes  []string
	account *public.Account
	info    Account
}

var _ TokenSource = (*Auth)(nil)

// NewAuth prepares sign-in and loads the token cache of opt.CacheDir; it
// makes no network request.
func NewAuth(opt AuthOptions) (*Auth, error) {
	clientID := firstNonEmpty(opt.ClientID, DefaultClientID)
	if clientID == "" {
		return nil, ErrNoClientID
	}
	authority := firstNonEmpty(opt.Authority, DefaultAuthority)
	au, err := url.Parse(authority)
	if err != nil || au.Scheme != "https" || au.Host == "" {
		return nil, fmt.Errorf("graph: authority %q: want https://host/tenant", authority)
	}
	scopes := opt.Scopes
	if scopes == nil {
		scopes = DefaultScopes
	}
	tc := newTokenCache(opt.CacheDir)
	popts := []public.Option{public.WithAuthority(authority), public.WithCache(tc)}
	if opt.HTTPClient != nil {
		popts = append(popts, public.WithHTTPClient(opt.HTTPClient))
	}
	if !microsoftLoginHost(au.Hostname()) {
		// Instance discovery asks login.microsoftonline.com about the
		// authority; a private authority (tests, emulators) has no entry.
		popts = append(popts, public.WithInstanceDiscovery(false))
	}
	client, err := public.New(clientID, popts...)
	if err != nil {
		return nil, fmt.Errorf("graph: MSAL: %w", err)
	}
	a := &Auth{
		client:  client,
		cache:   tc,
		openURL: opt.OpenURL,
		prompt:  opt.DeviceCodePrompt,
		scopes:  slices.Clone(scopes),
	}
	if accounts, err := client.Accounts(context.Background()); err == nil && len(accounts) > 0 {
		acct := accounts[0]
		a.account = &acct
		a.info = accountInfo(acct, "")
	}
	return a, nil
}

func microsoftLoginHost(host string) bool {
	switch strings.ToLower(host) {
	case "login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn",
		"login.partner.microsoftonline.cn", "login.microsoft.com", "login.windows.net", "sts.windows.net":
		return true
	}
	return false
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// Persistent reports whether tokens are kept across restarts; when false,
// show NoKeyringMessage.
func (a *Auth) Persistent() bool { return a.cache.isPersistent() }

// Account returns the signed-in account; false when nobody is signed in.
// After a restart Name is "" until the first Token call.
func (a *Auth) Account() (Account, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.info, a.account != nil
}

// Login signs the user in: in the system browser with a redirect to a
// local port, or with a device code shown through DeviceCodePrompt.
func (a *Auth) Login(ctx context.Context, deviceCode bool) (Account, error) {
	return a.login(ctx, deviceCode, a.currentScopes())
}

// LoginAdmin signs in a tenant admin, also asking for User.ReadBasic.All to
// search the directory.
func (a *Auth) LoginAdmin(ctx context.Context, deviceCode bool) (Account, error) {
	scopes := a.currentScopes()
	if !slices.Contains(scopes, AdminScope) {
		scopes = append(scopes, AdminScope)
	}
	return a.login(ctx, deviceCode, scopes)
}

// Consent signs in again asking for extra scopes on top of the current
// ones (incremental consent: Entra ID shows only what is new), for a
// feature the person just chose, such as ContactsScope. The scopes hold
// for this Auth's life; a later process asks for DefaultScopes (or
// AuthOptions.Scopes) and gets the tokens Entra ID issues for them.
func (a *Auth) Consent(ctx context.Context, deviceCode bool, extra ...string) (Account, error) {
	scopes := a.currentScopes()
	for _, s := range extra {
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	return a.login(ctx, deviceCode, scopes)
}

func (a *Auth) currentScopes() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.scopes)
}

func (a *Auth) login(ctx context.Context, deviceCode bool, scopes []string) (Account, error) {
	var (
		res public.AuthResult
		err error
	)
	if deviceCode {
		var dc public.DeviceCode
		dc, err = a.client.AcquireTokenByDeviceCode(ctx, scopes)
		if err != nil {
			return Account{}, fmt.Errorf("graph: device code sign-in: %w", err)
		}
		if a.prompt != nil {
			a.prompt(dc.Result.Message)
		} else {
			fmt.Fprintln(os.Stderr, dc.Result.Message)
		}
		res, err = dc.AuthenticationResult(ctx)
		if err != nil {
			return Account{}, fmt.Errorf("graph: device code sign-in: %w", err)
		}
	} else {
		opts := []public.AcquireInteractiveOption{public.WithRedirectURI("http://localhost")}
		if a.openURL != nil {
			opts = append(opts, public.WithOpenURL(a.openURL))
		}
		res, err = a.client.AcquireTokenInteractive(ctx, scopes, opts...)
		if err != nil {
			return Account{}, fmt.Errorf("graph: browser sign-in: %w", err)
		}
	}
	// One account at a time: a new sign-in replaces the previous one.
	if accounts, err := a.client.Accounts(ctx); err == nil {
		for _, acct := range accounts {
			if acct.HomeAccountID != res.Account.HomeAccountID {
				_ = a.client.RemoveAccount(ctx, acct)
			}
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	acct := res.Account
	a.account = &acct
	a.scopes = scopes
	a.info = accountInfo(acct, res.IDToken.Name)
	if res.IDToken.Oid != "" {
		a.info.ObjectID = res.IDToken.Oid
	}
	if res.IDToken.TenantID != "" {
		a.info.TenantID = res.IDToken.TenantID
	}
	return a.info, nil
}

func accountInfo(acct public.Account, name string) Account {
	return Account{
		Username:      acct.PreferredUsername,
		Name:          name,
		TenantID:      acct.Realm,
		ObjectID:      acct.LocalAccountID,
		HomeAccountID: acct.HomeAccountID,
	}
}

// Token returns an access token for the signed-in account, from the cache
// or silently renewed with the refresh token. ErrNotSignedIn (wrapped) means
// the user must sign in again.
// IDToken returns the signed-in account's Microsoft ID token (a JWT), renewed
// silently like Token: what the licence server's admin API takes as proof
// of who the admin is (DESIGN.md §7). ErrNotSignedIn when nobody is.
func (a *Auth) IDToken(ctx context.Context) (string, error) {
	a.mu.Lock()
	acct, scopes := a.account, slices.Clone(a.scopes)
	a.mu.Unlock()
	if acct == nil {
		return "", ErrNotSignedIn
	}
	res, err := a.client.AcquireTokenSilent(ctx, scopes, public.WithSilentAccount(*acct))
	if err != nil {
		if isNetworkError(err) || ctx.Err() != nil {
			return "", fmt.Errorf("graph: renew the ID token: %w", err)
		}
		return "", fmt.Errorf("%w: %w", ErrNotSignedIn, err)
	}
	if res.IDToken.RawToken == "" {
		return "", fmt.Errorf("%w: the sign-in gave no ID token", ErrNotSignedIn)
	}
	return res.IDToken.RawToken, nil
}

func (a *Auth) Token(ctx context.Context) (string, error) {
	a.mu.Lock()
	acct, scopes := a.account, slices.Clone(a.scopes)
	a.mu.Unlock()
	if acct == nil {
		return "", ErrNotSignedIn
	}
	res, err := a.client.AcquireTokenSilent(ctx, scopes, public.WithSilentAccount(*acct))
	if err != nil {
		if isNetworkError(err) || ctx.Err() != nil {
			return "", fmt.Errorf("graph: renew access token: %w", err)
		}
		return "", fmt.Errorf("%w: %w", ErrNotSignedIn, err)
	}
	if res.IDToken.Name != "" {
		a.mu.Lock()
		a.info.Name = res.IDToken.Name
		a.mu.Unlock()
	}
	return res.AccessToken, nil
}

// Refresh forces a silent renewal: the cached access tokens are dropped and
// the refresh token redeemed. The Client calls it after a 401.
func (a *Auth) Refresh(ctx context.Context) (string, error) {
	a.refreshMu.Lock()
	defer a.refreshMu.Unlock()
	a.cache.dropAccessTokens()
	return a.Token(ctx)
}

// Logout removes every account, the cache file and the keyring key.
func (a *Auth) Logout(ctx context.Context) error {
	var errs []error
	if accounts, err := a.client.Accounts(ctx); err == nil {
		for _, acct := range accounts {
			if err := a.client.RemoveAccount(ctx, acct); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := a.cache.erase(); err != nil {
		errs = append(errs, err)
	}
	a.mu.Lock()
	a.account = nil
	a.info = Account{}
	a.mu.Unlock()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("graph: sign out: %w", err)
	}
	return nil
}

func isNetworkError(err error) bool {
	var ne net.Error
	var ue *url.Error
	return errors.As(err, &ne) || errors.As(err, &ue)
}
