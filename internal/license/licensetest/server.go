package licensetest

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/securemerge/securemerge/internal/license"
)

// Fault is how the next answers go wrong.
type Fault int

// Faults for SetFault.
const (
	None         Fault = iota // answer correctly
	Forged                    // a well-formed token signed with OtherKey
	GarbledToken              // {"token": "<not a token>"}
	Garbage                   // 200 with a body that is not JSON
	OtherAddress              // a valid pro token for another address
	Expired                   // a valid pro token that has already expired
	BadRequest                // HTTP 400 {"error":"bad_request",…}
	Throttled                 // HTTP 429 with Retry-After: 30
	Unavailable               // HTTP 503
	Hang                      // no answer until the client gives up or Close
)

// Options configures a fake. The zero value signs with the development key,
// tokens valid 30 days, by the real clock.
type Options struct {
	Key ed25519.PrivateKey // nil means PrivateKey()
	TTL time.Duration      // token lifetime; 0 means 30 days
	Now func() time.Time   // nil means time.Now
}

// Request is one request as received.
type Request struct {
	Method, Path, RawQuery, Proto, Host string
	Header                              http.Header // as received, Host excluded (Go moves it to Host)
	ContentLength                       int64
	TransferEncoding                    []string
	Body                                []byte
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	URL string // base URL, e.g. http://127.0.0.1:41234 (SECUREMERGE_LICENSE_URL)

	opt  Options
	hs   *httptest.Server
	done chan struct{}
	once sync.Once

	mu       sync.Mutex
	pro      map[string]bool
	fault    Fault
	latency  time.Duration
	requests []Request
}

// NewServer starts a fake on 127.0.0.1; t.Cleanup(s.Close) it.
func NewServer(opt Options) *Server {
	if opt.Key == nil {
		opt.Key = PrivateKey()
	}
	if opt.TTL <= 0 {
		opt.TTL = 30 * 24 * time.Hour
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &Server{opt: opt, pro: map[string]bool{}, done: make(chan struct{})}
	s.hs = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.hs.URL
	return s
}

// Close stops the server, ending hung requests first.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		s.hs.Close()
	})
}

// Grant gives email a pro licence.
func (s *Server) Grant(email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pro[strings.ToLower(email)] = true
}

// Revoke takes email's licence away.
func (s *Server) Revoke(email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pro, strings.ToLower(email))
}

// SetFault makes every answer from now on go wrong as f (None to stop).
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}

// SetLatency delays every answer by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Reset forgets recorded requests and clears the fault and latency.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests, s.fault, s.latency = nil, None, 0
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Proto: r.Proto, Host: r.Host,
		Header: r.Header.Clone(), ContentLength: r.ContentLength,
		TransferEncoding: append([]string(nil), r.TransferEncoding...), Body: body,
	})
	fault, latency := s.fault, s.latency
	s.mu.Unlock()

	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		}
	}
	if r.Method != http.MethodPost || r.URL.Path != license.CheckPath {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint")
		return
	}
	var req struct {
		Email string `json:"email"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.Email == "" {
		writeError(w, http.StatusBadRequest, "bad_request", `want {"email": "…"}`)
		return
	}
	now := s.opt.Now()
	t := license.Token{Plan: license.Free, Email: req.Email, IssuedAt: now, Expires: now.Add(s.opt.TTL)}
	s.mu.Lock()
	if s.pro[strings.ToLower(req.Email)] {
		t.Plan = license.Pro
	}
	s.mu.Unlock()
	key := s.opt.Key
	switch fault {
	case Hang:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		return
	case BadRequest:
		writeError(w, http.StatusBadRequest, "bad_request", "refused by the fake")
		return
	case Throttled:
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusTooManyRequests, "rate_limited", "too many checks")
		return
	case Unavailable:
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the fake is down")
		return
	case Garbage:
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "<html>not json</html>")
		return
	case GarbledToken:
		writeJSON(w, http.StatusOK, map[string]string{"token": "bm90IGEgdG9rZW4.bm90IGEgc2lnbmF0dXJl"})
		return
	case Forged:
		key, t.Plan = OtherKey(), license.Pro
	case OtherAddress:
		t.Email, t.Plan = "someone.else@example.com", license.Pro
	case Expired:
		t.Plan, t.IssuedAt, t.Expires = license.Pro, now.Add(-2*s.opt.TTL), now.Add(-time.Hour)
	}
	tok, err := license.Sign(key, t)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", fmt.Sprint(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"token": tok})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, errCode, msg string) {
	writeJSON(w, code, map[string]string{"error": errCode, "message": msg})
}
