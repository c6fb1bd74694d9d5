package license

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultURL is the SecureMerge licence server, used when Client.URL is "".
const DefaultURL = "https://license.securemerge.app"

// EnvURL names the environment variable that points the app at another
// licence server (DESIGN.md §7). cmd reads it; this package never does.
const EnvURL = "SECUREMERGE_LICENSE_URL"

// CheckPath is the check endpoint, relative to the server's base URL.
const CheckPath = "/v1/licenses/check"

// Timing of the client (DESIGN.md §7).
const (
	DefaultTimeout = 10 * time.Second // one whole request, the answer's body included
	RecheckAfter   = 24 * time.Hour   // a held token older than this is re-checked in the background
	// retryAfterFailure is how long Plan answers from the cache after a
	// failed check instead of asking again, so an unreachable server costs
	// one timeout a minute, not one per preview.
	retryAfterFailure = time.Minute
	// seenStep is how far the latest-seen time must move before it is
	// written to the cache: the most a clock set back can gain.
	seenStep    = time.Hour
	maxAnswer   = 16 << 10
	maxAddress  = 320
	userAgentOf = "SecureMerge"
)

// Errors of Check, wrapped with detail. Any of them leaves the cached token
// or the free plan.
var (
	ErrNoAddress   = errors.New("license: no signed-in address to check")
	ErrBadURL      = errors.New("license: the licence server URL must be https (http only for a loopback host), with no query")
	ErrUnreachable = errors.New("license: the licence server could not be reached")
	ErrServer      = errors.New("license: the licence server refused the check")
	ErrBadAnswer   = errors.New("license: the licence server's answer could not be verified")
)

// Cache keeps the licence token and the latest time the client has seen
// across runs. internal/store's *DB implements it (cmd checks that at
// compile time). Reads of an empty cache return nil and the zero time.
type Cache interface {
	LicenseToken() ([]byte, error)
	SetLicenseToken(token []byte) error // nil removes it
	LicenseSeen() (time.Time, error)
	SetLicenseSeen(t time.Time) error
}

// Client asks the licence server for the signed-in user's plan and keeps the
// answer. Set its fields before first use; the zero value checks
// DefaultURL with the built-in key and caches nothing. It is safe for
// concurrent use.
type Client struct {
	URL       string            // base URL of the server; "" means DefaultURL; https, or http for a loopback host
	Key       ed25519.PublicKey // verifies tokens; nil means BuiltinKey()
	Cache     Cache             // nil means nothing is kept: offline means free
	HTTP      *http.Client      // nil means a client of this package's own; its Jar and CheckRedirect are never used
	Timeout   time.Duration     // per request, the answer's body included; 0 means DefaultTimeout
	Now       func() time.Time  // nil means time.Now
	UserAgent string            // "" means "SecureMerge"; the app passes "SecureMerge/<version>"

	mu         sync.Mutex
	seenLoaded bool
	seen       time.Time // latest time seen
	seenSaved  time.Time // latest time written to the cache
	failedAt   time.Time // the last failed check, by the local clock
	refreshing bool
	bg         sync.WaitGroup
	memoRaw    []byte // the cached token bytes last verified, and what they said
	memoKey    ed25519.PublicKey
	memoToken  Token
}

// Plan returns the plan for email, the address of the signed-in mailbox,
// without waiting for the network when a token is held: a valid cached
// token is returned at once (and re-checked in the background when older
// than RecheckAfter). With none, it checks now (bounded by Timeout), unless
// a check failed less than a minute ago. The error is the failed check's,
// for callers that branch; the status is always usable.
func (c *Client) Plan(ctx context.Context, email string) (Status, error) {
	email = strings.TrimSpace(email)
	s, held := c.status(email)
	if held {
		if c.effectiveNow().Sub(s.Checked) > RecheckAfter {
			c.refresh(ctx, email)
		}
		return s, nil
	}
	if email == "" {
		return s, ErrNoAddress
	}
	c.mu.Lock()
	recent := c.failedRecently()
	c.mu.Unlock()
	if recent {
		s.Offline = true
		if s.Message == "" {
			s.Message = "The licence server could not be reached; the free plan applies until it can be."
		}
		return s, ErrUnreachable
	}
	return c.Check(ctx, email)
}

// Status returns the plan for email from the cache alone, with no network.
func (c *Client) Status(email string) Status {
	s, _ := c.status(strings.TrimSpace(email))
	return s
}

