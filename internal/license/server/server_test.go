package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/securemerge/securemerge/internal/license"
	"github.com/securemerge/securemerge/internal/license/licensetest"
)

// serve starts a Server on 127.0.0.1 and returns its base URL.
func serve(t testing.TB, opt Options) string {
	t.Helper()
	if opt.Key == nil {
		opt.Key = licensetest.PrivateKey()
	}
	s, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

func post(t *testing.T, url, ctype, body string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(url+license.CheckPath, ctype, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestCheckSignsFreeThenPro(t *testing.T) {
	db := openDB(t)
	var logs bytes.Buffer
	var mu sync.Mutex
	now := t0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	url := serve(t, Options{Licences: db, Logger: slog.New(slog.NewJSONHandler(&syncWriter{w: &logs, mu: &mu}, nil)), Now: clock})
	c := &license.Client{URL: url, Now: clock}

	if s, err := c.Check(context.Background(), "ada@contoso.com"); err != nil || s.Licensed() {
		t.Fatalf("Check(unlicensed) = %+v, %v; want a signed free token", s, err)
	}
	db.SetSeats(tenant, 1, t0)
	db.Grant(tenant, Licence{Email: "ada@contoso.com", Name: "Ada Lovelace"}, t0)
	mu.Lock()
	now = t0.Add(time.Hour)
	mu.Unlock()
	s, err := c.Check(context.Background(), "Ada@Contoso.com")
	if err != nil || !s.Licensed() || !s.Expires.Equal(t0.Add(time.Hour+30*24*time.Hour)) {
		t.Fatalf("Check(licensed) = %+v, %v; want pro for 30 days", s, err)
	}
	if ls, _ := db.Licences(tenant); !ls[0].LastUsed.Equal(t0.Add(time.Hour)) {
		t.Errorf("last used = %v; want the check's time", ls[0].LastUsed)
	}
	http.Get(url + "/v1/seats/ada@contoso.com")
	mu.Lock()
	defer mu.Unlock()
	for _, personal := range []string{"ada", "Ada", "contoso", "Lovelace", "127.0.0.1"} {
		if strings.Contains(logs.String(), personal) {
			t.Errorf("the logs carry %q:\n%s", personal, logs.String())
		}
	}
	if !strings.Contains(logs.String(), `"route":"/v1/licenses/check"`) {
		t.Errorf("the logs do not record the checks:\n%s", logs.String())
	}
}

type syncWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func TestCheckRefusesBadRequests(t *testing.T) {
	url := serve(t, Options{Licences: openDB(t), Rate: rateInf})
	tests := []struct {
		name, ctype, body string
		status            int
		code              string
	}{
		{"extra field", "application/json", `{"email":"a@b.com","tenant":"x"}`, 400, "bad_request"},
		{"no email", "application/json", `{}`, 400, "bad_request"},
		{"null email", "application/json", `{"email":null}`, 400, "bad_request"},
		{"not json", "application/json", `email=a@b.com`, 400, "bad_request"},
		{"two objects", "application/json", `{"email":"a@b.com"}{"email":"c@d.com"}`, 400, "bad_request"},
		{"array", "application/json", `[{"email":"a@b.com"}]`, 400, "bad_request"},
		{"decorated address", "application/json", `{"email":"Ada <a@b.com>"}`, 400, "invalid_email"},
		{"not an address", "application/json", `{"email":"hello"}`, 400, "invalid_email"},
		{"too large", "application/json", `{"email":"` + strings.Repeat("a", 2000) + `@b.com"}`, 413, "too_large"},
		{"form", "application/x-www-form-urlencoded", `{"email":"a@b.com"}`, 415, "unsupported_media_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := post(t, url, tt.ctype, tt.body)
			var e struct{ Error, Message string }
			json.Unmarshal([]byte(body), &e)
			if resp.StatusCode != tt.status || e.Error != tt.code || e.Message == "" {
				t.Errorf("POST %.60s = %d %s; want %d {\"error\":%q, \"message\":…}", tt.body, resp.StatusCode, body, tt.status, tt.code)
			}
		})
	}
	resp, err := http.Get(url + license.CheckPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET the check = %d, Allow %q; want 405, POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
	resp, _ = http.Get(url + "/v1/seats")
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("GET /v1/seats = %d; want 404 (the admin API is part 2)", resp.StatusCode)
	}
}

const rateInf = rate.Inf

func TestRateLimitPerClientAddress(t *testing.T) {
	url := serve(t, Options{Licences: openDB(t), Rate: 0.5, Burst: 3})
	for i := range 3 {
		if resp, body := post(t, url, "application/json", `{"email":"a@b.com"}`); resp.StatusCode != 200 {
			t.Fatalf("check %d = %d %s; want 200 within the burst", i+1, resp.StatusCode, body)
		}
	}
	resp, body := post(t, url, "application/json", `{"email":"a@b.com"}`)
	retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != 429 || !strings.Contains(body, `"rate_limited"`) || err != nil || retry < 1 || retry > 2 {
		t.Errorf("check past the burst = %d, Retry-After %q, %s; want 429, 1–2 s, rate_limited", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	l := newLimiter(0.5, 3)
	for range 3 {
		l.allow(netipMust("2001:db8::1"), t0)
	}
	if ok, _ := l.allow(netipMust("2001:db8::ffff"), t0); ok {
		t.Error("another address of the same IPv6 /64 got a fresh bucket")
	}
	if ok, _ := l.allow(netipMust("2001:db8:0:1::1"), t0); !ok {
		t.Error("another /64 was limited")
	}
	if ok, _ := l.allow(netipMust("2001:db8::1"), t0.Add(time.Hour)); !ok || len(l.visitors) != 1 {
		t.Errorf("after an hour: allowed %v, %d buckets kept; want allowed and idle buckets swept", ok, len(l.visitors))
	}
}

// blocking holds every Use until released, to catch a request in flight.
type blocking struct {
	Licences
	entered chan struct{}
	release chan struct{}
}

func (b *blocking) Use(a string, now time.Time) (bool, error) {
	b.entered <- struct{}{}
	<-b.release
	return b.Licences.Use(a, now)
}

func TestShutdownLetsRequestsInFlightFinish(t *testing.T) {
	db := openDB(t)
	b := &blocking{Licences: db, entered: make(chan struct{}), release: make(chan struct{})}
	s, _ := New(Options{Licences: b, Key: licensetest.PrivateKey()})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String()

	answer := make(chan int, 1)
	go func() {
		resp, err := http.Post(url+license.CheckPath, "application/json", strings.NewReader(`{"email":"a@b.com"}`))
		if err != nil {
			answer <- -1
			return
		}
		resp.Body.Close()
		answer <- resp.StatusCode
	}()
	<-b.entered
	cancel()
	select {
	case err := <-done:
		t.Fatalf("Serve returned (%v) while a request was in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(b.release)
	if code := <-answer; code != 200 {
		t.Errorf("the request in flight got %d; want 200", code)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve = %v; want a clean shutdown", err)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("the server still accepts connections after shutdown")
	}
}

func TestNewRequiresKeyAndStore(t *testing.T) {
	if _, err := New(Options{Key: licensetest.PrivateKey()}); err == nil {
		t.Error("New without a store succeeded")
	}
	if _, err := New(Options{Licences: openDB(t), Key: ed25519.PrivateKey("short")}); err == nil {
		t.Error("New with a bad key succeeded")
	}
}

func netipMust(s string) netip.Addr { return netip.MustParseAddr(s) }
