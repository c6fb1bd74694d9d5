package graphtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Options configures an emulator. The zero value is a tenant with one
// signed-in mailbox, a generated directory and Exchange Online's limits.
type Options struct {
	User            User          // the signed-in mailbox; zero value = {ID:"11111111-1111-1111-1111-111111111111", DisplayName:"Ada Admin", Mail:"ada@contoso.test"}
	Users           []User        // the tenant directory for /users; nil means a generated directory of 50 people (User is always part of it)
	Tokens          []string      // accepted bearer tokens; nil means any non-empty token
	PerWindow       int           // messages per Window and mailbox; 0 means 30
	Window          time.Duration // sliding window of PerWindow; 0 means 60 s
	Concurrency     int           // concurrent requests per mailbox; 0 means 4
	DailyRecipients int           // To+Cc+Bcc per rolling DayLength and mailbox; 0 means 10,000
	DayLength       time.Duration // 0 means 24 h (tests shrink it)
	MaxRecipients   int           // per message; 0 means 500
	// SentItemsLag is how long an accepted message takes to reach Sent
	// Items, on the Now clock; 0 means at once (SetSentItemsLag changes
	// it). Meanwhile the message is nowhere: not in Drafts, not in any
	// folder's list, and a GET by any of its ids answers 404 (doc.go).
	SentItemsLag time.Duration
	Now          func() time.Time                 // nil means time.Now; every duration above is measured on it
	Seed         int64                            // seeds the random faults of SetFaultRate
	Logf         func(format string, args ...any) // one line per request; nil = silent
}

// User is a member of the tenant directory.
type User struct{ ID, DisplayName, Mail, UserPrincipalName, JobTitle string }

// Limits of the Graph request pipeline and of Outlook attachments.
const (
	maxRequestBody       = 4 << 20   // Graph's request size limit
	maxInlineAttachment  = 3 << 20   // a single fileAttachment POST
	maxUploadAttachment  = 150 << 20 // an upload-session attachment
	maxUploadChunk       = 4 << 20   // one PUT to an upload URL
	uploadSessionTimeout = 2 * time.Hour
)

// Server is a running (NewServer) or embeddable (NewHandler) emulator. All
// methods are safe for concurrent use, also while requests are served.
type Server struct {
	// URL is the base URL including /v1.0, for example
	// http://127.0.0.1:41234/v1.0. It is empty for NewHandler.
	URL string

	opt  Options
	hs   *httptest.Server
	wg   sync.WaitGroup // requests in flight, for Close
	mu   sync.Mutex
	st   state
	rng  *mrand.Rand
	seed int64
}

// state is everything Reset clears. Guarded by Server.mu.
type state struct {
	tokens     map[string]bool // token -> accepted (list mode)
	seen       map[string]bool // tokens used so far (any-token mode)
	expired    map[string]bool
	mailboxes  map[string]*mailbox      // by user ID
	messages   map[string]*message      // by id, every mailbox
	immutable  map[string]*message      // by immutable id, every mailbox
	folders    map[string][]*mailFolder // custom folders by mailbox ID
	lag        time.Duration
	sessions   map[string]*uploadSession
	delivered  []Delivered
	stats      Stats
	faultQueue []queuedFault
	faultRate  float64
	faultKinds []Fault
	latency    time.Duration
	retryAfter time.Duration
	bounces    map[string]NDR          // lower-case address -> how its mail bounces (BounceTo)
	contacts   map[string]*contactBook // by user ID
}

// Stats counts what the emulator saw since it started or was Reset.
type Stats struct {
	Requests        int           // every request
	SendRequests    int           // POST sendMail and POST messages/{id}/send
	Accepted        int           // messages accepted for delivery
	Throttled       int           // 429s for limits (message rate and concurrency), not injected ones
	QuotaRefused    int           // 403 ErrorExceededMessageLimit for the daily recipient budget
	Injected        map[Fault]int // injected faults by kind
	MaxConcurrent   int           // the most requests ever in flight for one mailbox, refused ones included
	InFlight        int           // requests being answered now, every mailbox
	Unauthorized    int           // 401 answers
	ContentEncoding map[string]int
}

