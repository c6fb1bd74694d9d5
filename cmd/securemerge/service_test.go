package main

import (
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
