package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/securemerge/securemerge/internal/graph/graphtest"
)

// recorder is an HTTP server that records every request it receives and,
// when it has a target, forwards it there.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	Method, Host, Path string
	Body               []byte
}

func newRecorder(t *testing.T, target string) *recorder {
	t.Helper()
	r := &recorder{}
	var proxy *httputil.ReverseProxy
	if target != "" {
		u, _ := url.Parse(target)
		proxy = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, recorded{req.Method, req.Host, req.URL.Path, body})
		r.mu.Unlock()
		if proxy == nil {
			http.Error(w, "not here", http.StatusBadGateway)
			return
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) requests() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

// graphPaths are the mailbox endpoints a campaign may use (DESIGN.md §10.1:
// recipient data goes only to the user's own mailbox): drafts and their
// sending, and the hidden SecureMerge folder of send markers
// (internal/graph, "Exactly once").
var graphPaths = regexp.MustCompile(`^/v1\.0/me(/sendMail|/messages(/[^/]+(/send|/attachments(/createUploadSession)?)?)?|/mailFolders(/[^/]+(/messages(/[^/]+)?)?)?)?$`)

// TestEgressOnlyToOwnMailbox runs a whole campaign in a child process with
// every way out recorded: Graph through a recording proxy, any other HTTP
// through HTTP(S)_PROXY, and a Sentry DSN in the environment. It fails on any
// request the privacy promise does not allow.
func TestEgressOnlyToOwnMailbox(t *testing.T) {
	srv := graphtest.NewServer(graphtest.Options{Tokens: []string{"tok"}})
	defer srv.Close()
	graphRec := newRecorder(t, srv.URL)
	elsewhere := newRecorder(t, "")
	sentry := newRecorder(t, "")

	f := newFixture(t, 5, "")
	f.env["SECUREMERGE_GRAPH_URL"] = graphRec.URL + "/v1.0"
	f.env["SECUREMERGE_ACCESS_TOKEN"] = "tok"
	f.env["HTTP_PROXY"] = elsewhere.URL
	f.env["HTTPS_PROXY"] = elsewhere.URL
	f.env["SENTRY_DSN"] = strings.Replace(sentry.URL, "http://", "http://public@", 1) + "/1"
	steps := [][]string{
		{"inspect", f.data},
		{"check", "--data", f.data, "--template", f.tpl},
		{"preview", "--data", f.data, "--template", f.tpl},
		{"send", "--data", f.data, "--template", f.tpl, "--live", "--yes", "--campaign", "private"},
		{"campaign", "results", "private"},
		{"whoami"},
	}
	for _, args := range steps {
		if out, err := child(t, f.env, args...).CombinedOutput(); err != nil {
			t.Fatalf("securemerge %v: %v\n%s", args, err, out)
		}
	}
	if n := len(srv.Delivered()); n != 5 {
		t.Fatalf("the campaign delivered %d messages; want 5", n)
	}
	for _, r := range graphRec.requests() {
		if !graphPaths.MatchString(r.Path) {
			t.Errorf("request to the mailbox outside the allowed endpoints: %s %s", r.Method, r.Path)
		}
	}
	if rs := elsewhere.requests(); len(rs) > 0 {
		t.Errorf("%d requests went somewhere other than the mailbox, first: %s %s%s", len(rs), rs[0].Method, rs[0].Host, rs[0].Path)
	}
	if rs := sentry.requests(); len(rs) > 0 {
		t.Errorf("a crash report was sent although the user never opted in: %s %s", rs[0].Method, rs[0].Path)
	}
	// Spreadsheet contents reach only the mailbox: the only request that
	// carries a recipient's data is a send to that mailbox.
	for _, r := range graphRec.requests() {
		if bytes.Contains(r.Body, []byte("zoe.")) && !strings.HasSuffix(r.Path, "/sendMail") && !strings.HasPrefix(r.Path, "/v1.0/me/messages") {
			t.Errorf("recipient data in a request to %s", r.Path)
		}
	}
}