// Check asks the server now and caches a verified answer. On failure it
// returns the cached status (or the free plan) marked Offline, with a
// Message, and an error wrapping ErrUnreachable, ErrServer, ErrBadAnswer,
// ErrBadURL or ErrNoAddress.
func (c *Client) Check(ctx context.Context, email string) (Status, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		s, _ := c.status(email)
		return s, ErrNoAddress
	}
	tok, t, err := c.ask(ctx, email)
	if err != nil {
		c.mu.Lock()
		c.failedAt = c.clock()
		c.mu.Unlock()
		s, held := c.status(email)
		s.Offline = true
		s.Message = failureMessage(err, s, held)
		return s, err
	}
	c.mu.Lock()
	c.failedAt = time.Time{}
	c.mu.Unlock()
	var saveErr error
	if c.Cache != nil {
		saveErr = c.Cache.SetLicenseToken([]byte(tok))
	}
	c.resetSeen(t.IssuedAt)
	s := fromToken(t)
	if saveErr != nil {
		s.Message = "The licence could not be saved on this computer; it applies until SecureMerge closes."
		return s, fmt.Errorf("license: cache the token: %w", saveErr)
	}
	return s, nil
}

// Wait waits for a background re-check Plan started, if any (at most
// Timeout). Call it before closing the Cache.
func (c *Client) Wait() { c.bg.Wait() }

// refresh re-checks in the background, once at a time. It outlives ctx's
// cancellation (a short request context must not cut it) but not Timeout.
func (c *Client) refresh(ctx context.Context, email string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refreshing || c.failedRecently() {
		return
	}
	c.refreshing = true
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		c.Check(context.WithoutCancel(ctx), email)
		c.mu.Lock()
		c.refreshing = false
		c.mu.Unlock()
	}()
}

// failedRecently reports a check that failed less than retryAfterFailure
// ago. c.mu must be held.
func (c *Client) failedRecently() bool {
	if c.failedAt.IsZero() {
		return false
	}
	d := c.clock().Sub(c.failedAt)
	return d >= 0 && d < retryAfterFailure
}

// status is the plan the cache gives email; held reports a valid token.
func (c *Client) status(email string) (s Status, held bool) {
	s = Status{Plan: Free, Email: email}
	if email == "" {
		s.Message = "Not signed in: sign in to your Microsoft 365 mailbox to use your licence."
		return s, false
	}
	if c.Cache == nil {
		return s, false
	}
	raw, err := c.Cache.LicenseToken()
	if err != nil {
		s.Message = "The licence saved on this computer could not be read."
		return s, false
	}
	if len(raw) == 0 {
		return s, false
	}
	key, err := c.key()
	if err != nil {
		s.Message = "This build of SecureMerge has an invalid licence key."
		return s, false
	}
	t, err := c.verified(raw, key)
	if err != nil {
		s.Message = "The licence saved on this computer could not be verified."
		return s, false
	}
	c.observe(t.IssuedAt)
	switch err := t.Valid(email, c.effectiveNow()); {
	case errors.Is(err, ErrOtherAddress):
		return s, false // another account's token: it says nothing about this one
	case errors.Is(err, ErrExpired):
		if t.Plan == Pro {
			s.Expires, s.Checked = t.Expires, t.IssuedAt
			s.Message = fmt.Sprintf("Your licence expired on %s; connect to the network to renew it.", day(t.Expires))
		}
		return s, false
	}
	return fromToken(t), true
}

// verified parses raw, skipping the signature check when these exact bytes
// were verified with this key before: the cache is read on every Plan, and
// Ed25519 verification is most of its cost.
func (c *Client) verified(raw []byte, key ed25519.PublicKey) (Token, error) {
	c.mu.Lock()
	if c.memoRaw != nil && bytes.Equal(raw, c.memoRaw) && key.Equal(c.memoKey) {
		t := c.memoToken
		c.mu.Unlock()
		return t, nil
	}
	c.mu.Unlock()
	t, err := ParseToken(string(raw), key)
	if err != nil {
		return Token{}, err
	}
	c.mu.Lock()
	c.memoRaw, c.memoKey, c.memoToken = bytes.Clone(raw), key, t
	c.mu.Unlock()
	return t, nil
}

