package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/securemerge/securemerge/internal/graph/graphtest"
	"github.com/securemerge/securemerge/internal/license"
	"github.com/securemerge/securemerge/internal/license/licensetest"
)

// recorder is an HTTP server that records every request it receives and,
// when it has a target, forwards it there; with no target it answers 502,
// or 200 when ok is set (a crash-report endpoint that accepts reports).
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	Method, Host, Path, Query string
	Header                    http.Header
	Body                      []byte
}

func newRecorder(t *testing.T, target string) *recorder { return startRecorder(t, target, false) }

func startRecorder(t *testing.T, target string, ok bool) *recorder {
	t.Helper()
	r := &recorder{}
	var proxy *httputil.ReverseProxy
	if target != "" {
		u, _ := url.Parse(target)
		proxy = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		plain := body
		if req.Header.Get("Content-Encoding") == "gzip" {
			if zr, err := gzip.NewReader(bytes.NewReader(body)); err == nil {
				plain, _ = io.ReadAll(zr)
			}
		}
		r.mu.Lock()
		r.reqs = append(r.reqs, recorded{req.Method, req.Host, req.URL.Path, req.URL.RawQuery, req.Header.Clone(), plain})
		r.mu.Unlock()
		switch {
		case proxy != nil:
			req.Body = io.NopCloser(bytes.NewReader(body))
			proxy.ServeHTTP(w, req)
		case ok:
			w.Write([]byte(`{"id":"00000000000000000000000000000000"}`))
		default:
			http.Error(w, "not here", http.StatusBadGateway)
		}
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
// recipient data goes only to the user's own mailbox): the signed-in
// mailbox itself, drafts and their sending, and the hidden SecureMerge
// folder of send markers (internal/graph, "Exactly once").
var graphPaths = regexp.MustCompile(`^/v1\.0/me(/sendMail|/messages(/[^/]+(/send|/attachments(/createUploadSession)?)?)?|/mailFolders(/[^/]+(/messages(/[^/]+)?)?)?)?$`)

// licensedServer builds and starts the real licence server, signing with
// the development key this test build trusts, and returns its URL.
func licensedServer(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	der, err := x509.MarshalPKCS8PrivateKey(licensetest.PrivateKey())
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "signing.pem")
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return startLicensed(t, []string{"LICENSED_DB=bbolt:" + filepath.Join(dir, "licensed.db"), "LICENSED_KEY=" + key,
		"LICENSED_AUDIENCE=00000000-0000-0000-0000-00000000abcd"})
}

// TestEgressOnlyToOwnMailbox runs a whole campaign in child processes of
// the program with every way out recorded: Graph through a recording
// proxy, the real licence server behind another, any other HTTP through
// HTTP(S)_PROXY, a decoy endpoint in SENTRY_DSN and the crash-report
// endpoint in SECUREMERGE_SENTRY_DSN. It fails on any request the privacy
// promise (DESIGN.md §10) does not allow.
func TestEgressOnlyToOwnMailbox(t *testing.T) {
	srv := graphtest.NewServer(graphtest.Options{Tokens: []string{"tok"}})
	defer srv.Close()
	graphRec := newRecorder(t, srv.URL)
	licRec := newRecorder(t, licensedServer(t))
	elsewhere := newRecorder(t, "")
	decoy := newRecorder(t, "")
	crashes := startRecorder(t, "", true)
	crashDSN := strings.Replace(crashes.URL, "http://", "http://public@", 1) + "/1"
	home := t.TempDir()
	outbox := filepath.Join(t.TempDir(), "outbox")

	const userLink = "https://www.contoso.test/agenda?edition=2026"
	f := newFixture(t, 5, "From: Ada <ada@contoso.test>\nTo: {{ Prénom }} <{{ E-mail }}>\nSubject: Bonjour {{ Prénom }}\nFormat: markdown\n\nBonjour **{{ Prénom }}**,\n\nLe programme : ["+userLink+"]("+userLink+").\n{% if Ville == 'Lyon' %}À bientôt à Lyon.{% else %}À bientôt.{% endif %}\n")
	f.env["HOME"] = home
	f.env["SECUREMERGE_GRAPH_URL"] = graphRec.URL + "/v1.0"
	f.env["SECUREMERGE_ACCESS_TOKEN"] = "tok"
	f.env["SECUREMERGE_LICENSE_URL"] = licRec.URL
	f.env["HTTP_PROXY"] = elsewhere.URL
	f.env["HTTPS_PROXY"] = elsewhere.URL
	f.env["SENTRY_DSN"] = strings.Replace(decoy.URL, "http://", "http://public@", 1) + "/1"
	f.env["SECUREMERGE_SENTRY_DSN"] = crashDSN
	steps := [][]string{
		{"inspect", f.data},
		{"check", "--data", f.data, "--template", f.tpl},
		{"preview", "--data", f.data, "--template", f.tpl},
		{"send", "--data", f.data, "--template", f.tpl, "--live", "--yes", "--campaign", "private"},
		{"campaign", "results", "private"},
		{"send", "--data", f.data, "--template", f.tpl, "--outbox", outbox, "--campaign", "private-outbox"},
		{"whoami"},
		{"license", "check"},
	}
	for _, args := range steps {
		if code, out := program(t, f.env, args...); code != exitOK {
			t.Fatalf("securemerge %v: exit %d\n%s", args, code, out)
		}
	}
	// Not opted in: `crash-report test` refuses, and not one packet leaves.
	if code, out := program(t, f.env, "crash-report", "test"); code == exitOK || !strings.Contains(out, "nothing was sent") {
		t.Errorf("crash-report test with reports off: exit %d\n%s", code, out)
	}
	if rs := crashes.requests(); len(rs) > 0 {
		t.Errorf("a crash report was sent although the user never opted in: %s %s", rs[0].Method, rs[0].Path)
	}
	// Opted in: one report, to the crash endpoint only.
	for _, args := range [][]string{{"settings", "crash-reports", "on"}, {"crash-report", "test"}} {
		if code, out := program(t, f.env, args...); code != exitOK {
			t.Fatalf("securemerge %v: exit %d\n%s", args, code, out)
		}
	}
	_, status := program(t, f.env, "license", "status", "--json")
	var lic struct{ Email string }
	if err := json.Unmarshal([]byte(status[:strings.LastIndex(status, "}")+1]), &lic); err != nil || lic.Email == "" {
		t.Fatalf("license status --json = %q (%v); want the signed-in address", status, err)
	}

	// The preview is built from the signed-in address, a path under home
	// and a cell value, and shows all three replaced.
	code, preview := program(t, f.env, "crash-report", "preview")
	if code != exitOK || !strings.Contains(preview, `"type": "*errors.errorString"`) {
		t.Errorf("crash-report preview: exit %d\n%s", code, preview)
	}
	for _, secret := range []string{lic.Email, home, sampleCell} {
		if strings.Contains(preview, secret) {
			t.Errorf("crash-report preview shows %q:\n%s", secret, preview)
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
		t.Errorf("%d requests went somewhere other than the mailbox, the licence server and the crash endpoint, first: %s %s%s", len(rs), rs[0].Method, rs[0].Host, rs[0].Path)
	}
	if rs := decoy.requests(); len(rs) > 0 {
		t.Errorf("SENTRY_DSN was used: %s %s", rs[0].Method, rs[0].Path)
	}

	// The licence server learns the address, nothing else.
	checks := licRec.requests()
	if len(checks) == 0 {
		t.Error("no licence check reached the licence server")
	}
	for _, r := range checks {
		var body map[string]any
		if r.Method != http.MethodPost || r.Path != license.CheckPath || r.Query != "" {
			t.Errorf("licence request %s %s?%s; want only POST %s", r.Method, r.Path, r.Query, license.CheckPath)
		}
		if err := json.Unmarshal(r.Body, &body); err != nil || len(body) != 1 || !strings.EqualFold(body["email"].(string), lic.Email) {
			t.Errorf("licence request body %s; want only {\"email\": %q}", r.Body, lic.Email)
		}
		for k := range r.Header {
			if !slices.Contains([]string{"Accept", "Accept-Encoding", "Content-Length", "Content-Type", "User-Agent", "X-Forwarded-For"}, k) {
				t.Errorf("licence request carries header %s: %q", k, r.Header.Get(k))
			}
		}
	}

	// The crash report holds no address, home path or cell value.
	reports := crashes.requests()
	if len(reports) != 1 {
		t.Fatalf("the crash endpoint got %d requests; want the one test report", len(reports))
	}
	body := bytes.ReplaceAll(reports[0].Body, []byte(crashDSN), nil) // the envelope names its own DSN
	hostname, _ := os.Hostname()
	for _, secret := range []string{lic.Email, home, "zoe.", "Zoé", sampleCell, hostname} {
		if secret != "" && bytes.Contains(body, []byte(secret)) {
			t.Errorf("the crash report carries %q:\n%s", secret, body)
		}
	}
	if m := regexp.MustCompile(`[\w.+-]+@[\w-]+\.[\w.-]+`).Find(body); m != nil {
		t.Errorf("the crash report carries an address %q:\n%s", m, body)
	}
	if !bytes.Contains(body, []byte("*errors.errorString")) || !bytes.Contains(body, []byte("cmd/securemerge/crash.go")) && !bytes.Contains(body, []byte("main/crash.go")) {
		t.Errorf("the crash report lost the error type or its frames:\n%s", body)
	}

	// Spreadsheet contents reach only the mailbox: the only request that
	// carries a recipient's data is a send to that mailbox.
	for _, r := range append(graphRec.requests(), append(checks, reports...)...) {
		if bytes.Contains(r.Body, []byte("zoe.")) && !strings.HasSuffix(r.Path, "/sendMail") && !strings.HasPrefix(r.Path, "/v1.0/me/messages") {
			t.Errorf("recipient data in a request to %s", r.Path)
		}
	}

	// No URL the user did not write: no pixel, no rewritten link; the
	// footer's link is the documented exception.
	allowed := []string{userLink, "https://securemerge.app"}
	type rendered struct {
		where string
		parts []part
	}
	var msgs []rendered
	for _, d := range srv.Delivered() {
		msgs = append(msgs, rendered{"the message sent to " + strings.Join(d.To, ","), deliveredParts(t, d)})
	}
	emls, _ := filepath.Glob(filepath.Join(outbox, "*", "*.eml"))
	more, _ := filepath.Glob(filepath.Join(outbox, "*.eml"))
	emls = append(emls, more...)
	if len(emls) != 5 {
		t.Fatalf("the outbox holds %d .eml files; want 5", len(emls))
	}
	for _, path := range emls {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		ps := mimeParts(t, b)
		msgs = append(msgs, rendered{filepath.Base(path), ps})
		kinds := map[string]bool{}
		for _, p := range ps {
			kinds[p.kind] = true
		}
		if !kinds["html"] || !kinds["text"] {
			t.Errorf("%s has parts %v; want HTML and text to check", filepath.Base(path), kinds)
		}
	}
	for _, m := range msgs {
		for _, p := range m.parts {
			for _, u := range urlsIn(p.text) {
				if !slices.Contains(allowed, u) {
					t.Errorf("the %s part of %s holds %q, a URL the user did not write", p.kind, m.where, u)
				}
			}
			if !strings.Contains(strings.ReplaceAll(p.text, "&amp;", "&"), userLink) {
				t.Errorf("the %s part of %s lost the user's link", p.kind, m.where)
			}
			if p.kind == "html" && regexp.MustCompile(`(?i)<img\b`).MatchString(p.text) {
				t.Errorf("the HTML part of %s holds an image the user did not put there", m.where)
			}
		}
	}
}

// program runs securemerge with env in a child process and returns its
// exit code and combined output. A command cli.go does not register yet
// (crash-report, until the lead wires it) runs in-process with the same
// environment, so its requests are recorded all the same.
func program(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	m := &Main{}
	if !slices.ContainsFunc(m.commands(), func(c command) bool { return c.name == args[0] }) {
		var out bytes.Buffer
		m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(k string) string {
			if v, ok := env[k]; ok {
				return v
			}
			return os.Getenv(k)
		}}
		t.Logf("securemerge %s is not registered in cli.go: running it in-process", args[0])
		return m.runCrashReport(context.Background(), args[1:]), out.String()
	}
	out, err := child(t, env, args...).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		t.Fatalf("securemerge %v: %v", args, err)
	}
	return 0, string(out)
}

