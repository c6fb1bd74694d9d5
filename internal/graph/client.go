package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"time"

	absauth "github.com/microsoft/kiota-abstractions-go/authentication"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// DefaultBaseURL is Microsoft Graph v1.0, used when ClientOptions.BaseURL is "".
const DefaultBaseURL = "https://graph.microsoft.com/v1.0"

// Environment variables that bypass sign-in (DESIGN.md §6).
const (
	EnvGraphURL    = "SECUREMERGE_GRAPH_URL"    // base URL including /v1.0
	EnvAccessToken = "SECUREMERGE_ACCESS_TOKEN" // bearer token used as is
)

// ErrInsecureBaseURL is returned by NewClient for a plain http:// base URL
// whose host is not a loopback address.
var ErrInsecureBaseURL = errors.New("graph: plain http is allowed only for a loopback host")

// TokenSource gives the bearer tokens the Client sends. *Auth implements it;
// StaticToken is a fixed token. Implementations must be safe for concurrent use.
type TokenSource interface {
	// Token returns a valid access token, silently renewed when needed.
	Token(ctx context.Context) (string, error)
	// Refresh forces a silent renewal; the Client calls it once after a 401.
	Refresh(ctx context.Context) (string, error)
}

// StaticToken is a bearer token used as is (SECUREMERGE_ACCESS_TOKEN). It
// cannot be renewed: Refresh returns the same token, so a second 401 becomes
// a KindAuth error.
type StaticToken string

// Token returns the token, or ErrNotSignedIn when it is empty.
func (t StaticToken) Token(context.Context) (string, error) {
	if t == "" {
		return "", ErrNotSignedIn
	}
	return string(t), nil
}

// Refresh returns the same token: a static token cannot be renewed.
func (t StaticToken) Refresh(ctx context.Context) (string, error) { return t.Token(ctx) }

// ClientOptions configures NewClient. The zero value talks to Microsoft
// Graph but has no tokens: Tokens is required.
type ClientOptions struct {
	BaseURL    string       // "" means DefaultBaseURL; http:// only for a loopback host
	Tokens     TokenSource  // required
	HTTPClient *http.Client // nil means a client with dial, TLS and response-header timeouts; its Transport is wrapped, the value is not modified
	UserAgent  string       // "" means "SecureMerge"
}

// Client talks to Microsoft Graph through msgraph-sdk-go with our own
// middleware: no body compression, no automatic retry, no redirects. Every
// request is issued exactly once, except that a 401 triggers one silent token
// refresh and one retry of the same request. A Client is safe for concurrent use.
type Client struct {
	base   string
	tokens TokenSource
	sdk    *msgraphsdk.GraphServiceClient
	raw    *http.Client // no middleware and no Authorization: upload-session PUTs
	ua     string
	now    func() time.Time
}

// User is a directory user or the signed-in account.
type User struct {
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	Mail              string `json:"mail"`
	UserPrincipalName string `json:"userPrincipalName"`
	JobTitle          string `json:"jobTitle,omitempty"`
}

// Address returns Mail, or UserPrincipalName when the user has no mail;
// "" when it has neither (MailboxAddress says so as an error).
func (u User) Address() string {
	if u.Mail != "" {
		return u.Mail
	}
	return u.UserPrincipalName
}

// ErrNoMailboxAddress is returned by User.MailboxAddress for an account
// with neither a mail address nor a user principal name that is one.
var ErrNoMailboxAddress = errors.New("graph: the signed-in account has no e-mail address (neither mail nor userPrincipalName); sign in with a mailbox account")

// MailboxAddress returns the address messages from this account come from,
// with its display name: Mail, else UserPrincipalName (in Microsoft 365 a
// UPN is usually the address). It fails with ErrNoMailboxAddress when
// neither is a usable address, rather than handing on an empty one.
func (u User) MailboxAddress() (mail.Address, error) {
	for _, a := range []string{u.Mail, u.UserPrincipalName} {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if p, err := mail.ParseAddress(a); err == nil && p.Address != "" {
			return mail.Address{Name: u.DisplayName, Address: p.Address}, nil
		}
	}
	return mail.Address{}, fmt.Errorf("%w (mail %q, userPrincipalName %q)", ErrNoMailboxAddress, u.Mail, u.UserPrincipalName)
}

