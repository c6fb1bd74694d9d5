package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/graph/graphtest"
	"github.com/securemerge/securemerge/internal/merge"
)

func TestNewClientBaseURL(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr error // nil: success; errAny: any error
	}{
		{"", DefaultBaseURL, nil},
		{"https://graph.microsoft.com/v1.0/", "https://graph.microsoft.com/v1.0", nil},
		{"http://127.0.0.1:8080/v1.0", "http://127.0.0.1:8080/v1.0", nil},
		{"http://127.1.2.3/v1.0", "http://127.1.2.3/v1.0", nil},
		{"http://localhost:9/v1.0", "http://localhost:9/v1.0", nil},
		{"http://[::1]:9/v1.0", "http://[::1]:9/v1.0", nil},
		{"http://graph.example.com/v1.0", "", ErrInsecureBaseURL},
		{"http://10.0.0.1/v1.0", "", ErrInsecureBaseURL},
		{"http://localhost.example.com/v1.0", "", ErrInsecureBaseURL},
		{"ftp://127.0.0.1/v1.0", "", errAny},
		{"https:///v1.0", "", errAny},
		{"https://user:pw@graph.microsoft.com/v1.0", "", errAny},
		{"::not a url", "", errAny},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := NewClient(ClientOptions{BaseURL: tt.in, Tokens: StaticToken("x")})
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("NewClient(%q) = %v; want success", tt.in, err)
			case tt.wantErr == nil:
				if c.BaseURL() != tt.want {
					t.Errorf("NewClient(%q).BaseURL() = %q; want %q", tt.in, c.BaseURL(), tt.want)
				}
			case err == nil:
				t.Errorf("NewClient(%q) succeeded; want an error", tt.in)
			case tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Errorf("NewClient(%q) = %v; want %v", tt.in, err, tt.wantErr)
			}
		})
	}
	if _, err := NewClient(ClientOptions{}); err == nil {
		t.Error("NewClient without Tokens succeeded; want an error")
	}
}

var errAny = errors.New("any error")

func TestMe(t *testing.T) {
	srv := newEmulator(t, graphtest.Options{})
	c := newTestClient(t, srv.URL, StaticToken("t"))
	u, err := c.Me(context.Background())
	if err != nil {
		t.Fatalf("Me = %v", err)
	}
	want := User{ID: "11111111-1111-1111-1111-111111111111", DisplayName: "Ada Admin", Mail: "ada@contoso.test", UserPrincipalName: "ada@contoso.test"}
	if u != want {
		t.Errorf("Me = %+v; want %+v", u, want)
	}
}

func TestSearchUsers(t *testing.T) {
	srv := newEmulator(t, graphtest.Options{Users: []graphtest.User{
		{ID: "u1", DisplayName: "Jonas Berg", Mail: "jonas@contoso.test", JobTitle: "Sales"},
		{ID: "u2", DisplayName: "Marie Curie", Mail: "marie@contoso.test"},
		{ID: "u3", DisplayName: "Paul", Mail: "jo.paul@contoso.test"},
	}})
	c := newTestClient(t, srv.URL, StaticToken("t"))
	tests := []struct {
		q    string
		want []string
	}{
		{"jo", []string{"u1", "u3"}},
		{"Marie", []string{"u2"}},
		{"zzz", nil},
		{`"jo"`, []string{"u1", "u3"}}, // quotes cannot break out of the $search phrase
		{"  ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			got, err := c.SearchUsers(context.Background(), tt.q, 10)
			if err != nil {
				t.Fatalf("SearchUsers(%q) = %v", tt.q, err)
			}
			var ids []string
			for _, u := range got {
				ids = append(ids, u.ID)
			}
			if strings.Join(ids, ",") != strings.Join(tt.want, ",") {
				t.Errorf("SearchUsers(%q) ids = %v; want %v", tt.q, ids, tt.want)
			}
		})
	}
	got, err := c.SearchUsers(context.Background(), "jonas", 1)
	if err != nil || len(got) != 1 || got[0].JobTitle != "Sales" || got[0].Mail != "jonas@contoso.test" {
		t.Errorf("SearchUsers(jonas) = %+v, %v; want Jonas with his job title", got, err)
	}
}

// recordingGraph is a minimal mailbox: it answers the creation of a
// message (POST /v1.0/me/messages) with the statuses given in turn (201
// with an id once they are used up) and records those requests; the other
// steps of a send (the marker folder and marker, /send) succeed. Every
// request's framing is kept in all.
type recordingGraph struct {
	mu        sync.Mutex
	statuses  []int
	requests  []recorded // creations of the message
	all       []recorded
	uploadURL string // the uploadUrl of an upload session
}

type recorded struct {
	method, path string
	header       http.Header
	body         []byte
	length       int64    // Content-Length as received, -1 when unknown
	encoding     []string // Transfer-Encoding as received
}

