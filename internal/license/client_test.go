package license_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/license"
	"github.com/securemerge/securemerge/internal/license/licensetest"
)

const ada = "ada@contoso.com"

// memCache is a Cache in memory, as internal/store keeps it on disk.
type memCache struct {
	mu    sync.Mutex
	token []byte
	seen  time.Time
	saves int
}

func (m *memCache) LicenseToken() ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return bytes.Clone(m.token), nil
}

func (m *memCache) SetLicenseToken(b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.token = bytes.Clone(b)
	return nil
}

func (m *memCache) LicenseSeen() (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.seen, nil
}

func (m *memCache) SetLicenseSeen(t time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen = t
	m.saves++
	return nil
}

// clock is a settable fake clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// setup starts a fake server and a client of it with a cache and a clock.
func setup(t *testing.T) (*licensetest.Server, *license.Client, *memCache, *clock) {
	t.Helper()
	clk := &clock{now: issued}
	srv := licensetest.NewServer(licensetest.Options{Now: clk.Now})
	t.Cleanup(srv.Close)
	cache := &memCache{}
	c := &license.Client{URL: srv.URL, Cache: cache, Now: clk.Now, Timeout: 5 * time.Second}
	t.Cleanup(c.Wait)
	return srv, c, cache, clk
}

func TestCheckFreeThenPro(t *testing.T) {
	srv, c, cache, _ := setup(t)
	s, err := c.Check(context.Background(), ada)
	if err != nil || s.Plan != license.Free || !s.FooterApplies() || s.Offline {
		t.Fatalf("Check(unlicensed) = %+v, %v; want the free plan, online", s, err)
	}
	if len(cache.token) == 0 {
		t.Error("the free token was not cached")
	}
	srv.Grant(ada)
	s, err = c.Check(context.Background(), ada)
	if err != nil || !s.Licensed() || s.FooterApplies() || s.Email != ada || !s.Checked.Equal(issued) || !s.Expires.Equal(issued.Add(30*24*time.Hour)) {
		t.Fatalf("Check(licensed) = %+v, %v; want pro for %s, checked %v", s, err, ada, issued)
	}
	if got := c.Status(ada); !got.Licensed() || got.Offline {
		t.Errorf("Status after the check = %+v; want licensed from the cache", got)
	}
	if got := c.Status("eve@contoso.com"); got.Licensed() {
		t.Errorf("Status(another address) = %+v; want free: the cached token is Ada's", got)
	}
}

// allowed is the shape of the one request (DESIGN.md §7, §10).
var allowedHeaders = []string{"Accept", "Accept-Encoding", "Connection", "Content-Length", "Content-Type", "Host", "User-Agent"}

func TestRequestIsExactlyTheAllowedOne(t *testing.T) {
	srv, c, _, _ := setup(t)
	c.UserAgent = "SecureMerge/1.2.3"
	c.Check(context.Background(), ada)
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests; want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/v1/licenses/check" || r.RawQuery != "" {
		t.Errorf("request line = %s %s?%s; want POST /v1/licenses/check with no query", r.Method, r.Path, r.RawQuery)
	}
	if want := `{"email":"ada@contoso.com"}`; string(r.Body) != want {
		t.Errorf("body = %q; want exactly %q", r.Body, want)
	}
	if r.ContentLength != int64(len(r.Body)) || len(r.TransferEncoding) != 0 {
		t.Errorf("Content-Length %d, Transfer-Encoding %v; want a Content-Length of %d and no chunking", r.ContentLength, r.TransferEncoding, len(r.Body))
	}
	for name := range r.Header {
		if !slices.Contains(allowedHeaders, name) {
			t.Errorf("header %s: %q is not allowed", name, r.Header[name])
		}
	}
	want := map[string]string{"User-Agent": "SecureMerge/1.2.3", "Content-Type": "application/json", "Accept": "application/json"}
	for k, v := range want {
		if got := r.Header.Get(k); got != v {
			t.Errorf("%s = %q; want %q", k, got, v)
		}
	}
}

