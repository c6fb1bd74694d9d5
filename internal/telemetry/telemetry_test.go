package telemetry

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/getsentry/sentry-go"
)

const (
	home     = "/home/ada.lovelace"
	address  = "ada@contoso.com"
	cell     = "Zoë Martin, 12 rue des Lilas"
	template = "Bonjour {{ Prénom }}, voici votre facture"
)

// panicReport builds a report from a real panic whose message carries an
// address, a path under home, a cell value and a line of template text.
func panicReport(t *testing.T, s *Scrubber) (rep *Report) {
	t.Helper()
	defer func() {
		rep = NewReport(recover(), "1.2.3", s)
	}()
	panic(errors.New("sending to " + address + ": open " + home + "/Documents/Clients 2026.xlsx: row 3 holds " + cell + " for " + template))
}

func secrets(host string) []string {
	out := []string{address, "ada@", home, "ada.lovelace", "Clients 2026", "Zoë", "Lilas", "facture"}
	if host != "" {
		out = append(out, host)
	}
	return out
}

func TestReportKeepsTheCrashAndDropsThePerson(t *testing.T) {
	s := NewScrubber(home)
	s.Remember(cell, template, address)
	b, err := panicReport(t, s).JSON()
	if err != nil {
		t.Fatal(err)
	}
	hostname, _ := os.Hostname()
	for _, secret := range secrets(hostname) {
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("the report carries %q:\n%s", secret, b)
		}
	}
	for _, want := range []string{`"type": "*errors.errorString"`, RedactedPath, RedactedData, `"filename": "internal/telemetry/telemetry_test.go"`, `"function": "panicReport`, `"app_version": "1.2.3"`, `"lineno"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("the report lacks %s:\n%s", want, b)
		}
	}
	if i := bytes.Index(b, []byte(`"user": `)); i >= 0 && !bytes.HasPrefix(b[i+8:], []byte("{}")) {
		t.Errorf("the report names a user:\n%s", b)
	}
	for _, field := range []string{"server_name", "request", "breadcrumbs", "abs_path", "modules", "context_line"} {
		if bytes.Contains(b, []byte(`"`+field+`"`)) {
			t.Errorf("the report has a %s field:\n%s", field, b)
		}
	}
}

func TestScrubberCatchesWhatItWasNotTold(t *testing.T) {
	s := NewScrubber(`C:\Users\Ada`)
	got := s.Scrub(`open c:/users/ada/Desktop/list.xlsx: bad cell "Jean Dupont" from Bob.Smith@Example.org`)
	for _, secret := range []string{"Desktop", "list.xlsx", "Jean", "Bob", "Example.org"} {
		if strings.Contains(got, secret) {
			t.Errorf("Scrub left %q: %s", secret, got)
		}
	}
	if !strings.HasPrefix(got, "open "+RedactedPath+": bad cell") {
		t.Errorf("Scrub = %q; want the message's shape kept", got)
	}
}

func TestHomeMatchesOnlyAsAPath(t *testing.T) {
	s := NewScrubber("/root")
	if got := s.Scrub("groot/x.go: open /root/.config/x.db: busy"); got != "groot/x.go: open "+RedactedPath+": busy" {
		t.Errorf("Scrub = %q", got)
	}
}

func TestShortCellValuesDoNotEatTheMessage(t *testing.T) {
	s := NewScrubber("")
	s.Remember("1", "Oui", "")
	if got := s.Scrub("index out of range [1] with length 1"); got != "index out of range [1] with length 1" {
		t.Errorf("Scrub = %q", got)
	}
}

type sink struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
}

func newSink(t *testing.T) *sink {
	k := &sink{}
	k.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			body, _ = gzip.NewReader(r.Body)
		}
		b, _ := io.ReadAll(body)
		k.mu.Lock()
		k.bodies = append(k.bodies, b)
		k.mu.Unlock()
		w.Write([]byte(`{"id":"x"}`))
	}))
	t.Cleanup(k.Close)
	return k
}

func (k *sink) got() [][]byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([][]byte(nil), k.bodies...)
}

func dsn(u string) string { return strings.Replace(u, "http://", "http://public@", 1) + "/1" }

func TestSendDeliversOnlyTheScrubbedReport(t *testing.T) {
	k := newSink(t)
	s := NewScrubber(home)
	s.Remember(cell, template, address)
	r, err := New(Options{DSN: dsn(k.URL), Release: "1.2.3"}, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Send(context.Background(), panicReport(t, s)); err != nil {
		t.Fatal(err)
	}
	bodies := k.got()
	if len(bodies) != 1 {
		t.Fatalf("the endpoint got %d requests; want 1", len(bodies))
	}
	hostname, _ := os.Hostname()
	for _, secret := range secrets(hostname) {
		if bytes.Contains(bodies[0], []byte(secret)) {
			t.Errorf("the sent report carries %q:\n%s", secret, bodies[0])
		}
	}
	if !bytes.Contains(bodies[0], []byte("*errors.errorString")) || !bytes.Contains(bodies[0], []byte(RedactedPath)) {
		t.Errorf("the sent report lost the crash:\n%s", bodies[0])
	}
	if c := sentry.CurrentHub().Client(); c != nil && c.Options().Dsn != "" {
		t.Error("New initialised the global Sentry hub; only its own client may exist")
	}
}

// TestNoEndpointMeansNoReport: sentry-go would take SENTRY_DSN from the
// environment when given no DSN; New must refuse instead.
func TestNoEndpointMeansNoReport(t *testing.T) {
	k := newSink(t)
	t.Setenv("SENTRY_DSN", dsn(k.URL))
	if _, err := New(Options{Release: "1.2.3"}, nil); !errors.Is(err, ErrNoDSN) {
		t.Fatalf("New without a DSN = %v; want ErrNoDSN", err)
	}
	if n := len(k.got()); n != 0 {
		t.Errorf("%d requests reached the SENTRY_DSN endpoint", n)
	}
	if _, err := New(Options{DSN: "http://key@reports.example.com/1"}, nil); err == nil {
		t.Error("New accepted a plain-http endpoint off this machine")
	}
}

// FuzzScrubLeavesNoAddress: whatever the text and the user's strings, the
// scrubbed text holds no address and none of the strings.
func FuzzScrubLeavesNoAddress(f *testing.F) {
	f.Add("send to ada@contoso.com failed: open /home/ada/x.xlsx", "Zoé Martin")
	f.Add(`"quoted" 'it''s' `+"`raw`", "a@b.c")
	f.Fuzz(func(t *testing.T, text, value string) {
		s := NewScrubber("/home/ada")
		s.Remember(value)
		got := s.Scrub(text)
		if m := emailRE.FindString(got); m != "" {
			t.Errorf("Scrub(%q) = %q: still holds %q", text, got, m)
		}
		if v := strings.TrimSpace(value); len([]rune(v)) >= MinKnownLen && !strings.Contains(v, "\n") && strings.Contains(got, v) && !strings.Contains(RedactedData+RedactedAddress+RedactedPath+RedactedQuoted, v) {
			t.Errorf("Scrub(%q) with %q known = %q", text, v, got)
		}
	})
}
