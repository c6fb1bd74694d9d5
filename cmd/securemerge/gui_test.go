package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/securemerge/securemerge/internal/campaign"
	"github.com/securemerge/securemerge/internal/store"
	"github.com/securemerge/securemerge/internal/telemetry"
	"github.com/securemerge/securemerge/ui"
)

// TestSampleCampaignWorksWithNoAccount checks what a new user gets on first
// run: one sample draft, created once, that sends to the app's own outbox
// with no account and no network.
func TestSampleCampaignWorksWithNoAccount(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := addSample(db, dir, "", "en"); err != nil {
			t.Fatalf("addSample: %v", err)
		}
	}
	list, _ := db.Campaigns()
	if len(list) != 1 || list[0].Settings.Mode != campaign.ModeOutbox {
		t.Fatalf("after two starts: %d campaigns %+v; want one outbox sample", len(list), list)
	}
	id := list[0].ID
	db.Close()
	env := map[string]string{"SECUREMERGE_DATA_DIR": dir}
	code, out, errs := run(t, env, "campaign", "resume", id)
	if code != exitOK {
		t.Fatalf("sending the sample = %d:\n%s%s", code, out, errs)
	}
	// DESIGN.md §9: a campaign with no folder chosen writes to
	// <data folder>/outbox/<campaign name>/.
	if n := countEML(t, filepath.Join(dir, store.OutboxName, "Sample - appointment reminders")); n != 5 {
		t.Errorf("the sample wrote %d messages to the app's outbox; want 5", n)
	}
}

// TestSampleSpeaksTheWindowsLanguage: a French window opens on a French
// sample, whose message is in French too.
func TestSampleSpeaksTheWindowsLanguage(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := addSample(db, dir, "", "fr"); err != nil {
		t.Fatal(err)
	}
	list, _ := db.Campaigns()
	if len(list) != 1 || list[0].Name != "Exemple : rappels de rendez-vous" || !strings.Contains(list[0].Template, "Bonjour") {
		t.Fatalf("the French sample is %+v", list)
	}
}

func TestOpenFileArgumentsReachTheWindow(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "list.csv")
	tpl := filepath.Join(dir, "invite.tpl")
	for _, f := range []string{data, tpl} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var got [2]string
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" },
		GUI: func(_ context.Context, m *Main) int { got = [2]string{m.open.data, m.open.template}; return exitOK }}
	if code := m.Run(context.Background(), []string{data, "--template", tpl}); code != exitOK || got != [2]string{data, tpl} {
		t.Errorf("securemerge FILE --template FILE: exit %d, window opened on %q", code, got)
	}
	var errs strings.Builder
	m.Stderr = &errs
	if code := m.Run(context.Background(), []string{filepath.Join(dir, "missing.xlsx")}); code != exitUsage || !strings.Contains(errs.String(), "no such file") {
		t.Errorf("a missing file: exit %d, %q", code, errs.String())
	}
}

// TestWindowSettingsTellWhatTheCommandsTell: the Settings screen's licence
// status and crash-report preview come from the code of `license status`
// and `crash-report preview`.
func TestWindowSettingsTellWhatTheCommandsTell(t *testing.T) {
	f := newFixture(t, 1, "")
	home := filepath.Join(t.TempDir(), "ada.lovelace")
	f.env["HOME"] = home
	m, out := crashMain(f, "")
	if code := m.runCrashReport(context.Background(), []string{"preview"}); code != exitOK {
		t.Fatalf("crash-report preview = %d\n%s", code, out)
	}
	cli := out.String()
	b, err := guiCrash{m: m}.Preview(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	window := string(b)
	for _, want := range []string{"sample crash: sending to " + telemetry.RedactedData, "open " + telemetry.RedactedPath,
		"row 2 holds " + telemetry.RedactedData, `"type": "*errors.errorString"`, `"function": "sampleCrash"`} {
		if !strings.Contains(cli, want) || !strings.Contains(window, want) {
			t.Errorf("%q: in the command's preview %v, in the window's %v", want, strings.Contains(cli, want), strings.Contains(window, want))
		}
	}
	for _, secret := range []string{"you@example.com", home, sampleCell} {
		if strings.Contains(window, secret) {
			t.Errorf("the window's preview carries %q:\n%s", secret, window)
		}
	}

	db, err := store.Open(f.dataDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := (&guiLicence{m: m, db: db}).Status(context.Background())
	if s.Licensed {
		t.Errorf("with no licence the window says licensed: %+v", s)
	}
}

func TestParseDeviceCode(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		want ui.DeviceCode
	}{
		{"To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code F7KQ29XD to authenticate.",
			ui.DeviceCode{Code: "F7KQ29XD", URL: "https://microsoft.com/devicelogin"}},
		{"Open http://127.0.0.1:4444/device, then type the code AB-12CD.", ui.DeviceCode{Code: "AB-12CD", URL: "http://127.0.0.1:4444/device"}},
		{"Something else entirely", ui.DeviceCode{Code: "Something else entirely"}},
	} {
		if got := parseDeviceCode(tc.msg); got != tc.want {
			t.Errorf("parseDeviceCode(%q) = %+v; want %+v", tc.msg, got, tc.want)
		}
	}
}

// TestWindowAccountWithNobodySignedIn: no account, no network: nobody, and
// signing out is harmless.
func TestWindowAccountWithNobodySignedIn(t *testing.T) {
	f := newFixture(t, 1, "")
	f.env["SECUREMERGE_CLIENT_ID"] = "11111111-2222-3333-4444-555555555555"
	m, _ := crashMain(f, "")
	a := &guiAccount{m: m}
	if who := a.Who(context.Background()); who != "" {
		t.Errorf("Who = %q; want nobody", who)
	}
	if err := a.SignOut(context.Background()); err != nil {
		t.Errorf("SignOut with nobody signed in: %v", err)
	}
}

// TestAnUnopenableDisplayIsNotACrash: GLFW's start-up failures are a
// display problem to explain, anything else stays a crash.
func TestAnUnopenableDisplayIsNotACrash(t *testing.T) {
	for v, want := range map[any]bool{
		errors.New("PlatformError: X11: Failed to open display :93"):      true,
		errors.New("NotInitialized: The GLFW library is not initialized"): true,
		errors.New("index out of range"):                                  false,
		"PlatformError: a string, not an error":                           false,
	} {
		if got := noDisplay(v); got != want {
			t.Errorf("noDisplay(%v) = %v; want %v", v, got, want)
		}
	}
}
