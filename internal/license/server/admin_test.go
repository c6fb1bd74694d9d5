package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/securemerge/securemerge/internal/license"
	"github.com/securemerge/securemerge/internal/license/idtest"
)

const (
	clientID    = "6731de76-14a6-49ae-97bc-6eba6914391e"
	otherTenant = "0e3d8a14-aaaa-4bbb-8ccc-123456789abc"
)

var globalAdmin = []string{idtest.GlobalAdministrator}

// adminEnv is an identity issuer and licence servers sharing one store.
type adminEnv struct {
	iss   *idtest.Issuer
	store Store
	urls  []string
	logs  *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// newAdminEnv starts the issuer and `instances` servers on st (for
// PostgreSQL, each with its own connection pool on the same database
// when reopen is given).
func newAdminEnv(t testing.TB, st Store, instances int, reopen func() Store) *adminEnv {
	t.Helper()
	iss := idtest.New(tenant, clientID)
	t.Cleanup(iss.Close)
	e := &adminEnv{iss: iss, store: st, logs: &syncBuffer{}}
	for i := range instances {
		s := st
		if i > 0 && reopen != nil {
			s = reopen()
		}
		v, err := NewMicrosoftVerifier(VerifierOptions{Authority: iss.URL, Audience: clientID})
		if err != nil {
			t.Fatal(err)
		}
		e.urls = append(e.urls, serve(t, Options{Store: s, Verifier: v, Rate: rateInf,
			Logger: slog.New(slog.NewJSONHandler(e.logs, nil))}))
	}
	return e
}

type answer struct {
	status int
	body   string
}

func (a answer) code() string {
	var e struct {
		Error string `json:"error"`
	}
	json.Unmarshal([]byte(a.body), &e)
	return e.Error
}

func call(t testing.TB, method, url, token string, body any) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		js, _ := json.Marshal(body)
		rd = bytes.NewReader(js)
	}
	req, _ := http.NewRequest(method, url, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(b)}
}

func seatsOf(t testing.TB, e *adminEnv, token string) Seats {
	t.Helper()
	a := call(t, "GET", e.urls[0]+SeatsPath, token, nil)
	var s Seats
	if a.status != 200 || json.Unmarshal([]byte(a.body), &s) != nil {
		t.Fatalf("GET /v1/seats = %d %s; want 200", a.status, a.body)
	}
	return s
}

func TestAdminAPI(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range adminCases {
				t.Run(c.name, func(t *testing.T) {
					st := s.open(t)
					st.SetSeats(tenant, 2, t0)
					c.run(t, newAdminEnv(t, st, 1, nil))
				})
			}
		})
	}
}

