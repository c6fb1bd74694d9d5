package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/securemerge/securemerge/internal/store"
	"github.com/securemerge/securemerge/internal/telemetry"
)

// crashMain is a Main over f's environment with its own streams.
func crashMain(f *fixture, stdin string) (*Main, *bytes.Buffer) {
	var out bytes.Buffer
	return &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &out, Getenv: func(k string) string { return f.env[k] }}, &out
}

func pending(t *testing.T, f *fixture) (string, bool) {
	t.Helper()
	db, err := store.Open(f.dataDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return db.Setting(settingCrashPending)
}

// TestCrashPreviewShowsTheScrubbing: the preview is a real report with the
// address, the home path and the cell value replaced.
func TestCrashPreviewShowsTheScrubbing(t *testing.T) {
	f := newFixture(t, 1, "")
	home := filepath.Join(t.TempDir(), "ada.lovelace")
	f.env["HOME"] = home
	m, out := crashMain(f, "")
	if code := m.runCrashReport(context.Background(), []string{"preview"}); code != exitOK {
		t.Fatalf("crash-report preview = %d\n%s", code, out)
	}
	for _, secret := range []string{"you@example.com", home, "ada.lovelace", sampleCell, "Zoé", "clients.xlsx"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("the preview carries %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{"sample crash: sending to " + telemetry.RedactedData, "open " + telemetry.RedactedPath, "row 2 holds " + telemetry.RedactedData, `"type": "*errors.errorString"`, `"function": "sampleCrash"`, "Crash reports are off"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the preview lacks %q:\n%s", want, out)
		}
	}
}

// TestHeadlessPanicIsCaughtRecordedAndAskedOnce: reports off, a panic
// sends nothing and leaves crash.pending; the next interactive run asks
// once; with reports on the next panic sends a report without the user's
// data.
func TestHeadlessPanicIsCaughtRecordedAndAskedOnce(t *testing.T) {
	crashes := startRecorder(t, "", true)
	f := newFixture(t, 3, "")
	home := t.TempDir()
	f.env["HOME"] = home
	f.env["SECUREMERGE_SENTRY_DSN"] = strings.Replace(crashes.URL, "http://", "http://public@", 1) + "/1"
	args := []string{"check", "--data", f.data, "--template", f.tpl}
	boom := func(context.Context, []string) int {
		panic("row 2: " + "zoe.2@example.fr" + " in " + f.data + " is Zoé 2 for Bonjour {{ Prénom }},")
	}
	ok := func(context.Context, []string) int { return exitOK }
	defer func(old func(*Main) bool) { interactive = old }(interactive)
	interactive = func(*Main) bool { return true }

	// A first run creates the database; nothing crashed, nothing asked.
	m, out := crashMain(f, "y\n")
	if code := m.caught(context.Background(), []string{"settings"}, m.Run); code != exitOK || strings.Contains(out.String(), "Send crash reports") {
		t.Fatalf("first run = %d, asked before any crash:\n%s", code, out)
	}
	m, out = crashMain(f, "y\n")
	if code := m.caught(context.Background(), args, boom); code != exitFailure || !strings.Contains(out.String(), "internal error") || !strings.Contains(out.String(), "campaign resume") {
		t.Fatalf("panicking command = %d\n%s", code, out)
	}
	if _, ok := pending(t, f); !ok {
		t.Error("the crash was not recorded for the question")
	}
	if n := len(crashes.requests()); n != 0 {
		t.Fatalf("%d crash reports sent with reports off", n)
	}

	m, out = crashMain(f, "y\n")
	if code := m.caught(context.Background(), args, ok); code != exitOK || strings.Count(out.String(), "Send crash reports from now on?") != 1 || !strings.Contains(out.String(), "Crash reports are on.") {
		t.Fatalf("the run after the crash = %d; want the question once and reports on:\n%s", code, out)
	}
	if _, ok := pending(t, f); ok {
		t.Error("crash.pending still set after the question")
	}
	m, out = crashMain(f, "y\n")
	if m.caught(context.Background(), args, ok); strings.Contains(out.String(), "Send crash reports") {
		t.Errorf("asked a second time:\n%s", out)
	}

	m, out = crashMain(f, "")
	if code := m.caught(context.Background(), args, boom); code != exitFailure || !strings.Contains(out.String(), "a crash report went to") {
		t.Fatalf("panicking command with reports on = %d\n%s", code, out)
	}
	rs := crashes.requests()
	if len(rs) != 1 {
		t.Fatalf("%d crash reports; want 1", len(rs))
	}
	for _, secret := range []string{"zoe.2", "Zoé", f.data, home, "Bonjour"} {
		if bytes.Contains(rs[0].Body, []byte(secret)) {
			t.Errorf("the report carries %q:\n%s", secret, rs[0].Body)
		}
	}
	if !bytes.Contains(rs[0].Body, []byte(`"type":"string"`)) || !bytes.Contains(rs[0].Body, []byte("TestHeadlessPanicIsCaughtRecordedAndAskedOnce")) {
		t.Errorf("the report lost the panic's type or stack:\n%s", rs[0].Body)
	}
}

// TestCrashReportTestNeedsTheOptIn: off means the command refuses and
// sends nothing, even with an endpoint configured.
func TestCrashReportTestNeedsTheOptIn(t *testing.T) {
	crashes := startRecorder(t, "", true)
	f := newFixture(t, 1, "")
	f.env["SECUREMERGE_SENTRY_DSN"] = strings.Replace(crashes.URL, "http://", "http://public@", 1) + "/1"
	m, out := crashMain(f, "")
	if code := m.runCrashReport(context.Background(), []string{"test"}); code != exitFailure || !strings.Contains(out.String(), "crash reports are off") {
		t.Errorf("crash-report test, reports off = %d\n%s", code, out)
	}
	if n := len(crashes.requests()); n != 0 {
		t.Errorf("%d requests with reports off", n)
	}
}

// TestWindowAsksOnceAfterACrash: the window's question follows the same
// rule as the terminal's: only after a crash, once, and "yes" turns
// crash reports on.
func TestWindowAsksOnceAfterACrash(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := (&Main{}).service(db, dir, "")
	defer svc.Close()
	ask := guiAfterCrash{db: db, svc: svc}
	if ask.Pending() {
		t.Fatal("the question is pending before any crash")
	}
	if err := db.SetSetting(settingCrashPending, "1"); err != nil {
		t.Fatal(err)
	}
	if !ask.Pending() {
		t.Fatal("no question after a crash")
	}
	if err := ask.Answer(true); err != nil {
		t.Fatal(err)
	}
	if ask.Pending() || !svc.Settings().CrashReports {
		t.Errorf("after yes: pending %v, crash reports %v", ask.Pending(), svc.Settings().CrashReports)
	}
}