// TestRequestBytesOnTheWire reads the request off a raw socket and compares
// it byte for byte: nothing the Go transport might add goes unseen.
func TestRequestBytesOnTheWire(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer conn.Close()
		br := bufio.NewReader(conn)
		var raw bytes.Buffer
		req, err := http.ReadRequest(bufio.NewReader(io.TeeReader(br, &raw)))
		if err == nil {
			io.ReadAll(req.Body)
		}
		got <- raw.Bytes()
		io.WriteString(conn, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
	}()
	c := &license.Client{URL: "http://" + ln.Addr().String(), UserAgent: "SecureMerge/1.2.3", Timeout: 5 * time.Second}
	c.Check(context.Background(), ada)
	body := `{"email":"ada@contoso.com"}`
	want := "POST /v1/licenses/check HTTP/1.1\r\n" +
		"Host: " + ln.Addr().String() + "\r\n" +
		"User-Agent: SecureMerge/1.2.3\r\n" +
		"Content-Length: 27\r\n" +
		"Accept: application/json\r\n" +
		"Content-Type: application/json\r\n" +
		"Accept-Encoding: gzip\r\n" +
		"\r\n" + body
	if raw := <-got; string(raw) != want {
		t.Errorf("on the wire:\n%s\nwant:\n%s", raw, want)
	}
}

func TestNoCookiesNoRedirects(t *testing.T) {
	var elsewhere int
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere++ }))
	defer other.Close()
	var cookies []string
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cookies = append(cookies, r.Header.Values("Cookie")...)
		http.SetCookie(w, &http.Cookie{Name: "track", Value: "1", Path: "/"})
		http.Redirect(w, r, other.URL+"/v1/licenses/check", http.StatusTemporaryRedirect)
	}))
	defer redirecting.Close()
	jar, _ := cookiejar.New(nil)
	c := &license.Client{URL: redirecting.URL, HTTP: &http.Client{Jar: jar}, Timeout: 5 * time.Second}
	for range 2 {
		if s, err := c.Check(context.Background(), ada); !errors.Is(err, license.ErrServer) || s.Licensed() {
			t.Errorf("Check against a redirect = %+v, %v; want ErrServer and the free plan", s, err)
		}
	}
	if elsewhere != 0 {
		t.Errorf("the redirect was followed: %d requests reached another server", elsewhere)
	}
	if len(cookies) != 0 {
		t.Errorf("cookies were sent back: %q", cookies)
	}
}

func TestFailuresMeanCacheOrFree(t *testing.T) {
	faults := []struct {
		name  string
		fault licensetest.Fault
		want  error
	}{
		{"forged", licensetest.Forged, license.ErrForged},
		{"garbled token", licensetest.GarbledToken, license.ErrGarbled},
		{"garbage", licensetest.Garbage, license.ErrBadAnswer},
		{"other address", licensetest.OtherAddress, license.ErrOtherAddress},
		{"expired", licensetest.Expired, license.ErrExpired},
		{"400", licensetest.BadRequest, license.ErrServer},
		{"429", licensetest.Throttled, license.ErrServer},
		{"503", licensetest.Unavailable, license.ErrServer},
		{"hang", licensetest.Hang, license.ErrUnreachable},
		{"down", -1, license.ErrUnreachable},
	}
	for _, tt := range faults {
		for _, cached := range []bool{false, true} {
			name := tt.name + "/no cache"
			if cached {
				name = tt.name + "/licence cached"
			}
			t.Run(name, func(t *testing.T) {
				srv, c, _, clk := setup(t)
				c.Timeout = 200 * time.Millisecond
				srv.Grant(ada)
				if cached {
					if s, err := c.Check(context.Background(), ada); err != nil || !s.Licensed() {
						t.Fatalf("first check = %+v, %v", s, err)
					}
					clk.Set(issued.Add(48 * time.Hour))
				}
				if tt.fault < 0 {
					srv.Close()
				} else {
					srv.SetFault(tt.fault)
				}
				s, err := c.Check(context.Background(), ada)
				if !errors.Is(err, tt.want) {
					t.Errorf("Check: err = %v; want %v", err, tt.want)
				}
				if !s.Offline || s.Message == "" {
					t.Errorf("Check = %+v; want Offline with a message", s)
				}
				if s.Licensed() != cached {
					t.Errorf("Check = %+v; licensed = %v, want %v (the cache, else free)", s, s.Licensed(), cached)
				}
				if cached && !strings.Contains(s.Message, "valid until") {
					t.Errorf("Message = %q; want it to say the saved licence is still valid", s.Message)
				}
				if p, _ := c.Plan(context.Background(), ada); p.Licensed() != cached {
					t.Errorf("Plan after the failure = %+v; licensed want %v", p, cached)
				}
			})
		}
	}
}