// NewClient returns a Client for opt.BaseURL.
func NewClient(opt ClientOptions) (*Client, error) {
	if opt.Tokens == nil {
		return nil, errors.New("graph: ClientOptions.Tokens is required")
	}
	base, host, err := checkBaseURL(opt.BaseURL)
	if err != nil {
		return nil, err
	}
	ua := opt.UserAgent
	if ua == "" {
		ua = "SecureMerge"
	}
	parent := http.RoundTripper(defaultTransport())
	timeout := 5 * time.Minute
	if opt.HTTPClient != nil {
		if opt.HTTPClient.Transport != nil {
			parent = opt.HTTPClient.Transport
		}
		timeout = opt.HTTPClient.Timeout
	}
	raw := &http.Client{Transport: parent, Timeout: timeout, CheckRedirect: noRedirect}
	if opt.HTTPClient != nil {
		raw.Jar = opt.HTTPClient.Jar
	}
	// Our middleware list replaces kiota's default one, which retries POSTs on
	// 429/503/504 and gzips request bodies (DESIGN.md §2).
	middleware := []khttp.Middleware{
		khttp.NewUrlReplaceHandler(true, map[string]string{"/users/me-token-to-replace": "/me"}),
		khttp.NewParametersNameDecodingHandler(),
		headerMiddleware{userAgent: ua},
		recordMiddleware{},
	}
	sdkHTTP := &http.Client{
		Transport:     khttp.NewCustomTransportWithParentTransport(parent, middleware...),
		Timeout:       timeout,
		CheckRedirect: noRedirect,
	}
	validator, err := absauth.NewAllowedHostsValidatorErrorCheck([]string{host})
	if err != nil {
		return nil, fmt.Errorf("graph: allowed host %q: %w", host, err)
	}
	auth := absauth.NewBaseBearerTokenAuthenticationProvider(&tokenProvider{tokens: opt.Tokens, hosts: validator})
	adapter, err := khttp.NewNetHttpRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		auth, absser.DefaultParseNodeFactoryInstance, absser.DefaultSerializationWriterFactoryInstance, sdkHTTP)
	if err != nil {
		return nil, fmt.Errorf("graph: request adapter: %w", err)
	}
	// Before NewGraphServiceClient, which would otherwise keep graph.microsoft.com.
	adapter.SetBaseUrl(base)
	return &Client{
		base:   base,
		tokens: opt.Tokens,
		sdk:    msgraphsdk.NewGraphServiceClient(adapter),
		raw:    raw,
		ua:     ua,
		now:    time.Now,
	}, nil
}

// BaseURL returns the base URL the client talks to, without a trailing slash.
func (c *Client) BaseURL() string { return c.base }

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func defaultTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   30 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute,
		ExpectContinueTimeout: time.Second,
	}
}

// checkBaseURL validates raw and returns it without a trailing slash, and
// its host name.
func checkBaseURL(raw string) (base, host string, err error) {
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("graph: base URL %q: %w", raw, err)
	}
	host = u.Hostname()
	if host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", "", fmt.Errorf("graph: base URL %q: want scheme://host[:port]/path", raw)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopback(host) {
			return "", "", fmt.Errorf("%w: %q", ErrInsecureBaseURL, raw)
		}
	default:
		return "", "", fmt.Errorf("graph: base URL %q: scheme must be https", raw)
	}
	return strings.TrimRight(u.String(), "/"), host, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// tokenProvider feeds kiota's bearer authentication from a TokenSource and
// never hands a token to a host other than the configured one.
type tokenProvider struct {
	tokens TokenSource
	hosts  *absauth.AllowedHostsValidator
}

func (p *tokenProvider) GetAuthorizationToken(ctx context.Context, u *url.URL, _ map[string]any) (string, error) {
	if !p.hosts.IsUrlHostValid(u) {
		return "", fmt.Errorf("graph: refusing to send a token to %q", u.Host)
	}
	if u.Scheme != "https" && !isLoopback(u.Hostname()) {
		return "", fmt.Errorf("graph: refusing to send a token over plain http to %q", u.Host)
	}
	tok, err := p.tokens.Token(ctx)
	if err != nil {
		return "", &tokenError{err: err}
	}
	return tok, nil
}