func (o Options) withDefaults() Options {
	if o.User == (User{}) {
		o.User = User{ID: "11111111-1111-1111-1111-111111111111", DisplayName: "Ada Admin", Mail: "ada@contoso.test"}
	}
	if o.User.UserPrincipalName == "" {
		o.User.UserPrincipalName = o.User.Mail
	}
	if o.User.ID == "" {
		o.User.ID = "11111111-1111-1111-1111-111111111111"
	}
	if o.Users == nil {
		o.Users = generatedDirectory()
	}
	users := make([]User, 0, len(o.Users)+1)
	users = append(users, o.User)
	for _, u := range o.Users {
		if u.ID == o.User.ID {
			continue
		}
		if u.UserPrincipalName == "" {
			u.UserPrincipalName = u.Mail
		}
		users = append(users, u)
	}
	o.Users = users
	if o.PerWindow <= 0 {
		o.PerWindow = 30
	}
	if o.Window <= 0 {
		o.Window = 60 * time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.DailyRecipients <= 0 {
		o.DailyRecipients = 10000
	}
	if o.DayLength <= 0 {
		o.DayLength = 24 * time.Hour
	}
	if o.MaxRecipients <= 0 {
		o.MaxRecipients = 500
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// NewHandler returns an emulator that does not listen: serve it with
// Server.ServeHTTP (cmd/graphemu does). Its URL is empty; answers derive
// their absolute URLs from the request's Host.
func NewHandler(opt Options) *Server {
	s := &Server{opt: opt.withDefaults(), seed: opt.Seed}
	s.rng = mrand.New(mrand.NewPCG(uint64(opt.Seed), 0x5ec0e3e6))
	s.st = s.freshState()
	return s
}

// NewServer starts an emulator on 127.0.0.1. The caller must Close it.
func NewServer(opt Options) *Server {
	s := NewHandler(opt)
	s.hs = httptest.NewServer(s)
	s.URL = s.hs.URL + "/v1.0"
	return s
}

// Close shuts the listener down and waits for requests in flight.
func (s *Server) Close() {
	if s.hs != nil {
		s.hs.CloseClientConnections()
		s.hs.Close()
	}
	s.wg.Wait()
}

func (s *Server) freshState() state {
	st := state{
		tokens:     map[string]bool{},
		seen:       map[string]bool{},
		expired:    map[string]bool{},
		mailboxes:  map[string]*mailbox{},
		messages:   map[string]*message{},
		immutable:  map[string]*message{},
		folders:    map[string][]*mailFolder{},
		lag:        s.opt.SentItemsLag,
		sessions:   map[string]*uploadSession{},
		stats:      Stats{Injected: map[Fault]int{}, ContentEncoding: map[string]int{}},
		retryAfter: time.Second,
	}
	for _, t := range s.opt.Tokens {
		st.tokens[t] = true
	}
	return st
}

// Reset forgets every message, delivery, session, statistic, fault, latency
// and token change, as if the server had just started.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = s.freshState()
	s.rng = mrand.New(mrand.NewPCG(uint64(s.seed), 0x5ec0e3e6))
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st.stats
	for _, m := range s.st.mailboxes {
		st.InFlight += m.inflight
	}
	st.Injected = make(map[Fault]int, len(s.st.stats.Injected))
	for k, v := range s.st.stats.Injected {
		st.Injected[k] = v
	}
	st.ContentEncoding = make(map[string]int, len(s.st.stats.ContentEncoding))
	for k, v := range s.st.stats.ContentEncoding {
		st.ContentEncoding[k] = v
	}
	return st
}

// SetLatency adds d to every request (while it holds a concurrency slot).
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	s.st.latency = d
	s.mu.Unlock()
}

// SetRetryAfter sets the delay announced by injected FaultThrottle and
// FaultUnavailable answers (default 1 s). Retry-After carries whole seconds,
// rounded up; X-Retry-After-Ms carries d exactly.
func (s *Server) SetRetryAfter(d time.Duration) {
	s.mu.Lock()
	s.st.retryAfter = d
	s.mu.Unlock()
}

// SetSentItemsLag sets how long a message accepted from now on takes to
// reach Sent Items (Options.SentItemsLag).
func (s *Server) SetSentItemsLag(d time.Duration) {
	s.mu.Lock()
	s.st.lag = d
	s.mu.Unlock()
}

// ExpireTokens makes every token accepted so far answer 401
// InvalidAuthenticationToken. With Options.Tokens set, only tokens given to
// AddToken afterwards are accepted; with any-token mode, any token not yet
// seen is accepted (it stands for a refreshed one).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.st.tokens {
		s.st.expired[t] = true
	}
	for t := range s.st.seen {
		s.st.expired[t] = true
	}
	s.st.tokens = map[string]bool{}
}

