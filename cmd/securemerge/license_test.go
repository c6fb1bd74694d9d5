package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/securemerge/securemerge/internal/graph/graphtest"
	"github.com/securemerge/securemerge/internal/license/licensetest"
)

// runLicenseCmd runs `securemerge license ARGS` in-process.
func runLicenseCmd(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
	code := m.runLicense(context.Background(), args)
	return code, out.String(), errb.String()
}

// TestLicenseStatusFreeLicensedOffline: free → licensed after the check →
// still licensed with the licence server stopped. (Expiry with a clock
// past it is tested in internal/license with an injected clock.)
func TestLicenseStatusFreeLicensedOffline(t *testing.T) {
	mailbox := graphtest.NewServer(graphtest.Options{Tokens: []string{"tok"}})
	t.Cleanup(mailbox.Close)
	lic := licensetest.NewServer(licensetest.Options{})
	t.Cleanup(lic.Close)
	env := map[string]string{
		"SECUREMERGE_DATA_DIR":     t.TempDir(),
		"SECUREMERGE_GRAPH_URL":    mailbox.URL,
		"SECUREMERGE_ACCESS_TOKEN": "tok",
		"SECUREMERGE_LICENSE_URL":  lic.URL,
	}
	const ada = "ada@contoso.test" // the emulator's signed-in mailbox

	code, out, errs := runLicenseCmd(t, env, "status")
	if code != exitOK || !strings.Contains(out, "Plan          free") || !strings.Contains(out, "Address       "+ada) {
		t.Fatalf("license status before any licence = %d:\n%s%s", code, out, errs)
	}

	lic.Grant(ada)
	code, out, errs = runLicenseCmd(t, env, "check")
	if code != exitOK || !strings.Contains(out, "Plan          licensed") || !strings.Contains(out, "Offline       no") || !strings.Contains(out, "Expires") {
		t.Fatalf("license check after the grant = %d:\n%s%s", code, out, errs)
	}

	lic.Close()
	code, out, errs = runLicenseCmd(t, env, "status", "--json")
	var s struct {
		Plan     string
		Licensed bool
		Email    string
		Expires  *string
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil || code != exitOK {
		t.Fatalf("license status --json = %d, %v:\n%s%s", code, err, out, errs)
	}
	if !s.Licensed || s.Plan != "pro" || s.Email != ada || s.Expires == nil {
		t.Errorf("license status with the licence server stopped = %+v; want still licensed", s)
	}

	code, out, _ = runLicenseCmd(t, env, "check")
	if code != exitFailure || !strings.Contains(out, "Plan          licensed") || !strings.Contains(out, "Offline       yes") || !strings.Contains(out, "valid until") {
		t.Errorf("license check with the server stopped = %d:\n%s; want exit 3, still licensed, offline, saying until when", code, out)
	}

	// Only the allowed request ever reached the licence server.
	for _, r := range lic.Requests() {
		if r.Method != "POST" || r.Path != "/v1/licenses/check" || r.RawQuery != "" || string(r.Body) != `{"email":"ada@contoso.test"}` {
			t.Errorf("licence request %s %s?%s %q; want only the check with the address", r.Method, r.Path, r.RawQuery, r.Body)
		}
		if ua := r.Header.Get("User-Agent"); ua != "SecureMerge/"+Version {
			t.Errorf("User-Agent = %q", ua)
		}
	}
}

func TestLicenseCommandLine(t *testing.T) {
	if code, out, _ := runLicenseCmd(t, nil, "--help"); code != exitOK || !strings.Contains(out, "Usage: securemerge license") {
		t.Errorf("license --help = %d, %q", code, out)
	}
	if code, _, errs := runLicenseCmd(t, nil, "seat"); code != exitUsage || !strings.Contains(errs, `unknown license command "seat"`) {
		t.Errorf("license seat = %d, %q; want a usage error", code, errs)
	}
	if code, _, errs := runLicenseCmd(t, nil, "assign"); code != exitUsage || !strings.Contains(errs, "takes one address") {
		t.Errorf("license assign with no address = %d, %q; want a usage error", code, errs)
	}
	if code, _, errs := runLicenseCmd(t, nil, "seats", "extra"); code != exitUsage || !strings.Contains(errs, "takes no arguments") {
		t.Errorf("license seats extra = %d, %q; want a usage error", code, errs)
	}
	if code, out, errs := runLicenseCmd(t, nil, "status", "--help"); code != exitOK || !strings.Contains(out+errs, "Usage: securemerge license status") {
		t.Errorf("license status --help = %d, %q", code, out+errs)
	}
}

// TestFooterFollowsTheLicence: a free user's messages carry the footer in
// both parts; once their address holds a licence (checked once), their
// messages carry none — with the licence server stopped too.
func TestFooterFollowsTheLicence(t *testing.T) {
	mailbox := graphtest.NewServer(graphtest.Options{Tokens: []string{"tok"}})
	t.Cleanup(mailbox.Close)
	lic := licensetest.NewServer(licensetest.Options{})
	t.Cleanup(lic.Close)
	f := newFixture(t, 2, "")
	f.env["SECUREMERGE_GRAPH_URL"] = mailbox.URL
	f.env["SECUREMERGE_ACCESS_TOKEN"] = "tok"
	f.env["SECUREMERGE_LICENSE_URL"] = lic.URL
	footer := func(name string) (text, html bool) {
		t.Helper()
		out := t.TempDir()
		if code, o, e := run(t, f.env, "send", "--data", f.data, "--template", f.tpl, "--outbox", out, "--campaign", name); code != exitOK {
			t.Fatalf("send --outbox = %d\n%s%s", code, o, e)
		}
		names, _ := filepath.Glob(filepath.Join(out, "*.eml"))
		if len(names) != 2 {
			t.Fatalf("%d messages written; want 2", len(names))
		}
		raw, _ := os.ReadFile(names[0])
		b, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw))) // both parts are quoted-printable
		eml := string(b)
		_, htmlPart, _ := strings.Cut(eml, "Content-Type: text/html")
		textPart, _, _ := strings.Cut(eml, "Content-Type: text/html")
		return strings.Contains(textPart, "Sent with SecureMerge"), strings.Contains(htmlPart, "Sent with SecureMerge") && strings.Contains(htmlPart, `href="https://securemerge.app"`)
	}
	if text, html := footer("free"); !text || !html {
		t.Errorf("a free user's message: footer in text %v, in HTML %v; want both", text, html)
	}
	lic.Grant("ada@contoso.test")
	if code, o, e := runLicenseCmd(t, f.env, "check"); code != exitOK {
		t.Fatalf("license check = %d\n%s%s", code, o, e)
	}
	lic.Close()
	if text, html := footer("licensed"); text || html {
		t.Errorf("a licensed user's message (licence server stopped): footer in text %v, in HTML %v; want none", text, html)
	}
}
