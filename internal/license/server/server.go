package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/securemerge/securemerge/internal/license"
)

// Limits of the HTTP server.
const (
	MaxRequestBody    = 1 << 10 // the check's body: {"email": …} fits many times over
	maxHeaderBytes    = 8 << 10
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 10 * time.Second
	idleTimeout       = 60 * time.Second
	shutdownTimeout   = 15 * time.Second // in-flight requests get this long to finish
)

// Licences says whether an address holds a licence; *DB implements it.
type Licences interface {
	// Use reports whether the (normalized) address holds an active
	// licence, and records the use.
	Use(address string, now time.Time) (bool, error)
}

var _ Licences = (*DB)(nil)

// Options configure a Server. Key and Licences or Store are required.
type Options struct {
	Licences Licences           // answers checks; nil means Store
	Store    Store              // the admin API's store; nil disables the admin API (404)
	Verifier IDVerifier         // verifies admins' Microsoft ID tokens; nil disables the admin API
	Key      ed25519.PrivateKey // signs tokens; `licensed keygen` writes one
	TTL      time.Duration      // token lifetime (how long the app stays licensed offline); 0 means 30 days
	Rate     rate.Limit         // checks per second per client address; 0 means 1; rate.Inf means unlimited
	Burst    int                // checks a client address may make at once; 0 means 20
	Logger   *slog.Logger       // nil means no logs
	Now      func() time.Time   // nil means time.Now
}

// Server is the licence server's HTTP handler. It is safe for concurrent
// use.
type Server struct {
	opt Options
	lim *limiter
	log *slog.Logger
	mux *http.ServeMux
}

// New checks opt and returns a Server.
func New(opt Options) (*Server, error) {
	if opt.Licences == nil && opt.Store != nil {
		opt.Licences = opt.Store
	}
	if opt.Licences == nil {
		return nil, errors.New("server: no licence store")
	}
	if len(opt.Key) != ed25519.PrivateKeySize {
		return nil, errors.New("server: no Ed25519 private key")
	}
	if opt.TTL <= 0 {
		opt.TTL = 30 * 24 * time.Hour
	}
	if opt.Rate == 0 {
		opt.Rate = 1
	}
	if opt.Burst <= 0 {
		opt.Burst = 20
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{opt: opt, lim: newLimiter(opt.Rate, opt.Burst), log: log, mux: http.NewServeMux()}
	s.mux.HandleFunc(license.CheckPath, s.check)
	s.routeAdmin()
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint")
	})
	return s, nil
}

// PublicKey is the key the app must be built with to trust this server.
func (s *Server) PublicKey() ed25519.PublicKey { return s.opt.Key.Public().(ed25519.PublicKey) }

// ServeHTTP serves the API and logs each request without personal data.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(rec, r)
	route := "other" // an unknown path could hold anything, an address included
	if _, p, _ := strings.Cut(r.Pattern, " "); p != "" && p != "/" {
		route = p // the pattern, never the path: /v1/seats/{id}, not the id
	} else if r.Pattern == license.CheckPath || strings.HasPrefix(r.Pattern, "/v1/") {
		route = r.Pattern
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("method", r.Method), slog.String("route", route),
		slog.Int("status", rec.status), slog.Duration("duration", time.Since(start)))
}

// Serve serves on ln until ctx is done, then shuts down gracefully:
// requests in flight finish (for up to 15 s), new ones are refused. The
// caller closes the store after it returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          errorLog(s.log),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	<-errc
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func (s *Server) check(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use POST")
		return
	}
	now := s.opt.Now()
	if s.opt.Rate != rate.Inf && !math.IsInf(float64(s.opt.Rate), 1) {
		if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
			if ok, wait := s.lim.allow(ap.Addr(), now); !ok {
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
				writeError(w, http.StatusTooManyRequests, "rate_limited", "too many checks from this address; try again later")
				return
			}
		}
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send application/json")
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", "the request body is too large")
			return
		}
		writeError(w, http.StatusBadRequest, "bad_request", "the request body could not be read")
		return
	}
	var req struct {
		Email *string `json:"email"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.Email == nil || dec.More() {
		writeError(w, http.StatusBadRequest, "bad_request", `the body must be exactly {"email": "…"}`)
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		writeError(w, http.StatusBadRequest, "bad_request", `the body must be exactly {"email": "…"}`)
		return
	}
	addr, err := NormalizeAddress(*req.Email)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_email", "not an e-mail address")
		return
	}
	licensed, err := s.opt.Licences.Use(addr, now)
	if err != nil {
		s.log.Error("licence lookup failed", "err", err) // bbolt errors name no address
		writeError(w, http.StatusInternalServerError, "internal", "the licence could not be looked up")
		return
	}
	t := license.Token{Plan: license.Free, Email: addr, IssuedAt: now, Expires: now.Add(s.opt.TTL)}
	if licensed {
		t.Plan = license.Pro
	}
	tok, err := license.Sign(s.opt.Key, t)
	if err != nil {
		s.log.Error("signing failed", "err", err.Error())
		writeError(w, http.StatusInternalServerError, "internal", "the token could not be signed")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, struct {
		Token string `json:"token"`
	}{tok})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, errCode, msg string) {
	writeJSON(w, code, struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}{errCode, msg})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