func (p *tokenProvider) GetAllowedHostsValidator() *absauth.AllowedHostsValidator { return p.hosts }

// tokenError marks a failure of the TokenSource (not signed in, refresh
// token expired): the request never left.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "access token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// preferImmutableIDs asks Graph for ids that survive a move between
// folders: the id of a draft we create stays the id of the message once it
// is in the Outbox and Sent Items, which is what reconciliation asks about.
const preferImmutableIDs = `IdType="ImmutableId"`

// headerMiddleware sets our User-Agent and Prefer header, and gives every
// request body a Content-Length: kiota hands the transport a body of
// unknown length, which goes out chunked, and corporate proxies and some
// gateways refuse chunked uploads. Our bodies are built in memory (at most
// Graph's 4 MB), so knowing their length costs nothing.
type headerMiddleware struct{ userAgent string }

func (h headerMiddleware) Intercept(p khttp.Pipeline, i int, req *http.Request) (*http.Response, error) {
	req.Header.Set("User-Agent", h.userAgent)
	if prefer := req.Header.Get("Prefer"); prefer == "" {
		req.Header.Set("Prefer", preferImmutableIDs)
	} else if !strings.Contains(prefer, "IdType=") {
		req.Header.Set("Prefer", prefer+", "+preferImmutableIDs)
	}
	if req.Body != nil && req.Body != http.NoBody && req.ContentLength <= 0 {
		b, err := io.ReadAll(io.LimitReader(req.Body, maxRequestBytes+requestOverhead+1))
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("graph: request body: %w", err)
		}
		req.ContentLength = int64(len(b))
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		if len(b) == 0 {
			req.Body = http.NoBody
		}
		req.TransferEncoding = nil
	}
	return p.Next(req, i)
}

// Me returns the signed-in user (GET /me).
func (c *Client) Me(ctx context.Context) (User, error) {
	cfg := &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{
			Select: []string{"id", "displayName", "mail", "userPrincipalName"},
		},
	}
	var u User
	err := c.do(ctx, func(ctx context.Context) error {
		r, err := c.sdk.Me().Get(ctx, cfg)
		if err != nil {
			return err
		}
		u = User{
			ID:                deref(r.GetId()),
			DisplayName:       deref(r.GetDisplayName()),
			Mail:              deref(r.GetMail()),
			UserPrincipalName: deref(r.GetUserPrincipalName()),
		}
		return nil
	})
	if err != nil {
		return User{}, fmt.Errorf("graph: GET /me: %w", err)
	}
	return u, nil
}

// SearchUsers searches the tenant directory by display name or mail prefix
// (GET /users?$search, which needs ConsistencyLevel: eventual). top <= 0
// means 25; Graph caps it at 999.
func (c *Client) SearchUsers(ctx context.Context, q string, top int) ([]User, error) {
	q = strings.TrimSpace(strings.NewReplacer(`"`, "", `\`, "").Replace(q))
	if q == "" {
		return nil, nil
	}
	if top <= 0 {
		top = 25
	}
	top = min(top, 999)
	top32 := int32(top)
	search := fmt.Sprintf(`"displayName:%s" OR "mail:%s"`, q, q)
	headers := newHeaders()
	headers.Add("ConsistencyLevel", "eventual")
	cfg := &users.UsersRequestBuilderGetRequestConfiguration{
		Headers: headers,
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{
			Search: &search,
			Select: []string{"id", "displayName", "mail", "userPrincipalName", "jobTitle"},
			Top:    &top32,
		},
	}
	var out []User
	err := c.do(ctx, func(ctx context.Context) error {
		r, err := c.sdk.Users().Get(ctx, cfg)
		if err != nil {
			return err
		}
		out = out[:0]
		for _, u := range r.GetValue() {
			out = append(out, User{
				ID:                deref(u.GetId()),
				DisplayName:       deref(u.GetDisplayName()),
				Mail:              deref(u.GetMail()),
				UserPrincipalName: deref(u.GetUserPrincipalName()),
				JobTitle:          deref(u.GetJobTitle()),
			})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("graph: search users %q: %w", q, err)
	}
	return out, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