func TestOfflineUntilExpiryThenFree(t *testing.T) {
	srv, c, _, clk := setup(t)
	srv.Grant(ada)
	if s, err := c.Plan(context.Background(), ada); err != nil || !s.Licensed() {
		t.Fatalf("Plan = %+v, %v; want licensed", s, err)
	}
	n := len(srv.Requests())
	clk.Set(issued.Add(12 * time.Hour))
	if s, _ := c.Plan(context.Background(), ada); !s.Licensed() {
		t.Errorf("Plan after 12 h = %+v; want licensed", s)
	}
	c.Wait()
	if got := len(srv.Requests()); got != n {
		t.Errorf("a token 12 h old was re-checked (%d requests; want %d)", got, n)
	}
	srv.Close()
	clk.Set(issued.Add(29 * 24 * time.Hour))
	if s, _ := c.Plan(context.Background(), ada); !s.Licensed() {
		t.Errorf("Plan offline after 29 days = %+v; want still licensed", s)
	}
	c.Wait()
	clk.Set(issued.Add(30*24*time.Hour + time.Second))
	s, _ := c.Plan(context.Background(), ada)
	if s.Licensed() || !s.FooterApplies() || !strings.Contains(s.Message, "expired") {
		t.Errorf("Plan offline after expiry = %+v; want free, saying the licence expired", s)
	}
}

func TestBackgroundRecheckAfterADay(t *testing.T) {
	srv, c, _, clk := setup(t)
	srv.Grant(ada)
	c.Check(context.Background(), ada)
	srv.Revoke(ada)
	clk.Set(issued.Add(25 * time.Hour))
	if s, _ := c.Plan(context.Background(), ada); !s.Licensed() {
		t.Errorf("Plan = %+v; want the cached licence at once", s)
	}
	c.Wait()
	if got := len(srv.Requests()); got != 2 {
		t.Errorf("%d requests; want 2 (the check, the background re-check)", got)
	}
	if s := c.Status(ada); s.Licensed() || !s.Checked.Equal(issued.Add(25*time.Hour)) {
		t.Errorf("Status after the re-check = %+v; want the revoked licence gone, checked at +25 h", s)
	}
}

func TestClockSetBackDoesNotStretchALicence(t *testing.T) {
	srv, c, cache, clk := setup(t)
	srv.Grant(ada)
	c.Check(context.Background(), ada)
	srv.Close()
	expiry := issued.Add(30 * 24 * time.Hour)
	clk.Set(expiry.Add(time.Minute))
	if s := c.Status(ada); s.Licensed() {
		t.Fatalf("Status after expiry = %+v; want free", s)
	}
	clk.Set(issued.Add(24 * time.Hour))
	if s := c.Status(ada); s.Licensed() {
		t.Errorf("Status with the clock set back 29 days = %+v; want still free", s)
	}
	// A restart (a new client on the same cache) remembers too.
	restarted := &license.Client{URL: srv.URL, Cache: cache, Now: clk.Now}
	if s := restarted.Status(ada); s.Licensed() {
		t.Errorf("Status after a restart with the clock set back = %+v; want free", s)
	}
	// The most a clock set back gains is the step between two saves.
	c2cache := &memCache{}
	srv2 := licensetest.NewServer(licensetest.Options{Now: clk.Now})
	defer srv2.Close()
	srv2.Grant(ada)
	clk.Set(issued)
	c2 := &license.Client{URL: srv2.URL, Cache: c2cache, Now: clk.Now}
	c2.Check(context.Background(), ada)
	for at := issued; at.Before(expiry.Add(2 * time.Hour)); at = at.Add(10 * time.Minute) {
		clk.Set(at)
		c2.Status(ada)
	}
	clk.Set(issued)
	if s := (&license.Client{Cache: c2cache, Now: clk.Now}).Status(ada); s.Licensed() {
		t.Errorf("after running past expiry and setting the clock back: %+v; want free", s)
	}
	if c2cache.saves > 30*24+2 {
		t.Errorf("the latest-seen time was saved %d times in 30 days; want at most one an hour", c2cache.saves)
	}
}