// AddToken makes tok an accepted bearer token (again).
func (s *Server) AddToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.st.expired, tok)
	s.st.tokens[tok] = true
}

func (s *Server) now() time.Time { return s.opt.Now() }

func (s *Server) logf(format string, args ...any) {
	if s.opt.Logf != nil {
		s.opt.Logf(format, args...)
	}
}

// reqCtx is what a handler needs to know about the request it serves.
type reqCtx struct {
	now             time.Time
	requestID       string
	clientRequestID string
	base            string // absolute base URL with /v1.0
	mbx             *mailbox
	immutableIDs    bool           // the request asked for Prefer: IdType="ImmutableId"
	answer          map[string]any // a success body prepared before a post-accept fault may replace it
}

// idOf is the id of m as this request sees it: its immutable id when the
// request asked for immutable ids, else its regular id, which changes when
// the message moves to another folder.
func (rc *reqCtx) idOf(m *message) string {
	if rc.immutableIDs {
		return m.immID
	}
	return m.id
}

// preferImmutable reports whether a Prefer header asks for IdType="ImmutableId".
func preferImmutable(h http.Header) bool {
	for _, v := range h.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "IdType") && strings.EqualFold(strings.Trim(strings.TrimSpace(val), `"`), "ImmutableId") {
				return true
			}
		}
	}
	return false
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/v1.0"
}

// statusWriter remembers the status for the log line.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController find the Hijacker.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ServeHTTP answers one Graph request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.wg.Add(1)
	defer s.wg.Done()
	sw := &statusWriter{ResponseWriter: w}
	rc := &reqCtx{
		now:             s.now(),
		requestID:       newUUID(),
		clientRequestID: r.Header.Get("client-request-id"),
		base:            baseURL(r),
		immutableIDs:    preferImmutable(r.Header),
	}
	if rc.clientRequestID == "" {
		rc.clientRequestID = rc.requestID
	}
	sw.Header().Set("request-id", rc.requestID)
	sw.Header().Set("client-request-id", rc.clientRequestID)
	if rc.immutableIDs {
		sw.Header().Set("Preference-Applied", `IdType="ImmutableId"`)
	}
	s.mu.Lock()
	s.st.stats.Requests++
	s.mu.Unlock()
	defer func() {
		s.logf("graphtest: %s %s -> %d", r.Method, r.URL.RequestURI(), sw.status)
	}()
	if e := s.route(sw, r, rc); e != nil {
		if e.status == http.StatusUnauthorized {
			s.mu.Lock()
			s.st.stats.Unauthorized++
			s.mu.Unlock()
		}
		s.writeError(sw, rc, e)
	}
}

// checkAuth validates the bearer token.
func (s *Server) checkAuth(r *http.Request) *graphError {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		if t, ok2 := strings.CutPrefix(h, "bearer "); ok2 {
			tok, ok = t, true
		}
	}
	tok = strings.TrimSpace(tok)
	if !ok || tok == "" {
		return errf(http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.expired[tok] {
		return errf(http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
	}
	if s.opt.Tokens == nil {
		s.st.seen[tok] = true
		return nil
	}
	if !s.st.tokens[tok] {
		return errf(http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
	}
	return nil
}

// enter takes a concurrency slot of mbx, or refuses with 429. The returned
// func releases it.
func (s *Server) enter(mbx *mailbox) (func(), *graphError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mbx.inflight++
	if mbx.inflight > s.st.stats.MaxConcurrent {
		s.st.stats.MaxConcurrent = mbx.inflight
	}
	if mbx.inflight > s.opt.Concurrency {
		mbx.inflight--
		s.st.stats.Throttled++
		e := errf(http.StatusTooManyRequests, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.")
		e.retryAfter = time.Second
		return nil, e
	}
	return func() {
		s.mu.Lock()
		mbx.inflight--
		s.mu.Unlock()
	}, nil
}

// sleep waits for the configured latency or until the request is cancelled.
func (s *Server) sleep(r *http.Request) {
	s.mu.Lock()
	d := s.st.latency
	s.mu.Unlock()
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// randomID returns n random bytes in the URL-safe alphabet Graph ids use.
func randomID(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	out := make([]byte, n)
	for i, c := range b {
		out[i] = alphabet[int(c)%len(alphabet)]
	}
	return prefix + string(out)
}

func (s *Server) String() string { return fmt.Sprintf("graphtest.Server(%s)", s.URL) }