func (g *recordingGraph) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec := recorded{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: body, length: r.ContentLength, encoding: r.TransferEncoding}
	g.mu.Lock()
	g.all = append(g.all, rec)
	status := 0
	if r.Method == http.MethodPost && r.URL.Path == "/v1.0/me/messages" {
		g.requests = append(g.requests, rec)
		status = http.StatusCreated
		if len(g.statuses) > 0 {
			status, g.statuses = g.statuses[0], g.statuses[1:]
		}
	}
	g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case status >= 400:
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(status)
		io.WriteString(w, `{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid."}}`)
	case status != 0:
		w.WriteHeader(status)
		io.WriteString(w, `{"id":"D1"}`)
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/mailFolders"):
		io.WriteString(w, `{"value":[{"id":"F1","displayName":"SecureMerge"}]}`)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/mailFolders/F1/messages"):
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"M1"}`)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/createUploadSession"):
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"uploadUrl":%q,"nextExpectedRanges":["0-"]}`, g.uploadURL)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/send"):
		w.WriteHeader(http.StatusAccepted)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":{"code":"ErrorItemNotFound","message":"The specified object was not found in the store."}}`)
	}
}

// TestUploadOnlyToGraphHosts checks that attachment bytes never go to a
// host the upload session names unless it is Graph's or Outlook's.
func TestUploadOnlyToGraphHosts(t *testing.T) {
	var stranger atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stranger.Add(1)
		w.WriteHeader(http.StatusCreated)
	}))
	defer other.Close()
	g := &recordingGraph{uploadURL: other.URL + "/api/v2.0/Users('u')/Messages('D1')/AttachmentSessions('s')?authtoken=x"}
	srv := httptest.NewServer(g)
	defer srv.Close()
	s := NewSender(newTestClient(t, srv.URL+"/v1.0", StaticToken("t")), SenderOptions{})
	big, _ := writeFile(t, t.TempDir(), "contract.pdf", 4<<20)
	m := testMessage("k-upload", "bob@example.com")
	m.Attachments = []merge.Attachment{big}
	err := s.Send(context.Background(), m)
	if !errors.Is(err, errUploadHost) || !strings.Contains(err.Error(), "contract.pdf") {
		t.Errorf("Send = %v; want a refusal of the upload host naming the attachment", err)
	}
	if n := stranger.Load(); n != 0 {
		t.Errorf("the other host received %d requests; want none", n)
	}
	for _, r := range g.all {
		if strings.HasSuffix(r.path, "/send") {
			t.Errorf("the message was sent without its attachment")
		}
	}
}

func TestCheckUploadURL(t *testing.T) {
	c := newTestClient(t, "https://graph.microsoft.com/v1.0", StaticToken("t"))
	for raw, ok := range map[string]bool{
		"https://outlook.office.com/api/v2.0/Users('u')/Messages('m')/AttachmentSessions('s')?authtoken=x": true,
		"https://outlook.office365.com/api/v2.0/x":                                                         true,
		"https://eur.outlook.office.com/x":                                                                 true,
		"https://graph.microsoft.com/v1.0/x":                                                               true,
		"http://outlook.office.com/x":                                                                      false,
		"https://outlook.office.com.evil.example/x":                                                        false,
		"https://eviloffice.com/x":                                                                         false,
		"https://outlook.office.com:8443/x":                                                                false,
		"https://user:pw@outlook.office.com/x":                                                             false,
		"http://127.0.0.1:9/x":                                                                             false,
		"https://upload.example.com/api/v2.0/AttachmentSessions('s')":                                      false,
	} {
		if err := c.checkUploadURL(raw); (err == nil) != ok {
			t.Errorf("checkUploadURL(%s) = %v; want allowed %v", raw, err, ok)
		}
	}
}

// TestJSONBodiesHaveContentLength checks that no request body goes out
// chunked: proxies and gateways that refuse chunked uploads exist.
func TestJSONBodiesHaveContentLength(t *testing.T) {
	g := &recordingGraph{}
	srv := httptest.NewServer(g)
	defer srv.Close()
	s := NewSender(newTestClient(t, srv.URL+"/v1.0", StaticToken("t")), SenderOptions{})
	if err := s.Send(context.Background(), testMessage("k-len", "bob@example.com")); err != nil {
		t.Fatalf("Send = %v", err)
	}
	posts := 0
	for _, r := range g.all {
		if len(r.body) == 0 {
			continue
		}
		posts++
		if r.length != int64(len(r.body)) || len(r.encoding) != 0 {
			t.Errorf("%s %s: Content-Length %d, Transfer-Encoding %v for a %d-byte body; want the length and no chunking", r.method, r.path, r.length, r.encoding, len(r.body))
		}
	}
	if posts < 2 {
		t.Errorf("saw %d requests with a body; want the draft and its marker", posts)
	}
}