var adminCases = []struct {
	name string
	run  func(t *testing.T, e *adminEnv)
}{
	{"AssignListUnassign", func(t *testing.T, e *adminEnv) {
		admin := e.iss.Token(idtest.Claims{Email: "boss@contoso.com", Roles: globalAdmin})
		ada := Seat{ID: "oid-ada", Name: "Ada Lovelace", Email: "Ada@contoso.com"}
		if a := call(t, "POST", e.urls[0]+SeatsPath, admin, ada); a.status != 201 {
			t.Fatalf("POST /v1/seats = %d %s; want 201", a.status, a.body)
		}
		if a := call(t, "POST", e.urls[0]+SeatsPath, admin, ada); a.status != 201 {
			t.Errorf("assigning the same user twice = %d %s; want 201 again", a.status, a.body)
		}
		got := seatsOf(t, e, admin)
		if got.Total != 2 || got.Used != 1 || len(got.Assigned) != 1 || got.Assigned[0] != (Seat{"oid-ada", "Ada Lovelace", "ada@contoso.com"}) {
			t.Errorf("GET /v1/seats = %+v; want 2 total, ada assigned once", got)
		}
		c := &license.Client{URL: e.urls[0]}
		if s, _ := c.Check(context.Background(), "ada@contoso.com"); !s.Licensed() {
			t.Error("the assigned user's check is not licensed")
		}
		if a := call(t, "DELETE", e.urls[0]+SeatsPath+"/oid-ada", admin, nil); a.status != 204 {
			t.Fatalf("DELETE /v1/seats/oid-ada = %d %s; want 204", a.status, a.body)
		}
		if s, _ := c.Check(context.Background(), "ada@contoso.com"); s.Licensed() {
			t.Error("the unassigned user's next check is still licensed; want free")
		}
		if a := call(t, "DELETE", e.urls[0]+SeatsPath+"/oid-ada", admin, nil); a.status != 404 {
			t.Errorf("DELETE of a free seat = %d; want 404", a.status)
		}
		if got := seatsOf(t, e, admin); got.Used != 0 || len(got.Assigned) != 0 {
			t.Errorf("after unassign: %+v; want none used", got)
		}
		for _, addr := range []string{"ada@contoso.com", "boss@contoso.com", "Ada Lovelace"} {
			if strings.Contains(e.logs.String(), addr) {
				t.Errorf("the logs carry %q", addr)
			}
		}
		if !strings.Contains(e.logs.String(), `"route":"/v1/seats/{id}"`) {
			t.Errorf("logs name no route /v1/seats/{id}: %s", e.logs.String())
		}
	}},
	{"NoSeatsLeft", func(t *testing.T, e *adminEnv) {
		admin := e.iss.Token(idtest.Claims{Email: "boss@contoso.com", Roles: []string{idtest.UserAdministrator}})
		for i := range 2 {
			if a := call(t, "POST", e.urls[0]+SeatsPath, admin, Seat{ID: fmt.Sprint("oid-", i), Email: fmt.Sprintf("u%d@contoso.com", i)}); a.status != 201 {
				t.Fatalf("assign %d = %d %s", i, a.status, a.body)
			}
		}
		a := call(t, "POST", e.urls[0]+SeatsPath, admin, Seat{ID: "oid-x", Email: "x@contoso.com"})
		if a.status != 409 || a.code() != "no_seats_left" {
			t.Errorf("the seat after the last = %d %s; want 409 no_seats_left", a.status, a.body)
		}
	}},
	{"LastSeatTakenByOneOfConcurrentRequests", func(t *testing.T, e *adminEnv) {
		admin := e.iss.Token(idtest.Claims{Email: "boss@contoso.com", Roles: globalAdmin})
		call(t, "POST", e.urls[0]+SeatsPath, admin, Seat{ID: "oid-first", Email: "first@contoso.com"})
		codes := make([]int, 20)
		var wg sync.WaitGroup
		for i := range codes {
			wg.Go(func() {
				codes[i] = call(t, "POST", e.urls[0]+SeatsPath, admin, Seat{ID: fmt.Sprint("oid-", i), Email: fmt.Sprintf("c%d@contoso.com", i)}).status
			})
		}
		wg.Wait()
		n201, n409 := 0, 0
		for _, c := range codes {
			switch c {
			case 201:
				n201++
			case 409:
				n409++
			}
		}
		if n201 != 1 || n409 != 19 {
			t.Errorf("20 requests for the last seat: %d × 201, %d × 409; want 1 and 19 (%v)", n201, n409, codes)
		}
	}},
	{"RefusedTokens", func(t *testing.T, e *adminEnv) {
		boss := idtest.Claims{Email: "boss@contoso.com", Roles: globalAdmin}
		wrongAud := boss
		wrongAud.Audience = "00000000-1111-2222-3333-444444444444"
		lying := boss
		lying.Tenant, lying.IssuedBy = tenant, otherTenant // signed for the other tenant, claims ours
		expired := boss
		expired.Issued, expired.Expires = time.Now().Add(-2*time.Hour), time.Now().Add(-10*time.Minute)
		for _, c := range []struct {
			name, token string
			status      int
			code        string
		}{
			{"no token", "", 401, "unauthorized"},
			{"garbage", "not.a.jwt", 401, "unauthorized"},
			{"forged signature", e.iss.Forge(boss), 401, "unauthorized"},
			{"unknown key", e.iss.UnknownKey(boss), 401, "unauthorized"},
			{"wrong audience", e.iss.Token(wrongAud), 401, "unauthorized"},
			{"iss of another tenant than tid", e.iss.Token(lying), 401, "unauthorized"},
			{"expired", e.iss.Token(expired), 401, "unauthorized"},
			{"not an admin", e.iss.Token(idtest.Claims{Email: "ada@contoso.com"}), 403, "not_admin"},
			{"a role that is not admin", e.iss.Token(idtest.Claims{Email: "ada@contoso.com", Roles: []string{idtest.HelpdeskAdministrator}}), 403, "not_admin"},
		} {
			for _, req := range []struct{ method, path string }{{"GET", SeatsPath}, {"POST", SeatsPath}, {"DELETE", SeatsPath + "/oid-ada"}} {
				a := call(t, req.method, e.urls[0]+req.path, c.token, Seat{ID: "oid-eve", Email: "eve@contoso.com"})
				if a.status != c.status || a.code() != c.code {
					t.Errorf("%s: %s %s = %d %s; want %d %s", c.name, req.method, req.path, a.status, a.body, c.status, c.code)
				}
			}
		}
		if got := seatsOf(t, e, e.iss.Token(boss)); got.Used != 0 {
			t.Errorf("a refused request assigned a seat: %+v", got)
		}
		skewed := boss
		skewed.Issued, skewed.Expires = time.Now().Add(-time.Hour), time.Now().Add(-30*time.Second)
		if a := call(t, "GET", e.urls[0]+SeatsPath, e.iss.Token(skewed), nil); a.status != 200 {
			t.Errorf("a token expired 30 s ago (within the skew) = %d; want 200", a.status)
		}
	}},
	{"OtherTenantsAdminActsOnlyOnTheirs", func(t *testing.T, e *adminEnv) {
		ours := e.iss.Token(idtest.Claims{Email: "boss@contoso.com", Roles: globalAdmin})
		call(t, "POST", e.urls[0]+SeatsPath, ours, Seat{ID: "oid-ada", Email: "ada@contoso.com"})
		theirs := e.iss.Token(idtest.Claims{Tenant: otherTenant, Email: "mallory@fabrikam.com", Roles: globalAdmin})
		if got := seatsOf(t, e, theirs); got.Total != 0 || len(got.Assigned) != 0 {
			t.Errorf("another tenant's admin sees %+v; want their own (empty) tenant", got)
		}
		if a := call(t, "DELETE", e.urls[0]+SeatsPath+"/oid-ada", theirs, nil); a.status != 404 {
			t.Errorf("another tenant's admin unassigning our user = %d; want 404", a.status)
		}
		if a := call(t, "DELETE", e.urls[0]+SeatsPath+"/ada@contoso.com", theirs, nil); a.status != 404 {
			t.Errorf("another tenant's admin unassigning our user by address = %d; want 404", a.status)
		}
		if a := call(t, "POST", e.urls[0]+SeatsPath, theirs, Seat{ID: "oid-m", Email: "m@fabrikam.com"}); a.status != 409 {
			t.Errorf("another tenant's admin assigning with no seats bought = %d; want 409", a.status)
		}
		if got := seatsOf(t, e, ours); got.Used != 1 {
			t.Errorf("our seats after the other admin's attempts: %+v; want ada's still", got)
		}
	}},
	{"DelegatedAdmin", func(t *testing.T, e *adminEnv) {
		tok := e.iss.Token(idtest.Claims{Email: "msp@partner.com"})
		if a := call(t, "GET", e.urls[0]+SeatsPath, tok, nil); a.status != 403 {
			t.Errorf("before being delegated = %d; want 403", a.status)
		}
		e.store.AddAdmin(tenant, "MSP@partner.com", t0)
		if a := call(t, "POST", e.urls[0]+SeatsPath, tok, Seat{ID: "oid-ada", Email: "ada@contoso.com"}); a.status != 201 {
			t.Errorf("a delegated admin assigning = %d %s; want 201", a.status, a.body)
		}
		other := e.iss.Token(idtest.Claims{Tenant: otherTenant, Email: "msp@partner.com"})
		if a := call(t, "GET", e.urls[0]+SeatsPath, other, nil); a.status != 403 {
			t.Errorf("the delegated address signed in to another tenant = %d; want 403", a.status)
		}
		ls, _ := e.store.Licences(tenant)
		if len(ls) != 1 || ls[0].AssignedBy != "msp@partner.com" {
			t.Errorf("licences = %+v; want one assigned by msp@partner.com", ls)
		}
	}},
	{"KeyRotationAndCaching", func(t *testing.T, e *adminEnv) {
		boss := idtest.Claims{Email: "boss@contoso.com", Roles: globalAdmin}
		for range 3 {
			if a := call(t, "GET", e.urls[0]+SeatsPath, e.iss.Token(boss), nil); a.status != 200 {
				t.Fatalf("GET = %d %s", a.status, a.body)
			}
		}
		if n := e.iss.KeyFetches(); n != 1 {
			t.Errorf("JWKS fetched %d times for 3 tokens; want 1 (cached)", n)
		}
		old := e.iss.Token(boss)
		e.iss.Rotate()
		if a := call(t, "GET", e.urls[0]+SeatsPath, e.iss.Token(boss), nil); a.status != 200 {
			t.Errorf("a token signed with the rotated key = %d %s; want 200 (refetched on the unknown kid)", a.status, a.body)
		}
		if n := e.iss.KeyFetches(); n != 2 {
			t.Errorf("JWKS fetched %d times; want 2", n)
		}
		if a := call(t, "GET", e.urls[0]+SeatsPath, old, nil); a.status != 401 {
			t.Errorf("a token of the retired key = %d; want 401", a.status)
		}
	}},
	{"DeleteAccount", func(t *testing.T, e *adminEnv) {
		boss := e.iss.Token(idtest.Claims{Email: "boss@contoso.com", Roles: globalAdmin})
		adaClaims := idtest.Claims{OID: "oid-ada", Email: "ada@contoso.com"}
		call(t, "POST", e.urls[0]+SeatsPath, boss, Seat{ID: "oid-ada", Name: "Ada", Email: "ada@contoso.com"})
		if a := call(t, "DELETE", e.urls[0]+AccountPath, "", nil); a.status != 401 {
			t.Errorf("DELETE /v1/account unsigned = %d; want 401", a.status)
		}
		if a := call(t, "DELETE", e.urls[0]+AccountPath, e.iss.Token(adaClaims), nil); a.status != 202 {
			t.Fatalf("DELETE /v1/account = %d %s; want 202", a.status, a.body)
		}
		if ls, _ := e.store.Licences(tenant); len(ls) != 0 {
			t.Errorf("licences after the account's deletion: %+v; want none", ls)
		}
		if a := call(t, "DELETE", e.urls[0]+AccountPath, boss, nil); a.status != 202 {
			t.Errorf("an admin deleting their own account = %d; want 202", a.status)
		}
	}},
	{"BadBodies", func(t *testing.T, e *adminEnv) {
		boss := e.iss.Token(idtest.Claims{Email: "boss@contoso.com", Roles: globalAdmin})
		for _, body := range []any{
			map[string]string{"id": "x", "email": "not an address"},
			map[string]string{"email": "ada@contoso.com"},
			map[string]string{"id": "x", "email": "ada@contoso.com", "tenant": tenant},
			"just a string",
		} {
			if a := call(t, "POST", e.urls[0]+SeatsPath, boss, body); a.status != 400 {
				t.Errorf("POST %v = %d %s; want 400", body, a.status, a.body)
			}
		}
		if a := call(t, "PUT", e.urls[0]+SeatsPath, boss, nil); a.status != 405 {
			t.Errorf("PUT /v1/seats = %d; want 405", a.status)
		}
	}},
}

