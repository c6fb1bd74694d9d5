package main

import (
	"os"
	"strings"
	"testing"
)

// TestTemplateErrorsNameTheUsersFile: a campaign keeps the name of the
// template file it came from, so a located error points into invite.tpl,
// not into "spring.tpl" or "invite 2026-12-01 08:42.tpl".
func TestTemplateErrorsNameTheUsersFile(t *testing.T) {
	body := "From: Ada <ada@contoso.test>\nTo: {{ E-mail }}\nSubject: Bonjour\n\nBonjour,\n{{ Prenon }}\n"
	for _, name := range []string{"spring", ""} {
		f := newFixture(t, 2, body)
		args := []string{"send", "--data", f.data, "--template", f.tpl, "--outbox", t.TempDir()}
		if name != "" {
			args = append(args, "--campaign", name)
		}
		code, out, errs := run(t, f.env, args...)
		if code != exitProblems {
			t.Fatalf("send with an unknown column = %d; want %d\n%s%s", code, exitProblems, out, errs)
		}
		if !strings.Contains(errs, "invite.tpl:6:4:") || strings.Contains(errs, "spring.tpl") || strings.Contains(errs, "invite 20") {
			t.Errorf("campaign %q: the error does not name invite.tpl:6:4:\n%s", name, errs)
		}
	}
}

// TestOutboxThenLiveIsRefused: a campaign written to the outbox cannot be
// relabelled as sent live (nothing would be sent, "Done: 2 sent" would be
// printed): the command says to duplicate it.
func TestOutboxThenLiveIsRefused(t *testing.T) {
	f := newFixture(t, 2, "")
	out := t.TempDir()
	if code, o, e := run(t, f.env, "send", "--data", f.data, "--template", f.tpl, "--outbox", out, "--campaign", "spring"); code != exitOK {
		t.Fatalf("outbox run = %d\n%s%s", code, o, e)
	}
	f.env["SECUREMERGE_GRAPH_URL"] = "http://127.0.0.1:9/v1.0"
	f.env["SECUREMERGE_ACCESS_TOKEN"] = "tok"
	code, o, e := run(t, f.env, "send", "--data", f.data, "--template", f.tpl, "--live", "--yes", "--campaign", "spring")
	if code != exitUsage || !strings.Contains(e, "campaign duplicate") || strings.Contains(o, "sent") {
		t.Errorf("live after outbox = %d; want a refusal naming 'campaign duplicate'\n%s%s", code, o, e)
	}
	code, o, _ = run(t, f.env, "campaign", "show", "spring")
	if code != exitOK || !strings.Contains(o, "outbox") {
		t.Errorf("the campaign was relabelled:\n%s", o)
	}
}

func TestSettingsReadAndWrite(t *testing.T) {
	f := newFixture(t, 1, "")
	if code, _, e := run(t, f.env, "settings", "daily-limit", "250"); code != exitOK {
		t.Fatalf("settings daily-limit 250 = %d: %s", code, e)
	}
	if code, _, e := run(t, f.env, "settings", "rate", "100"); code != exitUsage || !strings.Contains(e, "30") {
		t.Errorf("settings rate 100 = %d %q; want a refusal citing the limit of 30", code, e)
	}
	if code, _, _ := run(t, f.env, "settings", "colour", "blue"); code != exitUsage {
		t.Errorf("an unknown setting = %d; want %d", code, exitUsage)
	}
	code, o, _ := run(t, f.env, "settings")
	if code != exitOK || !strings.Contains(o, "daily-limit    250") || !strings.Contains(o, "crash-reports  off") {
		t.Errorf("settings =\n%s", o)
	}
	// The from setting is what an outbox message is sent from when the
	// template and the command line name nobody.
	g := newFixture(t, 1, "To: {{ E-mail }}\nSubject: Bonjour\n\nBonjour\n")
	g.env = f.env
	if code, _, e := run(t, g.env, "settings", "from", "Ada <ada@contoso.test>"); code != exitOK {
		t.Fatalf("settings from = %d: %s", code, e)
	}
	code, o, e := run(t, g.env, "preview", "--data", g.data, "--template", g.tpl)
	if code != exitOK || !strings.Contains(o, "ada@contoso.test") {
		t.Errorf("preview with the from setting = %d\n%s%s", code, o, e)
	}
}

// TestPreviewNeverPrintsACellsEscapes: a cell holding an OSC sequence (it
// can retitle a terminal or write its clipboard) is shown escaped.
func TestPreviewNeverPrintsACellsEscapes(t *testing.T) {
	f := newFixture(t, 1, "From: Ada <ada@contoso.test>\nTo: {{ E-mail }}\nSubject: Hi\nFormat: text\n\nDear {{ Ville }}\n")
	data := "Prénom;E-mail;Ville\nZoé;zoe@example.fr;\"\x1b]52;c;ZWNobyBoaQ==\x07Lyon\"\n"
	if err := os.WriteFile(f.data, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, f.env, "preview", "--data", f.data, "--template", f.tpl)
	if code != exitOK {
		t.Fatalf("preview = %d\n%s%s", code, out, errs)
	}
	if strings.ContainsRune(out, '\x1b') || strings.ContainsRune(out, '\x07') {
		t.Errorf("preview printed a raw escape sequence:\n%q", out)
	}
	if !strings.Contains(out, `\x1b]52`) {
		t.Errorf("preview does not show the escaped cell:\n%s", out)
	}
}

// TestSkipInvalidSendsTheOthers: a row with an error blocks the send; with
// --skip-invalid the others go out and the row is recorded with its reason.
func TestSkipInvalidSendsTheOthers(t *testing.T) {
	f := newFixture(t, 3, "")
	data := "Prénom;E-mail;Ville\nZoé;zoe.1@example.fr;Lyon\nBad;not-an-address;Lyon\nAnn;ann@example.fr;Paris\n"
	if err := os.WriteFile(f.data, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	args := []string{"send", "--data", f.data, "--template", f.tpl, "--outbox", out, "--campaign", "skip"}
	code, _, errs := run(t, f.env, args...)
	if code != exitProblems || !strings.Contains(errs, "--skip-invalid") {
		t.Fatalf("send with a bad row = %d; want %d and the --skip-invalid advice\n%s", code, exitProblems, errs)
	}
	if n := countEML(t, out); n != 0 {
		t.Fatalf("%d messages written although a row had an error", n)
	}
	if code, o, e := run(t, f.env, append(args, "--skip-invalid")...); code != exitOK {
		t.Fatalf("send --skip-invalid = %d\n%s%s", code, o, e)
	}
	if n := countEML(t, out); n != 2 {
		t.Errorf("%d messages written; want the 2 valid rows", n)
	}
	code, o, _ := run(t, f.env, "campaign", "results", "skip")
	if code != exitOK || !strings.Contains(o, "skipped") || !strings.Contains(o, "not sent:") {
		t.Errorf("results do not show the skipped row with its reason:\n%s", o)
	}
}