func TestRetriedPostCarriesSameUncompressedBody(t *testing.T) {
	g := &recordingGraph{statuses: []int{http.StatusUnauthorized, http.StatusCreated}}
	srv := httptest.NewServer(g)
	defer srv.Close()
	tokens := newFakeTokens("t1", "t2")
	s := NewSender(newTestClient(t, srv.URL+"/v1.0", tokens), SenderOptions{})
	m := testMessage("k-body", "bob@example.com")
	m.HTML = strings.Repeat("<p>long enough to be worth compressing</p>", 200)
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send = %v", err)
	}
	if len(g.requests) != 2 {
		t.Fatalf("server saw %d requests; want 2 (one 401, one retry)", len(g.requests))
	}
	for i, r := range g.requests {
		if ce := r.header.Get("Content-Encoding"); ce != "" {
			t.Errorf("request %d has Content-Encoding %q; want none", i+1, ce)
		}
		if !bytes.Contains(r.body, []byte("worth compressing")) || !bytes.Contains(r.body, []byte("k-body")) {
			t.Errorf("request %d body is not the plain JSON message: %.200q", i+1, r.body)
		}
	}
	if !bytes.Equal(g.requests[0].body, g.requests[1].body) {
		t.Errorf("retried body differs:\n%s\n%s", g.requests[0].body, g.requests[1].body)
	}
	if a, b := g.requests[0].header.Get("Authorization"), g.requests[1].header.Get("Authorization"); a != "Bearer t1" || b != "Bearer t2" {
		t.Errorf("Authorization = %q then %q; want Bearer t1 then the refreshed Bearer t2", a, b)
	}
}

func TestNoSDKRetry(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusGatewayTimeout} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			g := &recordingGraph{statuses: []int{status, status, status, status}}
			srv := httptest.NewServer(g)
			defer srv.Close()
			s := NewSender(newTestClient(t, srv.URL+"/v1.0", StaticToken("t")), SenderOptions{})
			err := s.Send(context.Background(), testMessage("k", "bob@example.com"))
			if err == nil {
				t.Fatal("Send succeeded; want an error")
			}
			if len(g.requests) != 1 {
				t.Errorf("server saw %d requests after a %d; want exactly 1", len(g.requests), status)
			}
		})
	}
}

func TestTokenNotSentToOtherHost(t *testing.T) {
	// The token goes only to the configured host, whatever URL a request names.
	tp := &tokenProvider{tokens: StaticToken("secret"), hosts: mustHosts(t, "127.0.0.1")}
	for _, raw := range []string{"https://evil.example.com/x", "http://127.0.0.1.evil.example/x"} {
		u := mustURL(t, raw)
		if tok, err := tp.GetAuthorizationToken(context.Background(), u, nil); err == nil || tok != "" {
			t.Errorf("GetAuthorizationToken(%s) = %q, %v; want an error and no token", raw, tok, err)
		}
	}
	if tok, err := tp.GetAuthorizationToken(context.Background(), mustURL(t, "http://127.0.0.1:1/v1.0/me"), nil); err != nil || tok != "secret" {
		t.Errorf("GetAuthorizationToken(configured host) = %q, %v; want the token", tok, err)
	}
}

func TestClassifyStatus(t *testing.T) {
	tests := []struct {
		status int
		code   string
		want   campaign.ErrorKind
	}{
		{400, "ErrorInvalidRecipients", campaign.KindPermanent},
		{400, "BadRequest", campaign.KindPermanent},
		{404, "ErrorItemNotFound", campaign.KindPermanent},
		{413, "RequestEntityTooLarge", campaign.KindPermanent},
		{401, "InvalidAuthenticationToken", campaign.KindAuth},
		{403, "ErrorAccessDenied", campaign.KindAuth},
		{403, "ErrorExceededMessageLimit", campaign.KindQuota},
		{403, "ErrorQuotaExceeded", campaign.KindQuota},
		{403, "ErrorSendAsDenied", campaign.KindQuota},
		{429, "ApplicationThrottled", campaign.KindThrottled},
		{408, "RequestTimeout", campaign.KindTransient},
		{500, "InternalServerError", campaign.KindTransient},
		{502, "", campaign.KindTransient},
		{503, "ServiceUnavailable", campaign.KindTransient},
		{504, "UnknownError", campaign.KindTransient},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			se := classifyStatus(tt.status, http.Header{}, tt.code, "msg", nil, fixedNow)
			if se.Kind != tt.want || se.Code != tt.code {
				t.Errorf("classifyStatus(%d, %q) = %v %q; want %v", tt.status, tt.code, se.Kind, se.Code, tt.want)
			}
		})
	}
}

func FuzzCheckBaseURL(f *testing.F) {
	for _, s := range []string{"", "https://graph.microsoft.com/v1.0", "http://127.0.0.1:1/v1.0", "http://[::1]/v1.0", "http://evil.com", "http://localhost.evil.com/", "https://x/%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		base, host, err := checkBaseURL(raw)
		if err != nil {
			return
		}
		u, perr := url.Parse(base)
		if perr != nil {
			t.Fatalf("checkBaseURL(%q) = %q, which does not parse: %v", raw, base, perr)
		}
		if u.Hostname() != host {
			t.Fatalf("checkBaseURL(%q) host = %q; URL host %q", raw, host, u.Hostname())
		}
		if u.Scheme != "https" && !isLoopback(host) {
			t.Fatalf("checkBaseURL(%q) = %q: plain http to a non-loopback host", raw, base)
		}
	})
}
