package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// run runs the program in-process and returns its exit code and output.
func run(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	configDir := t.TempDir()
	var out, errb bytes.Buffer
	m := &Main{
		Stdin:  strings.NewReader(""),
		Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
		// A test that forgets SECUREMERGE_DATA_DIR must not write into the
		// developer's own ~/.config/SecureMerge.
		UserConfigDir: func() (string, error) { return configDir, nil },
		GUI: func(context.Context, *Main) int {
			t.Fatalf("the window opened for %q", args)
			return -1
		},
	}
	code = m.Run(context.Background(), args)
	return code, out.String(), errb.String()
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, _ := run(t, nil, args...)
		if code != exitOK || !strings.HasPrefix(out, "SecureMerge "+Version) {
			t.Errorf("securemerge %v = %d, %q; want 0 and the version", args, code, out)
		}
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	code, out, _ := run(t, nil, "help")
	if code != exitOK {
		t.Fatalf("help exit = %d", code)
	}
	for _, c := range (&Main{}).commands() {
		if !strings.Contains(out, "  "+c.name) {
			t.Errorf("help does not list %q:\n%s", c.name, out)
		}
	}
	for _, want := range []string{"Exit codes:", "SECUREMERGE_GRAPH_URL"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, c := range (&Main{}).commands() {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := run(t, nil, c.name, "--help")
			if code != exitOK {
				t.Errorf("%s --help exit = %d; want 0 (stderr %q)", c.name, code, errs)
			}
			if !strings.Contains(out+errs, "Usage: securemerge "+c.name) {
				t.Errorf("%s --help printed no usage: %q", c.name, out+errs)
			}
		})
	}
}

func TestUnknownCommandSuggests(t *testing.T) {
	code, _, errs := run(t, nil, "verison")
	if code != exitUsage {
		t.Errorf("exit = %d; want %d", code, exitUsage)
	}
	if !strings.Contains(errs, `Did you mean "version"?`) {
		t.Errorf("stderr = %q; want a suggestion", errs)
	}
}

func TestNoArgumentsOpensWindow(t *testing.T) {
	opened := false
	m := &Main{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, GUI: func(context.Context, *Main) int { opened = true; return 0 }}
	if code := m.Run(context.Background(), nil); code != 0 || !opened {
		t.Errorf("Run(no args) = %d, opened=%v; want the window", code, opened)
	}
}

func TestInterspersedFlags(t *testing.T) {
	fs := (&Main{Stderr: &bytes.Buffer{}}).flags("x", "", "")
	j := fs.Bool("json", false, "")
	s := fs.String("sheet", "", "")
	if c := parse(fs, []string{"list.xlsx", "--json", "--sheet", "Two", "more"}); c >= 0 {
		t.Fatalf("parse = %d", c)
	}
	if !*j || *s != "Two" || strings.Join(fs.Args(), " ") != "list.xlsx more" {
		t.Errorf("got json=%v sheet=%q args=%q", *j, *s, fs.Args())
	}
}