type part struct{ kind, text string }

// deliveredParts are the bodies of a message the mailbox accepted.
func deliveredParts(t *testing.T, d graphtest.Delivered) []part {
	t.Helper()
	if len(d.MIME) == 0 {
		return []part{{strings.ToLower(d.BodyType), d.Body}}
	}
	return mimeParts(t, d.MIME)
}

// mimeParts are the text and HTML bodies of a MIME message, decoded.
func mimeParts(t *testing.T, raw []byte) []part {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("delivered MIME: %v", err)
	}
	var out []part
	var walk func(h func(string) string, body io.Reader)
	walk = func(h func(string) string, body io.Reader) {
		mt, params, _ := mime.ParseMediaType(h("Content-Type"))
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err != nil {
					return
				}
				walk(p.Header.Get, p)
			}
		}
		switch strings.ToLower(h("Content-Transfer-Encoding")) {
		case "quoted-printable":
			body = quotedprintable.NewReader(body)
		case "base64":
			body = base64.NewDecoder(base64.StdEncoding, body)
		}
		b, _ := io.ReadAll(body)
		switch mt {
		case "text/plain":
			out = append(out, part{"text", string(b)})
		case "text/html":
			out = append(out, part{"html", string(b)})
		}
	}
	walk(msg.Header.Get, msg.Body)
	return out
}

var (
	urlRE  = regexp.MustCompile(`(?i)\b(?:[a-z][a-z0-9+.-]*://|www\.)[^\s"'<>()\]]+`)
	attrRE = regexp.MustCompile(`(?i)\b(?:href|src|background|action)\s*=\s*["']?([^"'\s>]+)`)
)

// urlsIn lists the URLs of a body: written out, or in an attribute that
// loads or links to something (whatever its scheme).
func urlsIn(s string) []string {
	s = strings.ReplaceAll(s, "&amp;", "&")
	out := urlRE.FindAllString(s, -1)
	for _, m := range attrRE.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	for i, u := range out {
		out[i] = strings.TrimRight(u, ".,;:!?")
	}
	return out
}