// TestIdentityProviderDown: with the issuer's discovery unreachable an
// admin request is 503 (try again), not 401 (sign in again).
func TestIdentityProviderDown(t *testing.T) {
	iss := idtest.New(tenant, clientID)
	tok := iss.Token(idtest.Claims{Email: "boss@contoso.com", Roles: globalAdmin})
	iss.Close()
	v, _ := NewMicrosoftVerifier(VerifierOptions{Authority: iss.URL, Audience: clientID})
	url := serve(t, Options{Store: openDB(t), Verifier: v})
	if a := call(t, "GET", url+SeatsPath, tok, nil); a.status != 503 || a.code() != "unavailable" {
		t.Errorf("GET /v1/seats with the identity provider down = %d %s; want 503 unavailable", a.status, a.body)
	}
}

// TestSeveralInstancesNeverExceedSeats: three servers, each with its own
// pool on one PostgreSQL database, take 300 concurrent assigns for 100
// seats.
func TestSeveralInstancesNeverExceedSeats(t *testing.T) {
	dsn := openPostgresDSN(t)
	open := func() Store {
		p, err := OpenPostgres(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		return p
	}
	st := open()
	st.SetSeats(tenant, 100, t0)
	e := newAdminEnv(t, st, 3, open)
	admin := e.iss.Token(idtest.Claims{Email: "boss@contoso.com", Roles: globalAdmin})
	codes := assignMany(t, e.urls, admin, 300, 100)
	if codes[201] != 100 || codes[409] != 200 {
		t.Errorf("300 assigns for 100 seats on 3 instances: %v; want 100 × 201, 200 × 409", codes)
	}
	if _, used, _ := st.Tenant(tenant); used != 100 {
		t.Errorf("used = %d after; want 100", used)
	}
}

// assignMany posts n assigns of distinct users, at most conc at a time,
// spread over urls, and counts the statuses.
func assignMany(t testing.TB, urls []string, token string, n, conc int) map[int]int {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: conc}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var mu sync.Mutex
	codes := map[int]int{}
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			js, _ := json.Marshal(Seat{ID: fmt.Sprint("oid-", i), Email: fmt.Sprintf("user%d@contoso.com", i)})
			req, _ := http.NewRequest("POST", urls[i%len(urls)]+SeatsPath, bytes.NewReader(js))
			req.Header.Set("Authorization", "Bearer "+token)
			code := 0
			if resp, err := hc.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				code = resp.StatusCode
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return codes
}