func TestClockAheadIsCorrectedByTheServer(t *testing.T) {
	srv, c, _, clk := setup(t)
	srv.Grant(ada)
	serverNow := issued
	srv2 := licensetest.NewServer(licensetest.Options{Now: func() time.Time { return serverNow }})
	defer srv2.Close()
	srv2.Grant(ada)
	srv.Close()
	c.URL = srv2.URL
	clk.Set(issued.Add(365 * 24 * time.Hour)) // the computer's clock ran a year ahead
	c.Status(ada)
	clk.Set(issued) // and was fixed
	if s, err := c.Check(context.Background(), ada); err != nil || !s.Licensed() {
		t.Fatalf("Check with a corrected clock = %+v, %v", s, err)
	}
	if s := c.Status(ada); !s.Licensed() {
		t.Errorf("Status after the check = %+v; want licensed: the server's time replaced the one that ran ahead", s)
	}
}

func TestNotSignedInIsFreeWithNoRequest(t *testing.T) {
	srv, c, _, _ := setup(t)
	s, err := c.Plan(context.Background(), " ")
	if !errors.Is(err, license.ErrNoAddress) || s.Licensed() || s.Message == "" {
		t.Errorf("Plan(\"\") = %+v, %v; want free, ErrNoAddress, a message", s, err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests without an address", n)
	}
}

func TestFailedCheckIsNotRepeatedAtOnce(t *testing.T) {
	srv, c, _, clk := setup(t)
	srv.SetFault(licensetest.Unavailable)
	for range 5 {
		c.Plan(context.Background(), ada)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests for 5 Plan calls in a row against a failing server; want 1", n)
	}
	clk.Set(issued.Add(2 * time.Minute))
	srv.SetFault(licensetest.None)
	if s, err := c.Plan(context.Background(), ada); err != nil || s.Offline {
		t.Errorf("Plan a minute later = %+v, %v; want a new, successful check", s, err)
	}
}

func TestTamperedCacheIsFree(t *testing.T) {
	srv, c, cache, _ := setup(t)
	srv.Grant(ada)
	c.Check(context.Background(), ada)
	tok := cache.token
	for _, bad := range [][]byte{tok[:len(tok)-3], append([]byte("x"), tok...), []byte(sign(t, licensetest.OtherKey(), proToken)), {0xff, 0, 1}} {
		cache.token = bad
		if s := c.Status(ada); s.Licensed() || s.Message == "" {
			t.Errorf("Status with cached %.30q = %+v; want free with a message", bad, s)
		}
	}
}

func TestEndpoint(t *testing.T) {
	ok := map[string]string{
		"":                          "https://license.securemerge.app/v1/licenses/check",
		"https://lic.example.com/":  "https://lic.example.com/v1/licenses/check",
		"https://lic.example.com/a": "https://lic.example.com/a/v1/licenses/check",
		"http://127.0.0.1:8787":     "http://127.0.0.1:8787/v1/licenses/check",
		"http://[::1]:8787":         "http://[::1]:8787/v1/licenses/check",
		"http://localhost:8787/":    "http://localhost:8787/v1/licenses/check",
	}
	for in, want := range ok {
		if got, err := license.Endpoint(in); err != nil || got != want {
			t.Errorf("Endpoint(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"http://lic.example.com", "https://lic.example.com/?x=1", "https://lic.example.com/?", "https://u:p@lic.example.com", "ftp://lic.example.com", "lic.example.com", "https://h/#f", "::"} {
		if got, err := license.Endpoint(in); !errors.Is(err, license.ErrBadURL) {
			t.Errorf("Endpoint(%q) = %q, %v; want ErrBadURL", in, got, err)
		}
	}
}

func BenchmarkStatusOffline(b *testing.B) {
	cache := &memCache{token: []byte(sign(b, devKey, proToken))}
	c := &license.Client{Cache: cache, Now: func() time.Time { return issued.Add(time.Hour) }}
	b.ReportAllocs()
	for b.Loop() {
		if !c.Status(ada).Licensed() {
			b.Fatal("not licensed")
		}
	}
}

// TestTimeoutCoversTheBody: a server that sends its headers and then
// trickles the body cannot hold the check past Timeout.
func TestTimeoutCoversTheBody(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		io.WriteString(w, `{"token":"`)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	c := &license.Client{URL: slow.URL, Timeout: 100 * time.Millisecond}
	done := make(chan error, 1)
	go func() {
		_, err := c.Check(context.Background(), ada)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, license.ErrUnreachable) {
			t.Errorf("Check against a trickling body: %v; want ErrUnreachable", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Check hung on a body that never ends")
	}
}
