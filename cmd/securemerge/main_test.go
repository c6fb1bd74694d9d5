package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/securemerge/securemerge/internal/quietinit"
)

// TestMain lets the test binary act as the securemerge program in a child
// process (SECUREMERGE_TEST_MAIN=1), so end-to-end tests can run the real
// command and kill it with SIGKILL without building another binary.
func TestMain(m *testing.M) {
	quietinit.Release()
	if os.Getenv("SECUREMERGE_TEST_MAIN") == "1" {
		code := (&Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}).RunCaught(context.Background(), os.Args[1:])
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestHeadlessCommandsAreQuietInTheCLocale runs the real program with the
// usual container locale: Fyne, linked in for the window, must not print
// "Fyne error: Error parsing user locale C" before a headless command.
func TestHeadlessCommandsAreQuietInTheCLocale(t *testing.T) {
	for _, loc := range []string{"C.UTF-8", "C", "POSIX"} {
		cmd := child(t, map[string]string{"LANG": loc, "LC_ALL": "", "LANGUAGE": "", "SECUREMERGE_DATA_DIR": t.TempDir()}, "version")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("LANG=%s securemerge version: %v", loc, err)
		}
		if !strings.HasPrefix(string(out), "SecureMerge ") || strings.Count(string(out), "\n") != 1 {
			t.Errorf("LANG=%s: stdout %q; want the version line only", loc, out)
		}
		if stderr.Len() != 0 {
			t.Errorf("LANG=%s: stderr %q; want nothing", loc, stderr.String())
		}
	}
}