// ask posts the one allowed request and verifies the answer.
func (c *Client) ask(ctx context.Context, email string) (string, Token, error) {
	if len(email) > maxAddress {
		return "", Token{}, fmt.Errorf("%w: the address is longer than %d bytes", ErrNoAddress, maxAddress)
	}
	key, err := c.key()
	if err != nil {
		return "", Token{}, fmt.Errorf("%w: %w", ErrBadAnswer, err)
	}
	endpoint, err := Endpoint(c.URL)
	if err != nil {
		return "", Token{}, err
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	body, err := json.Marshal(struct {
		Email string `json:"email"`
	}{email})
	if err != nil {
		return "", Token{}, fmt.Errorf("license: encode the check: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return "", Token{}, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	ua := c.UserAgent
	if ua == "" {
		ua = userAgentOf
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")

	hc := c.httpClient(timeout)
	resp, err := hc.Do(req)
	if err != nil {
		return "", Token{}, fmt.Errorf("%w: %v", ErrUnreachable, cleanErr(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return "", Token{}, fmt.Errorf("%w: reading the answer: %v", ErrUnreachable, cleanErr(err))
	}
	if resp.StatusCode != http.StatusOK {
		return "", Token{}, fmt.Errorf("%w: HTTP %d", ErrServer, resp.StatusCode)
	}
	if len(data) > maxAnswer {
		return "", Token{}, fmt.Errorf("%w: the answer exceeds %d bytes", ErrBadAnswer, maxAnswer)
	}
	var ans struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(data, &ans); err != nil || ans.Token == "" {
		return "", Token{}, fmt.Errorf("%w: not a {\"token\": …} object", ErrBadAnswer)
	}
	t, err := ParseToken(ans.Token, key)
	if err != nil {
		return "", Token{}, fmt.Errorf("%w: %w", ErrBadAnswer, err)
	}
	now := c.clock()
	if t.IssuedAt.After(now) {
		now = t.IssuedAt // the server's clock is the better one here
	}
	if err := t.Valid(email, now); err != nil {
		return "", Token{}, fmt.Errorf("%w: %w", ErrBadAnswer, err)
	}
	return ans.Token, t, nil
}

// cleanErr drops the URL from a *url.Error: it names the server, which the
// message around it already does.
func cleanErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("no answer in time")
	}
	return err
}

// Endpoint returns the check URL of the server at base ("" means
// DefaultURL), or an error wrapping ErrBadURL.
func Endpoint(base string) (string, error) {
	if base == "" {
		base = DefaultURL
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%w: %q", ErrBadURL, base)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.User != nil || u.Opaque != "" {
		return "", fmt.Errorf("%w: %q", ErrBadURL, base)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", fmt.Errorf("%w: %q", ErrBadURL, base)
		}
	default:
		return "", fmt.Errorf("%w: %q", ErrBadURL, base)
	}
	u.Path = strings.TrimRight(u.Path, "/") + CheckPath
	u.RawPath = ""
	return u.String(), nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ownTransport is the transport of the default client: the standard one's
// settings (proxy from the environment, HTTP/2, keep-alive), shared.
var ownTransport = http.DefaultTransport.(*http.Transport).Clone()

// httpClient is c.HTTP (or our own) with no cookie jar and no redirects:
// nothing but the request we build may go out.
func (c *Client) httpClient(timeout time.Duration) *http.Client {
	hc := http.Client{Transport: ownTransport}
	if c.HTTP != nil {
		hc = *c.HTTP
	}
	hc.Jar = nil
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	hc.Timeout = timeout
	return &hc
}

func (c *Client) key() (ed25519.PublicKey, error) {
	if c.Key != nil {
		if len(c.Key) != ed25519.PublicKeySize {
			return nil, ErrBadKey
		}
		return c.Key, nil
	}
	return BuiltinKey()
}

func (c *Client) clock() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// effectiveNow is the later of the clock and the latest time seen: a clock
// set back does not bring an expired token back.
func (c *Client) effectiveNow() time.Time {
	now := c.clock()
	c.observe(now)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen.After(now) {
		return c.seen
	}
	return now
}

// observe moves the latest-seen time forward to t, writing it to the cache
// when it has moved by more than seenStep.
func (c *Client) observe(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.loadSeen()
	if !t.After(c.seen) {
		return
	}
	c.seen = t
	if c.Cache != nil && t.Sub(c.seenSaved) > seenStep {
		if c.Cache.SetLicenseSeen(t) == nil {
			c.seenSaved = t
		}
	}
}

// resetSeen sets the latest-seen time after a successful check to the
// later of the server's issue time and the local clock, also backwards:
// the server's clock corrects a local clock that ran ahead once.
func (c *Client) resetSeen(issued time.Time) {
	t := c.clock()
	if issued.After(t) {
		t = issued
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seenLoaded = true
	c.seen = t
	if c.Cache != nil && c.Cache.SetLicenseSeen(t) == nil {
		c.seenSaved = t
	}
}

func (c *Client) loadSeen() {
	if c.seenLoaded {
		return
	}
	c.seenLoaded = true
	if c.Cache == nil {
		return
	}
	if t, err := c.Cache.LicenseSeen(); err == nil {
		c.seen, c.seenSaved = t, t
	}
}

// failureMessage says in one sentence what a failed check leaves.
func failureMessage(err error, s Status, held bool) string {
	var what string
	switch {
	case errors.Is(err, ErrBadURL):
		what = "The licence server address is not valid"
	case errors.Is(err, ErrServer):
		what = "The licence server did not answer the check"
	case errors.Is(err, ErrBadAnswer):
		what = "The licence server's answer could not be verified"
	default:
		what = "The licence server could not be reached"
	}
	switch {
	case held && s.Licensed():
		return fmt.Sprintf("%s; the licence saved on this computer is valid until %s.", what, day(s.Expires))
	case held:
		return what + "; the free plan applies."
	case s.Message != "":
		return what + ". " + s.Message
	}
	return what + "; the free plan applies."
}

func day(t time.Time) string { return t.Format("2 January 2006") }
